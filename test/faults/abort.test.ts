/**
 * Fault injection: an AbortSignal fired at every point a mach_msg can wait — before the
 * send, during a blocked send, during a receive (alone and in the RPC form), after
 * completion — and races between an abort and the event that would have completed the
 * call. The contract (lib/types.ts MachMsgControl): the promise rejects with the
 * signal's reason. What the kernel does is XNU's for an interrupted call (reference
 * shared/reference/xnu-semantics.md §2.6): a send aborted while blocked is
 * pseudo-received — every right comes back into the sender's space and `msg` is
 * rewritten — like MACH_SEND_INTERRUPTED; an aborted receive takes nothing off the
 * queue. Every case ends with the kernel's invariants, no abort listener left on the
 * signal, and no port of the scenario alive after teardown.
 */
import { describe, expect, it } from 'vitest';
import type { mach_port_status_t } from '../../lib/types.js';
import {
  C,
  drain,
  expectCode,
  expectNoListeners,
  expectPending,
  give,
  kernelWith,
  message,
  names,
  portOf,
  receive,
  receiveRight,
  rights,
  self,
  send,
  state,
  teardown,
  TestAbort,
  tick,
} from './helpers.js';

function msgcount(t: Parameters<typeof self>[0], name: number): number {
  return (t.mach_port_get_attributes(self(t), name, C.MACH_PORT_RECEIVE_STATUS) as mach_port_status_t).mps_msgcount;
}

describe('AbortSignal before the send', () => {
  it('an already-aborted signal rejects with its reason and consumes nothing', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(b);
    const sp = give(b, p, a);
    const r = receiveRight(a);
    const q = receiveRight(a);
    const before = names(a);
    const c = new AbortController();
    const reason = new TestAbort();
    c.abort(reason);
    const m = message(sp, C.MACH_MSG_TYPE_MOVE_SEND, { reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE, descriptors: [{ type: 0, name: q, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }] });
    await expect(send(a, m, 0, 0, { signal: c.signal })).rejects.toBe(reason);
    await expect(receive(a, r, { signal: c.signal })).rejects.toBe(reason);
    expect(names(a)).toEqual(before);
    expect(msgcount(b, p)).toBe(0);
    expectNoListeners(c.signal);
    teardown(k, baseline);
  });
});

