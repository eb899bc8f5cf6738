/**
 * Rights operations: insert_right (S8–S19), extract_right, deallocate and destroy
 * (S27–S34), mach_port_names (S35), dead names and lazy conversion (S36–S39), and the
 * `task` argument (own task, another task's port, non-task ports).
 */
import { describe, expect, it } from 'vitest';
import { C, expectCode, expectKr, gone, msg, port, portOf, portWithSend, recv, refs, send, sendOnceTo, sendRightTo, status, typeOf, word, world } from './helpers.js';

describe('insert_right', () => {
  it('MAKE_SEND under the receive name, repeated (S8, S9)', () => {
    const { a } = world();
    const self = a.mach_task_self();
    const p = port(a);
    a.mach_port_insert_right(self, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
    expect(typeOf(a, p)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
    expect(refs(a, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
    expect(status(a, p)).toMatchObject({ mps_mscount: 1, mps_srights: 1 });
    a.mach_port_insert_right(self, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
    expect(refs(a, p, C.MACH_PORT_RIGHT_SEND)).toBe(2);
    expect(status(a, p)).toMatchObject({ mps_mscount: 2, mps_srights: 1 });
  });

  it('COPY_SEND needs a send right; MAKE_SEND needs the receive right (S10, S11)', () => {
    const { a, b } = world();
    const self = a.mach_task_self();
    const p = port(a);
    expectKr(() => a.mach_port_insert_right(self, p, p, C.MACH_MSG_TYPE_COPY_SEND), 'KERN_INVALID_RIGHT');
    const s = sendRightTo(a, p, b);
    expectKr(() => b.mach_port_insert_right(b.mach_task_self(), s, s, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_RIGHT');
    b.mach_port_insert_right(b.mach_task_self(), s, s, C.MACH_MSG_TYPE_COPY_SEND);
    expect(refs(b, s, C.MACH_PORT_RIGHT_SEND)).toBe(2);
    const d = b.mach_port_allocate(b.mach_task_self(), C.MACH_PORT_RIGHT_DEAD_NAME);
    expectKr(() => b.mach_port_insert_right(b.mach_task_self(), d, d, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_CAPABILITY');
  });

  it('a right already named elsewhere: KERN_RIGHT_EXISTS, mscount still bumped (S12, S13)', () => {
    const { a, k } = world();
    const self = a.mach_task_self();
    const p = port(a);
    const q = port(a);
    expectKr(() => a.mach_port_insert_right(self, p, q, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_RIGHT_EXISTS');
    expect(status(a, q)).toMatchObject({ mps_mscount: 1, mps_srights: 0 });
    const set = a.mach_port_allocate(self, C.MACH_PORT_RIGHT_PORT_SET);
    expectKr(() => a.mach_port_insert_right(self, set, q, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_RIGHT_EXISTS');
    expectKr(() => a.mach_port_insert_right(self, set, q, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), 'KERN_NAME_EXISTS');
    k.checkInvariants();
  });

  it('bad target names (S14) and a null poly (S19)', () => {
    const { a } = world();
    const self = a.mach_task_self();
    const p = port(a);
    expectKr(() => a.mach_port_insert_right(self, 0x7a, p, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_VALUE');
    expectKr(() => a.mach_port_insert_right(self, 0x7b, p, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_FAILURE');
    expectKr(() => a.mach_port_insert_right(self, 0, p, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_VALUE');
    expectKr(() => a.mach_port_insert_right(self, C.MACH_PORT_DEAD, p, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_VALUE');
    expectKr(() => a.mach_port_insert_right(self, 0x9903, C.MACH_PORT_NULL, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_NAME');
    for (const disp of [22, 0, 15]) expectKr(() => a.mach_port_insert_right(self, 0x9903, p, disp), 'KERN_INVALID_RIGHT');
    expect(status(a, p).mps_srights).toBe(0);
  });

  it('a port set as the poly is KERN_INVALID_RIGHT (S15)', () => {
    const { a } = world();
    const s = a.mach_port_allocate(a.mach_task_self(), C.MACH_PORT_RIGHT_PORT_SET);
    expectKr(() => a.mach_port_insert_right(a.mach_task_self(), s, s, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_RIGHT');
  });

  it('MAKE_SEND_ONCE gets its own name; never the receive name (S16)', () => {
    const { a } = world();
    const self = a.mach_task_self();
    const p = port(a);
    a.mach_port_insert_right(self, 0x9903, p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    expect(typeOf(a, 0x9903)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
    expect(status(a, p).mps_sorights).toBe(1);
    expectKr(() => a.mach_port_insert_right(self, p, p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), 'KERN_NAME_EXISTS');
  });

  it('MOVE_RECEIVE renames: queue kept, mscount/seqno reset, dead-name request → port-deleted (S17)', async () => {
    const { a, k } = world();
    const self = a.mach_task_self();
    const p = portWithSend(a);
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 5 }));
    a.mach_port_set_seqno(self, p, 9);
    const n = port(a);
    const o = sendOnceTo(a, n, a);
    a.mach_port_deallocate(self, p);
    const q = port(a);
    a.mach_port_request_notification(self, q, C.MACH_NOTIFY_DEAD_NAME, 0, o, C.MACH_MSG_TYPE_MOVE_SEND_ONCE);
    a.mach_port_insert_right(self, 0x9a03, q, C.MACH_MSG_TYPE_MOVE_RECEIVE);
    expect(gone(a, q)).toBe(true);
    expect(typeOf(a, 0x9a03)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    const pd = await recv(a, n);
    expect(pd.header.msgh_id).toBe(C.MACH_NOTIFY_PORT_DELETED);
    expect(word(pd.body, 8)).toBe(q);
    a.mach_port_insert_right(self, 0x9b03, p, C.MACH_MSG_TYPE_MOVE_RECEIVE);
    expect(status(a, 0x9b03)).toMatchObject({ mps_msgcount: 1, mps_seqno: 0, mps_mscount: 0 });
    k.checkInvariants();
  });

  it('a moved receive right that cannot be inserted is destroyed (S18)', () => {
    const { a, b } = world();
    const self = a.mach_task_self();
    const p = port(a);
    const s = sendRightTo(a, p, b);
    const occupied = port(a);
    expectKr(() => a.mach_port_insert_right(self, occupied, p, C.MACH_MSG_TYPE_MOVE_RECEIVE), 'KERN_NAME_EXISTS');
    expect(gone(a, p)).toBe(true);
    expect(typeOf(b, s)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
  });

  it('insert_right into another task through its task port copies the poly from the caller', () => {
    const { a, b, k } = world();
    const p = port(a);
    const bTask = sendRightTo(b, b.mach_task_self(), a);
    a.mach_port_insert_right(bTask, 0x4403, p, C.MACH_MSG_TYPE_MAKE_SEND);
    expect(typeOf(b, 0x4403)).toBe(C.MACH_PORT_TYPE_SEND);
    expect(status(a, p)).toMatchObject({ mps_mscount: 1, mps_srights: 1 });
    expectKr(() => a.mach_port_insert_right(bTask, 0x4503, 0x7703, C.MACH_MSG_TYPE_MAKE_SEND), 'MACH_SEND_INVALID_RIGHT');
    expectKr(() => a.mach_port_insert_right(bTask, 0x4503, C.MACH_PORT_NULL, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_CAPABILITY');
    k.checkInvariants();
  });
});

describe('extract_right', () => {
  it('MAKE_SEND_ONCE twice gives two names; MAKE_SEND coalesces (S42)', () => {
    const { a } = world();
    const self = a.mach_task_self();
    const p = port(a);
    const x = a.mach_port_extract_right(self, p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    const y = a.mach_port_extract_right(self, p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    expect(x.poly).not.toBe(y.poly);
    expect(x.polyPoly).toBe(C.MACH_MSG_TYPE_PORT_SEND_ONCE);
    expect(status(a, p).mps_sorights).toBe(2);
    const z = a.mach_port_extract_right(self, p, C.MACH_MSG_TYPE_MAKE_SEND);
    expect(z).toEqual({ poly: p, polyPoly: C.MACH_MSG_TYPE_PORT_SEND });
  });

  it('from another task: MOVE_RECEIVE takes the port over', () => {
    const { a, b, k } = world();
    const q = port(b);
    const bTask = sendRightTo(b, b.mach_task_self(), a);
    const r = a.mach_port_extract_right(bTask, q, C.MACH_MSG_TYPE_MOVE_RECEIVE);
    expect(r.polyPoly).toBe(C.MACH_MSG_TYPE_PORT_RECEIVE);
    expect(typeOf(a, r.poly)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    expect(gone(b, q)).toBe(true);
    expectKr(() => a.mach_port_extract_right(bTask, 0, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_RIGHT');
    expectKr(() => a.mach_port_extract_right(bTask, q, 22), 'KERN_INVALID_VALUE');
    k.checkInvariants();
  });
});

describe('deallocate, destroy, type', () => {
  it('deallocating the last send uref frees the name and fires no-senders and port-deleted (S27)', async () => {
    const { a, b } = world();
    const self = a.mach_task_self();
    const p = port(a);
    const n = port(a);
    a.mach_port_request_notification(self, p, C.MACH_NOTIFY_NO_SENDERS, 1, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    const s = sendRightTo(a, p, b);
    const bn = port(b);
    b.mach_port_request_notification(b.mach_task_self(), s, C.MACH_NOTIFY_DEAD_NAME, 0, bn, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    b.mach_port_deallocate(b.mach_task_self(), s);
    expect(gone(b, s)).toBe(true);
    expect((await recv(a, n)).header.msgh_id).toBe(C.MACH_NOTIFY_NO_SENDERS);
    const pd = await recv(b, bn);
    expect(pd.header.msgh_id).toBe(C.MACH_NOTIFY_PORT_DELETED);
    expect(word(pd.body, 8)).toBe(s);
  });

  it('deallocate of a receive-only name is KERN_INVALID_RIGHT; of SEND_RECEIVE drops a send uref (S28)', () => {
    const { a } = world();
    const p = port(a);
    expectKr(() => a.mach_port_deallocate(a.mach_task_self(), p), 'KERN_INVALID_RIGHT');
    a.mach_port_insert_right(a.mach_task_self(), p, p, C.MACH_MSG_TYPE_MAKE_SEND);
    a.mach_port_insert_right(a.mach_task_self(), p, p, C.MACH_MSG_TYPE_MAKE_SEND);
    a.mach_port_deallocate(a.mach_task_self(), p);
    expect(typeOf(a, p)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
    expect(refs(a, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
  });

  it('deallocating a port set destroys it; members keep their messages (S29)', async () => {
    const { a } = world();
    const self = a.mach_task_self();
    const s = a.mach_port_allocate(self, C.MACH_PORT_RIGHT_PORT_SET);
    const p = portWithSend(a);
    a.mach_port_move_member(self, p, s);
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 3 }));
    a.mach_port_deallocate(self, s);
    expect(gone(a, s)).toBe(true);
    expect(status(a, p)).toMatchObject({ mps_pset: 0, mps_msgcount: 1 });
    expect((await recv(a, p)).header.msgh_id).toBe(3);
  });

  it('unknown, null and dead names (S30, S33, S34)', () => {
    const { a } = world();
    const self = a.mach_task_self();
    expectKr(() => a.mach_port_deallocate(self, 0x5503), 'KERN_INVALID_NAME');
    a.mach_port_deallocate(self, C.MACH_PORT_NULL);
    a.mach_port_deallocate(self, C.MACH_PORT_DEAD);
    a.mach_port_destroy(self, C.MACH_PORT_NULL);
    a.mach_port_destroy(self, C.MACH_PORT_DEAD);
    expectKr(() => a.mach_port_destroy(self, 0x5503), 'KERN_INVALID_NAME');
    expect(typeOf(a, C.MACH_PORT_DEAD)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    expectKr(() => typeOf(a, C.MACH_PORT_NULL), 'KERN_INVALID_NAME');
  });

  it('deallocating a send-once right notifies its port (S31)', async () => {
    const { a, b } = world();
    const p = port(a);
    const o = sendOnceTo(a, p, b);
    b.mach_port_deallocate(b.mach_task_self(), o);
    const m = await recv(a, p);
    expect(m.header).toMatchObject({ msgh_id: C.MACH_NOTIFY_SEND_ONCE, msgh_bits: 0x1200, msgh_remote_port: 0, msgh_local_port: p });
    expect(m.size).toBe(24);
  });

  it('destroy vs mod_refs(RECEIVE, −1) on a SEND_RECEIVE name (S32)', () => {
    const { a } = world();
    const self = a.mach_task_self();
    const p = portWithSend(a);
    a.mach_port_insert_right(self, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
    a.mach_port_destroy(self, p);
    expect(gone(a, p)).toBe(true);
    const q = portWithSend(a);
    a.mach_port_insert_right(self, q, q, C.MACH_MSG_TYPE_MAKE_SEND);
    a.mach_port_mod_refs(self, q, C.MACH_PORT_RIGHT_RECEIVE, -1);
    expect(typeOf(a, q)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    expect(refs(a, q, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(2);
  });

  it('mach_port_type shows a dead-name request bit; send-possible bits are masked (S34, S88)', () => {
    const { a, b } = world();
    const p = port(a);
    const s = sendRightTo(a, p, b);
    const n = port(b);
    const self = b.mach_task_self();
    b.mach_port_request_notification(self, s, C.MACH_NOTIFY_DEAD_NAME, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    expect(typeOf(b, s)).toBe((C.MACH_PORT_TYPE_SEND | C.MACH_PORT_TYPE_DNREQUEST) >>> 0);
    const prev = b.mach_port_request_notification(self, s, C.MACH_NOTIFY_SEND_POSSIBLE, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    expect(typeOf(b, prev)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
    expect(typeOf(b, s)).toBe((C.MACH_PORT_TYPE_SEND | C.MACH_PORT_TYPE_DNREQUEST) >>> 0);
    const names = b.mach_port_names(self);
    expect(names.types[names.names.indexOf(s)]).toBe((C.MACH_PORT_TYPE_SEND | C.MACH_PORT_TYPE_DNREQUEST | C.MACH_PORT_TYPE_SPREQUEST | C.MACH_PORT_TYPE_SPREQUEST_DELAYED) >>> 0);
  });

  it('mach_port_names lists every name in increasing index order with types (S35)', () => {
    const { a } = world();
    const self = a.mach_task_self();
    const p = port(a);
    const s = a.mach_port_allocate(self, C.MACH_PORT_RIGHT_PORT_SET);
    const d = a.mach_port_allocate(self, C.MACH_PORT_RIGHT_DEAD_NAME);
    const { names, types } = a.mach_port_names(self);
    expect(names).toBeInstanceOf(Uint32Array);
    expect(Array.from(names)).toEqual([...names].sort((x, y) => (x >>> 8) - (y >>> 8)));
    expect(types[names.indexOf(self)]).toBe(C.MACH_PORT_TYPE_SEND);
    expect(types[names.indexOf(p)]).toBe(C.MACH_PORT_TYPE_RECEIVE);
    expect(types[names.indexOf(s)]).toBe(C.MACH_PORT_TYPE_PORT_SET);
    expect(types[names.indexOf(d)]).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
  });
});

describe('dead names', () => {
  it('a send right to a destroyed port reads as a dead name, converted lazily (S36, §0.7)', () => {
    const { a, b } = world();
    const p = port(a);
    const s = sendRightTo(a, p, b);
    b.mach_port_insert_right(b.mach_task_self(), s, s, C.MACH_MSG_TYPE_COPY_SEND);
    a.mach_port_mod_refs(a.mach_task_self(), p, C.MACH_PORT_RIGHT_RECEIVE, -1);
    const self = b.mach_task_self();
    const names = b.mach_port_names(self);
    expect(names.types[names.names.indexOf(s)]).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    expect(b.space.lookup(s)!.type).toBe(C.MACH_PORT_TYPE_SEND);
    expect(typeOf(b, s)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    expect(b.space.lookup(s)!.type).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    expect(refs(b, s, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(2);
    expect(refs(b, s, C.MACH_PORT_RIGHT_SEND)).toBe(0);
    expectKr(() => b.mach_port_mod_refs(self, s, C.MACH_PORT_RIGHT_SEND, -1), 'KERN_INVALID_RIGHT');
    b.mach_port_deallocate(self, s);
    expect(refs(b, s, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
    b.mach_port_mod_refs(self, s, C.MACH_PORT_RIGHT_DEAD_NAME, -1);
    expect(gone(b, s)).toBe(true);
  });

  it('sending to a dead port is MACH_SEND_INVALID_DEST and converts the name (S38)', async () => {
    const { a, b } = world();
    const p = port(a);
    const s = sendRightTo(a, p, b);
    a.mach_port_destroy(a.mach_task_self(), p);
    await expectCode(send(b, msg(s, C.MACH_MSG_TYPE_COPY_SEND)), 'MACH_SEND_INVALID_DEST');
    await expectCode(send(b, msg(s, C.MACH_MSG_TYPE_MOVE_SEND)), 'MACH_SEND_INVALID_DEST');
    expect(b.space.lookup(s)!.type).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    expect(refs(b, s, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
  });

  it('an uninspected send-once right to a dead port still sends (destroyed, success); an inspected one fails (S39)', async () => {
    const { a, b } = world();
    const p = port(a);
    const o1 = sendOnceTo(a, p, b);
    const o2 = sendOnceTo(a, p, b);
    a.mach_port_destroy(a.mach_task_self(), p);
    await send(b, msg(o1, C.MACH_MSG_TYPE_MOVE_SEND_ONCE));
    expect(gone(b, o1)).toBe(true);
    expect(typeOf(b, o2)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    await expectCode(send(b, msg(o2, C.MACH_MSG_TYPE_MOVE_SEND_ONCE)), 'MACH_SEND_INVALID_DEST');
  });

  it('kernel accounting stays exact through deaths', () => {
    const { a, b, k } = world();
    const p = port(a);
    const s = sendRightTo(a, p, b);
    expect(portOf(b, s).srights).toBe(1);
    a.mach_port_destroy(a.mach_task_self(), p);
    k.checkInvariants();
  });
});

describe('the task argument', () => {
  it('a name that is not a send right fails the MIG send: MACH_SEND_INVALID_DEST', () => {
    const { a } = world();
    const p = port(a);
    expectKr(() => a.mach_port_allocate(0x5503, C.MACH_PORT_RIGHT_RECEIVE), 'MACH_SEND_INVALID_DEST');
    expectKr(() => a.mach_port_allocate(p, C.MACH_PORT_RIGHT_RECEIVE), 'MACH_SEND_INVALID_DEST');
    expectKr(() => a.mach_port_allocate(0, C.MACH_PORT_RIGHT_RECEIVE), 'MACH_SEND_INVALID_DEST');
  });

  it('the host port is a kernel object but not a task: KERN_INVALID_TASK / KERN_INVALID_ARGUMENT', () => {
    const { a } = world();
    const host = a.mach_host_self();
    expectKr(() => a.mach_port_allocate(host, C.MACH_PORT_RIGHT_RECEIVE), 'KERN_INVALID_TASK');
    expectKr(() => a.mach_port_get_attributes(host, 0x103, C.MACH_PORT_LIMITS_INFO), 'KERN_INVALID_ARGUMENT');
  });

  it('an ordinary port as the task is a kernel-object call to a queue: fatal guard', async () => {
    const { a } = world();
    const p = portWithSend(a);
    const { expectGuard } = await import('./helpers.js');
    await expectGuard(() => a.mach_port_allocate(p, C.MACH_PORT_RIGHT_RECEIVE), 'kGUARD_EXC_INVALID_OPTIONS', 'MACH_SEND_INVALID_OPTIONS');
  });

  it('another task’s port operates on that task’s space; after it dies, MACH_SEND_INVALID_DEST', () => {
    const { a, b } = world();
    const bTask = sendRightTo(b, b.mach_task_self(), a);
    const q = a.mach_port_allocate(bTask, C.MACH_PORT_RIGHT_RECEIVE);
    expect(typeOf(b, q)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    expect(a.mach_port_kobject(a.mach_task_self(), bTask).object_type).toBe(C.IKOT_TASK_CONTROL);
    b.terminate();
    expectKr(() => a.mach_port_allocate(bTask, C.MACH_PORT_RIGHT_RECEIVE), 'MACH_SEND_INVALID_DEST');
    expect(typeOf(a, bTask)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
  });

  it('mach_host_self adds a send uref per call; kobject types (S95)', () => {
    const { a } = world();
    const h1 = a.mach_host_self();
    const h2 = a.mach_host_self();
    expect(h1).toBe(h2);
    expect(refs(a, h1, C.MACH_PORT_RIGHT_SEND)).toBe(2);
    const self = a.mach_task_self();
    expect(a.mach_port_kobject(self, h1)).toEqual({ object_type: C.IKOT_HOST, object_addr: 0n });
    expect(a.mach_port_kobject(self, self).object_type).toBe(C.IKOT_TASK_CONTROL);
    const p = port(a);
    expect(a.mach_port_kobject(self, p).object_type).toBe(C.IKOT_NONE);
    const o = a.mach_port_extract_right(self, p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE).poly;
    expectKr(() => a.mach_port_kobject(self, o), 'KERN_INVALID_RIGHT');
    expectKr(() => a.mach_port_kobject(self, 0x5503), 'KERN_INVALID_NAME');
  });

  it('calls on a terminated task throw KERN_TERMINATED', async () => {
    const { a } = world();
    a.terminate();
    expectKr(() => a.mach_port_allocate(0x103, C.MACH_PORT_RIGHT_RECEIVE), 'KERN_TERMINATED');
    await expectCode(a.mach_msg(undefined, C.MACH_RCV_MSG, 0x203), 'KERN_TERMINATED');
  });
});
