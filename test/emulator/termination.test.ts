/**
 * Task termination (S99): receive rights destroyed, send rights released, send-once rights
 * notified, dead-name requests turned into port-deleted, blocked calls settled, the task
 * port dead, and nothing left behind.
 */
import { describe, expect, it } from 'vitest';
import { C, expectCode, msg, port, portOf, portWithSend, recv, send, sendOnceTo, sendRightTo, typeOf, word, world } from './helpers.js';

describe('task termination', () => {
  it('the dying task’s receive rights die: others’ send rights become dead names, dead-name requests fire', async () => {
    const { a, b, k } = world();
    const p = port(b);
    const s = sendRightTo(b, p, a);
    const n = port(a);
    a.mach_port_request_notification(a.mach_task_self(), s, C.MACH_NOTIFY_DEAD_NAME, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    b.terminate();
    const m = await recv(a, n);
    expect(m.header.msgh_id).toBe(C.MACH_NOTIFY_DEAD_NAME);
    expect(word(m.body, 8)).toBe(s);
    expect(typeOf(a, s)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    expect(k.tasks).not.toContain(b);
    k.checkInvariants();
  });

  it('send rights of the dying task are released (no-senders), send-once rights notify', async () => {
    const { a, b, k } = world();
    const self = a.mach_task_self();
    const p = port(a);
    const n = port(a);
    a.mach_port_request_notification(self, p, C.MACH_NOTIFY_NO_SENDERS, 1, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    sendRightTo(a, p, b);
    sendOnceTo(a, p, b);
    b.terminate();
    const ids = [(await recv(a, p)).header.msgh_id, (await recv(a, n)).header.msgh_id];
    expect(ids).toEqual([C.MACH_NOTIFY_SEND_ONCE, C.MACH_NOTIFY_NO_SENDERS]);
    k.checkInvariants();
  });

  it('a dead-name request of the dying task on a live port: port-deleted only if the notify port lives', async () => {
    const { a, b, k } = world();
    const p = port(a);
    const s = sendRightTo(a, p, b);
    const bn = port(b);
    b.mach_port_request_notification(b.mach_task_self(), s, C.MACH_NOTIFY_DEAD_NAME, 0, bn, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    const an = port(a);
    const ao = sendOnceTo(a, an, b);
    const s2 = sendRightTo(a, p, b);
    expect(s2).toBe(s);
    b.mach_port_request_notification(b.mach_task_self(), s, C.MACH_NOTIFY_DEAD_NAME, 0, ao, C.MACH_MSG_TYPE_MOVE_SEND_ONCE);
    b.terminate();
    const m = await recv(a, an);
    expect(m.header.msgh_id).toBe(C.MACH_NOTIFY_PORT_DELETED);
    expect(word(m.body, 8)).toBe(s);
    expect(portOf(a, p).srights).toBe(0);
    k.checkInvariants();
  });

  it('blocked calls of the task settle with KERN_TERMINATED; senders to its full ports succeed', async () => {
    const { a, b, k } = world();
    const p = port(b);
    const s = sendRightTo(b, p, a);
    const pending = b.mach_msg(undefined, C.MACH_RCV_MSG, p);
    const q = portWithSend(a);
    for (let i = 0; i < 5; i++) await send(a, msg(q, C.MACH_MSG_TYPE_COPY_SEND));
    const qs = sendRightTo(a, q, b);
    const bSend = send(b, msg(qs, C.MACH_MSG_TYPE_COPY_SEND));
    for (let i = 0; i < 4; i++) await send(a, msg(s, C.MACH_MSG_TYPE_COPY_SEND));
    await send(a, msg(s, C.MACH_MSG_TYPE_COPY_SEND));
    const aSend = send(a, msg(s, C.MACH_MSG_TYPE_COPY_SEND));
    b.terminate();
    await expectCode(bSend, 'KERN_TERMINATED');
    await expect(aSend).resolves.toBeUndefined();
    await expect(pending).resolves.toBeDefined();
    expect(a.mach_port_get_attributes(a.mach_task_self(), q, C.MACH_PORT_RECEIVE_STATUS)).toMatchObject({ mps_msgcount: 5 });
    k.checkInvariants();
  });

  it('the task port dies with the task; termination is idempotent', () => {
    const { a, b, k } = world();
    const bt = sendRightTo(b, b.mach_task_self(), a);
    b.terminate();
    b.terminate();
    k.terminateTask(b);
    expect(typeOf(a, bt)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    expect(b.terminated).toBe(true);
    expect(b.spaceInfo()).toEqual([]);
    k.checkInvariants();
  });

  it('receive rights in transit to the dying task’s ports die with the queued messages', async () => {
    const { a, b, k } = world();
    const p = port(b);
    const s = sendRightTo(b, p, a);
    const q = port(a);
    const qs = a.mach_port_extract_right(a.mach_task_self(), q, C.MACH_MSG_TYPE_MAKE_SEND).poly;
    await send(a, msg(s, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 0, name: q, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }] }));
    b.terminate();
    expect(typeOf(a, qs)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    k.checkInvariants();
  });
});
