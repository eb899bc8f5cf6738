/**
 * Small byte arrays carved from shared slabs, as Node's Buffer.allocUnsafe carves small
 * Buffers from its pool. On V8 a typed array over 64 bytes gets its own backing store,
 * and allocating one (and the external-memory accounting that comes with it) costs far
 * more than the bytes: ~0.5 µs for a 148-byte message body, against well under 0.1 µs for
 * a view into a slab. Each array returned is a fresh, zero-filled region that no other
 * array overlaps: slabs are never reused, only dropped when the last view into them is
 * collected. The price is the one Node's pool pays: `bytes.buffer` is the whole slab
 * (use byteOffset and byteLength, as for any view), and a long-lived small array keeps
 * its slab alive.
 *
 * What a slab costs is mostly the C allocator's: a fresh ArrayBuffer's pages are
 * faulted in as they are first written, unless malloc hands back memory it kept from
 * freed slabs, and whether it keeps it (glibc trims the heap top and unmaps large
 * chunks by thresholds that move at run time) varies from run to run. Measured on
 * Node 20 / Linux under load, a minimal encode + decode loop whose only off-heap memory
 * is a 148-byte body took per operation (~20 ns of it the rest of the loop), over three
 * runs each: 8 KiB slabs 47–240 ns, 16 KiB 28–116, 32 KiB 26–75, 64 KiB 24–132, and
 * 128 KiB and up as bad or worse. 32 KiB is the middle, and keeps what a long-lived
 * array pins small.
 * @module
 */

const SLAB_SIZE = 32 * 1024;
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