describe('AbortSignal during a blocked send', () => {
  it('rejects with the reason and hands every right back (pseudo-receive, §2.6)', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(b, { qlimit: 1 });
    const sp = give(b, p, a);
    await send(a, message(sp, C.MACH_MSG_TYPE_COPY_SEND, { id: 1 }));
    const r = receiveRight(a);
    const q = receiveRight(a);
    const before = rights(a);
    const c = new AbortController();
    const reason = new TestAbort();
    const m = message(sp, C.MACH_MSG_TYPE_MOVE_SEND, {
      id: 2,
      reply: r,
      replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE,
      descriptors: [{ type: 0, name: q, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }],
    });
    const blocked = send(a, m, 0, 0, { signal: c.signal });
    await expectPending(blocked);
    // While blocked the rights are in the kernel: a's last send uref and q are gone from its space.
    expect(rights(a)).not.toEqual(before);
    c.abort(reason);
    await expect(blocked).rejects.toBe(reason);
    k.checkInvariants();
    expectNoListeners(c.signal);
    // msg now reads as received by the sender: PORT_* types, the sender's names.
    expect(C.MACH_MSGH_BITS_REMOTE(m.header.msgh_bits)).toBe(C.MACH_MSG_TYPE_PORT_SEND);
    expect(C.MACH_MSGH_BITS_LOCAL(m.header.msgh_bits)).toBe(C.MACH_MSG_TYPE_PORT_SEND_ONCE);
    // MOVE_SEND of the last uref comes back, possibly under another name (§2.6).
    expect(portOf(a, m.header.msgh_remote_port)).toBe(portOf(b, p));
    const so = m.header.msgh_local_port!;
    expect(a.mach_port_type(self(a), so)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
    expect(m.descriptors![0]).toMatchObject({ type: 0, disposition: C.MACH_MSG_TYPE_PORT_RECEIVE });
    expect(a.mach_port_type(self(a), (m.descriptors![0] as { name: number }).name)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    // The MAKE_SEND_ONCE left a send-once right; without it the space is as before.
    a.mach_port_deallocate(self(a), so);
    expect((await drain(a, r)).map((x) => x.header.msgh_id)).toEqual([C.MACH_NOTIFY_SEND_ONCE]);
    expect(rights(a)).toEqual(before);
    expect(msgcount(b, p)).toBe(1);
    teardown(k, baseline);
  });

  it('the port dies first: the send already succeeded (S40), a later abort changes nothing', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(b, { qlimit: 1 });
    const sp = give(b, p, a);
    await send(a, message(sp, C.MACH_MSG_TYPE_COPY_SEND));
    const c = new AbortController();
    const blocked = send(a, message(sp, C.MACH_MSG_TYPE_COPY_SEND), 0, 0, { signal: c.signal });
    await expectPending(blocked);
    b.mach_port_destroy(self(b), p);
    c.abort(new TestAbort());
    await expect(blocked).resolves.toBeUndefined();
    expectNoListeners(c.signal);
    teardown(k, baseline);
  });

  it('room appears and the abort fires in the same turn: the message is either delivered or handed back, never both', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(b, { qlimit: 1 });
    const sp = give(b, p, a);
    await send(a, message(sp, C.MACH_MSG_TYPE_COPY_SEND, { id: 1 }));
    const c = new AbortController();
    const blocked = send(a, message(sp, C.MACH_MSG_TYPE_COPY_SEND, { id: 2 }), 0, 0, { signal: c.signal });
    await expectPending(blocked);
    const first = receive(b, p); // frees the slot: the blocked message moves in
    c.abort(new TestAbort());
    expect((await first).header.msgh_id).toBe(1);
    await expect(blocked).resolves.toBeUndefined();
    expect((await drain(b, p)).map((m) => m.header.msgh_id)).toEqual([2]);
    expectNoListeners(c.signal);
    teardown(k, baseline);
  });

  it('one signal shared by several blocked sends settles all of them', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(b, { qlimit: 1 });
    const sp = give(b, p, a);
    await send(a, message(sp, C.MACH_MSG_TYPE_COPY_SEND));
    const c = new AbortController();
    const reason = new TestAbort();
    const sends = [1, 2, 3].map((id) => send(a, message(sp, C.MACH_MSG_TYPE_COPY_SEND, { id }), 0, 0, { signal: c.signal }));
    for (const s of sends) await expectPending(s);
    c.abort(reason);
    for (const s of sends) await expect(s).rejects.toBe(reason);
    expect(msgcount(b, p)).toBe(1);
    expectNoListeners(c.signal);
    teardown(k, baseline);
  });
});

