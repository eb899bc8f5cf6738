/**
 * Out-of-line memory: how the bytes of an OOL descriptor get from the sender to the
 * receiver, and which task a region the emulator delivered belongs to.
 *
 * XNU takes an OOL region at send time with vm_map_copyin, and with the descriptor's
 * `deallocate` set it passes src_destroy: the region is removed from the sender's map as
 * part of the copy-in (vm_map_copyin_internal removes the source range once the copy is
 * made; a small region goes through vm_map_copyin_kernel_buffer, which copies it and then
 * removes the source pages), so the pages move to the receiver instead of being copied
 * where they can ("a virtual copy is OK if the original is being deallocated, even if a
 * physical copy was requested"), and the sender's later access faults. Sending from
 * memory that is no longer mapped fails with MACH_SEND_INVALID_MEMORY
 * (xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_ool_descriptor; osfmk/vm/vm_map.c:
 * vm_map_copyin_internal, vm_map_copyin_kernel_buffer).
 *
 * JS memory cannot be unmapped, so the emulator does what it can see to do:
 * - a Uint8Array that covers its whole (non-shared, non-resizable) ArrayBuffer is
 *   detached, and the moved ArrayBuffer is delivered without a copy
 *   (`ArrayBuffer.prototype.transfer`, or on Node 20, which lacks it, structuredClone with
 *   `transfer`). A later send from a view of the detached buffer fails with
 *   MACH_SEND_INVALID_MEMORY;
 * - a region the emulator delivered into one of its slabs (below) moves without a copy
 *   when the task it was delivered to sends it, whole, with deallocate: the receiver gets
 *   the same memory. The sender's view still reads and writes it (nothing in JS can stop
 *   that), but the region is no longer the sender's: a second deallocate send of it by
 *   the old owner copies it, so no two messages ever carry the same memory;
 * - anything else (a view into a larger buffer of the caller's, e.g. a pooled Node
 *   Buffer; part of a region) is copied and left alone.
 * The detaching itself, shared with the other backends, is in message/ool-deallocate.ts.
 * @module
 */
import { coversWholeBuffer, detachForSend, wasTakenBySend } from '../message/ool-deallocate.js';

/**
 * A task's address space as far as out-of-line memory is concerned (vm_map_t): the owner
 * recorded for a delivered slab region. A plain object: a record of an owner must not
 * keep the task, its space or the kernel alive.
 */
export class VmMap {}

/**
 * Out-of-line regions of 65 bytes to OOL_SLAB_MAX are copied into a slice of a shared
 * slab; smaller and larger ones get a buffer of their own. On V8 a typed array over 64
 * bytes has an off-heap backing store, and creating one (allocation, zeroing,
 * external-memory accounting, and freeing it at the next GC) costs several times the copy
 * of a few KiB; a slab pays that once per OOL_SLAB_SIZE bytes, as Node's Buffer pool does
 * for small buffers.
 */
const OOL_SLAB_MAX = 4096;
/** Slab size: 16 regions of the largest pooled size (a live region keeps its slab alive). */
const OOL_SLAB_SIZE = 64 * 1024;

/** The index of the region of `s` at `offset` with `length` bytes, or -1 (set in OolSlab's static block). */
let slabFind: (s: OolSlab, offset: number, length: number) => number;
/** Record a new region of `s` (set in OolSlab's static block); returns its index. */
let slabAdd: (s: OolSlab, offset: number, length: number) => number;
/** The owner of region `slot` of `s` (set in OolSlab's static block). */
let slabOwner: (s: OolSlab, slot: number) => VmMap | null;
/** Set the owner of region `slot` of `s` (set in OolSlab's static block). */
let slabSetOwner: (s: OolSlab, slot: number, owner: VmMap | null) => void;

/**
 * A slab: the ArrayBuffer the regions are carved from, which also records them in
 * address order: each region's offset, length and owner (the VmMap of the task it was
 * last delivered to; null while it is in a message, or for a region never delivered).
 *
 * The records live on the slab itself, in private fields, rather than in WeakMaps: a
 * WeakMap entry per delivered region cost more than the copy a move saves (measured: 13%
 * of the ool-4KiB profile), and even one WeakMap entry per slab (ArrayBuffer → record)
 * made the process's CPU time run ~15% above wall time (V8's background threads).
 * A region's `buffer` is therefore an instance of this subclass (still an ArrayBuffer to
 * every check: instanceof, util.types.isArrayBuffer, structuredClone).
 */
export class OolSlab extends ArrayBuffer {
  #used = 0;
  readonly #offsets: number[] = [];
  readonly #lengths: number[] = [];
  readonly #owners: (VmMap | null)[] = [];

  /** A slab of `size` bytes (a length argument too, for ArrayBuffer.prototype.slice's species construction). */
  constructor(size: number = OOL_SLAB_SIZE) {
    super(size);
  }

