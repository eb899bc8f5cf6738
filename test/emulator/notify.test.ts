/**
 * Notifications as real messages with XNU's layout (§1.12): no-senders and its sync rule
 * (S79–S82), port-destroyed (S84), dead-name (S85, S37), port-deleted (S86), the errors
 * of mach_port_request_notification (S83, S87), shared request slots (S88), send-possible
 * (S89) and send-once notifications (S90).
 */
import { describe, expect, it } from 'vitest';
import { C, expectCode, expectEmpty, expectKr, msg, port, portOf, portWithSend, recv, refs, send, sendOnceTo, sendRightTo, status, typeOf, word, world } from './helpers.js';

const NDR = [0, 0, 0, 0, 1, 0, 0, 0];

/**
 * A refused notify right (made with MAKE_SEND_ONCE) is destroyed: it travels back to its
 * own port as a send-once notification, still counted in sorights until received.
 */
async function drainedSendOnceNotifications(t: ReturnType<typeof world>['a'], n: number, count: number): Promise<void> {
  expect(status(t, n)).toMatchObject({ mps_sorights: count, mps_msgcount: count });
  for (let i = 0; i < count; i++) expect((await recv(t, n)).header.msgh_id).toBe(C.MACH_NOTIFY_SEND_ONCE);
  expect(status(t, n).mps_sorights).toBe(0);
}