describe('AbortSignal during a receive', () => {
  it('rejects with the reason; a message sent afterwards stays queued for the next receive', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(a);
    const c = new AbortController();
    const reason = new TestAbort();
    const r = receive(a, p, { signal: c.signal });
    await expectPending(r);
    c.abort(reason);
    await expect(r).rejects.toBe(reason);
    expectNoListeners(c.signal);
    await send(b, message(give(a, p, b), C.MACH_MSG_TYPE_COPY_SEND, { id: 4 }));
    expect((await drain(a, p)).map((m) => m.header.msgh_id)).toEqual([4]);
    teardown(k, baseline);
  });

  it('a message arrives and the abort fires in the same turn: the receive resolves with it, nothing is lost', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(a);
    const bp = give(a, p, b);
    const c = new AbortController();
    const r = receive(a, p, { signal: c.signal });
    await expectPending(r);
    void send(b, message(bp, C.MACH_MSG_TYPE_COPY_SEND, { id: 5 }));
    c.abort(new TestAbort());
    expect((await r).header.msgh_id).toBe(5);
    expect(await drain(a, p)).toHaveLength(0);
    expectNoListeners(c.signal);
    teardown(k, baseline);
  });

  it('on a port set: the abort leaves the set and its members untouched', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(a);
    const s = a.mach_port_allocate(self(a), C.MACH_PORT_RIGHT_PORT_SET);
    a.mach_port_insert_member(self(a), p, s);
    const c = new AbortController();
    const r = receive(a, s, { signal: c.signal });
    const other = receive(a, s);
    c.abort(new TestAbort());
    await expect(r).rejects.toBeInstanceOf(TestAbort);
    await send(b, message(give(a, p, b), C.MACH_MSG_TYPE_COPY_SEND, { id: 6 }));
    expect((await other).header.msgh_id).toBe(6);
    teardown(k, baseline);
  });

  it('in the RPC form: the request stays sent, the aborted receive takes nothing', async () => {
    const { k, baseline, client, server } = kernelWith('client', 'server');
    const svc = receiveRight(server);
    const reply = receiveRight(client);
    const c = new AbortController();
    const rpc = client.mach_msg(
      message(give(server, svc, client), C.MACH_MSG_TYPE_COPY_SEND, { reply, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE, id: 77 }),
      C.MACH_SEND_MSG | C.MACH_RCV_MSG,
      reply,
      0,
      undefined,
      { signal: c.signal },
    );
    await expectPending(rpc);
    c.abort(new TestAbort());
    await expect(rpc).rejects.toBeInstanceOf(TestAbort);
    const [req] = await drain(server, svc);
    expect(req!.header.msgh_id).toBe(77);
    // The server answers later: the reply waits on the client's port.
    await send(server, message(req!.header.msgh_remote_port, C.MACH_MSG_TYPE_MOVE_SEND_ONCE, { id: 177 }));
    expect((await drain(client, reply)).map((m) => m.header.msgh_id)).toEqual([177]);
    expectNoListeners(c.signal);
    teardown(k, baseline);
  });

  it('a receive with a timeout aborted first: the timer is cleared too', async () => {
    const { k, baseline, a } = kernelWith('a');
    const p = receiveRight(a);
    const c = new AbortController();
    // Let the emulator release its keep-alive timer from earlier blocked calls first
    // (lib/emulator/waiter.ts unrefs it one turn after the last blocked call ends).
    await tick();
    const timersBefore = process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length;
    const r = a.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, p, 60_000, undefined, { signal: c.signal });
    c.abort(new TestAbort());
    await expect(r).rejects.toBeInstanceOf(TestAbort);
    await tick();
    expect(process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length).toBe(timersBefore);
    teardown(k, baseline);
  });
});

describe('AbortSignal after completion', () => {
  it('changes nothing and leaves no listener behind', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(a);
    const bp = give(a, p, b);
    const c = new AbortController();
    await send(b, message(bp, C.MACH_MSG_TYPE_COPY_SEND, { id: 1 }), 0, 0, { signal: c.signal });
    const got = await receive(a, p, { signal: c.signal });
    expect(got.header.msgh_id).toBe(1);
    expectNoListeners(c.signal);
    c.abort(new TestAbort());
    await tick();
    k.checkInvariants();
    expect((await state(receive(a, p))).state).toBe('pending');
    teardown(k, baseline);
  });

  it('a receive that failed (port destroyed) removed its listener too', async () => {
    const { k, baseline, a } = kernelWith('a');
    const p = receiveRight(a);
    const c = new AbortController();
    const r = receive(a, p, { signal: c.signal });
    a.mach_port_destroy(self(a), p);
    await expectCode(r, 'MACH_RCV_PORT_CHANGED');
    expectNoListeners(c.signal);
    teardown(k, baseline);
  });

  it('a blocked send settled by the sender’s termination removed its listener', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(b, { qlimit: 1 });
    const sp = give(b, p, a);
    await send(a, message(sp, C.MACH_MSG_TYPE_COPY_SEND));
    const c = new AbortController();
    const blocked = send(a, message(sp, C.MACH_MSG_TYPE_COPY_SEND), 0, 0, { signal: c.signal });
    await expectPending(blocked);
    a.terminate();
    await expectCode(blocked, 'KERN_TERMINATED');
    expectNoListeners(c.signal);
    teardown(k, baseline);
  });
});
