/**
 * PortTable: one inspected space held in columns — typed arrays of the numbers
 * mach_port_space_info and the receive status give for each name — from which the
 * `PortEntry` records are built on demand.
 *
 * Why columns: lsmp reads whole spaces, and a leaking process holds 100,000 names and more.
 * As records, each name costs two objects (the entry and its receive status, ~230 bytes)
 * that all live until the inspection is dropped: tens of MB of old-generation memory per
 * inspection at that size. In columns it is ~50 bytes per name in one buffer, and the
 * records exist only while a caller looks at them (lsmp's table formats one row at a time).
 * Rare data (port-set members, kernel-object descriptions, services, contexts, set
 * memberships) is kept per row in a map.
 *
 * A table is a snapshot: it copies what it reads, and the peer index it resolves peers and
 * holders through (assemble.ts PeerIndex) holds copies too. `entry(i)` gives the same
 * record every time (a new object each call), equal to what buildEntry gave when the space
 * was read.
 * @module
 */
import * as C from '../constants.js';
import { buildEntry, type PeerIndex } from './assemble.js';
import { RawEntryRecord, type RawEntry } from './raw.js';
import type { PortEntry, ProcessRef, TaskInspection } from './types.js';

/** Row flag bits (the `bits` column). */
const HAS_STATUS = 1;
const SRIGHTS = 2;
const PDREQUEST = 4;
const NSREQUEST = 8;
const DEAD = 16;
const IN_TRANSIT = 32;
const ALIVE = 64;

/** The 32-bit columns, in the order they sit in the table's one buffer. */
const WORD_COLUMNS = 12;

/**
 * Tables up to SMALL_TABLE_BYTES are carved from a shared slab of SLAB_BYTES, each from
 * bytes no table had before (so still zero), as Node's Buffer pool carves small Buffers:
 * an ArrayBuffer of its own per small inspection cost ~50–100 µs here in a loop of
 * inspections (the allocator returning and re-taking memory from the system), more than
 * reading 1,000 names. A slab stays alive while any table carved from it does; larger
 * tables get their own buffer.
 */
const SLAB_BYTES = 1 << 20;
const SMALL_TABLE_BYTES = SLAB_BYTES >> 3;
let slab: ArrayBuffer | null = null;
let slabUsed = 0;

