/**
 * An IPC space: a task's name table. Names follow XNU's layout, index << 8 | generation
 * byte. The generation byte of a never-used index starts at 0x03 and grows by 4 on every
 * reuse, rolling over after a randomly chosen period (xnu:osfmk/ipc/ipc_entry.h:
 * ipc_entry_new_gen, ipc_entry_new_rollpoint). Free indices form a LIFO list whose initial
 * order is the first eight indices in order, then the rest picked at random from the
 * bottom or the top of the range (xnu:osfmk/ipc/ipc_space.c:ipc_space_rand_freelist).
 * @module
 */
import {
  KERN_FAILURE,
  KERN_INVALID_TASK,
  KERN_INVALID_VALUE,
  KERN_NO_SPACE,
  KERN_SUCCESS,
} from '../constants.js';
import { Entry } from './entry.js';
import type { Kernel } from './kernel.js';
import type { Port } from './port.js';
import type { EmulatedTask } from './task.js';
import { VmMap } from './vm.js';

/** Entries in a new table (IPC_ENTRY_TABLE_MIN, xnu:osfmk/ipc/ipc_entry.h). */
const IPC_ENTRY_TABLE_MIN = 32;
/** Sequential entries at the start of a new table (NUM_SEQ_ENTRIES, xnu:osfmk/ipc/ipc_space.c). */
const NUM_SEQ_ENTRIES = 8;

/** The result of a name claim by value: the new entry, or a kern_return_t. */
export type EntryOrError = Entry | number;

/** A task's IPC space. */
export class Space {
  /** The kernel this space belongs to. */
  readonly kernel: Kernel;
  /** The owning task; null for the kernel's own space. */
  readonly task: EmulatedTask | null;
  /** False once the space has been terminated. */
  active = true;
  /** The task's address space as the owner of out-of-line regions delivered to it (vm.ts). */
  readonly vmMap = new VmMap();
  /** Entries in use, by index. */
  private readonly table: (Entry | undefined)[] = [];
  /** Generation byte last used at each index (0xff: never used). */
  private gens: Uint8Array;
  /** Roll-over bits (0..3) of each index: the generation period. */
  private rolls: Uint8Array;
  /** Free indices; the last element is the head of XNU's free list. */
  private free: number[] = [];
  /** Number of indices in the table (index 0 included, never used). */
  private size = 0;
  /** Names in use. */
  private used = 0;
  /** The largest table (entries) the space may grow to. */
  private readonly maxEntries: number;
  /**
   * Reverse look-up of send rights (ipc_hash): port → the entry holding send for it, for
   * the ports whose own slot (Port.hashSpace) records another space. Most ports have send
   * rights outside their receiver's space in one space at a time (a service's client, a
   * server holding a client's port for one request), so the first such space records the
   * pair on the port: a send right that comes and goes every round trip then costs two
   * field writes, not a Map insert and delete (a Map that churns also rehashes).
   */
  private hashOverflow: Map<Port, Entry> | null = null;

  /** A new, empty space for `task` (null: the kernel's space). */
  constructor(kernel: Kernel, task: EmulatedTask | null, maxEntries: number) {
    this.kernel = kernel;
    this.task = task;
    this.maxEntries = maxEntries;
    this.gens = new Uint8Array(0);
    this.rolls = new Uint8Array(0);
    if (task) this.grow(IPC_ENTRY_TABLE_MIN);
  }

  /** Number of names in use. */
  get count(): number {
    return this.used;
  }

  /**
   * ipc_entry_lookup: the entry named `name`, or undefined when the index is 0, out of
   * range, free, or in use under another generation.
   */
  lookup(name: number): Entry | undefined {
    const entry = this.table[name >>> 8];
    return entry !== undefined && entry.name === name ? entry : undefined;
  }

  /** The entry at an index, whatever its generation (for name-in-use checks). */
  entryAt(index: number): Entry | undefined {
    return this.table[index];
  }