  static {
    slabFind = (s, offset, length) => {
      const offsets = s.#offsets;
      let lo = 0;
      let hi = offsets.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const o = offsets[mid]!;
        if (o === offset) return s.#lengths[mid] === length ? mid : -1;
        if (o < offset) lo = mid + 1;
        else hi = mid - 1;
      }
      return -1;
    };
    slabAdd = (s, offset, length) => {
      s.#offsets.push(offset);
      s.#lengths.push(length);
      s.#owners.push(null);
      return s.#offsets.length - 1;
    };
    slabOwner = (s, slot) => s.#owners[slot] ?? null;
    slabSetOwner = (s, slot, owner) => {
      s.#owners[slot] = owner;
    };
  }

  /** Bytes of this slab handed out so far. */
  get used(): number {
    return this.#used;
  }

  /** Carve `span` more bytes (8-aligned); returns their offset. */
  take(span: number): number {
    const offset = this.#used;
    this.#used += span;
    return offset;
  }
}

let slab: OolSlab | null = null;


/**
 * Where the region last returned by copyinOol lives: its slab and index there, or null
 * for a region with a buffer of its own. Read at once by the caller (one copy-in at a
 * time), which keeps it in the kernel's descriptor for copyoutOol.
 */
export let copyinSlab: OolSlab | null = null;
export let copyinSlot = 0;

/**
 * A copy of the first `size` bytes of `data` (XNU copies the region, or maps it
 * copy-on-write, so later writes by the sender are not seen). The receiver gets this copy
 * itself (XNU maps the kernel's copy into the receiver; no second copy at copy-out). A
 * pooled region is a view into a slab shared with other regions, so its `byteOffset` need
 * not be 0 and its `buffer` is larger than the region.
 */
function copyOol(data: Uint8Array, size: number): Uint8Array {
  const src = size === data.length ? data : data.subarray(0, size);
  if (size <= 64 || size > OOL_SLAB_MAX) {
    copyinSlab = null;
    return new Uint8Array(src);
  }
  // 8-byte alignment keeps every region readable through wider typed-array views.
  const span = (size + 7) & ~7;
  let s = slab;
  // A slab whose buffer a caller detached (e.g. by transferring a region's `buffer`)
  // reads as empty: start a new one.
  if (s === null || s.used + span > OOL_SLAB_SIZE || s.byteLength === 0) s = slab = new OolSlab();
  const offset = s.take(span);
  const out = new Uint8Array(s, offset, size);
  copyinSlot = slabAdd(s, offset, size);
  copyinSlab = s;
  out.set(src);
  return out;
}

/**
 * ipc_kmsg_copyin_ool_descriptor for one OOL descriptor of the task whose address space
 * is `map`: the region the message will carry (its slab position left in copyinSlab /
 * copyinSlot), or null for MACH_SEND_INVALID_MEMORY (the bytes are not there: `size`
 * beyond the data, or a view of a buffer an earlier deallocate send detached, whatever
 * the size: XNU does not look at the memory of an empty region, but a detached buffer
 * reads as empty in JS, and a send of it is a send of memory that is gone).
 *
 * With `deallocate` the region leaves the sender as part of the copy-in (see the module
 * comment): moved without a copy when it is the caller's whole ArrayBuffer or a slab
 * region delivered to this task, copied otherwise. This happens at the descriptor's
 * copy-in, as in XNU: a later descriptor that fails the send does not give it back.
 */
export function copyinOol(map: VmMap, data: Uint8Array, size: number, deallocate: boolean): Uint8Array | null {
  copyinSlab = null;
  const length = data.length;
  // A detached buffer reads as empty: sending it is sending unmapped memory.
  if (wasTakenBySend(data)) return null;
  // length, not byteLength: the same for a Uint8Array, and on Node 20 byteLength is a
  // generic property load where length is inlined.
  if (size > length) return null;
  if (!deallocate || size === 0 || size !== length) return copyOol(data, size);
  const buf = data.buffer;
  if (coversWholeBuffer(data)) {
    // The caller's whole buffer (or a received region with a buffer of its own): detach
    // it and deliver its memory.
    const moved = detachForSend(buf);
    return moved !== null ? new Uint8Array(moved) : copyOol(data, size);
  }
  if (buf instanceof OolSlab) {
    const s = buf;
    const slot = slabFind(s, data.byteOffset, size);
    if (slot >= 0 && slabOwner(s, slot) === map) {
      // A slab region delivered to this task: the same memory goes to the receiver, and
      // the region is in the message's custody until it is delivered.
      slabSetOwner(s, slot, null);
      copyinSlab = s;
      copyinSlot = slot;
      return data;
    }
  }
  // A view into a larger buffer of the caller's (never detached), or a slab region that is
  // not this task's (already moved on, or reached this task through JS, not Mach): copied.
  return copyOol(data, size);
}

/**
 * ipc_kmsg_copyout_ool_descriptor: a slab region is now mapped in the task whose address
 * space is `map` (the receiver, or the sender again after a pseudo-receive); a deallocate
 * send of it by that task moves it on.
 */
export function copyoutOol(map: VmMap, s: OolSlab, slot: number): void {
  slabSetOwner(s, slot, map);
}
