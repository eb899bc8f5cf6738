/**
 * Turns raw spaces into inspections: classifies each name, inverts port-set memberships,
 * and resolves the other end of every right by matching port identities across all the
 * spaces given (as lsmp matches iin_object values). Linear in the total number of names
 * (one pass to index, one to build), apart from sorting a space that is not already in
 * name order.
 * @module
 */
import * as C from '../constants.js';
import { kobjectLabel, kobjectTypeName, portFlagNames, TASK_KOBJECT_TYPES } from './names.js';
import type { RawEntry, RawTaskSpace } from './raw.js';
import { PortTableBuilder, tableInspection } from './table.js';
import type {
  Holder,
  InspectionSummary,
  KobjectInfo,
  Peer,
  PortEntry,
  ProcessRef,
  ReceiveStatus,
  RequestName,
  RightName,
  TaskInspection,
} from './types.js';

interface Located {
  space: RawTaskSpace;
  entry: RawEntry;
}

/** The receive right of a port, as a send right's peer column shows it. */
export interface ReceiverRef extends ProcessRef {
  /** The receive right's name in its task. */
  name: number;
  /** The port's queue limit and depth. */
  qlimit: number;
  msgcount: number;
}

/**
 * The cross-task look-ups an inspection needs, by port identity: where the receive right
 * is, which other rights to the port the inspected tasks hold, and which task a task port
 * stands for. Built once per inspection from every inspected space.
 */
export interface PeerIndex {
  /** The receive right of the port `object`, when an inspected task holds it. */
  receiver(object: number): ReceiverRef | undefined;
  /** The send and send-once rights to `object` held in the inspected tasks (tasks in order, names ascending). */
  holders(object: number): readonly Holder[] | undefined;
  /** The task whose own task port is `object`. */
  taskPort(object: number): ProcessRef | undefined;
}

/** A holder row for another task's send or send-once right. */
export function holderOf(space: ProcessRef, name: number, type: number, urefs: number): Holder {
  return {
    pid: space.pid,
    process: space.process,
    name: name >>> 0,
    rights: rightsOf(type),
    urefs,
    deadNameRequest: (type & C.MACH_PORT_TYPE_DNREQUEST) !== 0,
  };
}

/** The peer index of raw spaces: receive rights and holders matched by iin_object. */
function rawIndex(spaces: RawTaskSpace[]): PeerIndex {
  const receivers = new Map<number, Located>();
  const holders = new Map<number, Holder[]>();
  const taskPorts = new Map<number, RawTaskSpace>();
  for (const space of spaces) {
    if (space.taskPortObject) taskPorts.set(space.taskPortObject, space);
    for (const entry of space.entries) {
      if (!entry.object) continue;
      if (entry.type & C.MACH_PORT_TYPE_RECEIVE) {
        receivers.set(entry.object, { space, entry });
      } else if (entry.type & (C.MACH_PORT_TYPE_SEND | C.MACH_PORT_TYPE_SEND_ONCE)) {
        let list = holders.get(entry.object);
        if (!list) holders.set(entry.object, (list = []));
        list.push(holderOf(space, entry.name, entry.type, entry.urefs));
      }
    }
  }
  return {
    receiver(object) {
      const found = receivers.get(object);
      if (found === undefined) return undefined;
      const s = found.entry.status;
      return {
        pid: found.space.pid,
        process: found.space.process,
        name: found.entry.name >>> 0,
        qlimit: s?.qlimit ?? 0,
        msgcount: s?.msgcount ?? 0,
      };
    },
    holders: (object) => holders.get(object),
    taskPort: (object) => taskPorts.get(object),
  };
}

const RIGHTS_CACHE = new Map<number, readonly RightName[]>();

