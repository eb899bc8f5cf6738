/**
 * Shared machinery of the rights layer: which task a right lives in, the record of what
 * an object owns (its "slot"), releasing exactly that, and the garbage-collection safety
 * net. Not exported from the package.
 * @module
 */
import './dispose.js';
import {
  KERN_INVALID_NAME,
  KERN_INVALID_TASK,
  KERN_TERMINATED,
  MACH_PORT_NULL,
  MACH_PORT_RIGHT_PORT_SET,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_RIGHT_SEND_ONCE,
} from '../constants.js';
import { MachError } from '../errors.js';
import { currentBackend } from '../backend.js';
import type { MachApi } from '../types.js';

/** The kind of right an object owns. */
export type RightKind = 'send' | 'send-once' | 'receive' | 'port-set';

/**
 * What became of an object's right: `open` (owned), `closed` (released by close()),
 * `moved` (sent away in a message, or taken over with relinquish()), `consumed`
 * (a send-once right used by a send, or destroyed by the kernel during a failed send).
 */
export type RightState = 'open' | 'closed' | 'moved' | 'consumed';

/** Where a right lives: any MachApi (an emulated task, or this process's task). */
export interface RightOptions {
  /** The task whose name space holds the right. Defaults to this process's task on the active backend. */
  api?: MachApi;
}

/** The task to use when the caller gave none: this process's task on the active backend. */
export function resolveApi(api: MachApi | undefined): MachApi {
  if (api === undefined) return currentBackend().api;
  if (api === null || typeof api !== 'object' || typeof (api as MachApi).mach_msg !== 'function') {
    throw new TypeError('machport: `api` must be a MachApi (an emulated task or the process task)');
  }
  return api;
}

/**
 * The mutable record of one owned right. The object holds it, and so does the
 * FinalizationRegistry (which must not hold the object itself).
 */
export interface Slot {
  readonly api: MachApi;
  name: number;
  readonly kind: RightKind;
  state: RightState;
  /**
   * The guard of a guarded receive right, when the owner knows it: releasing the right
   * then goes through mach_port_destruct with it (mod_refs would raise a guard exception).
   */
  guard?: bigint;
  /** For the warning: which class owned it. */
  readonly owner: string;
}

/** The MACH_PORT_RIGHT_* value of a kind. */
export function rightOf(kind: RightKind): number {
  switch (kind) {
    case 'send':
      return MACH_PORT_RIGHT_SEND;
    case 'send-once':
      return MACH_PORT_RIGHT_SEND_ONCE;
    case 'receive':
      return MACH_PORT_RIGHT_RECEIVE;
    case 'port-set':
      return MACH_PORT_RIGHT_PORT_SET;
  }
}

/** True when an error says the task itself is gone (its rights went with it). */
export function isTaskGone(err: unknown): boolean {
  return err instanceof MachError && (err.kr === KERN_INVALID_TASK || err.kr === KERN_TERMINATED);
}

/**
 * Release exactly the one user reference (or the receive / port-set right) that `kind`
 * stands for. Send and send-once rights go through mach_port_deallocate, which also
 * works once the port died and the name became a dead name (mod_refs(SEND) would
 * fail then and leak the name). Receive rights and port sets use mod_refs(-1), a
 * receive right whose `guard` is given mach_port_destruct(name, 0, guard).
 */
export function releaseRight(api: MachApi, name: number, kind: RightKind, guard?: bigint): void {
  const task = api.mach_task_self();
  try {
    if (kind === 'send' || kind === 'send-once') api.mach_port_deallocate(task, name);
    else if (kind === 'receive' && guard !== undefined) api.mach_port_destruct(task, name, 0, guard);
    else api.mach_port_mod_refs(task, name, rightOf(kind), -1);
  } catch (err) {
    if (isTaskGone(err)) return;
    throw err;
  }
}

/** Emitted (as a process warning) when an open right or message is garbage-collected. */
export const LEAK_WARNING_CODE = 'MACHPORT_RIGHT_LEAKED';

interface Held {
  slots: Slot[];
  what: string;
}

/**
 * The safety net: an object collected while still owning rights releases them and
 * warns, as Node does for an unclosed fs.FileHandle. Code should call close() or use
 * `using`; this only keeps a forgotten object from leaking forever.
 */
const registry = new FinalizationRegistry<Held>((held) => {
  const open = held.slots.filter((s) => s.state === 'open');
  if (open.length === 0) return;
  for (const s of open) {
    s.state = 'closed';
    try {
      releaseRight(s.api, s.name, s.kind, s.guard);
    } catch {
      // The name was already gone; nothing left to release.
    }
  }
  process.emitWarning(
    `${held.what} was garbage-collected without close(); released ${open.length} right(s) ` +
      `(${open.map((s) => `${s.kind} 0x${(s.name >>> 0).toString(16)}`).join(', ')}). ` +
      `Call close() or declare it with \`using\`.`,
    { code: LEAK_WARNING_CODE, type: 'MachportWarning' },
  );
});

/** Track `obj`'s slots for the safety net until {@link untrack}. */
export function track(obj: object, slots: Slot[], what: string): void {
  registry.register(obj, { slots, what }, obj);
}

/** Stop tracking `obj` (it released or handed over everything it owned). */
export function untrack(obj: object): void {
  registry.unregister(obj);
}

/** The error for using an object whose right is no longer owned. */
export function notOpenError(where: string, state: RightState): MachError {
  const why =
    state === 'closed'
      ? 'this right was closed'
      : state === 'moved'
        ? 'this right was moved away (sent in a message or relinquished)'
        : 'this send-once right was already used';
  return new MachError(KERN_INVALID_NAME, `${where}: ${why}`, { state });
}

/** A name's number as lsmp prints it. */
export function hexName(name: number): string {
  return name === MACH_PORT_NULL ? '0' : `0x${(name >>> 0).toString(16)}`;
}

/** `opts` when it is an options object (TypeError naming `where` otherwise, e.g. for null). */
export function optionsOf<T>(where: string, opts: T): T {
  if (typeof opts !== 'object' || opts === null) throw new TypeError(`${where}: options must be an object`);
  return opts;
}

/** A guard value (mach_port_context_t): a bigint from 0 to 2^64 − 1, else a TypeError naming `where`. */
export function checkGuard(where: string, what: string, value: unknown): bigint {
  if (typeof value !== 'bigint' || value < 0n || value > 0xffff_ffff_ffff_ffffn) {
    throw new TypeError(`${where}: ${what} must be a bigint from 0 to 2^64 - 1`);
  }
  return value;
}

/** Check an optional boolean option. */
export function checkFlag(where: string, what: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`${where}: ${what} must be a boolean`);
  return value;
}

/** Check a millisecond timeout argument. */
export function checkTimeout(where: string, timeout: number | undefined): void {
  if (timeout === undefined) return;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0) {
    throw new TypeError(`${where}: timeout must be a non-negative number of milliseconds`);
  }
}

/** Check an AbortSignal argument. */
export function checkSignal(where: string, signal: AbortSignal | undefined): void {
  if (signal === undefined) return;
  if (typeof signal !== 'object' || signal === null || typeof signal.aborted !== 'boolean') {
    throw new TypeError(`${where}: signal must be an AbortSignal`);
  }
}

/** Reject at once when the signal already fired (the way fetch and timers/promises do). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
