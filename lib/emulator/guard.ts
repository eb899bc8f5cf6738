/**
 * Mach port guard exceptions (EXC_GUARD of type GUARD_TYPE_MACH_PORT). XNU raises them on
 * the calling thread alongside an error return and delivers them when the call returns
 * (xnu:osfmk/ipc/ipc_policy.c:mach_port_guard_exception, mach_port_guard_ast). Codes up to
 * kGUARD_EXC_MSG_FILTERED (128) are always fatal; the optional ones (INVALID_RIGHT,
 * INVALID_NAME, INVALID_VALUE, …) are fatal only for tasks whose guard policy delivers
 * them — platform and hardened-runtime binaries — and ignored for other third-party
 * binaries (reference §1.14). The emulator records the first fatal guard of a call and
 * the task's call then throws MachGuardError instead of returning.
 * @module
 */
import { kGUARD_EXC_MSG_FILTERED } from '../constants.js';
import type { Kernel } from './kernel.js';

/** A task's guard policy: 'hardened' delivers optional guards fatally, 'default' ignores them. */
export type GuardPolicy = 'hardened' | 'default';

/** A guard exception waiting to be delivered at the end of the current call. */
export interface PendingGuard {
  /** kGUARD_EXC_* flavor. */
  readonly reason: number;
  /** The port name (the exception's target). */
  readonly name: number;
}

/** Whether `reason` is fatal under `policy`. */
export function guardIsFatal(reason: number, policy: GuardPolicy): boolean {
  return reason <= kGUARD_EXC_MSG_FILTERED || policy === 'hardened';
}

/**
 * mach_port_guard_exception: record a guard exception for the task making the current
 * call. Kernel-internal work (no calling task) raises nothing.
 */
export function raiseGuard(kernel: Kernel, name: number, reason: number): void {
  const caller = kernel.caller;
  if (caller === null || kernel.pendingGuard !== null) return;
  if (guardIsFatal(reason, caller.guardPolicy)) kernel.pendingGuard = { reason, name: name >>> 0 };
}
