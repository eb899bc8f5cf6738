/**
 * lsmp for Node: which Mach ports a task holds, with what rights, and who is on the other
 * end — on the real kernel and on the emulator alike.
 *
 * ```ts
 * import { inspectSelf, inspectAll, formatTaskTable } from 'machport';
 * console.log(formatTaskTable(inspectSelf()).join('\n'));
 * ```
 * @module
 */
export type * from './types.js';
export type { RawEntry, RawReceiveStatus, RawTaskSpace } from './raw.js';
export type { NativeIntrospection, ipc_info_name_t } from './native.js';
export type { EmulatedSpaceEntry, EmulatedTaskLike, KernelLike } from './emulator.js';
export { inspectTask, inspectTaskPorts, inspectSelf, inspectAll, activeInspectBackend, type InspectOptions } from './inspect.js';
export { InspectError, TASK_READ_PRIVILEGE } from './errors.js';
export { assembleInspections, rightsOf } from './assemble.js';
export { PortTable } from './table.js';
export { readEmulatedSpace } from './emulator.js';
export { formatTaskTable, formatReport, formatUnreadable, toLsmpJson, hex32, hex64, LSMP_SCHEMA } from './format.js';
export type { LsmpJson, LsmpJsonPort, LsmpJsonTask } from './format.js';
export { kobjectTypeName, kobjectLabel, portFlagNames, PORT_FLAGS, TASK_KOBJECT_TYPES } from './names.js';
export { buildLsmpDemoScene } from './demo-scene.js';
export { syntheticSpaces } from './synthetic.js';
