/**
 * machport: Mach ports for Node.js. The Mach-named functions below are bound to this
 * process's task on the active backend (the real kernel on Darwin when the addon loads,
 * the emulator elsewhere; see {@link backend}). Each behaves as documented on
 * {@link MachApi}.
 * @module
 */
import { currentBackend } from './backend.js';
import type { HostInfoResult, HostStatistics64Result, MachApi, mach_port_name_t, TaskInfoResult } from './types.js';

export * from './constants.js';
export * from './errors.js';
export type * from './types.js';
export { backend, selectBackend } from './backend.js';

/** The names of MachApi's methods. */
export type MachFunction = keyof Omit<MachApi, 'backendName' | 'bootstrap_port'>;

/**
 * A function that forwards to the active backend's MachApi on each call. C names the
 * bootstrap port with a global variable (`bootstrap_look_up(bootstrap_port, name, &sp)`),
 * here a function of the active backend ({@link bootstrap_port}), so wherever a root
 * function takes a port name it also takes that function itself and passes its value:
 * `bootstrap_look_up(bootstrap_port, name)` reads as it does in C.
 */
function bound<K extends MachFunction>(name: K): RootMachFunction<K> {
  return ((...args: unknown[]) => {
    for (let i = 0; i < args.length; i++) if (args[i] === bootstrap_port) args[i] = bootstrap_port();
    return (currentBackend().api[name] as (...a: unknown[]) => unknown)(...args);
  }) as RootMachFunction<K>;
}

/**
 * A MachApi method as exported here: each numeric parameter also takes {@link bootstrap_port}.
 * For a generic method this gives its signature with the type parameters at their
 * constraints (TypeScript erases them when inferring from a generic function type); the
 * info calls, generic in their flavor, are spelled out in {@link RootInfoFunctions}.
 */
export type RootFunction<F> = F extends (...args: infer A) => infer R ? (...args: { [I in keyof A]: A[I] extends number ? A[I] | typeof bootstrap_port : A[I] }) => R : never;

/**
 * The root functions of MachApi's info calls: generic in the flavor as the methods are (the
 * result type follows the flavor constant, e.g. `host_info(mach_host_self(), HOST_SCHED_INFO)`
 * is a host_sched_info), with RootFunction's rule that a numeric parameter also takes
 * {@link bootstrap_port} (a flavor given so is typed as any `number` flavor).
 */
export interface RootInfoFunctions {
  host_info<F extends number>(host: mach_port_name_t | typeof bootstrap_port, flavor: F | typeof bootstrap_port): HostInfoResult<F>;
  host_statistics64<F extends number>(host: mach_port_name_t | typeof bootstrap_port, flavor: F | typeof bootstrap_port): HostStatistics64Result<F>;
  task_info<F extends number>(task: mach_port_name_t | typeof bootstrap_port, flavor: F | typeof bootstrap_port): TaskInfoResult<F>;
}

/** The type of the root function for MachApi method `K`. */
export type RootMachFunction<K extends MachFunction> = K extends keyof RootInfoFunctions ? RootInfoFunctions[K] : RootFunction<MachApi[K]>;

/**
 * This process's bootstrap port on the active backend (C's `bootstrap_port` global). The
 * Mach-named functions exported here accept this function in place of the port name.
 */
export function bootstrap_port(): number {
  return currentBackend().api.bootstrap_port;
}