  /**
   * ipc_entry_claim: a fresh name for `object` from the head of the free list, growing
   * the table when it is empty. Returns KERN_NO_SPACE when the table is at its maximum,
   * KERN_INVALID_TASK when the space is dead.
   */
  claim(object: Entry['object']): EntryOrError {
    if (!this.active) return KERN_INVALID_TASK;
    let index = this.popFree();
    if (index === 0) {
      if (!this.grow(this.size * 2)) return KERN_NO_SPACE;
      index = this.popFree();
      if (index === 0) return KERN_NO_SPACE;
    }
    const gen = this.nextGen(index);
    const entry = new Entry(((index << 8) | gen) >>> 0, object);
    this.table[index] = entry;
    this.used++;
    return entry;
  }

  /** Whether a claim would succeed (ipc_entries_hold). */
  canClaim(): boolean {
    return this.active && (this.free.length > 0 || this.size < this.maxEntries);
  }

  /**
   * ipc_entry_alloc_name: the entry for a caller-chosen name. Returns the existing entry
   * when the name is in use under the same generation, a new empty entry (bits 0) when
   * the index was free, or KERN_NO_SPACE / KERN_INVALID_VALUE / KERN_FAILURE as XNU does
   * (xnu:osfmk/ipc/ipc_entry.c:ipc_entry_alloc_name).
   */
  allocName(name: number): EntryOrError {
    const index = name >>> 8;
    if (index > this.maxEntries) return KERN_NO_SPACE;
    // xnu-11417 requires both low generation bits (ipc_entry_name_mask).
    if (((name | 3) >>> 0) !== name >>> 0) return KERN_INVALID_VALUE;
    if (index === 0) return KERN_FAILURE;
    if (!this.active) return KERN_INVALID_TASK;
    if (index >= this.size && !this.grow(Math.max(this.size * 2, index + 1))) return KERN_NO_SPACE;
    const existing = this.table[index];
    if (existing !== undefined) return existing.name === name ? existing : KERN_FAILURE;
    const at = this.free.lastIndexOf(index);
    if (at >= 0) this.free.splice(at, 1);
    // The entry takes the requested generation with no roll-over bits.
    this.gens[index] = name & 0xff;
    this.rolls[index] = 0;
    const entry = new Entry(name >>> 0, null);
    this.table[index] = entry;
    this.used++;
    return entry;
  }

  /** ipc_entry_dealloc: free the entry's name; its index goes to the head of the free list. */
  dealloc(entry: Entry): void {
    const index = entry.name >>> 8;
    if (this.table[index] !== entry) return;
    this.table[index] = undefined;
    entry.bits = 0;
    entry.urefs = 0;
    entry.object = null;
    entry.request = null;
    this.free.push(index);
    this.used--;
  }

  /**
   * Number of indices in the table (index 0 included): scanning `entryAt(1 .. tableSize - 1)`
   * visits every entry in increasing index order without building a list first.
   */
  get tableSize(): number {
    return this.size;
  }

  /** Every entry in use, in increasing index order. */
  entries(): Entry[] {
    const out: Entry[] = [];
    for (let i = 1; i < this.size; i++) {
      const e = this.table[i];
      if (e !== undefined) out.push(e);
    }
    return out;
  }

  /** ipc_hash_lookup: the entry holding send (without receive) for `port`, if any. */
  hashGet(port: Port): Entry | undefined {
    if (port.hashSpace === this) return port.hashEntry!;
    const m = this.hashOverflow;
    return m === null ? undefined : m.get(port);
  }

  /** ipc_hash_insert: record `entry` as this space's send entry for `port`. */
  hashSet(port: Port, entry: Entry): void {
    if (port.hashSpace === this) {
      port.hashEntry = entry;
      return;
    }
    const m = this.hashOverflow;
    // The port's slot takes the pair only when the map does not hold it already: a pair
    // lives in one place.
    if (port.hashSpace === null && (m === null || !m.has(port))) {
      port.hashSpace = this;
      port.hashEntry = entry;
      return;
    }
    (this.hashOverflow ??= new Map()).set(port, entry);
  }

