/**
 * A task's exception ports (task_set_exception_ports, task_get_exception_ports,
 * task_swap_exception_ports): the kernel's exc_actions table, one (send right, behavior,
 * flavor) per exception type, and the checks the kernel makes before changing it
 * (xnu:osfmk/kern/ipc_tt.c). The emulator has no threads and raises no exceptions, so the
 * table is only stored, swapped and read back; nothing is ever delivered to a handler.
 * @module
 */
import {
  EXC_MASK_VALID,
  EXC_TYPES_COUNT,
  EXCEPTION_DEFAULT,
  EXCEPTION_IDENTITY_PROTECTED,
  EXCEPTION_STATE,
  EXCEPTION_STATE_IDENTITY,
  EXCEPTION_STATE_IDENTITY_PROTECTED,
  FIRST_EXCEPTION,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_RIGHT,
  KERN_SUCCESS,
  MACH_EXCEPTION_BACKTRACE_PREFERRED,
  MACH_EXCEPTION_CODES,
  MACH_EXCEPTION_MASK,
  ARM_DEBUG_STATE,
  ARM_DEBUG_STATE32,
  ARM_DEBUG_STATE64,
  ARM_EXCEPTION_STATE,
  ARM_EXCEPTION_STATE64,
  ARM_EXCEPTION_STATE64_V2,
  ARM_NEON_STATE,
  ARM_NEON_STATE64,
  ARM_PAGEIN_STATE,
  ARM_THREAD_STATE,
  ARM_THREAD_STATE32,
  ARM_THREAD_STATE64,
  ARM_THREAD_STATE_NONE,
  ARM_VFP_STATE,
  X86_THREAD_STATE_NONE,
  x86_AVX512_STATE,
  x86_AVX512_STATE32,
  x86_AVX512_STATE64,
  x86_AVX_STATE,
  x86_AVX_STATE32,
  x86_AVX_STATE64,
  x86_DEBUG_STATE,
  x86_DEBUG_STATE32,
  x86_DEBUG_STATE64,
  x86_EXCEPTION_STATE,
  x86_EXCEPTION_STATE32,
  x86_EXCEPTION_STATE64,
  x86_FLOAT_STATE,
  x86_FLOAT_STATE32,
  x86_FLOAT_STATE64,
  x86_INSTRUCTION_STATE,
  x86_LAST_BRANCH_STATE,
  x86_PAGEIN_STATE,
  x86_THREAD_FULL_STATE64,
  x86_THREAD_STATE,
  x86_THREAD_STATE32,
  x86_THREAD_STATE64,
} from '../constants.js';
import { IP_VALID, type PortRef } from './port.js';

/**
 * VALID_THREAD_STATE_FLAVOR for the architecture the emulator stands for (the one Node
 * runs on, as host_info's cpu_type): xnu:osfmk/mach/arm/thread_status.h (the SME flavors
 * deliberately left out) and osfmk/mach/i386/thread_status.h.
 */
const VALID_FLAVORS: ReadonlySet<number> = new Set(
  process.arch === 'x64'
    ? [
        x86_THREAD_STATE32, x86_FLOAT_STATE32, x86_EXCEPTION_STATE32, x86_DEBUG_STATE32, x86_THREAD_STATE64,
        x86_THREAD_FULL_STATE64, x86_FLOAT_STATE64, x86_EXCEPTION_STATE64, x86_DEBUG_STATE64, x86_THREAD_STATE,
        x86_FLOAT_STATE, x86_EXCEPTION_STATE, x86_DEBUG_STATE, x86_AVX_STATE32, x86_AVX_STATE64, x86_AVX_STATE,
        x86_AVX512_STATE32, x86_AVX512_STATE64, x86_AVX512_STATE, x86_PAGEIN_STATE, x86_INSTRUCTION_STATE,
        x86_LAST_BRANCH_STATE, X86_THREAD_STATE_NONE,
      ]
    : [
        ARM_THREAD_STATE, ARM_VFP_STATE, ARM_EXCEPTION_STATE, ARM_DEBUG_STATE, ARM_THREAD_STATE_NONE, ARM_THREAD_STATE32,
        ARM_THREAD_STATE64, ARM_EXCEPTION_STATE64, ARM_EXCEPTION_STATE64_V2, ARM_NEON_STATE, ARM_NEON_STATE64,
        ARM_DEBUG_STATE32, ARM_DEBUG_STATE64, ARM_PAGEIN_STATE,
      ],
);

/** One exc_actions slot: the kernel's send right to the handler, its behavior and flavor. */
export interface ExceptionAction {
  port: PortRef;
  behavior: number;
  flavor: number;
}

/** The old handlers task_get/swap_exception_ports report, before their copy-out. */
export interface ExceptionPortsGroups {
  masks: number[];
  /** Send rights the kernel made for the reply (exception_port_copy_send). */
  ports: PortRef[];
  behaviors: number[];
  flavors: number[];
}

