/**
 * Reply ports for routine calls. MIG's stubs use one reply port per thread
 * (mig_get_reply_port) and destroy it after an error, since a late reply may still
 * arrive on it (mig_dealloc_reply_port). JS calls on one task can be concurrent, so
 * the pool hands each call its own port: a free one when there is one, a new receive
 * right otherwise. A port goes back to the pool after a clean exchange and is
 * destroyed after any failure.
 * @module
 */
import { MACH_PORT_RIGHT_RECEIVE } from '../constants.js';
import type { MachApi } from '../types.js';

/** How many idle reply ports a task keeps. */
const POOL_LIMIT = 4;

const pools = new WeakMap<MachApi, number[]>();

/** A reply port (a receive right) for one call on `api`. */
export function takeReplyPort(api: MachApi): number {
  const pool = pools.get(api);
  const name = pool?.pop();
  return name ?? api.mach_port_allocate(api.mach_task_self(), MACH_PORT_RIGHT_RECEIVE);
}

/** Gives back a reply port whose exchange completed cleanly (nothing can still arrive on it). */
export function returnReplyPort(api: MachApi, name: number): void {
  let pool = pools.get(api);
  if (pool === undefined) pools.set(api, (pool = []));
  if (pool.length < POOL_LIMIT) pool.push(name);
  else discardReplyPort(api, name);
}

/** Destroys a reply port after a failed exchange (a late reply dies with it). */
export function discardReplyPort(api: MachApi, name: number): void {
  try {
    api.mach_port_mod_refs(api.mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1);
  } catch {
    // Already destroyed (e.g. the task ended); nothing to clean up.
  }
}
