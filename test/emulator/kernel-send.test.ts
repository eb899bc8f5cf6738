/**
 * EmulatedTask.kernelSend: a plain MACH_SEND_MSG to a port the kernel serves synchronously
 * (a kernel object, or the kernel's notifyd), returning the mach_msg_return_t — the send a
 * simpleroutine stub makes (libnotify's notify_post). Ordinary ports are refused before
 * anything is copied in, so the send never blocks; bad destinations are the send's own
 * error codes. Also: one notify_post counts as exactly one message sent by the posting
 * task (TASK_EVENTS_INFO).
 */
import { describe, expect, it } from 'vitest';
import { type KobjectRequest, type KobjectServer } from '../../lib/emulator/index.js';
import { MigWriter } from '../../lib/emulator/kobject/mig.js';
import { notify_post, notify_register_mach_port } from '../../lib/emulator/notifyd/notify_client.js';
import { NOTIFY_IPC, NOTIFY_SERVICE_NAME, writeNotifyName } from '../../lib/emulator/notifyd/notify_ipc.js';
import type { task_events_info } from '../../lib/kernel-info/info_flavors.js';
import type { MachApi, MachMessage } from '../../lib/types.js';
import { C, expectKr, port, portOf, portWithSend, refs, status, typeOf, world } from './helpers.js';

const TOY_IKOT = C.IKOT_SEMAPHORE;

/** A toy kernel object that logs its requests and answers each (MIG_NO_REPLY-free: a 12-byte reply). */
function toy(log: KobjectRequest[]): KobjectServer {
  return (req) => {
    log.push(req);
    const out = new Uint8Array(12);
    out[4] = 1;
    return { body: out };
  };
}

/** A message to `dest` (COPY_SEND unless told), no reply port. */
function plain(dest: number, id = 1000, disposition: number = C.MACH_MSG_TYPE_COPY_SEND): MachMessage {
  const body = new Uint8Array(12);
  body[4] = 1;
  return { header: { msgh_bits: C.MACH_MSGH_BITS(disposition, 0), msgh_remote_port: dest, msgh_id: id }, body };
}

/** notify_ipc's post_4 for `name` to notifyd's port `server` (the simpleroutine notify_post sends). */
function post(server: number, name: string): MachMessage {
  const body = writeNotifyName(new MigWriter().ndr(), new TextEncoder().encode(name)).u32(0).finish();
  return { header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0), msgh_remote_port: server, msgh_id: NOTIFY_IPC.post_4 }, body };
}

/** The task's own TASK_EVENTS_INFO. */
const events = (t: MachApi): task_events_info => t.task_info(t.mach_task_self(), C.TASK_EVENTS_INFO);

