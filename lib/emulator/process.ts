/**
 * The emulated task that stands for this Node process when the emulator backend serves
 * the default API: one task on a process-wide Kernel, named after process.title, with
 * this process's pid and (where the platform has them) uid and gid.
 * @module
 */
import type { MachApi } from '../types.js';
import { Kernel } from './kernel.js';
import type { EmulatedTask } from './task.js';

let kernel: Kernel | undefined;
let task: EmulatedTask | undefined;

/** The process-wide emulated kernel (created on first use). */
export function processKernel(): Kernel {
  kernel ??= new Kernel();
  return kernel;
}

/** This process's task on the process-wide emulated kernel. */
export function processTask(): MachApi {
  if (task === undefined || task.terminated) {
    const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
    const gid = typeof process.getgid === 'function' ? process.getgid() : undefined;
    task = processKernel().createTask({ name: process.title || 'node', pid: process.pid, uid, gid });
    task.standsForProcess = true;
  }
  return task;
}
