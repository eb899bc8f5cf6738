/**
 * `inspectTask`, `inspectSelf` and `inspectAll`: lsmp as a library call, on the emulator
 * (any task of any Kernel) and on the real kernel (any pid task_read_for_pid allows).
 * Peers are resolved across every task the caller can read, as lsmp does when run as root.
 * When the process's emulated task is a task of a kernel host (MACHPORT_KERNEL), the
 * emulator inspection is the host's: it runs there over every task of its kernel.
 * @module
 */
import { currentBackend } from '../backend.js';
import { KernelProtocolError } from '../kernel-host/error-codec.js';
import type { KernelInspectRequest, KernelInspectResult } from '../kernel-host/host-inspect.js';
import { RemoteTask } from '../kernel-host/remote-task.js';
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
import type { InspectBackend, InspectionReport, KernelHostRef, PortEntry, ProcessRef, TaskInspection } from './types.js';

/** Options of the inspection calls. */
export interface InspectOptions {
  /** Which backend a pid refers to (default: the active backend; `kernel` implies the emulator). */
  backend?: InspectBackend;
  /** Emulator: the kernel whose tasks pids refer to and `inspectAll` lists (default: this process's emulated kernel). */
  kernel?: KernelLike;
  /**
   * Emulator: a task of a kernel host (a RemoteTask, e.g. from `connectKernel`): pids refer
   * to that host's tasks, `inspectAll` lists them, `inspectSelf` is this task, and `self`
   * marks it. Default: the process's own task when it is a kernel host's (MACHPORT_KERNEL).
   */
  kernelHost?: RemoteTask;
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

/**
 * The backend inspections go to with these options, why the native one is not used when
 * it is not, and the kernel host whose kernel the emulator inspection reads, when it does.
 */
export function activeInspectBackend(options: InspectOptions = {}): { name: InspectBackend; reason?: string; kernelHost?: KernelHostRef } {
  let out: { name: InspectBackend; reason?: string; kernelHost?: KernelHostRef };
  if (options.backend) out = { name: options.backend };
  else if (options.kernel) out = { name: 'emulator' };
  else if (options.kernelHost) out = { name: 'emulator' };
  else if (options.native) out = { name: 'native' };
  else {
    const b = currentBackend();
    out = b.reason !== undefined ? { name: b.name, reason: b.reason } : { name: b.name };
  }
  if (out.name === 'emulator') {
    const host = hostTask(options);
    if (host) out.kernelHost = hostRef(host);
  }
  return out;
}

/**
 * The kernel-host task the emulator inspection goes through: `options.kernelHost`, else
 * this process's emulated task when it is a task of a kernel host; undefined when the
 * inspection reads an in-process kernel (`options.kernel`, or no kernel host in use).
 */
function hostTask(options: InspectOptions): RemoteTask | undefined {
  if (options.kernel) return undefined;
  if (options.kernelHost) return options.kernelHost;
  if (options.backend === 'native' || options.native) return undefined;
  const b = currentBackend();
  return b.name === 'emulator' && b.api instanceof RemoteTask ? b.api : undefined;
}

/** Which kernel host `task` is a task of. */
export function hostRef(task: RemoteTask): KernelHostRef {
  return { socket: task.session.socket, pid: task.session.kernelPid };
}

/** "the kernel host at PATH" (or, for a worker joined over a MessagePort, in process PID). */
export function describeKernelHost(host: KernelHostRef): string {
  return host.socket !== null ? `the kernel host at ${host.socket}` : `the kernel host in process ${host.pid}`;
}

/** Ask the kernel host `task` belongs to; its failures become InspectErrors about `pid`. */
function askHost(task: RemoteTask, request: KernelInspectRequest, pid: number): KernelInspectResult {
  try {
    return task.inspect(request);
  } catch (e) {
    if (e instanceof KernelProtocolError && /unknown method id/.test(e.message)) {
      e = new Error(`${describeKernelHost(hostRef(task))} does not answer inspection requests (an older machport)`);
    }
    throw failure(pid, e, `inspecting ${describeKernelHost(hostRef(task))}`);
  }
}

/** One task of the kernel host `host` belongs to: `pid`'s, or (undefined) `host`'s own. */
function inspectOnHost(host: RemoteTask, pid: number | undefined, options: InspectOptions): TaskInspection {
  const request: KernelInspectRequest = {};
  if (pid !== undefined) request.pid = pid;
  if (options.peers === false) request.peers = false;
  const r = askHost(host, request, pid ?? host.pid);
  const t = r.tasks[0];
  if (t === undefined) {
    throw noSuchProcess(pid ?? host.pid, ` in ${describeKernelHost(hostRef(host))} (its tasks: ${describeTasks(r.known ?? [])})`);
  }
  return t;
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

function describeTasks(tasks: ReadonlyArray<EmulatedTaskLike | ProcessRef>): string {
  const shown = tasks.slice(0, 8).map((t) => `${t.pid} ${'process' in t ? t.process : t.name}`).join(', ');
  return tasks.length > 8 ? `${shown}, …` : shown;
}

/**
 * Inspect one task: an emulated task, a task of a kernel host (RemoteTask: inspected
 * there, `self` true), or a pid (on the backend `options` selects: on the emulator a task
 * of the process's emulated kernel, of `options.kernel`, or of the kernel host the
 * process's task — or `options.kernelHost` — belongs to; natively any process
 * task_read_for_pid allows). Throws {@link InspectError} for a missing process or one the
 * caller may not read.
 */
export function inspectTask(task: EmulatedTaskLike | RemoteTask | number, options: InspectOptions = {}): TaskInspection {
  if (task instanceof RemoteTask) return inspectOnHost(task, undefined, options);
  if (typeof task !== 'number') return inspectEmulated(task, options);
  const pid = task;
  const backend = activeInspectBackend(options).name;
  if (backend === 'emulator') {
    const host = hostTask(options);
    if (host) return inspectOnHost(host, pid, options);
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
 * may not be listed. Summaries and the other tasks' records are not produced. A kernel
 * host's task (RemoteTask) is inspected on the host in one request, then listed.
 */
export function inspectTaskPorts(task: EmulatedTaskLike | RemoteTask, options: Pick<InspectOptions, 'peers'> = {}): IterableIterator<PortEntry> {
  // A kernel host's task is read there in one request: its records, one at a time.
  if (task instanceof RemoteTask) return inspectOnHost(task, undefined, options).ports[Symbol.iterator]();
  const { tasks, index } = peerTasks(task, options);
  return iterateEmulatedPorts(tasks, index);
}

/** Inspect the calling process's own task on the active backend (always permitted). */
export function inspectSelf(options: InspectOptions = {}): TaskInspection {
  const backend = activeInspectBackend(options).name;
  if (backend === 'emulator') {
    const host = hostTask(options);
    if (host) return inspectOnHost(host, undefined, options);
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
 * Inspect every task the caller may read: on the emulator every task of the kernel (of
 * the kernel host, when the process's task — or `options.kernelHost` — is one of its);
 * natively every pid task_read_for_pid allows, the others under `unreadable` with the reason.
 */
export function inspectAll(options: InspectOptions = {}): InspectionReport {
  const backend = activeInspectBackend(options).name;
  if (backend === 'emulator') {
    const host = hostTask(options);
    if (host) {
      const r = askHost(host, { all: true }, host.pid);
      return { backend: 'emulator', tasks: r.tasks, unreadable: [], kernelHost: hostRef(host) };
    }
    const kernel = emulatorKernel(options);
    return { backend: 'emulator', tasks: inspectEmulatedTasks(emulatedTasksOf(kernel)), unreadable: [] };
  }
  const { api, introspection } = nativeParts(options);
  const { spaces, unreadable } = readAllNative(api, introspection);
  return { backend: 'native', tasks: assembleInspections(spaces), unreadable };
}

export { InspectError };
