/**
 * This process's task when MACHPORT_KERNEL names a kernel host socket: one task of that
 * kernel, opened on first use (blocking until the kernel answered) and kept for the
 * life of the process. When the kernel host goes away the task stays, and its calls
 * fail with MACH_SEND_INVALID_DEST / MACH_RCV_PORT_CHANGED rather than hang.
 * @module
 */
import type { MachApi } from '../types.js';
import { connectKernelSync } from './connect.js';
import type { RemoteTask } from './remote-task.js';

let task: RemoteTask | undefined;
let taskPath: string | undefined;

/** This process's task on the kernel host at `path`. Throws when nobody answers there. */
export function kernelHostTask(path: string): MachApi {
  if (task === undefined || taskPath !== path) {
    task = connectKernelSync(path);
    taskPath = path;
  }
  return task;
}
