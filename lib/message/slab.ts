/**
 * Small byte arrays carved from shared slabs, as Node's Buffer.allocUnsafe carves small
 * Buffers from its pool. On V8 a typed array over 64 bytes gets its own backing store,
 * and allocating one (and the external-memory accounting that comes with it) costs far
 * more than the bytes: ~0.5 µs for a 148-byte message body, against well under 0.1 µs for
 * a view into a slab. Each array returned is a fresh, zero-filled region that no other
 * array overlaps: slabs are never reused, only dropped when the last view into them is
 * collected. The price is the one Node's pool pays: `bytes.buffer` is the whole slab
 * (use byteOffset and byteLength, as for any view), and a long-lived small array keeps
 * its slab alive. Slabs are 64 KiB: measured on Node 20, allocating ArrayBuffers of
 * 8–16 KiB cost several microseconds each (a slab of 8 KiB holds ~50 message bodies, so
 * ~0.2 µs per body), 64–128 KiB ~1 µs, and from 256 KiB (allocated with mmap) more again.
 * @module
 */

const SLAB_SIZE = 64 * 1024;
/** Larger arrays get their own buffer: a slab holds at least 64 of the largest carved. */
const MAX_CARVED = SLAB_SIZE / 64;

let slab = new ArrayBuffer(SLAB_SIZE);
let used = 0;

/** A new zero-filled Uint8Array of `size` bytes, carved from a slab when small. */
export function allocBytes(size: number): Uint8Array {
  if (size > MAX_CARVED) return new Uint8Array(size);
  if (used + size > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    used = 0;
  }
  const bytes = new Uint8Array(slab, used, size);
  // 8-byte aligned starts, so a carved array can be read through wider views too.
  used = (used + size + 7) & ~7;
  return bytes;
}