/** {@link MachApi.mach_task_self} on this process's task. */
export const mach_task_self = bound('mach_task_self');
/** {@link MachApi.mach_host_self} on this process's task. */
export const mach_host_self = bound('mach_host_self');
/** {@link MachApi.mach_port_allocate} on this process's task. */
export const mach_port_allocate = bound('mach_port_allocate');
/** {@link MachApi.mach_port_allocate_name} on this process's task. */
export const mach_port_allocate_name = bound('mach_port_allocate_name');
/** {@link MachApi.mach_port_deallocate} on this process's task. */
export const mach_port_deallocate = bound('mach_port_deallocate');
/** {@link MachApi.mach_port_destroy} on this process's task. */
export const mach_port_destroy = bound('mach_port_destroy');
/** {@link MachApi.mach_port_mod_refs} on this process's task. */
export const mach_port_mod_refs = bound('mach_port_mod_refs');
/** {@link MachApi.mach_port_get_refs} on this process's task. */
export const mach_port_get_refs = bound('mach_port_get_refs');
/** {@link MachApi.mach_port_insert_right} on this process's task. */
export const mach_port_insert_right = bound('mach_port_insert_right');
/** {@link MachApi.mach_port_extract_right} on this process's task. */
export const mach_port_extract_right = bound('mach_port_extract_right');
/** {@link MachApi.mach_port_type} on this process's task. */
export const mach_port_type = bound('mach_port_type');
/** {@link MachApi.mach_port_names} on this process's task. */
export const mach_port_names = bound('mach_port_names');
/** {@link MachApi.mach_port_move_member} on this process's task. */
export const mach_port_move_member = bound('mach_port_move_member');
/** {@link MachApi.mach_port_insert_member} on this process's task. */
export const mach_port_insert_member = bound('mach_port_insert_member');
/** {@link MachApi.mach_port_extract_member} on this process's task. */
export const mach_port_extract_member = bound('mach_port_extract_member');
/** {@link MachApi.mach_port_get_set_status} on this process's task. */
export const mach_port_get_set_status = bound('mach_port_get_set_status');
/** {@link MachApi.mach_port_request_notification} on this process's task. */
export const mach_port_request_notification = bound('mach_port_request_notification');
/** {@link MachApi.mach_port_get_attributes} on this process's task. */
export const mach_port_get_attributes = bound('mach_port_get_attributes');
/** {@link MachApi.mach_port_set_attributes} on this process's task. */
export const mach_port_set_attributes = bound('mach_port_set_attributes');
/** {@link MachApi.mach_port_set_mscount} on this process's task. */
export const mach_port_set_mscount = bound('mach_port_set_mscount');
/** {@link MachApi.mach_port_set_seqno} on this process's task. */
export const mach_port_set_seqno = bound('mach_port_set_seqno');
/** {@link MachApi.mach_port_get_context} on this process's task. */
export const mach_port_get_context = bound('mach_port_get_context');
/** {@link MachApi.mach_port_set_context} on this process's task. */
export const mach_port_set_context = bound('mach_port_set_context');
/** {@link MachApi.mach_port_construct} on this process's task. */
export const mach_port_construct = bound('mach_port_construct');
/** {@link MachApi.mach_port_destruct} on this process's task. */
export const mach_port_destruct = bound('mach_port_destruct');
/** {@link MachApi.mach_port_guard} on this process's task. */
export const mach_port_guard = bound('mach_port_guard');
/** {@link MachApi.mach_port_unguard} on this process's task. */
export const mach_port_unguard = bound('mach_port_unguard');
/** {@link MachApi.mach_port_guard_with_flags} on this process's task. */
export const mach_port_guard_with_flags = bound('mach_port_guard_with_flags');
/** {@link MachApi.mach_port_swap_guard} on this process's task. */
export const mach_port_swap_guard = bound('mach_port_swap_guard');
/** {@link MachApi.mach_port_peek} on this process's task. */
export const mach_port_peek = bound('mach_port_peek');
/** {@link MachApi.mach_port_get_srights} on this process's task. */
export const mach_port_get_srights = bound('mach_port_get_srights');
/** {@link MachApi.mach_port_kobject} on this process's task. */
export const mach_port_kobject = bound('mach_port_kobject');
/** {@link MachApi.mach_port_kobject_description} on this process's task. */
export const mach_port_kobject_description = bound('mach_port_kobject_description');
/** {@link MachApi.mach_port_dnrequest_info} on this process's task. */
export const mach_port_dnrequest_info = bound('mach_port_dnrequest_info');
/** {@link MachApi.mach_port_space_basic_info} on this process's task. */
export const mach_port_space_basic_info = bound('mach_port_space_basic_info');
/** {@link MachApi.task_get_special_port} on this process's task. */
export const task_get_special_port = bound('task_get_special_port');
/** {@link MachApi.task_set_special_port} on this process's task. */
export const task_set_special_port = bound('task_set_special_port');
/** {@link MachApi.task_set_exception_ports} on this process's task. */
export const task_set_exception_ports = bound('task_set_exception_ports');
/** {@link MachApi.task_get_exception_ports} on this process's task. */
export const task_get_exception_ports = bound('task_get_exception_ports');
/** {@link MachApi.task_swap_exception_ports} on this process's task. */
export const task_swap_exception_ports = bound('task_swap_exception_ports');
/** {@link MachApi.mach_msg} on this process's task. */
export const mach_msg = bound('mach_msg');
/** {@link MachApi.bootstrap_check_in} on this process's task. */
export const bootstrap_check_in = bound('bootstrap_check_in');
/** {@link MachApi.bootstrap_look_up} on this process's task. */
export const bootstrap_look_up = bound('bootstrap_look_up');
/** {@link MachApi.bootstrap_register} on this process's task. */
export const bootstrap_register = bound('bootstrap_register');
/** {@link MachApi.host_info} on this process's task. */
export const host_info = bound('host_info');
/** {@link MachApi.host_statistics64} on this process's task. */
export const host_statistics64 = bound('host_statistics64');
/** {@link MachApi.task_info} on this process's task. */
export const task_info = bound('task_info');
export * from './rights/index.js';
export * from './inspect/index.js';
export * from './notify.js';
export * from './services/kernel-routines.js';