function columnsRegion(bytes: number): { buffer: ArrayBuffer; offset: number } {
  if (bytes > SMALL_TABLE_BYTES) return { buffer: new ArrayBuffer(bytes), offset: 0 };
  const size = (bytes + 7) & ~7;
  if (slab === null || slabUsed + size > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const offset = slabUsed;
  slabUsed += size;
  return { buffer: slab, offset };
}

/** What a row has beyond its numbers: rare, so kept in a map by row. */
interface RowExtras {
  members?: number[];
  kobjectDescription?: string;
  kobjectTask?: ProcessRef;
  service?: string;
  receiver?: ProcessRef & { name?: number };
  context?: bigint;
  sets?: readonly number[];
}

function truthy(v: boolean | number | undefined): boolean {
  return v === true || (typeof v === 'number' && v !== 0);
}

/**
 * One inspected space in columns, rows in ascending name order. `names`, `types`,
 * `urefs` and `objects` are its first columns (iin_name, iin_type with request bits,
 * iin_urefs, iin_object), `length` long; `entry(i)` is row i as a PortEntry. The columns
 * are views: a small table's share their ArrayBuffer with other tables (as small Node
 * Buffers share a pool), so read them through the views, not through `.buffer`.
 */
export class PortTable implements Iterable<PortEntry> {
  /** Rows (names) in the table. */
  readonly length: number;
  /** The names, ascending (unsigned). */
  readonly names: Uint32Array;
  /** Raw MACH_PORT_TYPE_* bits of each name, request bits included. */
  readonly types: Uint32Array;
  /** User references of each name. */
  readonly urefs: Uint32Array;
  /** Each name's port identity (PortEntry.object). */
  readonly objects: Uint32Array;
  readonly #qlimit: Uint32Array;
  readonly #msgcount: Uint32Array;
  readonly #seqno: Uint32Array;
  readonly #mscount: Uint32Array;
  readonly #sorights: Uint32Array;
  readonly #flags: Uint32Array;
  readonly #boosts: Uint32Array;
  readonly #kobject: Uint32Array;
  readonly #bits: Uint8Array;
  readonly #extras: Map<number, RowExtras>;
  readonly #space: ProcessRef;
  readonly #index: PeerIndex;

  /** @internal Made by PortTableBuilder. */
  constructor(builder: PortTableBuilder, space: ProcessRef, index: PeerIndex) {
    const n = builder.length;
    this.length = n;
    // The columns as views of the builder's buffer, cut to the rows written.
    const cut = (a: Uint32Array): Uint32Array => (a.length === n ? a : a.subarray(0, n));
    this.names = cut(builder.words[0]!);
    this.types = cut(builder.words[1]!);
    this.urefs = cut(builder.words[2]!);
    this.objects = cut(builder.words[3]!);
    this.#qlimit = cut(builder.words[4]!);
    this.#msgcount = cut(builder.words[5]!);
    this.#seqno = cut(builder.words[6]!);
    this.#mscount = cut(builder.words[7]!);
    this.#sorights = cut(builder.words[8]!);
    this.#flags = cut(builder.words[9]!);
    this.#boosts = cut(builder.words[10]!);
    this.#kobject = cut(builder.words[11]!);
    this.#bits = builder.bits.length === n ? builder.bits : builder.bits.subarray(0, n);
    this.#extras = builder.extras;
    this.#space = space;
    this.#index = index;
  }

  /** Row `i` as a PortEntry (a new record each call). RangeError outside 0..length-1. */
  entry(i: number): PortEntry {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`row ${i} is not in a table of ${this.length}`);
    return this.#build(i, new RawEntryRecord());
  }

  /** The row of `name`, or -1 when the space had no such name. */
  indexOf(name: number): number {
    const want = name >>> 0;
    const names = this.names;
    let lo = 0;
    let hi = this.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = names[mid]!;
      if (v === want) return mid;
      if (v < want) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Every row as a PortEntry, in name order, built one at a time. */
  *[Symbol.iterator](): IterableIterator<PortEntry> {
    const view = new RawEntryRecord();
    for (let i = 0; i < this.length; i++) yield this.#build(i, view);
  }

  /** Every row as a PortEntry, in one array. */
  toArray(): PortEntry[] {
    const out = new Array<PortEntry>(this.length);
    const view = new RawEntryRecord();
    for (let i = 0; i < this.length; i++) out[i] = this.#build(i, view);
    return out;
  }

  #build(i: number, x: RawEntryRecord): PortEntry {
    const bits = this.#bits[i]!;
    const type = this.types[i]!;
    const more = this.#extras.get(i);
    x.name = this.names[i]!;
    x.type = type;
    x.urefs = this.urefs[i]!;
    x.object = this.objects[i]!;
    x.status =
      (bits & HAS_STATUS) === 0
        ? undefined
        : {
            qlimit: this.#qlimit[i]!,
            msgcount: this.#msgcount[i]!,
            seqno: this.#seqno[i]!,
            mscount: this.#mscount[i]!,
            sorights: this.#sorights[i]!,
            srights: (bits & SRIGHTS) !== 0,
            pdrequest: (bits & PDREQUEST) !== 0,
            nsrequest: (bits & NSREQUEST) !== 0,
            flags: this.#flags[i]!,
            context: more?.context ?? 0n,
            boosts: this.#boosts[i]!,
          };
    // buildEntry reads a kernel object of type IKOT_NONE as none at all.
    const kobject = this.#kobject[i]!;
    x.kobject = kobject === C.IKOT_NONE ? undefined : { type: kobject };
    if (x.kobject !== undefined && more?.kobjectDescription !== undefined) x.kobject.description = more.kobjectDescription;
    x.members = more?.members;
    x.kobjectTask = more?.kobjectTask;
    x.portState = (bits & DEAD) !== 0 ? 'dead' : (bits & IN_TRANSIT) !== 0 ? 'in-transit' : (bits & ALIVE) !== 0 ? 'alive' : undefined;
    x.service = more?.service;
    x.receiver = more?.receiver;
    return buildEntry(this.#space, x, type, more?.sets, this.#index);
  }
}

/**
 * Fills a PortTable row by row from RawEntry records (a reused scratch entry is fine: the
 * builder copies what it keeps). `capacity` bounds the rows; build() cuts to those written.
 */
export class PortTableBuilder {
  length = 0;
  /** @internal The 32-bit columns (views of one buffer). */
  readonly words: Uint32Array[];
  /** @internal */
  readonly bits: Uint8Array;
  /** @internal */
  readonly extras = new Map<number, RowExtras>();

  constructor(readonly capacity: number) {
    // One zeroed region for every column, so rows without a receive status or a kernel
    // object cost nothing to leave as they are.
    const { buffer, offset } = columnsRegion(capacity * (4 * WORD_COLUMNS + 1));
    this.words = [];
    for (let k = 0; k < WORD_COLUMNS; k++) this.words.push(new Uint32Array(buffer, offset + k * 4 * capacity, capacity));
    this.bits = new Uint8Array(buffer, offset + WORD_COLUMNS * 4 * capacity, capacity);
  }

  /**
   * Append `e` (its raw type `type`, already checked to hold a right) with the port sets of
   * the space it is in (`sets`, any order; copied).
   */
  add(e: RawEntry, type: number, sets: readonly number[] | undefined): void {
    const i = this.length;
    if (i >= this.capacity) throw new RangeError(`the table holds ${this.capacity} rows`);
    // Only values other than 0 are stored: the buffer starts zeroed, and a page of a
    // column nothing was written to is never touched (mapped on first write, which costs
    // more than the store on a VM). Most ports have no messages, send-once rights, flags,
    // boosts or kernel object, so most of those columns' pages stay untouched.
    const w = this.words;
    w[0]![i] = e.name;
    w[1]![i] = type;
    if (e.urefs !== 0) w[2]![i] = e.urefs;
    if (e.object !== 0) w[3]![i] = e.object;
    let bits = 0;
    let more: RowExtras | undefined;
    const s = e.status;
    if (s !== undefined) {
      bits |= HAS_STATUS;
      if (s.qlimit !== 0) w[4]![i] = s.qlimit;
      if (s.msgcount !== 0) w[5]![i] = s.msgcount;
      if (s.seqno !== 0) w[6]![i] = s.seqno;
      if (s.mscount !== 0) w[7]![i] = s.mscount;
      if (s.sorights !== 0) w[8]![i] = s.sorights;
      if (s.flags) w[9]![i] = s.flags;
      if (s.boosts) w[10]![i] = s.boosts;
      if (truthy(s.srights)) bits |= SRIGHTS;
      if (truthy(s.pdrequest)) bits |= PDREQUEST;
      if (truthy(s.nsrequest)) bits |= NSREQUEST;
      if (s.context !== undefined && s.context !== 0n) (more ??= {}).context = s.context;
    }
    if (e.kobject !== undefined) {
      if (e.kobject.type !== 0) w[11]![i] = e.kobject.type;
      if (e.kobject.description !== undefined) (more ??= {}).kobjectDescription = e.kobject.description;
    }
    if (e.portState === 'dead') bits |= DEAD;
    else if (e.portState === 'in-transit') bits |= IN_TRANSIT;
    else if (e.portState === 'alive') bits |= ALIVE;
    if (bits !== 0) this.bits[i] = bits;
    if (e.members !== undefined) (more ??= {}).members = e.members.slice();
    if (e.kobjectTask !== undefined) (more ??= {}).kobjectTask = { pid: e.kobjectTask.pid, process: e.kobjectTask.process };
    if (e.service !== undefined) (more ??= {}).service = e.service;
    if (e.receiver !== undefined) {
      const r: ProcessRef & { name?: number } = { pid: e.receiver.pid, process: e.receiver.process };
      if (e.receiver.name !== undefined) r.name = e.receiver.name;
      (more ??= {}).receiver = r;
    }
    if (sets !== undefined && sets.length > 0) (more ??= {}).sets = sets.slice();
    if (more !== undefined) this.extras.set(i, more);
    this.length = i + 1;
  }

  /** The table of the rows added, for `space`, resolving peers through `index`. */
  build(space: ProcessRef, index: PeerIndex): PortTable {
    return new PortTable(this, { pid: space.pid, process: space.process }, index);
  }
}

/**
 * A TaskInspection over `table`: `ports` is built from the table when first read and kept
 * from then on (an own enumerable property, so spreading, JSON and deep equality see the
 * records as before); `table` is not enumerable.
 */
export function tableInspection(head: Omit<TaskInspection, 'ports' | 'table'>, table: PortTable): TaskInspection {
  const t = { backend: head.backend, pid: head.pid, process: head.process, self: head.self } as TaskInspection;
  const keep = (target: object, ports: PortEntry[]): void => {
    Object.defineProperty(target, 'ports', { value: ports, enumerable: true, writable: true, configurable: true });
  };
  Object.defineProperty(t, 'ports', {
    enumerable: true,
    configurable: true,
    get(this: TaskInspection): PortEntry[] {
      const ports = table.toArray();
      keep(this, ports);
      return ports;
    },
    set(this: TaskInspection, ports: PortEntry[]) {
      keep(this, ports);
    },
  });
  t.summary = head.summary;
  Object.defineProperty(t, 'table', { value: table, enumerable: false, writable: false, configurable: false });
  return t;
}
