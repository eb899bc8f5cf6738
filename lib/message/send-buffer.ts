/**
 * Parsing a send buffer the way XNU's copy-in validates it, before any right is
 * touched: sizes, descriptor count, descriptor types, then each descriptor's own
 * checks, in the kernel's order. Used by the emulator's mach_msg on raw bytes and by
 * anyone who wants to know what Darwin would say about a buffer.
 *
 * Order (xnu-11417, osfmk/ipc/mach_msg.c:mach_msg_trap_send, then
 * osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_from_user):
 * 1. send_size < 24 or not a multiple of 4 → MACH_SEND_MSG_TOO_SMALL;
 *    send_size > 50 331 580 → MACH_SEND_TOO_LARGE.
 * 2. COMPLEX and send_size < 28 → MACH_SEND_MSG_TOO_SMALL; descriptor count >
 *    (send_size − 28) / 12 → MACH_SEND_MSG_TOO_SMALL.
 * 3. Measuring the descriptors left to right
 *    (ipc_kmsg_measure_descriptors_from_user): a descriptor that does not fit →
 *    MACH_SEND_MSG_TOO_SMALL; a type above 4 → MACH_SEND_INVALID_TYPE.
 * 4. Inflating them (ipc_kmsg_inflate_descriptors) — right to left when there are at
 *    most 64, left to right otherwise, so with several bad descriptors the last one
 *    decides: OOL copy option other than PHYSICAL/VIRTUAL → MACH_SEND_INVALID_TYPE;
 *    the running count of rights overflowing 32 bits → MACH_SEND_TOO_LARGE; guarded
 *    port with disposition ≠ MOVE_RECEIVE, flags 0, unknown flags, or
 *    UNGUARDED_ON_SEND with a non-zero context → MACH_SEND_INVALID_TYPE.
 * 5. More than 16 383 rights in descriptors → MACH_SEND_TOO_LARGE
 *    (osfmk/ipc/ipc_policy.c:ipc_validate_kmsg_schema_from_user).
 *
 * Not modelled: the MACH_MSG_VM_KERNEL limit on total OOL size, which depends on the
 * machine's memory (ipc_kmsg_max_vm_space), and the MACH64_SEND_KOBJECT_CALL rule
 * refusing volatile-OOL and guarded descriptors to kernel objects.
 * @module
 */
import {
  MACH_MSG_BODY_SIZE,
  MACH_MSG_GUARD_FLAGS_MASK,
  MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND,
  MACH_MSG_GUARDED_PORT_DESCRIPTOR,
  MACH_MSG_HEADER_SIZE,
  MACH_MSGH_BITS_COMPLEX,
  MACH_MSGH_BITS_USER,
  MACH_MSG_OOL_DESCRIPTOR,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_OOL_VOLATILE_DESCRIPTOR,
  MACH_MSG_PHYSICAL_COPY,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_VIRTUAL_COPY,
  MACH_SEND_INVALID_DATA,
  MACH_SEND_INVALID_TYPE,
  MACH_SEND_MSG_TOO_SMALL,
  MACH_SEND_TOO_LARGE,
} from '../constants.js';
import { MachError } from '../errors.js';
import type { MachMessage, MachMsgDescriptor } from '../types.js';
import { checkBytes, describe } from './argument-checks.js';
import { DESCRIPTOR_TYPE_OFFSET, descriptorWireSize, isDescriptorType, readDescriptor } from './descriptors.js';
import { readHeader } from './header.js';
import { MAX_SEND_SIZE } from './wire.js';

/** IPC_KMSG_MAX_OOL_PORT_COUNT (xnu:osfmk/ipc/ipc_policy.h): most rights one message may carry in descriptors. */
export const MAX_DESCRIPTOR_RIGHTS = 16383;

/** Descriptors up to this count are inflated right to left (xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_inflate_descriptors). */
const RIGHT_TO_LEFT_LIMIT = 64;

/**
 * Parses the first `sendSize` bytes of `bytes` as a send buffer, with the checks and
 * error codes of XNU's copy-in (see the module comment for the order). Returns the
 * message as the kernel sees it: msgh_bits reduced to MACH_MSGH_BITS_USER, msgh_size
 * = sendSize, descriptors present iff COMPLEX (OOL data empty, `address` and `count`
 * kept), the inline body copied. A `sendSize` beyond the buffer is
 * MACH_SEND_INVALID_DATA (the kernel's copy-in would fault). TypeError only for
 * arguments of the wrong JS type.
 */
