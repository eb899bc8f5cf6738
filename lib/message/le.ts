/**
 * Little-endian words read and written straight on a Uint8Array. The codec's hot paths
 * use these instead of a DataView: constructing a DataView per message costs more than
 * the handful of words a header and its port descriptors hold.
 * @module
 */

/** The uint32 at `o`. */
export function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** The int32 at `o`. */
export function i32(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}

/** Writes the low 32 bits of `x` at `o`. */
export function put32(b: Uint8Array, o: number, x: number): void {
  b[o] = x;
  b[o + 1] = x >> 8;
  b[o + 2] = x >> 16;
  b[o + 3] = x >> 24;
}
