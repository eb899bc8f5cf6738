/**
 * Inspection on the emulator: reads a task's space through the core's introspection hook
 * (`task.spaceInfo()`) and turns it into the raw view the assembler shares with the native
 * side — including XNU's raw view of lazily dead rights (reference S7): a send right to a
 * port that died is still a send right in mach_port_space_info until something looks it up.
 *
 * `inspectEmulatedTasks` is the same inspection without the raw view in between: it reads
 * each name's entry and port straight into the record the inspection returns, so that
 * at 100,000 names the only memory alive until it returns is the result itself (the
 * raw records of every name, held until the assembler had indexed them all, doubled it).
 * @module
 */
import * as C from '../constants.js';
import type { Entry } from '../emulator/entry.js';
import type { Kernel } from '../emulator/kernel.js';
import { namesType } from '../emulator/mach-port.js';
import type { PortSet } from '../emulator/port-set.js';
import type { Port } from '../emulator/port.js';
import { processKernel, processTask } from '../emulator/process.js';
import type { Space } from '../emulator/space.js';
import { fillReceiveStatus, type ReceiveStatusFields, type SpaceInfoEntry } from '../emulator/space-info.js';
import type { EmulatedTask } from '../emulator/task.js';
import { buildEntry, countEntry, emptySummary, holderOf, type PeerIndex, type ReceiverRef } from './assemble.js';
import { RawEntryRecord, type RawEntry, type RawTaskSpace } from './raw.js';
import type { Holder, PortEntry, ProcessRef, TaskInspection } from './types.js';
import { PortTableBuilder, tableInspection } from './table.js';

/** An emulated task (the core's EmulatedTask). */
export type EmulatedTaskLike = EmulatedTask;
/** An emulated kernel (the core's Kernel). */
export type KernelLike = Kernel;
/** One record of the core's `task.spaceInfo()`. */
export type EmulatedSpaceEntry = SpaceInfoEntry;

/** The kernel a task belongs to. */
export function kernelOfTask(task: EmulatedTask): Kernel {
  return task.kernel;
}

/** The live tasks of a kernel, in pid order. */
export function emulatedTasksOf(kernel: Kernel): EmulatedTask[] {
  return [...kernel.tasks].sort((a, b) => a.pid - b.pid);
}

/** This process's emulated task (created on first use). */
export function processEmulatedTask(): EmulatedTask {
  return processTask() as EmulatedTask;
}

/** This process's emulated kernel (created on first use). */
export function processEmulatedKernel(): Kernel {
  return processKernel();
}

/**
 * Is `task` this process's own emulated task? Only the process kernel holds it, so the
 * kernel is compared only when the pid matches (never creating the process task on the way).
 */
export function isProcessTask(task: EmulatedTask): boolean {
  return task.pid === process.pid && task.kernel === processKernel() && !task.terminated;
}

/** The raw type bits of a lazily dead right (mach_port_space_info does not convert it). */
function rawType(task: EmulatedTask, x: SpaceInfoEntry): number {
  if (!x.portDead) return x.type;
  const entry = task.space.lookup(x.name);
  return entry ? rawEntryType(entry) : x.type;
}

/** Read one emulated task's space into the raw view. */
export function readEmulatedSpace(task: EmulatedTask, self = isProcessTask(task)): RawTaskSpace {
  const info = task.spaceInfo();
  const selfName = task.mach_task_self();
  let taskPortObject: number | undefined;
  const entries: RawEntry[] = new Array(info.length);
  for (let i = 0; i < info.length; i++) {
    const x = info[i]!;
    const type = rawType(task, x);
    const e: RawEntry = { name: x.name, type, urefs: x.urefs, object: x.portId };
    if (type & C.MACH_PORT_TYPE_RECEIVE) {
      e.status = x; // the record carries the receive status under the same field names
    } else if (type & C.MACH_PORT_TYPE_PORT_SET) {
      e.members = x.members;
    } else if (type & (C.MACH_PORT_TYPE_SEND | C.MACH_PORT_TYPE_SEND_ONCE)) {
      if (x.kobjectType !== C.IKOT_NONE) e.kobject = { type: x.kobjectType };
      if (x.kobjectTask) e.kobjectTask = { pid: x.kobjectTask.pid, process: x.kobjectTask.name };
      if (x.portDead) e.portState = 'dead';
      else if (x.inTransit) e.portState = 'in-transit';
      else if (x.inKernel && x.kobjectType === C.IKOT_NONE) e.service = x.label ?? 'service';
      if (x.receiver) e.receiver = { pid: x.receiver.pid, process: x.receiver.name, name: x.receiver.portName };
    }
    if (x.name === selfName) taskPortObject = x.portId;
    entries[i] = e;
  }
  const space: RawTaskSpace = { backend: 'emulator', pid: task.pid, process: task.name, self, entries };
  if (taskPortObject !== undefined) space.taskPortObject = taskPortObject;
  return space;
}