export function decodeSendBuffer(bytes: Uint8Array, sendSize: number): MachMessage {
  checkBytes(bytes, 'bytes');
  if (typeof sendSize !== 'number' || !Number.isInteger(sendSize) || sendSize < 0 || sendSize > 0xffffffff) {
    throw new TypeError(`sendSize must be a uint32, got ${describe(sendSize)}`);
  }
  if (sendSize < MACH_MSG_HEADER_SIZE || sendSize % 4 !== 0) {
    throw new MachError(MACH_SEND_MSG_TOO_SMALL, `send size ${sendSize}`);
  }
  if (sendSize > MAX_SEND_SIZE) throw new MachError(MACH_SEND_TOO_LARGE, `send size ${sendSize} exceeds ${MAX_SEND_SIZE}`);
  if (sendSize > bytes.byteLength) {
    throw new MachError(MACH_SEND_INVALID_DATA, `send size ${sendSize} exceeds the ${bytes.byteLength}-byte buffer`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, sendSize);
  const header = readHeader(view, 0);
  header.msgh_bits = (header.msgh_bits & MACH_MSGH_BITS_USER) >>> 0;
  header.msgh_size = sendSize;
  const message: MachMessage = { header };
  let pos = MACH_MSG_HEADER_SIZE;
  let rights = 0;
  if ((header.msgh_bits & MACH_MSGH_BITS_COMPLEX) !== 0) {
    if (sendSize < MACH_MSG_HEADER_SIZE + MACH_MSG_BODY_SIZE) {
      throw new MachError(MACH_SEND_MSG_TOO_SMALL, `complex message of ${sendSize} bytes has no descriptor count`);
    }
    const count = view.getUint32(pos, true);
    pos += MACH_MSG_BODY_SIZE;
    const available = sendSize - pos;
    if (count > Math.floor(available / 12)) {
      throw new MachError(MACH_SEND_MSG_TOO_SMALL, `${count} descriptors cannot fit in ${available} bytes`);
    }
    const { offsets, end } = measureDescriptors(view, pos, available, count);
    rights = inflateDescriptors(view, offsets);
    const descriptors: MachMsgDescriptor[] = new Array(count);
    for (let i = 0; i < count; i++) descriptors[i] = readDescriptor(view, offsets[i]!);
    message.descriptors = descriptors;
    pos = end;
  }
  if (rights > MAX_DESCRIPTOR_RIGHTS) {
    throw new MachError(MACH_SEND_TOO_LARGE, `${rights} rights in descriptors exceed ${MAX_DESCRIPTOR_RIGHTS}`);
  }
  message.body = bytes.slice(pos, sendSize);
  return message;
}

/** Step 3: the offset of each descriptor and where they end, checking fit and type left to right. */
function measureDescriptors(view: DataView, start: number, available: number, count: number): { offsets: number[]; end: number } {
  const offsets: number[] = new Array(count);
  let dpos = 0;
  for (let i = 0; i < count; i++) {
    if (dpos + 12 > available) throw new MachError(MACH_SEND_MSG_TOO_SMALL, `descriptor ${i} does not fit`);
    const type = view.getUint8(start + dpos + DESCRIPTOR_TYPE_OFFSET);
    if (!isDescriptorType(type)) throw new MachError(MACH_SEND_INVALID_TYPE, `descriptor ${i} has type ${type}`);
    offsets[i] = start + dpos;
    dpos += descriptorWireSize(type);
    if (dpos > available) throw new MachError(MACH_SEND_MSG_TOO_SMALL, `descriptor ${i} does not fit`);
  }
  return { offsets, end: start + dpos };
}

/** Step 4: per-descriptor checks in the kernel's walk order; returns the number of rights carried. */
function inflateDescriptors(view: DataView, offsets: number[]): number {
  const count = offsets.length;
  let rights = 0;
  const add = (n: number, i: number): void => {
    rights += n;
    // send_dsc_port_count is a mach_msg_size_t: the kernel checks the 32-bit add for overflow.
    if (rights > 0xffffffff) throw new MachError(MACH_SEND_TOO_LARGE, `descriptor ${i} overflows the count of rights`);
  };
  const check = (i: number): void => {
    const off = offsets[i]!;
    switch (view.getUint8(off + DESCRIPTOR_TYPE_OFFSET)) {
      case MACH_MSG_PORT_DESCRIPTOR:
        add(1, i);
        return;
      case MACH_MSG_OOL_DESCRIPTOR:
      case MACH_MSG_OOL_VOLATILE_DESCRIPTOR: {
        const copy = view.getUint8(off + 9);
        if (copy !== MACH_MSG_PHYSICAL_COPY && copy !== MACH_MSG_VIRTUAL_COPY) {
          throw new MachError(MACH_SEND_INVALID_TYPE, `descriptor ${i} has OOL copy option ${copy}`);
        }
        return;
      }
      case MACH_MSG_OOL_PORTS_DESCRIPTOR:
        add(view.getUint32(off + 12, true), i);
        return;
      case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
        add(1, i);
        const disposition = view.getUint8(off + 10);
        if (disposition !== MACH_MSG_TYPE_MOVE_RECEIVE) {
          throw new MachError(MACH_SEND_INVALID_TYPE, `guarded descriptor ${i} has disposition ${disposition}`);
        }
        const flags = view.getUint16(off + 8, true);
        const context = view.getBigUint64(off, true);
        if (
          flags === 0 ||
          (flags & ~MACH_MSG_GUARD_FLAGS_MASK) !== 0 ||
          ((flags & MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND) !== 0 && context !== 0n)
        ) {
          throw new MachError(MACH_SEND_INVALID_TYPE, `guarded descriptor ${i} has flags 0x${flags.toString(16)}`);
        }
        return;
      }
    }
  };
  if (count <= RIGHT_TO_LEFT_LIMIT) for (let i = count - 1; i >= 0; i--) check(i);
  else for (let i = 0; i < count; i++) check(i);
  return rights;
}
