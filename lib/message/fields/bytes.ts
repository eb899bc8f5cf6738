/**
 * Byte-array fields: a fixed C array of bytes (MIG `array[n] of uint8_t`) and a
 * counted variable one (MIG `array[*:max] of uint8_t`: a uint32 count, then the
 * bytes, padded to 4 and trimmed, so the message is as long as the data).
 * @module
 */
import { MIG_ARRAY_TOO_LARGE } from '../../constants.js';
import { MachError } from '../../errors.js';
import { describe } from '../argument-checks.js';
import { badArguments, need, type InlineField, type Reader, type Writer } from './field.js';

function checkLength(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new TypeError(`${what} must be a uint32, got ${describe(n)}`);
}

function bytesOf(value: unknown, where: string, description: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${where} (${description}) must be a Uint8Array, got ${describe(value)}`);
  return value;
}

/** Exactly `length` bytes (a Uint8Array of that length; TypeError for another length). */
export function bytes(length: number): InlineField<Uint8Array> & { readonly size: number } {
  checkLength(length, 'bytes(length)');
  const description = `bytes(${length})`;
  const check = (value: unknown, where: string): Uint8Array => {
    const b = bytesOf(value, where, description);
    if (b.byteLength !== length) throw new TypeError(`${where} (${description}) must hold ${length} bytes, got ${b.byteLength}`);
    return b;
  };
  return Object.freeze({
    kind: 'inline' as const,
    description,
    align: 1,
    size: length,
    sizeOf(value: Uint8Array, where: string): number {
      check(value, where);
      return length;
    },
    write(w: Writer, value: Uint8Array, where: string): void {
      w.bytes.set(check(value, where), w.pos);
      w.pos += length;
    },
    read(r: Reader, where: string): Uint8Array {
      need(r, length, where);
      const out = r.bytes.slice(r.pos, r.pos + length);
      r.pos += length;
      return out;
    },
  });
}

/**
 * Up to `max` bytes, with a uint32 count in front (MIG's variable inline array).
 * Encoding more than `max` throws MachError MIG_ARRAY_TOO_LARGE, as a MIG user stub
 * returns; decoding a count above `max` or beyond the message is MIG_BAD_ARGUMENTS.
 */
export function varBytes(max: number): InlineField<Uint8Array> {
  checkLength(max, 'varBytes(max)');
  const description = `varBytes(${max})`;
  const check = (value: unknown, where: string): Uint8Array => {
    const b = bytesOf(value, where, description);
    if (b.byteLength > max) throw new MachError(MIG_ARRAY_TOO_LARGE, `${where}: ${b.byteLength} bytes exceed ${description}`);
    return b;
  };
  return Object.freeze({
    kind: 'inline' as const,
    description,
    align: 4,
    size: undefined,
    bounds: { min: 4, max: 4 + max },
    sizeOf(value: Uint8Array, where: string): number {
      return 4 + check(value, where).byteLength;
    },
    write(w: Writer, value: Uint8Array, where: string): void {
      const b = check(value, where);
      w.view.setUint32(w.pos, b.byteLength, true);
      w.bytes.set(b, w.pos + 4);
      w.pos += 4 + b.byteLength;
    },
    read(r: Reader, where: string): Uint8Array {
      need(r, 4, where);
      const count = r.view.getUint32(r.pos, true);
      if (count > max) throw badArguments(where, `count ${count} exceeds ${description}`);
      r.pos += 4;
      need(r, count, where);
      const out = r.bytes.slice(r.pos, r.pos + count);
      r.pos += count;
      return out;
    },
  });
}
