/**
 * Helpers for the fault-injection tests: a kernel with tasks, rights across tasks,
 * messages, and the checks every scenario ends with (invariants, names before/after, no
 * port of the scenario left alive, a pending promise really pending).
 */
import { getEventListeners } from 'node:events';
import { expect } from 'vitest';
import * as C from '../../lib/constants.js';
import { MachError } from '../../lib/errors.js';
import { Kernel, type EmulatedTask, type Port } from '../../lib/emulator/index.js';
import type { MachMessage, MachMsgDescriptor, ReceivedMessage } from '../../lib/types.js';

export { C };

/** A kernel with named tasks. */
export function kernelWith<N extends string>(...names: N[]): { k: Kernel; baseline: number } & Record<N, EmulatedTask> {
  const k = new Kernel({ seed: 11 });
  const baseline = k.ports.size;
  const out: Record<string, unknown> = { k, baseline };
  for (const n of names) out[n] = k.createTask({ name: n });
  return out as { k: Kernel; baseline: number } & Record<N, EmulatedTask>;
}

export function self(t: EmulatedTask): number {
  return t.mach_task_self();
}

/** A receive right (optionally with a send right under the same name, and a queue limit). */
export function receiveRight(t: EmulatedTask, opts: { send?: boolean; qlimit?: number } = {}): number {
  const p = t.mach_port_allocate(self(t), C.MACH_PORT_RIGHT_RECEIVE);
  if (opts.send) t.mach_port_insert_right(self(t), p, p, C.MACH_MSG_TYPE_MAKE_SEND);
  if (opts.qlimit !== undefined) t.mach_port_set_attributes(self(t), p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: opts.qlimit });
  return p;
}

/** The kernel Port behind a name. */
export function portOf(t: EmulatedTask, name: number): Port {
  const e = t.space.lookup(name);
  if (e === undefined || e.object === null) throw new Error(`no port under 0x${name.toString(16)} in ${t.name}`);
  return e.object as Port;
}

/** Give `to` a right (MAKE_SEND / MAKE_SEND_ONCE) to the receive right `name` of `from`. */
export function give(from: EmulatedTask, name: number, to: EmulatedTask, disposition: number = C.MACH_MSG_TYPE_MAKE_SEND): number {
  return to.kernel.copyoutRight(to, portOf(from, name), disposition);
}

/** A message to `dest`. */
export function message(
  dest: number,
  destDisp: number,
  opts: { reply?: number; replyDisp?: number; id?: number; body?: Uint8Array; descriptors?: MachMsgDescriptor[] } = {},
): MachMessage {
  const complex = opts.descriptors !== undefined ? C.MACH_MSGH_BITS_COMPLEX : 0;
  return {
    header: {
      msgh_bits: (C.MACH_MSGH_BITS(destDisp, opts.replyDisp ?? 0) | complex) >>> 0,
      msgh_remote_port: dest,
      msgh_local_port: opts.reply ?? 0,
      msgh_id: opts.id ?? 0,
    },
    descriptors: opts.descriptors,
    body: opts.body ?? new Uint8Array(4),
  };
}

export function send(t: EmulatedTask, m: MachMessage, option = 0, timeout = 0, control?: { signal?: AbortSignal }): Promise<unknown> {
  return t.mach_msg(m, C.MACH_SEND_MSG | option, 0, timeout, undefined, control);
}

/** A blocking receive (no timeout). */
export function receive(t: EmulatedTask, name: number, control?: { signal?: AbortSignal }, option = 0): Promise<ReceivedMessage> {
  return t.mach_msg(undefined, C.MACH_RCV_MSG | option, name, 0, undefined, control) as Promise<ReceivedMessage>;
}

/** A polling receive (timeout 0). */
export async function poll(t: EmulatedTask, name: number, option = 0): Promise<ReceivedMessage> {
  return (await t.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT | option, name, 0)) as ReceivedMessage;
}

/** Let pending promise chains run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A promise's state after the current turn. */
export async function state<T>(p: Promise<T>): Promise<{ state: 'pending' } | { state: 'resolved'; value: T } | { state: 'rejected'; error: unknown }> {
  let out: { state: 'pending' } | { state: 'resolved'; value: T } | { state: 'rejected'; error: unknown } = { state: 'pending' };
  p.then(
    (value) => (out = { state: 'resolved', value }),
    (error) => (out = { state: 'rejected', error }),
  );
  await tick();
  return out;
}

/** Expect a promise to be pending after a turn (blocked, as a thread would be). */
export async function expectPending(p: Promise<unknown>): Promise<void> {
  expect((await state(p)).state).toBe('pending');
}

/** Expect a promise (or call) to fail with MachError `code` (the emulator tests' helper). */
export { expectCode } from '../emulator/helpers.js';

/** The names and types of a task's space, for before/after comparisons. */
export function names(t: EmulatedTask): string[] {
  const { names: n, types } = t.mach_port_names(self(t));
  return Array.from(n, (x, i) => `0x${x.toString(16)}:0x${types[i]!.toString(16)}`);
}

/** The rights of a task by port identity (names may change across a pseudo-receive, §2.6). */
export function rights(t: EmulatedTask): string[] {
  return t.space
    .entries()
    .map((e) => `${(e.bits & 0x1f0000).toString(16)}:${e.object === null ? 'dead' : e.object.id}:${e.urefs}`)
    .sort();
}

/** mach_port_type of a name in `t`'s own space. */
export function mach_port_type(t: EmulatedTask, name: number): number {
  return t.mach_port_type(self(t), name);
}

/** Drain every message queued on `name` (polling). */
export async function drain(t: EmulatedTask, name: number): Promise<ReceivedMessage[]> {
  const out: ReceivedMessage[] = [];
  for (;;) {
    try {
      out.push(await poll(t, name, C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AUDIT)));
    } catch (e) {
      if (e instanceof MachError && e.code === 'MACH_RCV_TIMED_OUT') return out;
      throw e;
    }
  }
}

/** Terminate every task and check that the kernel is back to its own ports. */
export function teardown(k: Kernel, baseline: number): void {
  k.checkInvariants();
  for (const t of k.tasks) t.terminate();
  k.checkInvariants();
  expect(k.ports.size, 'ports left alive after every task terminated').toBe(baseline);
}

/** No abort listener left on a signal. */
export function expectNoListeners(signal: AbortSignal): void {
  expect(getEventListeners(signal, 'abort')).toHaveLength(0);
}

/** An abort reason distinct from any MachError. */
export class TestAbort extends Error {
  constructor() {
    super('aborted by the test');
    this.name = 'TestAbort';
  }
}