/** A task's exc_actions, indexed by exception type (slot 0 unused). */
export class TaskExceptionPorts {
  readonly actions: ExceptionAction[] = Array.from({ length: EXC_TYPES_COUNT }, () => ({ port: null, behavior: 0, flavor: 0 }));

  /** The held send rights, for the task's end to release (ipc_task_terminate). */
  held(): PortRef[] {
    return this.actions.slice(FIRST_EXCEPTION).map((a) => a.port);
  }

  /** Forget every handler (after the task's end released their rights). */
  clear(): void {
    for (const a of this.actions) a.port = null;
  }
}

/**
 * set_exception_ports_validation (xnu:osfmk/kern/ipc_tt.c), as a non-platform, unentitled
 * process that is not a hardened binary meets it: mask bits outside EXC_MASK_VALID and, for
 * a valid port, a behavior other than the five are KERN_INVALID_ARGUMENT; a port whose
 * receive right is immovable, unless it was made with MPO_EXCEPTION_PORT, is
 * KERN_INVALID_RIGHT (the kernel will not hand such a port out through
 * task_get_exception_ports); an unknown nonzero flavor, and EXCEPTION_IDENTITY_PROTECTED or
 * MACH_EXCEPTION_BACKTRACE_PREFERRED without MACH_EXCEPTION_CODES, KERN_INVALID_ARGUMENT.
 * The identity-protection policy (set_exception_behavior_allowed →
 * exception_is_identity_protected) only refuses other behaviors when the task whose ports
 * change is a hardened binary (task_is_hardened_binary) or the one-exception-port
 * entitlement applies, neither of which an emulated task is.
 */
export function validateExceptionPorts(mask: number, port: PortRef, behavior: number, flavor: number): number {
  if ((mask & ~EXC_MASK_VALID) !== 0) return KERN_INVALID_ARGUMENT;
  const base = behavior & ~MACH_EXCEPTION_MASK;
  if (IP_VALID(port)) {
    switch (base) {
      case EXCEPTION_DEFAULT:
      case EXCEPTION_STATE:
      case EXCEPTION_STATE_IDENTITY:
      case EXCEPTION_IDENTITY_PROTECTED:
      case EXCEPTION_STATE_IDENTITY_PROTECTED:
        break;
      default:
        return KERN_INVALID_ARGUMENT;
    }
    if (port.immovableReceive && !port.exceptionPort) return KERN_INVALID_RIGHT;
  }
  if (flavor !== 0 && !VALID_FLAVORS.has(flavor)) return KERN_INVALID_ARGUMENT;
  if ((base === EXCEPTION_IDENTITY_PROTECTED || (behavior & MACH_EXCEPTION_BACKTRACE_PREFERRED) !== 0) && (behavior & MACH_EXCEPTION_CODES) === 0) {
    return KERN_INVALID_ARGUMENT;
  }
  return KERN_SUCCESS;
}

/**
 * exception_port_copy_send: another send right for a slot's port (the slot's own value when
 * it is not a valid port; IP_DEAD for a port that died since).
 */
export type CopySend = (port: PortRef) => PortRef;

/**
 * task_get_exception_ports_internal's grouping: for each exception type in `mask`, in type
 * order, join the entry with the same port, behavior and flavor or start one with a new
 * send right for the port. Unset types group like any other (port IP_NULL, behavior 0,
 * flavor 0).
 */
export function groupExceptionPorts(table: TaskExceptionPorts, mask: number, copySend: CopySend): ExceptionPortsGroups {
  const out: ExceptionPortsGroups = { masks: [], ports: [], behaviors: [], flavors: [] };
  const raw: PortRef[] = [];
  for (let i = FIRST_EXCEPTION; i < EXC_TYPES_COUNT; i++) {
    if ((mask & (1 << i)) === 0) continue;
    const a = table.actions[i]!;
    let j = 0;
    for (; j < raw.length; j++) {
      if (raw[j] === a.port && out.behaviors[j] === a.behavior && out.flavors[j] === a.flavor) {
        out.masks[j] = (out.masks[j]! | (1 << i)) >>> 0;
        break;
      }
    }
    if (j === raw.length) {
      raw.push(a.port);
      out.masks.push((1 << i) >>> 0);
      out.ports.push(copySend(a.port));
      out.behaviors.push(a.behavior);
      out.flavors.push(a.flavor);
    }
  }
  return out;
}

/**
 * task_set_exception_ports' table update: every type in `mask` gets its own send right for
 * `port` (made by `copySend`), `behavior` and `flavor`; returns the rights replaced, for
 * the caller to release.
 */
export function setExceptionPorts(table: TaskExceptionPorts, mask: number, port: PortRef, behavior: number, flavor: number, copySend: CopySend): PortRef[] {
  const old: PortRef[] = [];
  for (let i = FIRST_EXCEPTION; i < EXC_TYPES_COUNT; i++) {
    if ((mask & (1 << i)) === 0) continue;
    const a = table.actions[i]!;
    old.push(a.port);
    a.port = copySend(port);
    a.behavior = behavior;
    a.flavor = flavor;
  }
  return old;
}
