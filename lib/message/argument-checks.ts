/**
 * Checks on values a programmer hands to the codec. A value of the wrong JS type, or
 * an integer that cannot be represented in the C field it is written to, is a
 * programming error and throws TypeError; everything a kernel would refuse throws
 * MachError elsewhere.
 * @module
 */

/** A uint32 wire field given as a JS number: accepts the int32 spelling too (`MACH_MSGH_BITS_COMPLEX | x` is negative in JS). */
export function checkU32(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
    throw new TypeError(`${what} must be an integer that fits 32 bits, got ${describe(value)}`);
  }
  return value >>> 0;
}

/** An unsigned integer field of `bits` (8 or 16) bits. */
export function checkUnsigned(value: unknown, bits: 8 | 16, what: string): number {
  const max = bits === 8 ? 0xff : 0xffff;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new TypeError(`${what} must be an integer from 0 to ${max}, got ${describe(value)}`);
  }
  return value;
}

/** A 64-bit field given as a bigint; accepts the signed spelling and returns the unsigned value. */
export function checkU64(value: unknown, what: string): bigint {
  if (typeof value !== 'bigint' || value < -(1n << 63n) || value >= 1n << 64n) {
    throw new TypeError(`${what} must be a bigint that fits 64 bits, got ${describe(value)}`);
  }
  return BigInt.asUintN(64, value);
}

/** A Uint8Array argument. */
export function checkBytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array, got ${describe(value)}`);
  return value;
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}
