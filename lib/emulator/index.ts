/**
 * machport/emulator: a pure-TypeScript emulation of XNU's Mach IPC. Create a `Kernel`,
 * then tasks in it; each task implements the Mach-named API (`MachApi`).
 *
 * ```ts
 * import { Kernel, MACH_PORT_RIGHT_RECEIVE } from 'machport/emulator';
 * const kernel = new Kernel();
 * const t = kernel.createTask({ name: 'server' });
 * const port = t.mach_port_allocate(t.mach_task_self(), MACH_PORT_RIGHT_RECEIVE);
 * ```
 * @module
 */
export { Kernel, type CreateTaskOptions, type KernelOptions } from './kernel.js';
export { EmulatedTask, type TaskIdentity } from './task.js';
export { Port, IP_DEAD, IP_VALID, type PortRef } from './port.js';
export { PortSet } from './port-set.js';
export type { KobjectServer, KobjectRequest, KobjectReply } from './kobject.js';
export { migErrorBody } from './kobject.js';
export type { KDescriptor, KPortDescriptor, KOolDescriptor, KOolPortsDescriptor, KGuardedPortDescriptor } from './kmsg.js';
export type { GuardPolicy } from './guard.js';
export type { SpaceInfoEntry } from './space-info.js';
export { InvariantError } from './invariants.js';
export * as routines from './mach-port.js';
export * from '../constants.js';
export * from '../errors.js';
export type * from '../types.js';
export * from './notifyd/index.js';
