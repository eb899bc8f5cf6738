/**
 * Inspection on the emulator: reads a task's space through the core's introspection hook
 * (`task.spaceInfo()`) and turns it into the raw view the assembler shares with the native
 * side — including XNU's raw view of lazily dead rights (reference S7): a send right to a
 * port that died is still a send right in mach_port_space_info until something looks it up.
 * @module
 */
import * as C from '../constants.js';
import type { Kernel } from '../emulator/kernel.js';
import { processKernel, processTask } from '../emulator/process.js';
import type { SpaceInfoEntry } from '../emulator/space-info.js';
import type { EmulatedTask } from '../emulator/task.js';
import type { RawEntry, RawTaskSpace } from './raw.js';

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
  if (!entry) return x.type;
  return ((entry.bits & C.MACH_PORT_TYPE_ALL_RIGHTS) | (x.dnrequest ? C.MACH_PORT_TYPE_DNREQUEST : 0)) >>> 0;
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
