/**
 * Inspection on the emulator: reads a task's space through the core's introspection hook
 * (`task.spaceInfo()`) and turns it into the raw view the assembler shares with the
 * native side.
 * (Provisional shapes until the emulator core lands; adapted to its task.ts / kernel.ts.)
 * @module
 */
import * as C from '../constants.js';
import type { RawEntry, RawTaskSpace } from './raw.js';

/** One name as the core's `spaceInfo()` reports it. */
export interface EmulatedSpaceEntry {
  name: number;
  type: number;
  urefs: number;
  portId: number;
  receiver?: { pid: number; name: string; portName?: number } | null;
  portDead?: boolean;
  inTransit?: boolean;
  msgcount?: number;
  qlimit?: number;
  seqno?: number;
  mscount?: number;
  srights?: number;
  sorights?: number;
  flags?: number;
  context?: bigint;
  nsrequest?: boolean;
  pdrequest?: boolean;
  members?: number[];
  kobjectType?: number;
  kobjectTask?: { pid: number; name: string };
}

/** What inspection needs of an emulated task. */
export interface EmulatedTaskLike {
  readonly pid: number;
  readonly name: string;
  spaceInfo(): EmulatedSpaceEntry[];
  mach_task_self(): number;
}

/** What inspection needs of an emulated kernel. */
export interface KernelLike {
  readonly tasks: Iterable<EmulatedTaskLike>;
}

/** The kernel a task belongs to, when the core tells. */
export function kernelOfTask(task: EmulatedTaskLike): KernelLike | undefined {
  return (task as unknown as { kernel?: KernelLike }).kernel;
}

/** The live tasks of a kernel, in pid order. */
export function emulatedTasksOf(kernel: KernelLike): EmulatedTaskLike[] {
  return [...kernel.tasks].sort((a, b) => a.pid - b.pid);
}

/** This process's emulated task. */
export function processEmulatedTask(): EmulatedTaskLike {
  throw new Error('the emulator core is not built yet');
}

/** This process's emulated kernel. */
export function processEmulatedKernel(): KernelLike {
  throw new Error('the emulator core is not built yet');
}

/** Read one emulated task's space into the raw view. */
export function readEmulatedSpace(task: EmulatedTaskLike, self: boolean): RawTaskSpace {
  const info = task.spaceInfo();
  const selfName = task.mach_task_self();
  let taskPortObject: number | undefined;
  const entries: RawEntry[] = info.map((x) => {
    const e: RawEntry = { name: x.name, type: x.type, urefs: x.urefs, object: x.portId };
    if (x.type & C.MACH_PORT_TYPE_RECEIVE) {
      e.status = {
        qlimit: x.qlimit ?? 0,
        msgcount: x.msgcount ?? 0,
        seqno: x.seqno ?? 0,
        mscount: x.mscount ?? 0,
        sorights: x.sorights ?? 0,
        srights: (x.srights ?? 0) > 0,
        pdrequest: !!x.pdrequest,
        nsrequest: !!x.nsrequest,
        flags: x.flags ?? 0,
        context: x.context ?? 0n,
        boosts: 0,
      };
    }
    if (x.members) e.members = x.members;
    if (x.kobjectType) e.kobject = { type: x.kobjectType };
    if (x.kobjectTask) e.kobjectTask = { pid: x.kobjectTask.pid, process: x.kobjectTask.name };
    if (x.portDead) e.portState = 'dead';
    else if (x.inTransit) e.portState = 'in-transit';
    if (x.receiver) {
      e.receiver = { pid: x.receiver.pid, process: x.receiver.name };
      if (x.receiver.portName !== undefined) e.receiver.name = x.receiver.portName;
    }
    if (x.name === selfName) taskPortObject = x.portId;
    return e;
  });
  const space: RawTaskSpace = { backend: 'emulator', pid: task.pid, process: task.name, self, entries };
  if (taskPortObject !== undefined) space.taskPortObject = taskPortObject;
  return space;
}