  /** ipc_hash_delete: forget this space's send entry for `port`. */
  hashDelete(port: Port): void {
    if (port.hashSpace === this) {
      port.hashSpace = null;
      port.hashEntry = null;
      return;
    }
    this.hashOverflow?.delete(port);
  }

  /**
   * Every (port, entry) pair of the reverse look-up, for the invariant checker: the map's,
   * then those recorded on `ports` (the kernel's live ports) and on the ports of this
   * space's entries. A pair recorded both on its port and in the map is listed twice.
   */
  hashPairs(ports: Iterable<Port>): [Port, Entry][] {
    const out: [Port, Entry][] = [];
    if (this.hashOverflow !== null) for (const pair of this.hashOverflow) out.push(pair);
    const seen = new Set<Port>();
    const visit = (p: Port): void => {
      if (p.hashSpace !== this || seen.has(p)) return;
      seen.add(p);
      out.push([p, p.hashEntry!]);
    };
    for (const p of ports) visit(p);
    for (let i = 1; i < this.size; i++) {
      const o = this.table[i]?.object;
      if (o != null && !o.isSet) visit(o);
    }
    return out;
  }

  /** Mark the space dead and forget its names (the caller has terminated the rights). */
  retire(): void {
    this.active = false;
    for (let i = 1; i < this.size; i++) {
      const o = this.table[i]?.object;
      if (o != null && !o.isSet && o.hashSpace === this) this.hashDelete(o);
    }
    this.table.length = 0;
    this.free.length = 0;
    this.hashOverflow = null;
    this.used = 0;
  }

  private popFree(): number {
    return this.free.length > 0 ? this.free.pop()! : 0;
  }

  /**
   * ipc_entry_new_gen: the next generation byte of an index. A never-used index (0xff)
   * rolls straight over to 0x03 with a random roll-over point, as do indices whose
   * generation passes their roll-over point (periods of 64, 48, 32 or 16 generations).
   */
  private nextGen(index: number): number {
    const old = this.gens[index]!;
    const limit = ((this.rolls[index]! << 6) ^ 0xff) & 0xff;
    let gen = ((old + 4) & 0xff) % limit;
    if (gen < old) {
      this.rolls[index] = this.kernel.prng.nextInt(4);
      gen = 0x03;
    }
    this.gens[index] = gen;
    return gen;
  }

  /**
   * Grow the table to `target` indices (capped at the maximum) and add the new indices
   * to the free list in XNU's semi-random order. Returns false when it cannot grow.
   */
  private grow(target: number): boolean {
    const old = this.size;
    const size = Math.min(Math.max(target, IPC_ENTRY_TABLE_MIN), this.maxEntries + 1);
    if (size <= old) return false;
    const gens = new Uint8Array(size).fill(0xff);
    gens.set(this.gens);
    const rolls = new Uint8Array(size);
    rolls.set(this.rolls);
    this.gens = gens;
    this.rolls = rolls;
    this.size = size;
    // Build the order in which the new indices come off the free list, then push them
    // behind whatever is already free (the old free list keeps priority).
    const order: number[] = [];
    const atStart = old === 0;
    let bottom = atStart ? 1 : old;
    let top = size - 1;
    let taken = 0;
    if (!atStart) order.push(bottom++);
    while (bottom <= top) {
      const fromTop = atStart && taken++ < NUM_SEQ_ENTRIES ? false : this.kernel.prng.nextBool();
      order.push(fromTop ? top-- : bottom++);
    }
    const merged = new Array<number>(order.length);
    for (let i = 0; i < order.length; i++) merged[i] = order[order.length - 1 - i]!;
    this.free = merged.concat(this.free);
    return true;
  }
}

