/**
 * Descriptors in the 64-bit user layout (#pragma pack(4), little endian;
 * xnu:osfmk/mach/message.h, reference §2.2). Every descriptor keeps its type in
 * byte 11, which is how the kernel walks them
 * (xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_measure_descriptors_from_user). Port
 * descriptors are 12 bytes; OOL, OOL-ports and guarded-port descriptors are 16
 * bytes for a 64-bit task (xnu:osfmk/ipc/ipc_kmsg.c:ikm_user_desc_size).
 *
 * | kind | bytes |
 * |---|---|
 * | port | name u32 @0, pad u32 @4, pad u16 @8, disposition @10, type 0 @11 |
 * | OOL (1, volatile 3) | address u64 @0, deallocate @8, copy @9, pad @10, type @11, size u32 @12 |
 * | OOL ports (2) | address u64 @0, deallocate @8, copy @9, disposition @10, type @11, count u32 @12 |
 * | guarded port (4) | context u64 @0, flags u16 @8, disposition @10, type @11, name u32 @12 |
 * @module
 */
import {
  MACH_MSG_GUARDED_PORT_DESCRIPTOR,
  MACH_MSG_OOL_DESCRIPTOR,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_OOL_VOLATILE_DESCRIPTOR,
  MACH_MSG_PHYSICAL_COPY,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_PORT_DESCRIPTOR_SIZE,
  MACH_MSG_OOL_DESCRIPTOR_SIZE,
  MACH_MSG_VIRTUAL_COPY,
  MACH_SEND_INVALID_MEMORY,
  MACH_SEND_INVALID_TYPE,
} from '../constants.js';
import { MachError } from '../errors.js';
import type { MachMsgDescriptor, OolDescriptor, OolPortsDescriptor } from '../types.js';
import { checkBytes, checkU32, checkU64, checkUnsigned, describe } from './argument-checks.js';

/** Byte offset of the type byte inside every descriptor. */
export const DESCRIPTOR_TYPE_OFFSET = 11;

/** True for the descriptor types XNU knows (0..MACH_MSG_DESCRIPTOR_MAX). */
export function isDescriptorType(type: number): boolean {
  return type >= MACH_MSG_PORT_DESCRIPTOR && type <= MACH_MSG_GUARDED_PORT_DESCRIPTOR;
}

/** The 64-bit user size of a descriptor of a known type: 12 for ports, 16 for the rest. */
export function descriptorWireSize(type: number): number {
  return type === MACH_MSG_PORT_DESCRIPTOR ? MACH_MSG_PORT_DESCRIPTOR_SIZE : MACH_MSG_OOL_DESCRIPTOR_SIZE;
}

/**
 * The wire size of a descriptor object about to be encoded. An unknown type cannot be
 * laid out; the kernel refuses such a descriptor with MACH_SEND_INVALID_TYPE, and so
 * does the encoder. A value that is not a descriptor object is a TypeError.
 */
export function descriptorEncodedSize(desc: MachMsgDescriptor, index: number): number {
  if (typeof desc !== 'object' || desc === null) {
    throw new TypeError(`descriptors[${index}] must be a descriptor object, got ${describe(desc)}`);
  }
  const type = (desc as { type: unknown }).type;
  if (typeof type !== 'number' || !Number.isInteger(type)) {
    throw new TypeError(`descriptors[${index}].type must be an integer, got ${describe(type)}`);
  }
  if (!isDescriptorType(type)) {
    throw new MachError(MACH_SEND_INVALID_TYPE, `descriptors[${index}] has type ${type}`);
  }
  return descriptorWireSize(type);
}

/** The byte count an OOL descriptor sends: `size` if given (at most data.byteLength), else the data length. */
export function oolSendSize(desc: OolDescriptor, index: number): number {
  const data = checkBytes(desc.data, `descriptors[${index}].data`);
  if (desc.size === undefined) return data.byteLength;
  const size = checkU32(desc.size, `descriptors[${index}].size`);
  // The kernel would read past the region and fail the copy-in with
  // MACH_SEND_INVALID_MEMORY (xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_ool_descriptor);
  // the encoder refuses before anything is sent, since the bytes do not exist.
  if (size > data.byteLength) {
    throw new MachError(MACH_SEND_INVALID_MEMORY, `descriptors[${index}].size ${size} exceeds data.byteLength ${data.byteLength}`);
  }
  return size;
}

/**
 * Writes one descriptor at `offset` (already sized by descriptorEncodedSize). OOL and
 * OOL-ports addresses are written as 0: whoever sends the bytes patches real addresses
 * in. Returns the OOL data or the OOL-port names the descriptor refers to, or
 * undefined for port kinds.
 */
