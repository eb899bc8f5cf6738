/**
 * Port sets as on Darwin: several sets per port, move_member to exactly one, receiving
 * from a member directly, round robin across members, and what happens to receivers
 * when a set or a member goes away (S46–S56).
 */
import { describe, expect, it } from 'vitest';
import { C, expectCode, expectKr, gone, msg, port, portWithSend, recv, send, sendRightTo, status, world } from './helpers.js';

function set(t: ReturnType<typeof world>['a']): number {
  return t.mach_port_allocate(t.mach_task_self(), C.MACH_PORT_RIGHT_PORT_SET);
}

describe('port sets', () => {
  it('move_member puts a port in exactly one set; NULL takes it out of all (S46, S47, S49)', () => {
    const { a } = world();
    const self = a.mach_task_self();
    const p = port(a);
    const s1 = set(a);
    const s2 = set(a);
    a.mach_port_move_member(self, p, s1);
    expect(a.mach_port_get_set_status(self, s1)).toEqual([p]);
    expect(status(a, p).mps_pset).toBe(1);
    a.mach_port_move_member(self, p, s2);
    a.mach_port_move_member(self, p, s2);
    expect(a.mach_port_get_set_status(self, s1)).toEqual([]);
    expect(a.mach_port_get_set_status(self, s2)).toEqual([p]);
    a.mach_port_move_member(self, p, C.MACH_PORT_NULL);
    expect(status(a, p).mps_pset).toBe(0);
    expectKr(() => a.mach_port_move_member(self, p, C.MACH_PORT_NULL), 'KERN_NOT_IN_SET');
  });

  it('insert_member adds memberships; extract_member removes one (S48)', () => {
    const { a } = world();
    const self = a.mach_task_self();
    const p = port(a);
    const s1 = set(a);
    const s2 = set(a);
    a.mach_port_insert_member(self, p, s1);
    a.mach_port_insert_member(self, p, s2);
    expectKr(() => a.mach_port_insert_member(self, p, s2), 'KERN_ALREADY_IN_SET');
    a.mach_port_extract_member(self, p, s1);
    expectKr(() => a.mach_port_extract_member(self, p, s1), 'KERN_NOT_IN_SET');
    expect(a.mach_port_get_set_status(self, s2)).toEqual([p]);
    expect(status(a, p).mps_pset).toBe(1);
  });

  it('invalid set operations (S50)', () => {
    const { a, b } = world();
    const self = a.mach_task_self();
    const p = port(a);
    const s = set(a);
    const s2 = set(a);
    expectKr(() => a.mach_port_move_member(self, s, s2), 'KERN_INVALID_RIGHT');
    expectKr(() => a.mach_port_move_member(self, p, p), 'KERN_INVALID_RIGHT');
    expectKr(() => a.mach_port_move_member(self, 0, s), 'KERN_INVALID_RIGHT');
    expectKr(() => a.mach_port_move_member(self, C.MACH_PORT_DEAD, s), 'KERN_INVALID_RIGHT');
    expectKr(() => a.mach_port_move_member(self, p, C.MACH_PORT_DEAD), 'KERN_INVALID_RIGHT');
    expectKr(() => a.mach_port_move_member(self, 0x5503, s), 'KERN_INVALID_NAME');
    expectKr(() => a.mach_port_move_member(self, p, 0x5503), 'KERN_INVALID_NAME');
    expectKr(() => a.mach_port_insert_member(self, 0, s), 'KERN_INVALID_RIGHT');
    expectKr(() => a.mach_port_extract_member(self, p, C.MACH_PORT_DEAD), 'KERN_INVALID_RIGHT');
    const q = port(b);
    const sq = sendRightTo(b, q, a);
    expectKr(() => a.mach_port_move_member(self, sq, s), 'KERN_INVALID_RIGHT');
    expectKr(() => a.mach_port_get_set_status(self, p), 'KERN_INVALID_RIGHT');
  });

  it('a receive on a set names the member; seqno and context are the member’s (S51)', async () => {
    const { a } = world();
    const self = a.mach_task_self();
    const s = set(a);
    const p = portWithSend(a);
    const q = portWithSend(a);
    a.mach_port_move_member(self, p, s);
    a.mach_port_move_member(self, q, s);
    a.mach_port_set_seqno(self, q, 40);
    a.mach_port_set_context(self, q, 0x1234n);
    await send(a, msg(q, C.MACH_MSG_TYPE_COPY_SEND, { id: 9 }));
    const m = await recv(a, s, C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_CTX));
    expect(m.header.msgh_local_port).toBe(q);
    expect(m.trailer.seqno).toBe(40);
    expect(m.trailer.context).toBe(0x1234n);
  });

  it('receiving directly from a member is allowed and the set then has nothing (S52)', async () => {
    const { a } = world();
    const self = a.mach_task_self();
    const s = set(a);
    const p = portWithSend(a);
    a.mach_port_move_member(self, p, s);
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 12 }));
    expect((await recv(a, p)).header.msgh_id).toBe(12);
    await expectCode(recv(a, s), 'MACH_RCV_TIMED_OUT');
  });

  it('members are served round robin, each in FIFO order (S53)', async () => {
    const { a } = world();
    const self = a.mach_task_self();
    const s = set(a);
    const p = portWithSend(a);
    const q = portWithSend(a);
    a.mach_port_move_member(self, p, s);
    a.mach_port_move_member(self, q, s);
    for (const [d, id] of [[p, 1], [p, 2], [q, 3], [q, 4]] as const) await send(a, msg(d, C.MACH_MSG_TYPE_COPY_SEND, { id }));
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push((await recv(a, s)).header.msgh_id);
    expect(ids).toEqual([1, 3, 2, 4]);
  });

  it('destroying a set wakes its receivers with MACH_RCV_PORT_CHANGED; members survive (S54)', async () => {
    const { a } = world();
    const self = a.mach_task_self();
    const s = set(a);
    const p = portWithSend(a);
    a.mach_port_move_member(self, p, s);
    const pending = a.mach_msg(undefined, C.MACH_RCV_MSG, s);
    a.mach_port_mod_refs(self, s, C.MACH_PORT_RIGHT_PORT_SET, -1);
    await expectCode(pending, 'MACH_RCV_PORT_CHANGED');
    expect(gone(a, s)).toBe(true);
    expect(status(a, p).mps_pset).toBe(0);
  });

  it('a port destroyed or moved away leaves its sets; its own receivers get PORT_CHANGED (S55)', async () => {
    const { a, b, k } = world();
    const self = a.mach_task_self();
    const s = set(a);
    const p = port(a);
    a.mach_port_move_member(self, p, s);
    const onPort = a.mach_msg(undefined, C.MACH_RCV_MSG, p);
    const dest = port(b);
    const sd = sendRightTo(b, dest, a);
    await send(a, msg(sd, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 0, name: p, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }] }));
    await expectCode(onPort, 'MACH_RCV_PORT_CHANGED');
    expect(a.mach_port_get_set_status(self, s)).toEqual([]);
    k.checkInvariants();
  });

  it('adding a port with messages to a set hands them to a waiting receiver (S56)', async () => {
    const { a } = world();
    const self = a.mach_task_self();
    const s = set(a);
    const p = portWithSend(a);
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 21 }));
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 22 }));
    const pending = a.mach_msg(undefined, C.MACH_RCV_MSG, s);
    a.mach_port_move_member(self, p, s);
    expect((await pending)!.header.msgh_id).toBe(21);
    expect(status(a, p).mps_msgcount).toBe(1);
  });

  it('a blocked receive on a set wakes for any member', async () => {
    const { a, b } = world();
    const self = a.mach_task_self();
    const s = set(a);
    const p = port(a);
    const q = port(a);
    a.mach_port_insert_member(self, p, s);
    a.mach_port_insert_member(self, q, s);
    const pending = a.mach_msg(undefined, C.MACH_RCV_MSG, s);
    const sq = sendRightTo(a, q, b);
    await send(b, msg(sq, C.MACH_MSG_TYPE_COPY_SEND, { id: 31 }));
    const m = (await pending)!;
    expect(m.header.msgh_id).toBe(31);
    expect(m.header.msgh_local_port).toBe(q);
  });
});
