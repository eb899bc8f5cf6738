/**
 * Fault injection: port sets and ports changing under a pending receive. XNU
 * (reference shared/reference/xnu-semantics.md): S54 — a set destroyed while a
 * thread receives on it: MACH_RCV_PORT_CHANGED, members survive with their messages and
 * leave the set; S55 — a member destroyed or its receive right sent away leaves every
 * set, a thread blocked on the member itself gets MACH_RCV_PORT_CHANGED; S47–S49 —
 * move/insert/extract member; S56 — a port with messages joining a set with a waiting
 * receiver hands it the first message at once.
 */
import { describe, expect, it } from 'vitest';
import type { EmulatedTask } from '../../lib/emulator/index.js';
import { C, drain, expectCode, expectPending, give, kernelWith, message, receive, receiveRight, self, send, teardown } from './helpers.js';

function portSet(t: EmulatedTask, ...members: number[]): number {
  const s = t.mach_port_allocate(self(t), C.MACH_PORT_RIGHT_PORT_SET);
  for (const m of members) t.mach_port_insert_member(self(t), m, s);
  return s;
}

describe('a port set destroyed under a pending receive (S54)', () => {
  for (const [how, destroy] of [
    ['mach_port_destroy', (t: EmulatedTask, s: number) => t.mach_port_destroy(self(t), s)],
    ['mach_port_deallocate', (t: EmulatedTask, s: number) => t.mach_port_deallocate(self(t), s)],
    ['mach_port_mod_refs(PORT_SET, -1)', (t: EmulatedTask, s: number) => t.mach_port_mod_refs(self(t), s, C.MACH_PORT_RIGHT_PORT_SET, -1)],
  ] as const) {
    it(`by ${how}: every receiver gets MACH_RCV_PORT_CHANGED; members keep their messages`, async () => {
      const { k, baseline, a, b } = kernelWith('a', 'b');
      const p = receiveRight(a);
      const q = receiveRight(a);
      const s = portSet(a, p, q);
      const r1 = receive(a, s);
      const r2 = receive(a, s);
      await expectPending(r1);
      await expectPending(r2);
      destroy(a, s);
      await expectCode(r1, 'MACH_RCV_PORT_CHANGED');
      await expectCode(r2, 'MACH_RCV_PORT_CHANGED');
      k.checkInvariants();
      expect(a.mach_port_type(self(a), p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      const bp = give(a, p, b);
      await send(b, message(bp, C.MACH_MSG_TYPE_COPY_SEND, { id: 1 }));
      expect((await drain(a, p)).map((m) => m.header.msgh_id)).toEqual([1]);
      await expectCode(receive(a, s), 'MACH_RCV_INVALID_NAME');
      teardown(k, baseline);
    });
  }

  it('a set receive woken by a message in the same turn as the set dies gets the message or PORT_CHANGED, never both, never lost', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(a);
    const s = portSet(a, p);
    const r = receive(a, s);
    await expectPending(r);
    const bp = give(a, p, b);
    void send(b, message(bp, C.MACH_MSG_TYPE_COPY_SEND, { id: 5 }));
    a.mach_port_destroy(self(a), s);
    const got = await r;
    expect(got.header.msgh_id).toBe(5);
    expect(await drain(a, p)).toHaveLength(0);
    teardown(k, baseline);
  });
});

describe('a member removed or moved under a pending set receive (S47–S49, S55)', () => {
  it('extract_member: the set receiver keeps waiting; the removed port’s messages stay on it', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(a);
    const q = receiveRight(a);
    const s = portSet(a, p, q);
    const r = receive(a, s);
    await expectPending(r);
    a.mach_port_extract_member(self(a), p, s);
    await expectPending(r);
    const bp = give(a, p, b);
    const bq = give(a, q, b);
    await send(b, message(bp, C.MACH_MSG_TYPE_COPY_SEND, { id: 1 }));
    await expectPending(r);
    await send(b, message(bq, C.MACH_MSG_TYPE_COPY_SEND, { id: 2 }));
    expect((await r).header.msgh_id).toBe(2);
    expect((await drain(a, p)).map((m) => m.header.msgh_id)).toEqual([1]);
    teardown(k, baseline);
  });

  it('move_member to another set: the first set’s receiver keeps waiting, the other set’s receiver gets the message', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(a);
    const s1 = portSet(a, p);
    const s2 = portSet(a);
    const r1 = receive(a, s1);
    const r2 = receive(a, s2);
    a.mach_port_move_member(self(a), p, s2);
    expect(a.mach_port_get_set_status(self(a), s1)).toEqual([]);
    await send(b, message(give(a, p, b), C.MACH_MSG_TYPE_COPY_SEND, { id: 3 }));
    expect((await r2).header.msgh_id).toBe(3);
    await expectPending(r1);
    a.mach_port_destroy(self(a), s1);
    await expectCode(r1, 'MACH_RCV_PORT_CHANGED');
    teardown(k, baseline);
  });

  it('move_member to MACH_PORT_NULL removes the port from every set', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(a);
    const s1 = portSet(a, p);
    const s2 = portSet(a, p);
    const r1 = receive(a, s1);
    const r2 = receive(a, s2);
    a.mach_port_move_member(self(a), p, C.MACH_PORT_NULL);
    await send(b, message(give(a, p, b), C.MACH_MSG_TYPE_COPY_SEND, { id: 4 }));
    await expectPending(r1);
    await expectPending(r2);
    expect((await drain(a, p)).map((m) => m.header.msgh_id)).toEqual([4]);
    a.terminate();
    await expectCode(r1, 'KERN_TERMINATED');
    await expectCode(r2, 'KERN_TERMINATED');
    teardown(k, baseline);
  });

  it('a member destroyed: it leaves the set, the set receiver keeps waiting and still gets the other members’ messages', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(a);
    const q = receiveRight(a);
    const s = portSet(a, p, q);
    const bq = give(a, q, b);
    const r = receive(a, s);
    a.mach_port_mod_refs(self(a), p, C.MACH_PORT_RIGHT_RECEIVE, -1);
    await expectPending(r);
    expect(a.mach_port_get_set_status(self(a), s)).toEqual([q]);
    await send(b, message(bq, C.MACH_MSG_TYPE_COPY_SEND, { id: 6 }));
    expect((await r).header.msgh_id).toBe(6);
    teardown(k, baseline);
  });

  it('a member’s receive right sent away: it leaves the set; the set receiver keeps waiting; the new owner gets its messages (S73)', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(a);
    const s = portSet(a, p);
    const ap = give(a, p, b); // b can send to p
    const dst = receiveRight(b);
    const ad = give(b, dst, a);
    const r = receive(a, s);
    await send(a, message(ad, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 0, name: p, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }] }));
    expect(a.mach_port_get_set_status(self(a), s)).toEqual([]);
    await send(b, message(ap, C.MACH_MSG_TYPE_COPY_SEND, { id: 8 }));
    await expectPending(r);
    const [carrier] = await drain(b, dst);
    const moved = (carrier!.descriptors[0] as { name: number }).name;
    // b already held a send right to p: the receive right joins that name (S77).
    expect(moved).toBe(ap);
    expect((await drain(b, moved)).map((m) => m.header.msgh_id)).toEqual([8]);
    a.mach_port_destroy(self(a), s);
    await expectCode(r, 'MACH_RCV_PORT_CHANGED');
    teardown(k, baseline);
  });

  it('a receive blocked on the member itself gets MACH_RCV_PORT_CHANGED when the member dies or moves (S55)', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(a);
    const q = receiveRight(a);
    portSet(a, p, q);
    const onP = receive(a, p);
    const onQ = receive(a, q);
    a.mach_port_destroy(self(a), p);
    await expectCode(onP, 'MACH_RCV_PORT_CHANGED');
    const dst = receiveRight(b);
    await send(a, message(give(b, dst, a), C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 0, name: q, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }] }));
    await expectCode(onQ, 'MACH_RCV_PORT_CHANGED');
    teardown(k, baseline);
  });

  it('a port with messages joining a set with waiting receivers hands them out at once (S56)', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(a);
    const bp = give(a, p, b);
    await send(b, message(bp, C.MACH_MSG_TYPE_COPY_SEND, { id: 1 }));
    await send(b, message(bp, C.MACH_MSG_TYPE_COPY_SEND, { id: 2 }));
    const s = portSet(a);
    const r1 = receive(a, s);
    const r2 = receive(a, s);
    const r3 = receive(a, s);
    a.mach_port_insert_member(self(a), p, s);
    expect((await r1).header.msgh_id).toBe(1);
    expect((await r2).header.msgh_id).toBe(2);
    await expectPending(r3);
    a.mach_port_destroy(self(a), s);
    await expectCode(r3, 'MACH_RCV_PORT_CHANGED');
    teardown(k, baseline);
  });

  it('a port in two sets with a receiver on each: one message goes to exactly one of them', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(a);
    const s1 = portSet(a, p);
    const s2 = portSet(a, p);
    const r1 = receive(a, s1);
    const r2 = receive(a, s2);
    await send(b, message(give(a, p, b), C.MACH_MSG_TYPE_COPY_SEND, { id: 9 }));
    const settled = await Promise.race([r1.then(() => 1), r2.then(() => 2), new Promise((r) => setImmediate(() => r(0)))]);
    expect(settled).not.toBe(0);
    await expectPending(settled === 1 ? r2 : r1);
    a.terminate();
    await expectCode(settled === 1 ? r2 : r1, 'KERN_TERMINATED');
    teardown(k, baseline);
  });
});