/**
 * mach_port_space_info's type word of an entry: a right to a port that died keeps its
 * right bits (with its dead-name request) until something looks the name up
 * (xnu:osfmk/ipc/ipc_right.c:ipc_right_check converts it then; mach_port_space_info,
 * osfmk/ipc/mach_debug.c, does not call it). Any other entry reads as mach_port_names does.
 */
function rawEntryType(e: Entry): number {
  const obj = e.object;
  if (obj === null || obj.active) return namesType(e);
  const dnrequest = e.request !== null && e.request.type() !== 0;
  return ((e.bits & C.MACH_PORT_TYPE_ALL_RIGHTS) | (dnrequest ? C.MACH_PORT_TYPE_DNREQUEST : 0)) >>> 0;
}

/** The peer index of emulated tasks: receive rights found through the port itself, holders by port id. */
function emulatedIndex(tasks: readonly EmulatedTask[]): PeerIndex {
  const inspected = new Map<Space, ProcessRef>();
  for (const t of tasks) inspected.set(t.space, { pid: t.pid, process: t.name });
  const receivers = new Map<number, ReceiverRef>();
  const holders = new Map<number, Holder[]>();
  const taskPorts = new Map<number, ProcessRef>();
  for (const t of tasks) {
    const space = t.space;
    if (!space.active) continue;
    const ref = inspected.get(space)!;
    const selfPort = space.lookup(t.mach_task_self())?.object;
    if (selfPort) taskPorts.set(selfPort.id, ref);
    for (let i = 1, end = space.tableSize; i < end; i++) {
      const e = space.entryAt(i);
      if (e === undefined || e.object === null) continue;
      // Holders are send and send-once rights without the receive right: told by the
      // entry's own bits first, so that the scan does not load the port of every receive
      // right and port set (at 100,000 names those loads miss the cache).
      const bits = e.bits;
      if ((bits & C.MACH_PORT_TYPE_RECEIVE) !== 0 || (bits & (C.MACH_PORT_TYPE_SEND | C.MACH_PORT_TYPE_SEND_ONCE)) === 0) continue;
      const type = rawEntryType(e);
      if ((type & C.MACH_PORT_TYPE_RECEIVE) !== 0 || (type & (C.MACH_PORT_TYPE_SEND | C.MACH_PORT_TYPE_SEND_ONCE)) === 0) continue;
      // A right to a dead port has no receive right to be listed under.
      const port = e.object as Port;
      if (!port.active) continue;
      let list = holders.get(port.id);
      if (list === undefined) holders.set(port.id, (list = []));
      list.push(holderOf(ref, e.name, type, e.urefs));
      const rcv = port.receiver;
      if (rcv !== null && !receivers.has(port.id)) {
        const owner = inspected.get(rcv);
        if (owner !== undefined && rcv.active) {
          receivers.set(port.id, { pid: owner.pid, process: owner.process, name: port.receiverName >>> 0, qlimit: port.qlimit, msgcount: port.msgcount });
        }
      }
    }
  }
  return {
    receiver: (object) => receivers.get(object),
    holders: (object) => holders.get(object),
    taskPort: (object) => taskPorts.get(object),
  };
}

/** One raw entry, refilled for every name, with the records its fields point at kept for reuse. */
class ScratchEntry extends RawEntryRecord {
  readonly statusSlot: ReceiveStatusFields = { qlimit: 0, msgcount: 0, seqno: 0, mscount: 0, sorights: 0, srights: 0, pdrequest: false, nsrequest: false, flags: 0, context: 0n };
  readonly kobjectSlot = { type: 0 };
  readonly kobjectTaskSlot: ProcessRef = { pid: 0, process: '' };
  readonly receiverSlot: ProcessRef & { name: number } = { pid: 0, process: '', name: 0 };
  readonly list: number[] = [];
}

/**
 * Fill `x` from entry `e` (raw type `type`) as readEmulatedSpace would describe it. Returns
 * the names of the port sets a receive right is in (undefined when none).
 */
