/**
 * Kernel info structs (host_basic_info, vm_statistics64, mach_task_basic_info, the legacy
 * task_basic_info layouts, audit_token_t, and the other flavors of info_flavors.ts) to and
 * from the integer_t word arrays MIG carries, and the table of the flavors MachApi decodes.
 * Shared by the emulator's kernel objects and the native backend.
 * @module
 */
export * from './integer_t.js';
export * from './host_basic_info.js';
export * from './vm_statistics64.js';
export * from './mach_task_basic_info.js';
export * from './task_basic_info.js';
export * from './audit_token.js';
export * from './mach_port_info.js';
export * from './info_flavors.js';
