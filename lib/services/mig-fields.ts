/**
 * A MIG field kind the kernel routines need that machport/message's `ool()` does not
 * describe: an out-of-line array of 32-bit elements whose inline count word (`xCnt`)
 * counts **elements**, not bytes. That is how MIG lays out `mach_port_name_array_t` and
 * `mach_port_type_array_t` in mach_port_names' reply: an OOL descriptor whose size is
 * 4·count bytes, and `namesCnt` / `typesCnt` after NDR (reference §4.3).
 *
 * Decoding follows MIG's generated check (`__MIG_check__Reply__mach_port_names_t`): the
 * descriptor must be an OOL descriptor whose byte size is 4 × the inline count, and the
 * count must not exceed the bound; otherwise MIG_TYPE_ERROR.
 * @module
 */
import { MACH_MSG_OOL_DESCRIPTOR, MACH_MSG_VIRTUAL_COPY, MIG_ARRAY_TOO_LARGE, MIG_TYPE_ERROR } from '../constants.js';
import { MachError } from '../errors.js';
import type { DescriptorField } from '../message/index.js';
import type { MachMsgDescriptor } from '../types.js';

/** Options of {@link oolWords}. */
export interface OolWordsOptions {
  /** Largest element count accepted (default unbounded). */
  max?: number;
  /** Ask the kernel to deallocate the sender's region after the send (MIG `dealloc`); the kernel's replies set it. */
  deallocate?: boolean;
}

/**
 * An out-of-line array of uint32 elements (port names, port types, …) with an inline
 * element count. Encodes a `readonly number[]` or a `Uint32Array` as little-endian words
 * in an OOL descriptor (MACH_MSG_VIRTUAL_COPY); decodes to a fresh `Uint32Array` (the
 * natural_t array MIG hands its caller), which the caller owns.
 */
export function oolWords(options: OolWordsOptions = {}): DescriptorField<readonly number[] | Uint32Array, Uint32Array> {
  const max = options.max ?? Infinity;
  if (max !== Infinity && (!Number.isInteger(max) || max < 0 || max > 0x3fffffff)) {
    throw new TypeError(`oolWords({ max }) must be a non-negative integer element count, got ${String(max)}`);
  }
  const deallocate = options.deallocate === true;
  const description = `oolWords(${Number.isFinite(max) ? max : ''})`;
  return Object.freeze({
    kind: 'descriptor' as const,
    description,
    descriptorType: MACH_MSG_OOL_DESCRIPTOR,
    counted: true,
    max,
    toDescriptor(value: readonly number[] | Uint32Array, where: string): MachMsgDescriptor {
      const typed = value instanceof Uint32Array;
      if (!typed && !Array.isArray(value)) throw new TypeError(`${where} (${description}) must be an array of uint32 values or a Uint32Array`);
      if (value.length > max) throw new MachError(MIG_ARRAY_TOO_LARGE, `${where}: ${value.length} elements exceed ${description}`);
      const data = new Uint8Array(4 * value.length);
      const view = new DataView(data.buffer);
      for (let i = 0; i < value.length; i++) {
        const v = value[i];
        if (!typed && (typeof v !== 'number' || !Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff)) {
          throw new TypeError(`${where}[${i}] (${description}) must be an integer that fits 32 bits`);
        }
        view.setUint32(4 * i, v! >>> 0, true);
      }
      return { type: MACH_MSG_OOL_DESCRIPTOR, data, copy: MACH_MSG_VIRTUAL_COPY, deallocate };
    },
    count(value: readonly number[] | Uint32Array): number {
      return value.length;
    },
    fromDescriptor(desc: MachMsgDescriptor, count: number, where: string): Uint32Array {
      if (desc.type !== MACH_MSG_OOL_DESCRIPTOR) throw new MachError(MIG_TYPE_ERROR, `${where}: expected an OOL descriptor, got type ${desc.type}`);
      if (count > max) throw new MachError(MIG_TYPE_ERROR, `${where}: count ${count} exceeds ${description}`);
      const size = desc.size ?? desc.data.byteLength;
      if (size !== 4 * count) throw new MachError(MIG_TYPE_ERROR, `${where}: descriptor of ${size} bytes for ${count} elements`);
      if (desc.data.byteLength < size) throw new MachError(MIG_TYPE_ERROR, `${where}: the region's ${desc.data.byteLength} bytes were not read`);
      const view = new DataView(desc.data.buffer, desc.data.byteOffset, size);
      const out = new Uint32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint32(4 * i, true);
      return out;
    },
  });
}