/** The rights a raw type word denotes, in a fixed order (a shared, frozen array). */
export function rightsOf(type: number): readonly RightName[] {
  const key = type & C.MACH_PORT_TYPE_ALL_RIGHTS;
  let rights = RIGHTS_CACHE.get(key);
  if (rights === undefined) {
    const r: RightName[] = [];
    if (key & C.MACH_PORT_TYPE_RECEIVE) r.push('receive');
    if (key & C.MACH_PORT_TYPE_SEND) r.push('send');
    if (key & C.MACH_PORT_TYPE_SEND_ONCE) r.push('send-once');
    if (key & C.MACH_PORT_TYPE_PORT_SET) r.push('port-set');
    if (key & C.MACH_PORT_TYPE_DEAD_NAME) r.push('dead-name');
    rights = Object.freeze(r);
    RIGHTS_CACHE.set(key, rights);
  }
  return rights;
}

const REQUEST_NAMES: readonly RequestName[] = ['dead-name', 'send-possible', 'no-senders', 'port-destroyed'];
/** The request lists by bit mask (bit i = REQUEST_NAMES[i]), shared and frozen. */
const REQUESTS_BY_MASK: ReadonlyArray<readonly RequestName[]> = Array.from({ length: 16 }, (_, mask) =>
  Object.freeze(REQUEST_NAMES.filter((_n, i) => (mask & (1 << i)) !== 0)),
);
const NO_NUMBERS: readonly number[] = Object.freeze([]);
const NO_HOLDERS: readonly Holder[] = Object.freeze([]);

function sortedCopy(list: readonly number[] | undefined): readonly number[] {
  if (list === undefined || list.length === 0) return NO_NUMBERS;
  if (list.length === 1) return [list[0]! >>> 0];
  return Array.from(list, (n) => n >>> 0).sort((a, b) => a - b);
}

function truthy(v: boolean | number | undefined): boolean {
  return v === true || (typeof v === 'number' && v !== 0);
}

function isSorted(entries: RawEntry[]): boolean {
  for (let i = 1; i < entries.length; i++) if (entries[i - 1]!.name >>> 0 > entries[i]!.name >>> 0) return false;
  return true;
}

/**
 * Build inspections for `targets` (indexes into `spaces`, default all), resolving peers
 * and holders across every space in `spaces`.
 */
export function assembleInspections(spaces: RawTaskSpace[], targets?: number[]): TaskInspection[] {
  const index = rawIndex(spaces);
  const wanted = targets ?? spaces.map((_, i) => i);
  return wanted.map((i) => buildTask(spaces[i]!, index));
}

/** An empty summary, counted up by {@link countEntry}. */
export function emptySummary(): InspectionSummary {
  return { total: 0, send: 0, receive: 0, sendOnce: 0, portSet: 0, deadName: 0, dnrequest: 0 };
}

/** Count one name of raw type `type` into the summary. */
export function countEntry(summary: InspectionSummary, type: number): void {
  summary.total++;
  if (type & C.MACH_PORT_TYPE_SEND) summary.send++;
  if (type & C.MACH_PORT_TYPE_RECEIVE) summary.receive++;
  if (type & C.MACH_PORT_TYPE_SEND_ONCE) summary.sendOnce++;
  if (type & C.MACH_PORT_TYPE_PORT_SET) summary.portSet++;
  if (type & C.MACH_PORT_TYPE_DEAD_NAME) summary.deadName++;
  if (type & C.MACH_PORT_TYPE_DNREQUEST) summary.dnrequest++;
}

function buildTask(space: RawTaskSpace, index: PeerIndex): TaskInspection {
  const entries = isSorted(space.entries) ? space.entries : [...space.entries].sort((a, b) => (a.name >>> 0) - (b.name >>> 0));

  // Invert set memberships within this space.
  const setsOf = new Map<number, number[]>();
  for (const e of entries) {
    if (!(e.type & C.MACH_PORT_TYPE_PORT_SET) || !e.members) continue;
    for (const m of e.members) {
      let list = setsOf.get(m);
      if (!list) setsOf.set(m, (list = []));
      list.push(e.name);
    }
  }

  const summary = emptySummary();
  const table = new PortTableBuilder(entries.length);
  for (const e of entries) {
    const type = e.type >>> 0;
    if ((type & C.MACH_PORT_TYPE_ALL_RIGHTS) === 0) continue; // a free slot
    countEntry(summary, type);
    table.add(e, type, setsOf.get(e.name));
  }
  return tableInspection({ backend: space.backend, pid: space.pid, process: space.process, self: space.self, summary }, table.build(space, index));
}