function fillEntry(x: ScratchEntry, e: Entry, type: number): number[] | undefined {
  const obj = e.object;
  x.name = e.name;
  x.type = type;
  x.urefs = e.urefs;
  x.object = obj === null ? 0 : obj.id;
  x.status = undefined;
  x.members = undefined;
  x.kobject = undefined;
  x.kobjectTask = undefined;
  x.portState = undefined;
  x.service = undefined;
  x.receiver = undefined;
  if (obj === null) return undefined;
  const list = x.list;
  if (list.length !== 0) list.length = 0;
  if ((type & C.MACH_PORT_TYPE_RECEIVE) !== 0) {
    const port = obj as Port;
    fillReceiveStatus(x.statusSlot, port);
    x.status = x.statusSlot;
    if (port.psets.length === 0) return undefined;
    for (const set of port.psets) list.push(set.name);
    return list;
  }
  if ((type & C.MACH_PORT_TYPE_PORT_SET) !== 0) {
    for (const p of (obj as PortSet).members) list.push(p.receiverName);
    x.members = list;
    return undefined;
  }
  if ((type & (C.MACH_PORT_TYPE_SEND | C.MACH_PORT_TYPE_SEND_ONCE)) !== 0) {
    const port = obj as Port;
    if (port.kobjectType !== C.IKOT_NONE) {
      x.kobjectSlot.type = port.kobjectType;
      x.kobject = x.kobjectSlot;
    }
    if (port.kobjectType === C.IKOT_TASK_CONTROL && port.kobject !== null) {
      const t = port.kobject as EmulatedTask;
      x.kobjectTaskSlot.pid = t.pid;
      x.kobjectTaskSlot.process = t.name;
      x.kobjectTask = x.kobjectTaskSlot;
    }
    if (!port.active) x.portState = 'dead';
    else if (port.receiver === null && port.destination !== null) x.portState = 'in-transit';
    else if (port.inKernel && port.kobjectType === C.IKOT_NONE) x.service = port.label ?? 'service';
    const owner = port.receiver?.task ?? null;
    if (owner !== null) {
      const r = x.receiverSlot;
      r.pid = owner.pid;
      r.process = owner.name;
      r.name = port.receiverName;
      x.receiver = r;
    }
  }
  return undefined;
}

/**
 * The inspection of one emulated task, its peers resolved through `index`: its names read
 * into a PortTable (records are built from it when `ports` is first read).
 */
function inspectOne(task: EmulatedTask, index: PeerIndex): TaskInspection {
  const space = task.space;
  const ref: ProcessRef = { pid: task.pid, process: task.name };
  const summary = emptySummary();
  const count = space.active ? space.count : 0;
  // Exactly as long as needed: grown by push, a list of 100,000 would be copied (and its
  // pages touched) several times over.
  const table = new PortTableBuilder(count);
  if (count > 0) {
    const x = new ScratchEntry();
    for (let i = 1, end = space.tableSize; i < end && table.length < count; i++) {
      const e = space.entryAt(i);
      if (e === undefined) continue;
      const type = rawEntryType(e);
      if ((type & C.MACH_PORT_TYPE_ALL_RIGHTS) === 0) continue;
      const sets = fillEntry(x, e, type);
      countEntry(summary, type);
      table.add(x, type, sets);
    }
  }
  return tableInspection({ backend: 'emulator', pid: task.pid, process: task.name, self: isProcessTask(task), summary }, table.build(ref, index));
}

/**
 * The records of `tasks[target]`'s names one at a time, in increasing name order (peers
 * and holders resolved across all of `tasks`): what `inspectOne` lists, without holding
 * the list. The space is read as the iteration goes.
 */
export function* iterateEmulatedPorts(tasks: readonly EmulatedTask[], target: number): Generator<PortEntry, void, undefined> {
  const task = tasks[target]!;
  const space = task.space;
  if (!space.active) return;
  const index = emulatedIndex(tasks);
  const ref: ProcessRef = { pid: task.pid, process: task.name };
  const x = new ScratchEntry();
  for (let i = 1; i < space.tableSize && space.active; i++) {
    const e = space.entryAt(i);
    if (e === undefined) continue;
    const type = rawEntryType(e);
    if ((type & C.MACH_PORT_TYPE_ALL_RIGHTS) === 0) continue;
    const sets = fillEntry(x, e, type);
    yield buildEntry(ref, x, type, sets, index);
  }
}

/**
 * Inspect `tasks[i]` for each of `targets` (default: every task), resolving peers and
 * holders across all of `tasks` — what `assembleInspections(tasks.map(readEmulatedSpace))`
 * returns, built straight from the spaces.
 */
export function inspectEmulatedTasks(tasks: readonly EmulatedTask[], targets?: readonly number[]): TaskInspection[] {
  const index = emulatedIndex(tasks);
  const wanted = targets ?? tasks.map((_, i) => i);
  return wanted.map((i) => inspectOne(tasks[i]!, index));
}
