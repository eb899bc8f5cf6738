/**
 * Client side (MIG user stubs) of host_info, host_statistics64 and task_info.
 * @module
 */
import type { host_basic_info, mach_task_basic_info, vm_statistics64 } from '../../types.js';
import { MachError } from '../../errors.js';
import type { EmulatedTask } from './core-types.js';

/** host_info(host, flavor) as the MIG user stub does it. */
export function hostInfo(task: EmulatedTask, host: number, flavor: number): host_basic_info {
  void task; void host; void flavor;
  throw new MachError(46, 'host_info');
}

/** host_statistics64(host, flavor) as the MIG user stub does it. */
export function hostStatistics64(task: EmulatedTask, host: number, flavor: number): vm_statistics64 {
  void task; void host; void flavor;
  throw new MachError(46, 'host_statistics64');
}

/** task_info(target, flavor) as the MIG user stub does it. */
export function taskInfo(task: EmulatedTask, target: number, flavor: number): mach_task_basic_info | Record<string, unknown> {
  void task; void target; void flavor;
  throw new MachError(46, 'task_info');
}