/**
 * The inspection record of one raw entry of `space` (its raw type `type`, with any free
 * slot already skipped). `sets` lists the port sets of the space the port is in, in any
 * order. Nothing of `e` is kept: a caller may reuse one scratch entry for every name.
 */
export function buildEntry(space: ProcessRef, e: RawEntry, type: number, sets: readonly number[] | undefined, index: PeerIndex): PortEntry {
  let reqMask = 0;
  if (type & C.MACH_PORT_TYPE_DNREQUEST) reqMask |= 1;
  if (type & (C.MACH_PORT_TYPE_SPREQUEST | C.MACH_PORT_TYPE_SPREQUEST_DELAYED)) reqMask |= 2;

  let receive: ReceiveStatus | null = null;
  let holderList: readonly Holder[] | null = null;
  let members: readonly number[] | null = null;
  let kobject: KobjectInfo | null = null;
  let peer: Peer | null = null;

  if (type & C.MACH_PORT_TYPE_RECEIVE) {
    const s = e.status;
    if (s !== undefined) {
      if (truthy(s.nsrequest)) reqMask |= 4;
      if (truthy(s.pdrequest)) reqMask |= 8;
      const flags = s.flags ?? 0;
      receive = {
        qlimit: s.qlimit,
        msgcount: s.msgcount,
        seqno: s.seqno,
        mscount: s.mscount,
        sorights: s.sorights,
        srights: truthy(s.srights),
        flags: portFlagNames(flags),
        flagBits: flags,
        context: s.context ?? 0n,
        boosts: s.boosts ?? 0,
        sets: sortedCopy(sets),
      };
    } else {
      receive = { qlimit: 0, msgcount: 0, seqno: 0, mscount: 0, sorights: 0, srights: false, flags: portFlagNames(0), flagBits: 0, context: 0n, boosts: 0, sets: sortedCopy(sets) };
    }
    holderList = (e.object ? index.holders(e.object) : undefined) ?? NO_HOLDERS;
  } else if (type & C.MACH_PORT_TYPE_PORT_SET) {
    members = sortedCopy(e.members);
  } else if (type & (C.MACH_PORT_TYPE_SEND | C.MACH_PORT_TYPE_SEND_ONCE)) {
    if (e.kobject !== undefined && e.kobject.type !== C.IKOT_NONE) {
      kobject = { type: e.kobject.type, typeName: kobjectTypeName(e.kobject.type), label: kobjectLabel(e.kobject.type) };
      if (e.kobject.description) kobject.description = e.kobject.description;
      if (TASK_KOBJECT_TYPES.has(e.kobject.type)) {
        const target: ProcessRef | undefined = e.kobjectTask ?? (e.object ? index.taskPort(e.object) : undefined);
        if (target) kobject.task = { pid: target.pid, process: target.process, self: target.pid === space.pid };
      }
      peer = { state: 'kernel' };
    } else {
      peer = resolvePeer(e, index);
    }
  }

  return {
    name: e.name >>> 0,
    object: e.object >>> 0,
    type,
    rights: rightsOf(type),
    urefs: e.urefs,
    requests: REQUESTS_BY_MASK[reqMask]!,
    receive,
    members,
    kobject,
    peer,
    holders: holderList,
  };
}

function resolvePeer(e: RawEntry, index: PeerIndex): Peer {
  if (e.portState === 'dead') return { state: 'dead' };
  const found = e.object ? index.receiver(e.object) : undefined;
  if (found) return { state: 'task', pid: found.pid, process: found.process, name: found.name, qlimit: found.qlimit, msgcount: found.msgcount };
  if (e.portState === 'in-transit') return { state: 'in-transit' };
  if (e.service !== undefined) return { state: 'service', process: e.service };
  if (e.receiver) {
    // The backend knows the receiver although its task was not inspected (the emulator can tell).
    const peer: Peer = { state: 'task', pid: e.receiver.pid, process: e.receiver.process };
    if (e.receiver.name !== undefined) peer.name = e.receiver.name;
    return peer;
  }
  return { state: 'unknown' };
}
