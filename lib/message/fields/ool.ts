/**
 * Out-of-line fields. As MIG does for `array[*:max] of T, dealloc`-style out-of-line
 * arguments, each is a descriptor plus an inline uint32 count (`xCnt`) at the field's
 * place among the inline data — the layout of mach_port_names' reply (two OOL
 * descriptors, then NDR, namesCnt, typesCnt).
 *
 * Decoding follows MIG's generated checks: the descriptor type must be the expected
 * one, the descriptor's size (bytes) or count (names) must equal the inline count, the
 * count must not exceed `max`, and an OOL-ports descriptor must carry the received form
 * of the field's disposition; otherwise MIG_TYPE_ERROR.
 * @module
 */
import {
  MACH_MSG_OOL_DESCRIPTOR,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_OOL_VOLATILE_DESCRIPTOR,
  MACH_MSG_PHYSICAL_COPY,
  MACH_MSG_VIRTUAL_COPY,
  MIG_ARRAY_TOO_LARGE,
} from '../../constants.js';
import { MachError } from '../../errors.js';
import type { MachMsgDescriptor } from '../../types.js';
import { checkU32, describe } from '../argument-checks.js';
import { copyinType, isSendDisposition } from '../dispositions.js';
import { typeError, type DescriptorField } from './field.js';

/** Options of an out-of-line memory field. */
export interface OolOptions {
  /** Largest byte count accepted (default unbounded). */
  max?: number;
  /** MACH_MSG_VIRTUAL_COPY (default, as MIG) or MACH_MSG_PHYSICAL_COPY. */
  copy?: number;
  /** Ask the kernel to deallocate the sender's region after the send (MIG `dealloc`). */
  deallocate?: boolean;
  /** Send as MACH_MSG_OOL_VOLATILE_DESCRIPTOR (type 3) instead of type 1. */
  volatile?: boolean;
}

/** Options of an out-of-line ports field. */
export interface OolPortsOptions {
  /** Largest number of names accepted (default unbounded). */
  max?: number;
  deallocate?: boolean;
}

function checkMax(max: number | undefined, what: string): number {
  if (max === undefined) return Infinity;
  if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) throw new TypeError(`${what} must be a uint32, got ${describe(max)}`);
  return max;
}

/** Out-of-line bytes: a Uint8Array sent through an OOL descriptor, with its byte count inline. */
export function ool(options: OolOptions = {}): DescriptorField<Uint8Array> {
  const max = checkMax(options.max, 'ool({ max })');
  const copy = options.copy ?? MACH_MSG_VIRTUAL_COPY;
  if (copy !== MACH_MSG_VIRTUAL_COPY && copy !== MACH_MSG_PHYSICAL_COPY) {
    throw new TypeError(`ool({ copy }) must be MACH_MSG_VIRTUAL_COPY or MACH_MSG_PHYSICAL_COPY, got ${describe(copy)}`);
  }
  const deallocate = options.deallocate === true;
  const type = options.volatile === true ? MACH_MSG_OOL_VOLATILE_DESCRIPTOR : MACH_MSG_OOL_DESCRIPTOR;
  const description = `ool(${Number.isFinite(max) ? max : ''})`;
  return Object.freeze({
    kind: 'descriptor' as const,
    description,
    descriptorType: type,
    counted: true,
    max,
    toDescriptor(value: Uint8Array, where: string): MachMsgDescriptor {
      if (!(value instanceof Uint8Array)) throw new TypeError(`${where} (${description}) must be a Uint8Array, got ${describe(value)}`);
      if (value.byteLength > max) throw new MachError(MIG_ARRAY_TOO_LARGE, `${where}: ${value.byteLength} bytes exceed ${description}`);
      return { type, data: value, copy, deallocate };
    },
    count(value: Uint8Array): number {
      return value.byteLength;
    },
    fromDescriptor(desc: MachMsgDescriptor, count: number, where: string): Uint8Array {
      if (desc.type !== type) throw typeError(where, `expected descriptor type ${type}, got ${desc.type}`);
      const size = desc.size ?? desc.data.byteLength;
      if (size !== count) throw typeError(where, `descriptor size ${size} differs from count ${count}`);
      if (count > max) throw typeError(where, `count ${count} exceeds ${description}`);
      return desc.data;
    },
  });
}

/**
 * Out-of-line port rights: names sent through an OOL-ports descriptor with `disposition`,
 * their count inline. A value is an array of names or a Uint32Array (as mach_port_names
 * returns); decoded values are arrays.
 */
export function oolPorts(disposition: number, options: OolPortsOptions = {}): DescriptorField<readonly number[] | Uint32Array, number[]> {
  if (!isSendDisposition(disposition)) {
    throw new TypeError(`oolPorts(disposition) takes MACH_MSG_TYPE_MOVE_RECEIVE … MACH_MSG_TYPE_MAKE_SEND_ONCE (16..21), got ${describe(disposition)}`);
  }
  const max = checkMax(options.max, 'oolPorts({ max })');
  const deallocate = options.deallocate === true;
  const received = copyinType(disposition);
  const description = `oolPorts(${disposition})`;
  return Object.freeze({
    kind: 'descriptor' as const,
    description,
    descriptorType: MACH_MSG_OOL_PORTS_DESCRIPTOR,
    counted: true,
    max,
    toDescriptor(value: readonly number[] | Uint32Array, where: string): MachMsgDescriptor {
      // A Uint32Array (what mach_port_names returns) holds valid names by construction.
      const typed = value instanceof Uint32Array;
      if (!typed && !Array.isArray(value)) throw new TypeError(`${where} (${description}) must be an array of names, got ${describe(value)}`);
      if (value.length > max) throw new MachError(MIG_ARRAY_TOO_LARGE, `${where}: ${value.length} names exceed ${description}`);
      if (!typed) for (let i = 0; i < value.length; i++) checkU32(value[i], where);
      const names = typed ? Array.from(value) : (value as number[]);
      return { type: MACH_MSG_OOL_PORTS_DESCRIPTOR, names, disposition, deallocate, copy: MACH_MSG_PHYSICAL_COPY };
    },
    count(value: readonly number[] | Uint32Array): number {
      return value.length;
    },
    fromDescriptor(desc: MachMsgDescriptor, count: number, where: string): number[] {
      if (desc.type !== MACH_MSG_OOL_PORTS_DESCRIPTOR) throw typeError(where, `expected an OOL-ports descriptor, got type ${desc.type}`);
      if (desc.disposition !== received) throw typeError(where, `expected disposition ${received}, got ${desc.disposition}`);
      const n = desc.count ?? desc.names.length;
      if (n !== count) throw typeError(where, `descriptor count ${n} differs from count ${count}`);
      if (count > max) throw typeError(where, `count ${count} exceeds ${description}`);
      return desc.names;
    },
  });
}
