/**
 * `inspectTask`, `inspectSelf` and `inspectAll`: lsmp as a library call, on the emulator
 * (any task of any Kernel) and on the real kernel (any pid task_read_for_pid allows).
 * Peers are resolved across every task the caller can read, as lsmp does when run as root.
 * @module
 */
import { currentBackend } from '../backend.js';
import { loadNativeApi, loadNativeIntrospection } from '../native/index.js';
import type { MachApi } from '../types.js';
import { assembleInspections } from './assemble.js';
import {
  emulatedTasksOf,
  inspectEmulatedTasks,
  iterateEmulatedPorts,
  kernelOfTask,
  processEmulatedKernel,
  processEmulatedTask,
  type EmulatedTaskLike,
  type KernelLike,
} from './emulator.js';
import { failure, InspectError, noSuchProcess } from './errors.js';
import { readAllNative, readNativePid, type NativeIntrospection } from './native.js';
import type { InspectBackend, InspectionReport, PortEntry, TaskInspection } from './types.js';

/** Options of the inspection calls. */
export interface InspectOptions {
  /** Which backend a pid refers to (default: the active backend; `kernel` implies the emulator). */
  backend?: InspectBackend;
  /** Emulator: the kernel whose tasks pids refer to and `inspectAll` lists (default: this process's emulated kernel). */
  kernel?: KernelLike;
  /** Native: the MachApi and introspection primitives to use (default: lib/native's). */
  native?: { api: MachApi; introspection: NativeIntrospection };
  /**
   * Resolve the other end of rights across every task the caller may read. False inspects
   * only the task asked for: peers in other tasks show as `unknown` (except on the
   * emulator, whose kernel still names the receiver). Default: true on the emulator;
   * natively true only as root — like Apple's lsmp, which reads other tasks only as root
   * (as a normal user every other process refuses anyway).
   */
  peers?: boolean;
}

/** The backend inspections go to with these options, and why the native one is not used when it is not. */
export function activeInspectBackend(options: InspectOptions = {}): { name: InspectBackend; reason?: string } {
  if (options.backend) return { name: options.backend };
  if (options.kernel) return { name: 'emulator' };
  if (options.native) return { name: 'native' };
  const b = currentBackend();
  return b.reason !== undefined ? { name: b.name, reason: b.reason } : { name: b.name };
}

function nativeParts(options: InspectOptions): { api: MachApi; introspection: NativeIntrospection } {
  if (options.native) return options.native;
  const loaded = loadNativeApi();
  if (!loaded.api) throw new Error(`the native backend is not available: ${loaded.reason}`);
  const introspection: NativeIntrospection = { ...loadNativeIntrospection() };
  // Prefer the kernel's kobject description (lsmp does) when the native API offers it.
  const describe = (loaded.api as unknown as Partial<Pick<NativeIntrospection, 'mach_port_kobject_description'>>).mach_port_kobject_description;
  if (!introspection.mach_port_kobject_description && typeof describe === 'function') {
    introspection.mach_port_kobject_description = describe.bind(loaded.api);
  }
  return { api: loaded.api, introspection };
}

/** Running as root (natively the only way to read other processes' ports without entitlements). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function emulatorKernel(options: InspectOptions): KernelLike {
  return options.kernel ?? processEmulatedKernel();
}

/** The tasks whose rights `task`'s peers are resolved across, and `task`'s index among them. */
function peerTasks(task: EmulatedTaskLike, options: Pick<InspectOptions, 'peers'>): { tasks: EmulatedTaskLike[]; index: number } {
  if (options.peers === false) return { tasks: [task], index: 0 };
  const tasks = emulatedTasksOf(kernelOfTask(task));
  let index = tasks.indexOf(task);
  if (index < 0) index = tasks.push(task) - 1; // a terminated task: its (empty) space
  return { tasks, index };
}

function inspectEmulated(task: EmulatedTaskLike, options: InspectOptions): TaskInspection {
  const { tasks, index } = peerTasks(task, options);
  return inspectEmulatedTasks(tasks, [index])[0]!;
}

function describeTasks(tasks: EmulatedTaskLike[]): string {
  const shown = tasks.slice(0, 8).map((t) => `${t.pid} ${t.name}`).join(', ');
  return tasks.length > 8 ? `${shown}, …` : shown;
}

/**
 * Inspect one task: an emulated task, or a pid (on the backend `options` selects: on the
 * emulator a task of the process's emulated kernel or of `options.kernel`; natively any
 * process task_read_for_pid allows). Throws {@link InspectError} for a missing process or
 * one the caller may not read.
 */
export function inspectTask(task: EmulatedTaskLike | number, options: InspectOptions = {}): TaskInspection {
  if (typeof task !== 'number') return inspectEmulated(task, options);
  const pid = task;
  const backend = activeInspectBackend(options).name;
  if (backend === 'emulator') {
    const kernel = emulatorKernel(options);
    const tasks = emulatedTasksOf(kernel);
    const found = tasks.find((t) => t.pid === pid);
    if (!found) throw noSuchProcess(pid, ` in the emulated kernel (its tasks: ${describeTasks(tasks)})`);
    return inspectEmulated(found, { ...options, kernel });
  }
  const { api, introspection } = nativeParts(options);
  const target = readNativePid(api, introspection, pid);
  if (!(options.peers ?? isRoot())) return assembleInspections([target])[0]!;
  const { spaces } = readAllNative(api, introspection, pid);
  return assembleInspections([target, ...spaces], [0])[0]!;
}

/**
 * The records of an emulated task's names one at a time, in increasing name order: the
 * `ports` of {@link inspectTask} (same options; peers resolved across the task's kernel
 * unless `peers: false`) without building the list, so that a caller writing them out
 * keeps only one record alive at a time. The peer index is built when iteration starts,
 * and the space is read as the iteration goes: names allocated or freed meanwhile may or
 * may not be listed. Summaries and the other tasks' records are not produced.
 */
export function inspectTaskPorts(task: EmulatedTaskLike, options: Pick<InspectOptions, 'peers'> = {}): IterableIterator<PortEntry> {
  const { tasks, index } = peerTasks(task, options);
  return iterateEmulatedPorts(tasks, index);
}

/** Inspect the calling process's own task on the active backend (always permitted). */
export function inspectSelf(options: InspectOptions = {}): TaskInspection {
  const backend = activeInspectBackend(options).name;
  if (backend === 'emulator') {
    let own: EmulatedTaskLike;
    try {
      own = processEmulatedTask();
    } catch (e) {
      throw failure(process.pid, e, 'creating the emulated process task');
    }
    return inspectEmulated(own, options);
  }
  return inspectTask(process.pid, { ...options, backend: 'native' });
}

/**
 * Inspect every task the caller may read: on the emulator every task of the kernel;
 * natively every pid task_read_for_pid allows, the others under `unreadable` with the reason.
 */
export function inspectAll(options: InspectOptions = {}): InspectionReport {
  const backend = activeInspectBackend(options).name;
  if (backend === 'emulator') {
    const kernel = emulatorKernel(options);
    return { backend: 'emulator', tasks: inspectEmulatedTasks(emulatedTasksOf(kernel)), unreadable: [] };
  }
  const { api, introspection } = nativeParts(options);
  const { spaces, unreadable } = readAllNative(api, introspection);
  return { backend: 'native', tasks: assembleInspections(spaces), unreadable };
}

export { InspectError };
