/**
 * User references: how many times a space holds a send right or a dead name under one
 * name. XNU keeps them in 16 bits and, instead of failing with KERN_UREFS_OVERFLOW,
 * saturates: once an entry reaches MACH_PORT_UREFS_MAX it stays pegged there (decrements
 * are ignored) until a single delta of −MACH_PORT_UREFS_MAX removes them all
 * (xnu:osfmk/ipc/ipc_right.c:ipc_right_delta, ipc_right_copyout; reference S20).
 * @module
 */
import { MACH_PORT_UREFS_MAX } from '../constants.js';

export { MACH_PORT_UREFS_MAX };

/** MACH_PORT_UREFS_UNDERFLOW(urefs, delta): the delta would take the count below zero. */
export function urefsUnderflow(urefs: number, delta: number): boolean {
  return delta < 0 && -delta > urefs;
}

/** MACH_PORT_UREFS_OVERFLOW(urefs, delta): the delta would take the count above the maximum. */
export function urefsOverflow(urefs: number, delta: number): boolean {
  return delta > 0 && urefs + delta > MACH_PORT_UREFS_MAX;
}

/** One more reference, leaving a pegged count pegged (xnu:osfmk/ipc/ipc_right.c:ipc_right_copyout). */
export function urefsIncrement(urefs: number): number {
  return urefs < MACH_PORT_UREFS_MAX ? urefs + 1 : urefs;
}

/** One fewer reference, leaving a pegged count pegged (xnu:osfmk/ipc/ipc_right.c:ipc_right_dealloc). */
export function urefsDecrement(urefs: number): number {
  return urefs < MACH_PORT_UREFS_MAX ? urefs - 1 : urefs;
}
