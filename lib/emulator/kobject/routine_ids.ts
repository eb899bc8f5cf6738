/**
 * MIG routine ids of the kernel subsystems the emulator serves. An id is the subsystem base
 * plus the routine's index; every `routine`, `simpleroutine` and `skip` in the .defs takes a
 * number. Replies carry id + 100 (xnu:osfmk/kern/ipc_kobject.c:ipc_kobject_init_reply).
 * @module
 */

/** mach_host subsystem, base 200 (xnu:osfmk/mach/mach_host.defs). */
export const MACH_HOST_SUBSYSTEM = {
  host_info: 200,
  host_kernel_version: 201,
  host_page_size: 202,
  host_statistics: 216,
  host_statistics64: 219,
} as const;

/** mach_port subsystem, base 3200 (xnu:osfmk/mach/mach_port.defs). */
export const MACH_PORT_SUBSYSTEM = {
  mach_port_names: 3200,
  mach_port_type: 3201,
  /** A `skip` in the kernel's build: answered with MIG_BAD_ID. */
  mach_port_rename: 3202,
  mach_port_allocate_name: 3203,
  mach_port_allocate: 3204,
  mach_port_destroy: 3205,
  mach_port_deallocate: 3206,
  mach_port_get_refs: 3207,
  mach_port_mod_refs: 3208,
  mach_port_get_attributes: 3217,
  /** A `skip` in the kernel's build: answered with MIG_BAD_ID. */
  mach_port_kernel_object: 3225,
} as const;

/** task subsystem, base 3400 (xnu:osfmk/mach/task.defs). */
export const TASK_SUBSYSTEM = {
  task_info: 3405,
} as const;