describe('EmulatedTask.kernelSend', () => {
  it('sends to a kernel object without a reply port: served before it returns, MACH_MSG_SUCCESS, nothing left behind', () => {
    const { k, a } = world();
    const log: KobjectRequest[] = [];
    const kp = k.createKobjectPort(TOY_IKOT, toy(log));
    const name = k.copyoutRight(a, kp, C.MACH_MSG_TYPE_MAKE_SEND);
    const names = a.mach_port_names(a.mach_task_self()).names;
    expect(a.kernelSend(plain(name, 1000))).toBe(C.MACH_MSG_SUCCESS);
    expect(log.length).toBe(1);
    expect(log[0]!.caller).toBe(a);
    expect(log[0]!.id).toBe(1000);
    expect(kp.seqno).toBe(1);
    expect(kp.msgcount).toBe(0);
    // No reply port was made (no MIG reply port either): the space has the same names.
    expect(a.mach_port_names(a.mach_task_self()).names).toEqual(names);
    expect(refs(a, name, C.MACH_PORT_RIGHT_SEND)).toBe(1);
    k.checkInvariants();
  });

  it('counts exactly one message sent (TASK_EVENTS_INFO), and nothing received', () => {
    const { k, a } = world();
    const kp = k.createKobjectPort(TOY_IKOT, toy([]));
    const name = k.copyoutRight(a, kp, C.MACH_MSG_TYPE_MAKE_SEND);
    const e0 = events(a);
    a.kernelSend(plain(name));
    a.kernelSend(plain(name));
    const e1 = events(a);
    // The second task_info call adds its request (sent), and the first call's reply (sent, received).
    expect(e1.messages_sent - e0.messages_sent - 2).toBe(2);
    expect(e1.messages_received - e0.messages_received - 1).toBe(0);
  });

  it('sends a simpleroutine to notifyd: the post reaches a registration of another task', () => {
    const { k, a, b } = world();
    const reg = notify_register_mach_port(b, 'ks.name', 0, 0);
    const srv = a.bootstrap_look_up(a.bootstrap_port, NOTIFY_SERVICE_NAME);
    expect(a.kernelSend(post(srv, 'ks.name'))).toBe(C.MACH_MSG_SUCCESS);
    expect(status(b, reg.port).mps_msgcount).toBe(1);
    expect(refs(a, srv, C.MACH_PORT_RIGHT_SEND)).toBe(1);
    k.checkInvariants();
  });

  it('refuses a message queue with MACH_SEND_INVALID_OPTIONS: nothing is queued, no right is consumed', () => {
    const { k, a, b } = world();
    const p = portWithSend(a);
    expectKr(() => a.kernelSend(plain(p, 1, C.MACH_MSG_TYPE_MOVE_SEND)), 'MACH_SEND_INVALID_OPTIONS');
    expect(status(a, p).mps_msgcount).toBe(0);
    expect(refs(a, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
    // A send-once right to another task's port: refused too, and kept.
    const q = port(b);
    const so = k.copyoutRight(a, portOf(b, q), C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    expectKr(() => a.kernelSend(plain(so, 1, C.MACH_MSG_TYPE_MOVE_SEND_ONCE)), 'MACH_SEND_INVALID_OPTIONS');
    expect(typeOf(a, so) & C.MACH_PORT_TYPE_SEND_ONCE).not.toBe(0);
    expect(status(b, q).mps_msgcount).toBe(0);
    k.checkInvariants();
  });

  it('bad destinations are the send’s error codes', () => {
    const { k, a, b } = world();
    expect(a.kernelSend(plain(0))).toBe(C.MACH_SEND_INVALID_DEST);
    expect(a.kernelSend(plain(0x7fff_ff03))).toBe(C.MACH_SEND_INVALID_DEST);
    // A receive right without a send right: COPY_SEND of it is not a right the task has.
    const bare = port(a);
    expect(a.kernelSend(plain(bare))).toBe(C.MACH_SEND_INVALID_DEST);
    expect(status(a, bare).mps_msgcount).toBe(0);
    // b's task port dies with b: the send right becomes a dead name.
    const bt = k.copyoutRight(a, b.taskPort, C.MACH_MSG_TYPE_MAKE_SEND);
    b.terminate();
    expect(typeOf(a, bt) & C.MACH_PORT_TYPE_DEAD_NAME).not.toBe(0);
    expect(a.kernelSend(plain(bt, 3405))).toBe(C.MACH_SEND_INVALID_DEST);
    k.checkInvariants();
  });

  it('argument checks; a terminated task', () => {
    const { a } = world();
    expect(() => a.kernelSend(null as never)).toThrow(TypeError);
    expect(() => a.kernelSend({} as never)).toThrow(TypeError);
    a.terminate();
    expectKr(() => a.kernelSend(plain(1)), 'KERN_TERMINATED');
  });
});

describe('notify_post from an in-process task', () => {
  it('counts exactly one message sent per post (TASK_EVENTS_INFO)', () => {
    const { a, b } = world();
    const reg = notify_register_mach_port(b, 'ks.count', 0, 0);
    notify_post(a, 'ks.count'); // the first post looks notifyd up (a kernel-object call of its own)
    const N = 3;
    const e0 = events(a);
    for (let i = 0; i < N; i++) notify_post(a, 'ks.count');
    const e1 = events(a);
    expect(e1.messages_sent - e0.messages_sent - 2).toBe(N);
    expect(e1.messages_received - e0.messages_received - 1).toBe(0);
    expect(status(b, reg.port).mps_msgcount).toBe(N + 1);
  });
});
