/**
 * Helpers for the emulator's unit tests: a kernel with two tasks, quick port set-up, and
 * assertions on MachError codes.
 */
import { expect } from 'vitest';
import * as C from '../../lib/constants.js';
import { MachError, MachGuardError } from '../../lib/errors.js';
import { Kernel, type EmulatedTask, type Port } from '../../lib/emulator/index.js';
import type { MachMessage, MachMsgDescriptor, ReceivedMessage } from '../../lib/types.js';

export { C };

/** A fresh kernel (fixed seed) with tasks a and b. */
export function world(seed = 7): { k: Kernel; a: EmulatedTask; b: EmulatedTask } {
  const k = new Kernel({ seed });
  return { k, a: k.createTask({ name: 'a' }), b: k.createTask({ name: 'b' }) };
}

/** A receive right in `t`. */
export function port(t: EmulatedTask): number {
  return t.mach_port_allocate(t.mach_task_self(), C.MACH_PORT_RIGHT_RECEIVE);
}

/** A receive right with one send uref under the same name. */
export function portWithSend(t: EmulatedTask): number {
  const p = port(t);
  t.mach_port_insert_right(t.mach_task_self(), p, p, C.MACH_MSG_TYPE_MAKE_SEND);
  return p;
}

/** The kernel Port behind a name of `t`. */
export function portOf(t: EmulatedTask, name: number): Port {
  const e = t.space.lookup(name);
  if (e === undefined || e.object === null) throw new Error(`no port under 0x${name.toString(16)}`);
  return e.object as Port;
}

/** Give `to` a send right to `from`'s receive right `name`; returns the name in `to`. */
export function sendRightTo(from: EmulatedTask, name: number, to: EmulatedTask): number {
  return to.kernel.copyoutRight(to, portOf(from, name), C.MACH_MSG_TYPE_MAKE_SEND);
}

/** Give `to` a send-once right to `from`'s receive right `name`. */
export function sendOnceTo(from: EmulatedTask, name: number, to: EmulatedTask): number {
  return to.kernel.copyoutRight(to, portOf(from, name), C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
}

/** A simple message. */
export function msg(dest: number, destDisp: number, opts: { reply?: number; replyDisp?: number; id?: number; body?: Uint8Array; descriptors?: MachMsgDescriptor[]; bits?: number } = {}): MachMessage {
  const complex = opts.descriptors !== undefined ? C.MACH_MSGH_BITS_COMPLEX : 0;
  return {
    header: {
      msgh_bits: (C.MACH_MSGH_BITS(destDisp, opts.replyDisp ?? 0) | complex | (opts.bits ?? 0)) >>> 0,
      msgh_remote_port: dest,
      msgh_local_port: opts.reply ?? 0,
      msgh_id: opts.id ?? 0,
    },
    descriptors: opts.descriptors,
    body: opts.body,
  };
}

/** Send (MACH_SEND_MSG, no timeout). */
export function send(t: EmulatedTask, m: MachMessage, option = 0, timeout = 0): Promise<unknown> {
  return t.mach_msg(m, C.MACH_SEND_MSG | option, 0, timeout);
}

/** Receive with a zero timeout (a poll). */
export async function recv(t: EmulatedTask, name: number, option = 0, rcvSize?: number): Promise<ReceivedMessage> {
  const m = await t.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT | option, name, 0, rcvSize);
  return m!;
}

/** Expect the queue of `name` to be empty (a poll times out). */
export async function expectEmpty(t: EmulatedTask, name: number): Promise<void> {
  await expectCode(recv(t, name), 'MACH_RCV_TIMED_OUT');
}

/** Expect a call (or promise) to fail with MachError `code`. Returns the error. */
export async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<MachError> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${code}`).toBeInstanceOf(MachError);
  expect((err as MachError).code).toBe(code);
  return err as MachError;
}

/** Expect a synchronous call to throw MachError `code`. */
export function expectKr(fn: () => unknown, code: string): MachError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${code}`).toBeInstanceOf(MachError);
  expect((err as MachError).code).toBe(code);
  return err as MachError;
}

/** Expect a MachGuardError with `reason` name and kr `code`. */
export async function expectGuard(p: Promise<unknown> | (() => unknown), reasonName: string, code: string): Promise<void> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err, `expected guard ${reasonName}`).toBeInstanceOf(MachGuardError);
  expect((err as MachGuardError).reasonName).toBe(reasonName);
  expect((err as MachGuardError).code).toBe(code);
}

/** mach_port_type of a name. */
export function typeOf(t: EmulatedTask, name: number): number {
  return t.mach_port_type(t.mach_task_self(), name);
}

/** mach_port_get_refs. */
export function refs(t: EmulatedTask, name: number, right: number): number {
  return t.mach_port_get_refs(t.mach_task_self(), name, right);
}

/** RECEIVE_STATUS of a receive right. */
export function status(t: EmulatedTask, name: number): C_Status {
  return t.mach_port_get_attributes(t.mach_task_self(), name, C.MACH_PORT_RECEIVE_STATUS) as C_Status;
}

/** mach_port_status_t. */
export type C_Status = {
  mps_pset: number;
  mps_seqno: number;
  mps_mscount: number;
  mps_qlimit: number;
  mps_msgcount: number;
  mps_sorights: number;
  mps_srights: number;
  mps_pdrequest: number;
  mps_nsrequest: number;
  mps_flags: number;
};

/** The 32-bit little-endian word at `offset` of a received body. */
export function word(body: Uint8Array, offset: number): number {
  return new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(offset, true);
}

/** Whether `name` is gone from `t`'s space. */
export function gone(t: EmulatedTask, name: number): boolean {
  try {
    t.mach_port_type(t.mach_task_self(), name);
    return false;
  } catch (e) {
    return e instanceof MachError && e.code === 'KERN_INVALID_NAME';
  }
}
