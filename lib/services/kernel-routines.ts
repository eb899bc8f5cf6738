/**
 * Kernel services as typed MIG routines: host_info and host_statistics64 (mach_host,
 * subsystem 200), task_info (task, 3400), mach_port_names and mach_port_type (mach_port,
 * 3200), each described with machport/message's `defineRoutine` with the exact request
 * and reply layouts XNU uses (reference §4.3), and a function per routine that works on
 * any MachApi:
 *
 * ```ts
 * const info = await hostInfo(task, task.mach_host_self(), HOST_BASIC_INFO);
 * const { pid } = await taskInfo(task, task.mach_task_self(), TASK_AUDIT_TOKEN);
 * const { names, types } = await machPortNames(task, task.mach_task_self());
 * ```
 *
 * On an emulated task the call is a real MIG exchange with the emulated kernel, sent as a
 * kernel-object call the way libSystem's stubs send it. On the native backend (macOS),
 * where a hand-built message to a kernel object is refused and kills the process (macOS
 * 13+, reference S98), the same routine is answered by libSystem's own stub through the
 * native API (api.host_info, api.task_info, …). The routine objects
 * (`hostInfoRoutine`, …) can be called directly with `{ kobjectCall: true }` on the
 * emulator, or implemented by a server with `serve`.
 * @module
 */
export {
  MACH_HOST_SUBSYSTEM_BASE,
  MACH_PORT_SUBSYSTEM_BASE,
  TASK_SUBSYSTEM_BASE,
  type InfoWords,
  type KernelCallOptions,
} from './kernel-call.js';
export { oolWords, type OolWordsOptions } from './mig-fields.js';
export { hostInfo, hostInfoRoutine, hostStatistics64, hostStatistics64Routine } from './mach_host.js';
export { taskInfo, taskInfoRoutine } from './task.js';
export { machPortNames, machPortNamesRoutine, machPortType, machPortTypeRoutine } from './mach_port.js';