describe('no-senders', () => {
  it('sync 0 with no send rights fires at once (S79), with the NDR body layout', async () => {
    const { a } = world();
    const self = a.mach_task_self();
    const p = port(a);
    const n = port(a);
    a.mach_port_request_notification(self, p, C.MACH_NOTIFY_NO_SENDERS, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    const m = await recv(a, n, C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AUDIT));
    expect(m.header).toMatchObject({ msgh_id: 70, msgh_bits: 0x1200, msgh_remote_port: 0, msgh_local_port: n, msgh_voucher_port: 0, msgh_size: 36 });
    expect([...m.body.subarray(0, 8)]).toEqual(NDR);
    expect(word(m.body, 8)).toBe(0);
    expect(m.trailer.sender).toEqual({ uid: 0, gid: 1 });
    expect(m.trailer.audit.pid).toBe(0);
    expect(status(a, p).mps_nsrequest).toBe(0);
  });

  it('armed, fires once when the last send right goes (S80)', async () => {
    const { a, b } = world();
    const self = a.mach_task_self();
    const p = portWithSend(a);
    const n = port(a);
    a.mach_port_request_notification(self, p, C.MACH_NOTIFY_NO_SENDERS, 1, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    expect(status(a, p).mps_nsrequest).toBe(1);
    const prev = a.mach_port_request_notification(self, p, C.MACH_NOTIFY_NO_SENDERS, 1, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    expect(typeOf(a, prev)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
    a.mach_port_deallocate(self, prev);
    expect((await recv(a, n)).header.msgh_id).toBe(C.MACH_NOTIFY_SEND_ONCE);
    const s = sendRightTo(a, p, b);
    a.mach_port_deallocate(self, p);
    await expectEmpty(a, n);
    b.mach_port_deallocate(b.mach_task_self(), s);
    const m = await recv(a, n);
    expect(m.header.msgh_id).toBe(70);
    expect(word(m.body, 8)).toBe(2);
    expect(status(a, p).mps_nsrequest).toBe(0);
  });

  it('fires when an in-flight destination right is consumed at receive (S81)', async () => {
    const { a } = world();
    const p = port(a);
    const n = port(a);
    a.mach_port_request_notification(a.mach_task_self(), p, C.MACH_NOTIFY_NO_SENDERS, 1, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    await send(a, msg(p, C.MACH_MSG_TYPE_MAKE_SEND));
    await expectEmpty(a, n);
    await recv(a, p);
    const m = await recv(a, n);
    expect(m.header.msgh_id).toBe(70);
    expect(word(m.body, 8)).toBe(1);
  });

  it('a receive right dying with no-senders armed sends a send-once notification (S82)', async () => {
    const { a } = world();
    const self = a.mach_task_self();
    const p = portWithSend(a);
    const n = port(a);
    a.mach_port_request_notification(self, p, C.MACH_NOTIFY_NO_SENDERS, 1, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    a.mach_port_mod_refs(self, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
    expect((await recv(a, n)).header.msgh_id).toBe(C.MACH_NOTIFY_SEND_ONCE);
  });

  it('errors (S83); each refused MAKE_SEND_ONCE right is destroyed, notifying its port', async () => {
    const { a, b } = world();
    const self = a.mach_task_self();
    const n = port(a);
    const s = sendRightTo(b, port(b), a);
    expectKr(() => a.mach_port_request_notification(self, s, C.MACH_NOTIFY_NO_SENDERS, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), 'KERN_INVALID_RIGHT');
    expectKr(() => a.mach_port_request_notification(self, 0x5503, C.MACH_NOTIFY_NO_SENDERS, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), 'KERN_INVALID_NAME');
    expectKr(() => a.mach_port_request_notification(self, 0, C.MACH_NOTIFY_NO_SENDERS, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), 'KERN_INVALID_RIGHT');
    await drainedSendOnceNotifications(a, n, 3);
  });
});

describe('port-destroyed', () => {
  it('carries the receive right instead of destroying the port (S84)', async () => {
    const { a, b, k } = world();
    const self = a.mach_task_self();
    const p = portWithSend(a);
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 84 }));
    const n = port(b);
    const no = sendOnceTo(b, n, a);
    expect(a.mach_port_request_notification(self, p, C.MACH_NOTIFY_PORT_DESTROYED, 0, no, C.MACH_MSG_TYPE_MOVE_SEND_ONCE)).toBe(0);
    expect(status(a, p).mps_pdrequest).toBe(1);
    const n2 = port(a);
    expectKr(() => a.mach_port_request_notification(self, p, C.MACH_NOTIFY_PORT_DESTROYED, 0, n2, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), 'KERN_FAILURE');
    expectKr(() => a.mach_port_request_notification(self, p, C.MACH_NOTIFY_PORT_DESTROYED, 1, n2, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), 'KERN_INVALID_VALUE');
    expectKr(() => a.mach_port_request_notification(self, 0, C.MACH_NOTIFY_PORT_DESTROYED, 0, n2, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), 'KERN_INVALID_RIGHT');
    a.mach_port_mod_refs(self, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
    expect(typeOf(a, p)).toBe(C.MACH_PORT_TYPE_SEND);
    const m = await recv(b, n);
    expect(m.header).toMatchObject({ msgh_id: 69, msgh_size: 40, msgh_bits: (0x1200 | C.MACH_MSGH_BITS_COMPLEX) >>> 0 });
    const d = m.descriptors[0] as { type: number; name: number; disposition: number };
    expect(d).toMatchObject({ type: 0, disposition: C.MACH_MSG_TYPE_PORT_RECEIVE });
    expect(status(b, d.name)).toMatchObject({ mps_msgcount: 1, mps_mscount: 0, mps_seqno: 0, mps_pdrequest: 0 });
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 85 }));
    expect((await recv(b, d.name)).header.msgh_id).toBe(84);
    k.checkInvariants();
  });

  it('is refused on kernel objects', () => {
    const { a } = world();
    const n = port(a);
    expectKr(() => a.mach_port_request_notification(a.mach_task_self(), a.mach_task_self(), C.MACH_NOTIFY_PORT_DESTROYED, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), 'KERN_INVALID_RIGHT');
  });
});

describe('dead-name and port-deleted', () => {
  it('dead-name on a live right: notification with the name, one more uref (S85, S37)', async () => {
    const { a, b } = world();
    const p = port(a);
    const s = sendRightTo(a, p, b);
    b.mach_port_insert_right(b.mach_task_self(), s, s, C.MACH_MSG_TYPE_COPY_SEND);
    const n = port(b);
    const prev = b.mach_port_request_notification(b.mach_task_self(), s, C.MACH_NOTIFY_DEAD_NAME, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    expect(prev).toBe(0);
    a.mach_port_destroy(a.mach_task_self(), p);
    const m = await recv(b, n);
    expect(m.header).toMatchObject({ msgh_id: 72, msgh_size: 36 });
    expect([...m.body.subarray(0, 8)]).toEqual(NDR);
    expect(word(m.body, 8)).toBe(s);
    expect(typeOf(b, s)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    expect(refs(b, s, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(3);
  });

  it('dead-name requests work on receive and send-once names', async () => {
    const { a, b } = world();
    const self = a.mach_task_self();
    const n = port(a);
    const p = port(a);
    a.mach_port_request_notification(self, p, C.MACH_NOTIFY_DEAD_NAME, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    expect(typeOf(a, p)).toBe((C.MACH_PORT_TYPE_RECEIVE | C.MACH_PORT_TYPE_DNREQUEST) >>> 0);
    const q = port(b);
    const o = sendOnceTo(b, q, a);
    a.mach_port_request_notification(self, o, C.MACH_NOTIFY_DEAD_NAME, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    b.mach_port_destroy(b.mach_task_self(), q);
    const m = await recv(a, n);
    expect(m.header.msgh_id).toBe(72);
    expect(word(m.body, 8)).toBe(o);
  });

  it('the name going away first turns the request into port-deleted (S86)', async () => {
    const { a, b } = world();
    const p = port(a);
    const s = sendRightTo(a, p, b);
    const n = port(b);
    const self = b.mach_task_self();
    b.mach_port_request_notification(self, s, C.MACH_NOTIFY_DEAD_NAME, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    b.mach_port_deallocate(self, s);
    const m = await recv(b, n);
    expect(m.header.msgh_id).toBe(65);
    expect(word(m.body, 8)).toBe(s);
    const r = port(b);
    b.mach_port_request_notification(self, r, C.MACH_NOTIFY_DEAD_NAME, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    b.mach_port_mod_refs(self, r, C.MACH_PORT_RIGHT_RECEIVE, -1);
    const m2 = await recv(b, n);
    expect(m2.header.msgh_id).toBe(65);
    expect(word(m2.body, 8)).toBe(r);
  });

  it('errors (S87)', async () => {
    const { a } = world();
    const self = a.mach_task_self();
    const n = port(a);
    const d = a.mach_port_allocate(self, C.MACH_PORT_RIGHT_DEAD_NAME);
    const s = a.mach_port_allocate(self, C.MACH_PORT_RIGHT_PORT_SET);
    expectKr(() => a.mach_port_request_notification(self, d, C.MACH_NOTIFY_DEAD_NAME, 1, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), 'KERN_INVALID_ARGUMENT');
    expectKr(() => a.mach_port_request_notification(self, s, C.MACH_NOTIFY_DEAD_NAME, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), 'KERN_INVALID_RIGHT');
    expectKr(() => a.mach_port_request_notification(self, 0x5503, C.MACH_NOTIFY_DEAD_NAME, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), 'KERN_INVALID_NAME');
    expectKr(() => a.mach_port_request_notification(self, 0, C.MACH_NOTIFY_DEAD_NAME, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), 'KERN_INVALID_ARGUMENT');
    expectKr(() => a.mach_port_request_notification(self, n, C.MACH_NOTIFY_DEAD_NAME, 0, C.MACH_PORT_DEAD, C.MACH_MSG_TYPE_MOVE_SEND_ONCE), 'KERN_INVALID_CAPABILITY');
    expectKr(() => a.mach_port_request_notification(self, n, 99, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), 'KERN_INVALID_VALUE');
    await drainedSendOnceNotifications(a, n, 5);
  });

  it('MACH_PORT_DNREQUESTS_SIZE follows the request table’s growth (2, 3, 4, 6 …) and never shrinks', () => {
    const { a, b } = world();
    const p = port(a);
    const n = port(b);
    const self = b.mach_task_self();
    const size = (): number => (a.mach_port_get_attributes(a.mach_task_self(), p, C.MACH_PORT_DNREQUESTS_SIZE) as { count: number }).count;
    expect(size()).toBe(0);
    const seen: number[] = [];
    const names: number[] = [];
    for (let i = 0; i < 4; i++) {
      const s = sendOnceTo(a, p, b);
      names.push(s);
      b.mach_port_request_notification(self, s, C.MACH_NOTIFY_DEAD_NAME, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      seen.push(size());
    }
    expect(seen).toEqual([2, 3, 4, 6]);
    for (const s of names) b.mach_port_request_notification(self, s, C.MACH_NOTIFY_DEAD_NAME, 0, C.MACH_PORT_NULL, C.MACH_MSG_TYPE_MOVE_SEND_ONCE);
    expect(size()).toBe(6);
  });

  it('one slot per name: a new request returns the previous right, NULL cancels (S88)', () => {
    const { a } = world();
    const self = a.mach_task_self();
    const n = port(a);
    const p = port(a);
    expect(a.mach_port_request_notification(self, p, C.MACH_NOTIFY_DEAD_NAME, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE)).toBe(0);
    const prev = a.mach_port_request_notification(self, p, C.MACH_NOTIFY_DEAD_NAME, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    expect(typeOf(a, prev)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
    const prev2 = a.mach_port_request_notification(self, p, C.MACH_NOTIFY_DEAD_NAME, 0, C.MACH_PORT_NULL, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    expect(typeOf(a, prev2)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
    expect(typeOf(a, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    expect(status(a, n).mps_sorights).toBe(2);
  });
});

describe('send-possible and send-once', () => {
  it('sync 1 with room fires at once; on a full port when the receiver dequeues (S89 a, b)', async () => {
    const { a, b } = world();
    const p = port(a);
    const s = sendRightTo(a, p, b);
    const n = port(b);
    const self = b.mach_task_self();
    b.mach_port_request_notification(self, s, C.MACH_NOTIFY_SEND_POSSIBLE, 1, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    const m = await recv(b, n);
    expect(m.header.msgh_id).toBe(66);
    expect(word(m.body, 8)).toBe(s);
    for (let i = 0; i < 5; i++) await send(b, msg(s, C.MACH_MSG_TYPE_COPY_SEND));
    b.mach_port_request_notification(self, s, C.MACH_NOTIFY_SEND_POSSIBLE, 1, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    await expectEmpty(b, n);
    await recv(a, p);
    expect((await recv(b, n)).header.msgh_id).toBe(66);
  });

  it('on a dead name a send-possible request fires dead-name at once (S89 d)', async () => {
    const { a, b } = world();
    const p = port(a);
    const s = sendRightTo(a, p, b);
    a.mach_port_destroy(a.mach_task_self(), p);
    const n = port(b);
    const self = b.mach_task_self();
    expect(typeOf(b, s)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    b.mach_port_request_notification(self, s, C.MACH_NOTIFY_SEND_POSSIBLE, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    expect((await recv(b, n)).header.msgh_id).toBe(72);
    expect(refs(b, s, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(2);
  });

  it('a delayed request is armed by MACH_SEND_NOTIFY on a full queue (S89 c)', async () => {
    const { a, b } = world();
    const p = port(a);
    const s = sendRightTo(a, p, b);
    const n = port(b);
    const self = b.mach_task_self();
    b.mach_port_request_notification(self, s, C.MACH_NOTIFY_SEND_POSSIBLE, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    for (let i = 0; i < 5; i++) await send(b, msg(s, C.MACH_MSG_TYPE_COPY_SEND));
    await expectCode(send(b, msg(s, C.MACH_MSG_TYPE_COPY_SEND), C.MACH_SEND_NOTIFY | C.MACH_SEND_TIMEOUT, 0), 'MACH_SEND_TIMED_OUT');
    await recv(a, p);
    expect((await recv(b, n)).header.msgh_id).toBe(66);
  });

  it('every unused send-once right destroyed notifies its port (S90); none for dead ports', async () => {
    const { a, b } = world();
    const p = port(a);
    const o1 = sendOnceTo(a, p, b);
    const o2 = sendOnceTo(a, p, b);
    b.mach_port_destroy(b.mach_task_self(), o1);
    b.terminate();
    expect((await recv(a, p)).header.msgh_id).toBe(71);
    expect((await recv(a, p)).header.msgh_id).toBe(71);
    expect(o2).not.toBe(o1);
    expect(portOf(a, p).sorights).toBe(0);
  });
});