export function writeDescriptor(
  view: DataView,
  offset: number,
  desc: MachMsgDescriptor,
  index: number,
): Uint8Array | Uint32Array | undefined {
  const where = `descriptors[${index}]`;
  switch (desc.type) {
    case MACH_MSG_PORT_DESCRIPTOR:
      view.setUint32(offset, checkU32(desc.name, `${where}.name`), true);
      view.setUint32(offset + 4, 0, true);
      view.setUint16(offset + 8, 0, true);
      view.setUint8(offset + 10, checkUnsigned(desc.disposition, 8, `${where}.disposition`));
      view.setUint8(offset + 11, MACH_MSG_PORT_DESCRIPTOR);
      return undefined;
    case MACH_MSG_OOL_DESCRIPTOR:
    case MACH_MSG_OOL_VOLATILE_DESCRIPTOR: {
      const size = oolSendSize(desc, index);
      view.setBigUint64(offset, 0n, true);
      view.setUint8(offset + 8, desc.deallocate ? 1 : 0);
      view.setUint8(offset + 9, checkUnsigned(desc.copy ?? MACH_MSG_VIRTUAL_COPY, 8, `${where}.copy`));
      view.setUint8(offset + 10, 0);
      view.setUint8(offset + 11, desc.type);
      view.setUint32(offset + 12, size, true);
      return desc.data.subarray(0, size);
    }
    case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
      const names = oolPortNames(desc, where);
      view.setBigUint64(offset, 0n, true);
      view.setUint8(offset + 8, desc.deallocate ? 1 : 0);
      view.setUint8(offset + 9, checkUnsigned(desc.copy ?? MACH_MSG_PHYSICAL_COPY, 8, `${where}.copy`));
      view.setUint8(offset + 10, checkUnsigned(desc.disposition, 8, `${where}.disposition`));
      view.setUint8(offset + 11, MACH_MSG_OOL_PORTS_DESCRIPTOR);
      view.setUint32(offset + 12, names.length, true);
      return names;
    }
    case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
      view.setBigUint64(offset, checkU64(desc.context, `${where}.context`), true);
      view.setUint16(offset + 8, checkUnsigned(desc.flags, 16, `${where}.flags`), true);
      view.setUint8(offset + 10, checkUnsigned(desc.disposition, 8, `${where}.disposition`));
      view.setUint8(offset + 11, MACH_MSG_GUARDED_PORT_DESCRIPTOR);
      view.setUint32(offset + 12, checkU32(desc.name, `${where}.name`), true);
      return undefined;
    default:
      throw new MachError(MACH_SEND_INVALID_TYPE, `${where} has type ${(desc as { type: number }).type}`);
  }
}

/**
 * The names of an OOL-ports descriptor as a fresh Uint32Array (TypeError for a non-array
 * or a bad name). A Uint32Array (what mach_port_names returns) is copied too: the copy is
 * the region the send hands over, never the caller's memory.
 */
function oolPortNames(desc: OolPortsDescriptor, where: string): Uint32Array {
  const given: unknown = desc.names;
  if (given instanceof Uint32Array) return given.slice();
  if (!Array.isArray(desc.names)) throw new TypeError(`${where}.names must be an array or a Uint32Array, got ${describe(desc.names)}`);
  const names = new Uint32Array(desc.names.length);
  for (let i = 0; i < names.length; i++) names[i] = checkU32(desc.names[i], `${where}.names[${i}]`);
  return names;
}

/** Reads OOL memory and OOL-port arrays a received message points to. */
export interface OolResolver {
  /** The `size` bytes at `address` in the receiver's address space. */
  ool(address: bigint, size: number): Uint8Array;
  /** The `count` port names at `address`. */
  oolPorts(address: bigint, count: number): number[];
}

/**
 * Reads the descriptor at `offset` whose type byte the caller has checked. Without a
 * resolver, OOL data and OOL-port names are left empty and the address (and count)
 * kept on the descriptor.
 */
export function readDescriptor(view: DataView, offset: number, resolve?: OolResolver): MachMsgDescriptor {
  const type = view.getUint8(offset + DESCRIPTOR_TYPE_OFFSET);
  switch (type) {
    case MACH_MSG_PORT_DESCRIPTOR:
      return { type, name: view.getUint32(offset, true), disposition: view.getUint8(offset + 10) };
    case MACH_MSG_OOL_DESCRIPTOR:
    case MACH_MSG_OOL_VOLATILE_DESCRIPTOR: {
      const address = view.getBigUint64(offset, true);
      const size = view.getUint32(offset + 12, true);
      return {
        type,
        data: resolve ? resolve.ool(address, size) : new Uint8Array(0),
        // boolean_t deallocate:8 — any non-zero byte is true.
        deallocate: view.getUint8(offset + 8) !== 0,
        copy: view.getUint8(offset + 9),
        size,
        address,
      };
    }
    case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
      const address = view.getBigUint64(offset, true);
      const count = view.getUint32(offset + 12, true);
      return {
        type,
        names: resolve ? resolve.oolPorts(address, count) : [],
        disposition: view.getUint8(offset + 10),
        deallocate: view.getUint8(offset + 8) !== 0,
        copy: view.getUint8(offset + 9),
        address,
        count,
      };
    }
    default:
      // Callers only pass offsets whose type byte is 0..4, so this is type 4.
      return {
        type: MACH_MSG_GUARDED_PORT_DESCRIPTOR,
        context: view.getBigUint64(offset, true),
        flags: view.getUint16(offset + 8, true),
        disposition: view.getUint8(offset + 10),
        name: view.getUint32(offset + 12, true),
      };
  }
}
