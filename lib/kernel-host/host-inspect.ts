/**
 * The kernel host's answer to the `inspect` method: lsmp over every task of the calling
 * task's kernel, as the in-process emulator inspection does it (lib/inspect/emulator.ts),
 * with `self` meaning the calling task. Clients use it through lib/inspect/inspect.ts:
 * a process whose tasks live on a kernel host inspects the host's kernel, not its own
 * (empty) in-process one.
 * @module
 */
import type { EmulatedTask } from '../emulator/task.js';
import { emulatedTasksOf, inspectEmulatedTasks } from '../inspect/emulator.js';
import type { ProcessRef, TaskInspection } from '../inspect/types.js';

/** What a client asks for: its own task (no `pid`, no `all`), the task of `pid`, or every task. */
export interface KernelInspectRequest {
  /** A task of the kernel by pid (the first in pid order when several tasks share it). */
  pid?: number;
  /** Every task of the kernel. */
  all?: boolean;
  /** False: resolve peers and holders within the task asked for only (default true). */
  peers?: boolean;
}

/** The kernel's answer. */
export interface KernelInspectResult {
  /** The inspections asked for (empty when `pid` names no task). */
  tasks: TaskInspection[];
  /** When `pid` names no task: the kernel's tasks, in pid order. */
  known?: ProcessRef[];
}

function checkRequest(request: unknown): KernelInspectRequest {
  if (request === undefined) return {};
  if (typeof request !== 'object' || request === null || Array.isArray(request)) throw new TypeError('inspect: the request must be an object');
  const r = request as Record<string, unknown>;
  if (r.pid !== undefined && (typeof r.pid !== 'number' || !Number.isInteger(r.pid))) throw new TypeError('inspect: pid must be an integer');
  if (r.all !== undefined && typeof r.all !== 'boolean') throw new TypeError('inspect: all must be a boolean');
  if (r.peers !== undefined && typeof r.peers !== 'boolean') throw new TypeError('inspect: peers must be a boolean');
  if (r.all === true && r.pid !== undefined) throw new TypeError('inspect: pid and all exclude each other');
  return r as KernelInspectRequest;
}

/** Inspect `caller`'s kernel as `request` asks; `self` is true for `caller`'s own task only. */
export function inspectForClient(caller: EmulatedTask, request: unknown): KernelInspectResult {
  const req = checkRequest(request);
  let tasks = emulatedTasksOf(caller.kernel);
  let targets: number[];
  if (req.all === true) targets = tasks.map((_, i) => i);
  else {
    const target = req.pid === undefined ? caller : tasks.find((t) => t.pid === req.pid);
    if (target === undefined) return { tasks: [], known: tasks.map((t) => ({ pid: t.pid, process: t.name })) };
    if (req.peers === false) tasks = [target];
    let index = tasks.indexOf(target);
    if (index < 0) index = tasks.push(target) - 1; // a terminated task: its (empty) space
    targets = [index];
  }
  // Plain objects for the wire (an in-process inspection may build its records lazily).
  const out = inspectEmulatedTasks(tasks, targets).map((t, i): TaskInspection => ({
    backend: t.backend,
    pid: t.pid,
    process: t.process,
    self: tasks[targets[i]!] === caller,
    ports: t.ports,
    summary: t.summary,
  }));
  return { tasks: out };
}
