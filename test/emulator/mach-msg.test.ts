/**
 * mach_msg: queue limits and blocking (S57–S60), receive errors and too-large messages
 * (S61–S64), send-time validation in XNU's order (S65–S71), headers and rights as received
 * (S72–S78), ordering (S91), trailers, out-of-line data, abort signals.
 */
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../lib/emulator/index.js';
import type { MachMessage } from '../../lib/types.js';
import { C, expectCode, expectEmpty, expectGuard, gone, msg, port, portOf, portWithSend, recv, refs, send, sendOnceTo, sendRightTo, status, typeOf, word, world } from './helpers.js';

const TIMEOUT = C.MACH_SEND_TIMEOUT;

/** A MAKE_SEND port descriptor for `name` whose name getter aborts `ac` with `reason` when the send reads it. */
function abortingDescriptor(name: number, ac: AbortController, reason: Error): object {
  return {
    type: C.MACH_MSG_PORT_DESCRIPTOR,
    disposition: C.MACH_MSG_TYPE_MAKE_SEND,
    get name(): number {
      ac.abort(reason);
      return name;
    },
  };
}

describe('queue limit and blocking', () => {
  it('five messages fit; the sixth times out and is pseudo-received (S57, §2.6)', async () => {
    const { a, k } = world();
    const p = portWithSend(a);
    for (let i = 0; i < 5; i++) await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: i }));
    const sixth = msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 6 });
    const err = await expectCode(send(a, sixth, TIMEOUT, 0), 'MACH_SEND_TIMED_OUT');
    expect(err.details.message).toBe(sixth);
    expect(sixth.header.msgh_bits).toBe(C.MACH_MSG_TYPE_PORT_SEND);
    expect(sixth.header.msgh_remote_port).toBe(p);
    expect(refs(a, p, C.MACH_PORT_RIGHT_SEND)).toBe(2);
    expect(status(a, p).mps_msgcount).toBe(5);
    k.checkInvariants();
  });

  it('a pseudo-received MAKE_SEND_ONCE reply comes back under a fresh name (§2.6)', async () => {
    const { a, k } = world();
    const p = portWithSend(a);
    a.mach_port_set_attributes(a.mach_task_self(), p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 0 });
    const r = port(a);
    const m = msg(p, C.MACH_MSG_TYPE_MOVE_SEND, { reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE });
    await expectCode(send(a, m, TIMEOUT, 0), 'MACH_SEND_TIMED_OUT');
    expect(m.header.msgh_bits).toBe(C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_PORT_SEND, C.MACH_MSG_TYPE_PORT_SEND_ONCE));
    expect(m.header.msgh_remote_port).toBe(p);
    expect(typeOf(a, m.header.msgh_local_port!)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
    expect(typeOf(a, p)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
    k.checkInvariants();
  });

  it('a pseudo-receive hands descriptor rights back and rewrites the descriptors (§2.6)', async () => {
    const { a, k } = world();
    const self = a.mach_task_self();
    const p = portWithSend(a);
    a.mach_port_set_attributes(self, p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 0 });
    const q = port(a);
    const m = msg(p, C.MACH_MSG_TYPE_COPY_SEND, {
      id: 9,
      descriptors: [
        { type: 0, name: q, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE },
        { type: 0, name: p, disposition: C.MACH_MSG_TYPE_MAKE_SEND },
        { type: 1, data: Uint8Array.of(1, 2, 3, 4), copy: C.MACH_MSG_PHYSICAL_COPY },
      ],
    });
    await expectCode(send(a, m, TIMEOUT, 0), 'MACH_SEND_TIMED_OUT');
    const [d0, d1, d2] = m.descriptors as Array<{ name: number; disposition: number; deallocate?: boolean; data?: Uint8Array }>;
    expect(d0!.disposition).toBe(C.MACH_MSG_TYPE_PORT_RECEIVE);
    expect(typeOf(a, d0!.name)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    expect(gone(a, q) || d0!.name === q).toBe(true);
    expect(d1).toMatchObject({ name: p, disposition: C.MACH_MSG_TYPE_PORT_SEND });
    expect(refs(a, p, C.MACH_PORT_RIGHT_SEND)).toBe(3);
    expect(d2!.deallocate).toBe(false);
    expect(m.header.msgh_size).toBe(24 + 4 + 12 + 12 + 16);
    k.checkInvariants();
  });

  it('a blocked sender completes when the receiver drains (S58)', async () => {
    const { a, b } = world();
    const p = port(a);
    const s = sendRightTo(a, p, b);
    for (let i = 0; i < 5; i++) await send(b, msg(s, C.MACH_MSG_TYPE_COPY_SEND, { id: i }));
    let done = false;
    const blocked = send(b, msg(s, C.MACH_MSG_TYPE_COPY_SEND, { id: 77 })).then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    expect(b.pendingSends.size).toBe(1);
    await recv(a, p);
    await blocked;
    expect(status(a, p).mps_msgcount).toBe(5);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await recv(a, p)).header.msgh_id);
    expect(ids).toEqual([1, 2, 3, 4, 77]);
  });

  it('a blocked sender with MACH_SEND_TIMEOUT gives up with MACH_SEND_TIMED_OUT', async () => {
    const { a, k } = world();
    const p = portWithSend(a);
    for (let i = 0; i < 5; i++) await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND));
    const m = msg(p, C.MACH_MSG_TYPE_COPY_SEND);
    await expectCode(send(a, m, TIMEOUT, 5), 'MACH_SEND_TIMED_OUT');
    expect(refs(a, p, C.MACH_PORT_RIGHT_SEND)).toBe(2);
    k.checkInvariants();
  });

  it('raising the queue limit lets blocked senders through; limits are 0..1024 (S59)', async () => {
    const { a } = world();
    const self = a.mach_task_self();
    const p = portWithSend(a);
    for (let i = 0; i < 5; i++) await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND));
    const blocked = send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND));
    a.mach_port_set_attributes(self, p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 1024 });
    await blocked;
    expect(status(a, p)).toMatchObject({ mps_msgcount: 6, mps_qlimit: 1024 });
    expectCode(() => a.mach_port_set_attributes(self, p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 1025 }), 'KERN_INVALID_VALUE');
    expectCode(() => a.mach_port_set_attributes(self, p, C.MACH_PORT_LIMITS_INFO, []), 'KERN_FAILURE');
    expect(a.mach_port_get_attributes(self, p, C.MACH_PORT_LIMITS_INFO)).toEqual({ mpl_qlimit: 1024 });
    expect(a.mach_port_get_attributes(self, 0, C.MACH_PORT_LIMITS_INFO)).toEqual([]);
    expectCode(() => a.mach_port_get_attributes(self, p, C.MACH_PORT_LIMITS_INFO, 0), 'KERN_FAILURE');
  });

  it('a user option 0x10000 (MACH_SEND_FILTER_NONFATAL) does not bypass the queue limit', async () => {
    const { a } = world();
    const p = portWithSend(a);
    for (let i = 0; i < 5; i++) await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND));
    await expectCode(send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND), TIMEOUT | C.MACH_SEND_FILTER_NONFATAL, 0), 'MACH_SEND_TIMED_OUT');
  });

  it('send-once destinations ignore the queue limit (S43)', async () => {
    const { a } = world();
    const p = portWithSend(a);
    for (let i = 0; i < 5; i++) await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND));
    await expectCode(send(a, msg(p, C.MACH_MSG_TYPE_MAKE_SEND), TIMEOUT, 0), 'MACH_SEND_TIMED_OUT');
    await send(a, msg(p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), TIMEOUT, 0);
    const o = a.mach_port_extract_right(a.mach_task_self(), p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE).poly;
    await send(a, msg(o, C.MACH_MSG_TYPE_MOVE_SEND_ONCE), TIMEOUT, 0);
    expect(status(a, p).mps_msgcount).toBe(7);
  });

  it('the port dying under a blocked sender: the send succeeds, the message is destroyed (S40)', async () => {
    const { a, b, k } = world();
    const p = port(a);
    const s = sendRightTo(a, p, b);
    for (let i = 0; i < 5; i++) await send(b, msg(s, C.MACH_MSG_TYPE_COPY_SEND));
    const blocked = send(b, msg(s, C.MACH_MSG_TYPE_COPY_SEND));
    a.mach_port_destroy(a.mach_task_self(), p);
    await expect(blocked).resolves.toBeUndefined();
    k.checkInvariants();
  });

  it('an abort signal ends a blocked send with its reason and gives the rights back', async () => {
    const { a, k } = world();
    const p = portWithSend(a);
    for (let i = 0; i < 5; i++) await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND));
    const ac = new AbortController();
    const m = msg(p, C.MACH_MSG_TYPE_MOVE_SEND);
    const blocked = a.mach_msg(m, C.MACH_SEND_MSG, 0, 0, undefined, { signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(blocked).rejects.toThrow('stop');
    expect(typeOf(a, p)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
    expect(a.pendingSends.size).toBe(0);
    expect(portOf(a, p).sendWaiters?.length ?? 0).toBe(0);
    k.checkInvariants();
  });
});

describe('receiving', () => {
  it('timeouts: 0 polls, t waits (S60); SEND|RCV sends then times out', async () => {
    const { a } = world();
    const p = portWithSend(a);
    await expectCode(recv(a, p), 'MACH_RCV_TIMED_OUT');
    await expectCode(a.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, p, 5), 'MACH_RCV_TIMED_OUT');
    const q = port(a);
    await expectCode(a.mach_msg(msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 60 }), C.MACH_SEND_MSG | C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, q, 0), 'MACH_RCV_TIMED_OUT');
    expect((await recv(a, p)).header.msgh_id).toBe(60);
  });

  it('bad receive names (S61)', async () => {
    const { a, b } = world();
    const self = a.mach_task_self();
    const p = port(a);
    const d = a.mach_port_allocate(self, C.MACH_PORT_RIGHT_DEAD_NAME);
    const s = sendRightTo(b, port(b), a);
    const o = a.mach_port_extract_right(self, p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE).poly;
    for (const n of [0, 0x5503, d, s, o]) await expectCode(recv(a, n), 'MACH_RCV_INVALID_NAME');
  });

  it('a pending receive is handed the message; an abort removes it', async () => {
    const { a, b } = world();
    const p = port(a);
    const s = sendRightTo(a, p, b);
    const pending = a.mach_msg(undefined, C.MACH_RCV_MSG, p);
    await send(b, msg(s, C.MACH_MSG_TYPE_COPY_SEND, { id: 5 }));
    expect((await pending)!.header.msgh_id).toBe(5);
    const ac = new AbortController();
    const r2 = a.mach_msg(undefined, C.MACH_RCV_MSG, p, 0, undefined, { signal: ac.signal });
    ac.abort('gone');
    await expect(r2).rejects.toBe('gone');
    expect(a.pendingReceives.size).toBe(0);
    await send(b, msg(s, C.MACH_MSG_TYPE_COPY_SEND, { id: 6 }));
    expect(status(a, p).mps_msgcount).toBe(1);
  });

  it('too large without MACH_RCV_LARGE: dequeued, destroyed, 24-byte stub, reply notified (S62, S45)', async () => {
    const { a, k } = world();
    const p = portWithSend(a);
    const r = port(a);
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 1, body: new Uint8Array(76), reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE }));
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 2 }));
    const err = await expectCode(recv(a, p, 0, 64), 'MACH_RCV_TOO_LARGE');
    const stub = err.details.message as { header: { msgh_size: number; msgh_id: number; msgh_local_port: number; msgh_remote_port: number } };
    expect(stub.header).toMatchObject({ msgh_size: 24, msgh_id: 1, msgh_local_port: p, msgh_remote_port: 0 });
    const next = await recv(a, p, C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_SEQNO));
    expect(next.header.msgh_id).toBe(2);
    expect(next.trailer.seqno).toBe(1);
    expect((await recv(a, r)).header.msgh_id).toBe(C.MACH_NOTIFY_SEND_ONCE);
    k.checkInvariants();
  });

  it('too large with MACH_RCV_LARGE: stays queued, size reported, seqno kept (S63); identity names the member', async () => {
    const { a } = world();
    const self = a.mach_task_self();
    const p = portWithSend(a);
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 1, body: new Uint8Array(76) }));
    const err = await expectCode(recv(a, p, C.MACH_RCV_LARGE, 64), 'MACH_RCV_TOO_LARGE');
    expect(err.details.size).toBe(100);
    const s = a.mach_port_allocate(self, C.MACH_PORT_RIGHT_PORT_SET);
    a.mach_port_move_member(self, p, s);
    const err2 = await expectCode(recv(a, s, C.MACH_RCV_LARGE | C.MACH_RCV_LARGE_IDENTITY, 64), 'MACH_RCV_TOO_LARGE');
    expect(err2.details.localPort).toBe(p);
    await expectCode(recv(a, p, C.MACH_RCV_LARGE | C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_SEQNO), 108), 'MACH_RCV_TOO_LARGE');
    const m = await recv(a, p, C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_SEQNO), 112);
    expect(m.size).toBe(100);
    expect(m.trailer.seqno).toBe(0);
  });

  it('the trailer needs room (S64)', async () => {
    const { a } = world();
    const p = portWithSend(a);
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND));
    await expectCode(recv(a, p, C.MACH_RCV_LARGE, 24), 'MACH_RCV_TOO_LARGE');
    expect((await recv(a, p, 0, 32)).trailer.msgh_trailer_size).toBe(8);
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND));
    await expectCode(recv(a, p, C.MACH_RCV_LARGE | C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AUDIT), 75), 'MACH_RCV_TOO_LARGE');
    expect((await recv(a, p, C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AUDIT), 76)).trailer.msgh_trailer_size).toBe(52);
  });

  it('a blocked receiver with a small buffer and MACH_RCV_LARGE is released with the size', async () => {
    const { a, b } = world();
    const p = port(a);
    const s = sendRightTo(a, p, b);
    const pending = a.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_LARGE, p, 0, 30);
    await send(b, msg(s, C.MACH_MSG_TYPE_COPY_SEND, { body: new Uint8Array(8) }));
    const err = await expectCode(pending, 'MACH_RCV_TOO_LARGE');
    expect(err.details.size).toBe(32);
    expect(status(a, p).mps_msgcount).toBe(1);
  });

  it('a full name table: a reply right that cannot be named is a header error, descriptors a body error', async () => {
    const k = new Kernel({ seed: 3, maxNames: 40 });
    const a = k.createTask({ name: 'full' });
    const b = k.createTask({ name: 'other' });
    const p = port(a);
    const ps = sendRightTo(a, p, b);
    const r = port(b);
    await send(b, msg(ps, C.MACH_MSG_TYPE_COPY_SEND, { reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE, id: 1 }));
    const q = port(b);
    await send(b, msg(ps, C.MACH_MSG_TYPE_COPY_SEND, { id: 2, descriptors: [{ type: 0, name: q, disposition: C.MACH_MSG_TYPE_MAKE_SEND }] }));
    try {
      for (;;) port(a);
    } catch {
      // the table is full now
    }
    const e1 = await expectCode(recv(a, p), 'MACH_RCV_HEADER_ERROR|MACH_MSG_IPC_SPACE');
    expect((e1.details.message as { header: { msgh_id: number; msgh_size: number } }).header).toMatchObject({ msgh_id: 1, msgh_size: 24 });
    expect((await recv(b, r)).header.msgh_id).toBe(C.MACH_NOTIFY_SEND_ONCE);
    const e2 = await expectCode(recv(a, p), 'MACH_RCV_BODY_ERROR|MACH_MSG_IPC_SPACE');
    const m2 = e2.details.message as { descriptors: Array<{ name: number }> };
    expect(m2.descriptors[0]!.name).toBe(0);
    expect(status(b, q).mps_srights).toBe(0);
    k.checkInvariants();
  });

  it('trailers carry seqno, sender, audit token and context as asked (§2.3)', async () => {
    const k = world().k;
    const a = k.createTask({ name: 'x', pid: 4242, uid: 77, gid: 88 });
    const p = portWithSend(a);
    a.mach_port_set_context(a.mach_task_self(), p, 0xabcdn);
    for (let i = 0; i < 3; i++) await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND));
    const t0 = (await recv(a, p)).trailer;
    expect(t0).toMatchObject({ msgh_trailer_type: 0, msgh_trailer_size: 8, seqno: 0 });
    const t1 = (await recv(a, p, C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_CTX))).trailer;
    expect(t1).toMatchObject({ msgh_trailer_size: 60, seqno: 1, sender: { uid: 77, gid: 88 }, context: 0xabcdn });
    expect(t1.audit).toMatchObject({ pid: 4242, euid: 77, egid: 88, ruid: 77, rgid: 88, auid: 77 });
    const t2 = (await recv(a, p, C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AV))).trailer;
    expect(t2.msgh_trailer_size).toBe(68);
  });

  it('FIFO across senders with seqno from 0 (S91); set_seqno (S92)', async () => {
    const { a, b } = world();
    const p = port(a);
    const sa = a.mach_port_extract_right(a.mach_task_self(), p, C.MACH_MSG_TYPE_MAKE_SEND).poly;
    const sb = sendRightTo(a, p, b);
    await send(a, msg(sa, C.MACH_MSG_TYPE_COPY_SEND, { id: 1 }));
    await send(b, msg(sb, C.MACH_MSG_TYPE_COPY_SEND, { id: 2 }));
    await send(a, msg(sa, C.MACH_MSG_TYPE_COPY_SEND, { id: 3 }));
    const got = [];
    for (let i = 0; i < 3; i++) {
      const m = await recv(a, p, C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_SEQNO));
      got.push([m.header.msgh_id, m.trailer.seqno]);
    }
    expect(got).toEqual([[1, 0], [2, 1], [3, 2]]);
    a.mach_port_set_seqno(a.mach_task_self(), p, 100);
    await send(a, msg(sa, C.MACH_MSG_TYPE_COPY_SEND));
    expect((await recv(a, p, C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_SEQNO))).trailer.seqno).toBe(100);
    expect(status(a, p).mps_seqno).toBe(101);
  });
});

describe('send-time validation (order: size → descriptor types → header → body)', () => {
  it('size errors (S65)', async () => {
    const { a } = world();
    const p = portWithSend(a);
    const m = msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { bits: C.MACH_MSGH_BITS_COMPLEX });
    delete m.descriptors;
    await expectCode(send(a, m), 'MACH_SEND_MSG_TOO_SMALL');
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [], id: 65 }));
    const r = await recv(a, p);
    expect(r.size).toBe(28);
    expect(status(a, p).mps_mscount).toBe(1);
  });

  it('an odd-length body is padded to a multiple of 4', async () => {
    const { a } = world();
    const p = portWithSend(a);
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { body: Uint8Array.of(1, 2, 3, 4, 5) }));
    const r = await recv(a, p);
    expect(r.size).toBe(32);
    expect([...r.body]).toEqual([1, 2, 3, 4, 5, 0, 0, 0]);
  });

  it('header disposition errors consume nothing (S66)', async () => {
    const { a } = world();
    const p = portWithSend(a);
    const send1 = (bits: number, local = 0): Promise<unknown> =>
      send(a, { header: { msgh_bits: bits, msgh_remote_port: p, msgh_local_port: local, msgh_id: 0 } });
    for (const d of [0, 15, 16, 22, 30]) await expectCode(send1(C.MACH_MSGH_BITS(d, 0)), 'MACH_SEND_INVALID_HEADER');
    await expectCode(send1(C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0), p), 'MACH_SEND_INVALID_HEADER');
    await expectCode(send1(C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MOVE_RECEIVE), p), 'MACH_SEND_INVALID_HEADER');
    await expectCode(send1(C.MACH_MSGH_BITS_SET(C.MACH_MSG_TYPE_COPY_SEND, 0, C.MACH_MSG_TYPE_MAKE_SEND, 0)), 'MACH_SEND_INVALID_VOUCHER');
    expect(refs(a, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
    expect(status(a, p).mps_mscount).toBe(1);
  });

  it('destination errors (S67)', async () => {
    const { a, b } = world();
    const self = a.mach_task_self();
    const p = port(a);
    const s = a.mach_port_allocate(self, C.MACH_PORT_RIGHT_PORT_SET);
    const sendOnly = sendRightTo(b, port(b), a);
    for (const [n, d] of [
      [0, C.MACH_MSG_TYPE_COPY_SEND],
      [C.MACH_PORT_DEAD, C.MACH_MSG_TYPE_COPY_SEND],
      [0x5503, C.MACH_MSG_TYPE_COPY_SEND],
      [s, C.MACH_MSG_TYPE_COPY_SEND],
      [p, C.MACH_MSG_TYPE_COPY_SEND],
      [p, C.MACH_MSG_TYPE_MOVE_SEND],
      [sendOnly, C.MACH_MSG_TYPE_MAKE_SEND],
      [sendOnly, C.MACH_MSG_TYPE_MOVE_SEND_ONCE],
    ] as const) {
      await expectCode(send(a, msg(n, d)), 'MACH_SEND_INVALID_DEST');
    }
    await expectCode(send(a, msg(p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE, { reply: p, replyDisp: C.MACH_MSG_TYPE_MOVE_SEND_ONCE })), 'MACH_SEND_INVALID_DEST');
    expect(status(a, p)).toMatchObject({ mps_mscount: 0, mps_sorights: 0 });
  });

  it('reply errors (S68): a converted dead name is refused, an uninspected dead right arrives as DEAD', async () => {
    const { a, b, k } = world();
    const self = a.mach_task_self();
    const p = portWithSend(a);
    const set = a.mach_port_allocate(self, C.MACH_PORT_RIGHT_PORT_SET);
    const rcvOnly = port(a);
    const q = port(b);
    const sendOnly = sendRightTo(b, q, a);
    const bad: Array<[number, number]> = [
      [0x5503, C.MACH_MSG_TYPE_COPY_SEND],
      [set, C.MACH_MSG_TYPE_MAKE_SEND],
      [rcvOnly, C.MACH_MSG_TYPE_COPY_SEND],
      [sendOnly, C.MACH_MSG_TYPE_MAKE_SEND],
      [sendOnly, C.MACH_MSG_TYPE_MAKE_SEND_ONCE],
    ];
    for (const [r, d] of bad) await expectCode(send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { reply: r, replyDisp: d })), 'MACH_SEND_INVALID_REPLY');
    const dead = a.mach_port_allocate(self, C.MACH_PORT_RIGHT_DEAD_NAME);
    await expectCode(send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { reply: dead, replyDisp: C.MACH_MSG_TYPE_COPY_SEND })), 'MACH_SEND_INVALID_REPLY');
    b.mach_port_destroy(b.mach_task_self(), q);
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { reply: sendOnly, replyDisp: C.MACH_MSG_TYPE_COPY_SEND, id: 68 }));
    const m = await recv(a, p);
    expect(m.header.msgh_remote_port).toBe(C.MACH_PORT_DEAD);
    expect(typeOf(a, sendOnly)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    k.checkInvariants();
  });

  it('descriptor type errors are found before the header is touched (S69)', async () => {
    const { a } = world();
    const p = port(a);
    for (const d of [
      { type: 5, name: 0, disposition: 0 },
      { type: 200, name: 0, disposition: 0 },
      { type: 1, data: new Uint8Array(4), copy: 2 },
      { type: 4, name: p, disposition: C.MACH_MSG_TYPE_MAKE_SEND, context: 0n, flags: 1 },
      { type: 4, name: p, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE, context: 0n, flags: 0 },
      { type: 4, name: p, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE, context: 5n, flags: C.MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND },
    ]) {
      await expectCode(send(a, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [d as never] })), 'MACH_SEND_INVALID_TYPE');
    }
    expect(status(a, p).mps_mscount).toBe(0);
  });

  it('a bad descriptor right consumes the header and earlier descriptors (S70)', async () => {
    const { a, b, k } = world();
    const p = port(a);
    const n = port(a);
    a.mach_port_request_notification(a.mach_task_self(), p, C.MACH_NOTIFY_NO_SENDERS, 1, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    const s = sendRightTo(a, p, b);
    const r = port(b);
    const z = port(b);
    const zs = sendRightTo(b, z, a);
    const w = port(b);
    const m = msg(s, C.MACH_MSG_TYPE_MOVE_SEND, {
      reply: r,
      replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE,
      descriptors: [
        { type: 0, name: z, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE },
        { type: 0, name: 0x5503, disposition: C.MACH_MSG_TYPE_MOVE_SEND },
        { type: 0, name: w, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE },
      ],
    });
    await expectCode(send(b, m), 'MACH_SEND_INVALID_RIGHT');
    expect(gone(b, s)).toBe(true);
    expect((await recv(a, n)).header.msgh_id).toBe(C.MACH_NOTIFY_NO_SENDERS);
    expect((await recv(b, r)).header.msgh_id).toBe(C.MACH_NOTIFY_SEND_ONCE);
    expect(typeOf(a, zs)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    expect(typeOf(b, w)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    await expectCode(send(a, msg(n, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [{ type: 0, name: n, disposition: 22 }] })), 'MACH_SEND_INVALID_RIGHT');
    await send(a, msg(n, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [{ type: 0, name: 0, disposition: 22 }] }));
    k.checkInvariants();
  });

  it('stray header bits are dropped (S71)', async () => {
    const { a } = world();
    const p = port(a);
    await send(a, msg(p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE, { bits: 0x20000000 }));
    const m = await recv(a, p);
    expect(m.header.msgh_bits).toBe(0x1200);
    expect(m.size).toBe(24);
  });
});

describe('messages as received', () => {
  it('a simple round trip: bits swapped, size, mscount and srights (S72, §2.5)', async () => {
    const { a } = world();
    const p = port(a);
    await send(a, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { id: 0x41414141, body: new Uint8Array(512) }));
    expect(status(a, p)).toMatchObject({ mps_mscount: 1, mps_srights: 1 });
    const m = await recv(a, p);
    expect(m.header).toMatchObject({ msgh_bits: 0x1100, msgh_remote_port: 0, msgh_local_port: p, msgh_id: 0x41414141, msgh_size: 536 });
    expect(status(a, p).mps_srights).toBe(0);
    const r = port(a);
    await send(a, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE }));
    const m2 = await recv(a, p);
    expect(m2.header.msgh_bits).toBe(0x1112);
    expect(typeOf(a, m2.header.msgh_remote_port)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
  });

  it('the voucher field round-trips when no voucher disposition is given (§2.1)', async () => {
    const { a } = world();
    const p = port(a);
    const m = msg(p, C.MACH_MSG_TYPE_MAKE_SEND);
    m.header.msgh_voucher_port = 0x1234;
    await send(a, m);
    expect((await recv(a, p)).header.msgh_voucher_port).toBe(0x1234);
  });

  it('moving a receive right: the name goes, the queue travels, no-senders stays armed (S73)', async () => {
    const { a, b, k } = world();
    const self = a.mach_task_self();
    const q = port(a);
    const qs = a.mach_port_extract_right(self, q, C.MACH_MSG_TYPE_MAKE_SEND).poly;
    await send(a, msg(qs, C.MACH_MSG_TYPE_COPY_SEND, { id: 73 }));
    a.mach_port_deallocate(self, qs);
    const n = port(a);
    a.mach_port_request_notification(self, q, C.MACH_NOTIFY_NO_SENDERS, 1, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    const dest = port(b);
    const ds = sendRightTo(b, dest, a);
    await send(a, msg(ds, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 0, name: q, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }] }));
    expect(gone(a, q)).toBe(true);
    const m = await recv(b, dest);
    const d = m.descriptors[0] as { name: number; disposition: number };
    expect(d.disposition).toBe(C.MACH_MSG_TYPE_PORT_RECEIVE);
    expect(status(b, d.name)).toMatchObject({ mps_msgcount: 1, mps_nsrequest: 1, mps_mscount: 0, mps_seqno: 0 });
    expect((await recv(b, d.name)).header.msgh_id).toBe(73);
    k.checkInvariants();
  });

  it('sending a receive right to itself destroys the port (S74)', async () => {
    const { a, b, k } = world();
    const p = port(a);
    const s = sendRightTo(a, p, b);
    await send(a, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [{ type: 0, name: p, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }] }));
    expect(gone(a, p)).toBe(true);
    expect(typeOf(b, s)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    k.checkInvariants();
  });

  it('a longer cycle is destroyed too (S75)', async () => {
    const { a, k } = world();
    const p = port(a);
    const q = port(a);
    const ps = a.mach_port_extract_right(a.mach_task_self(), p, C.MACH_MSG_TYPE_MAKE_SEND).poly;
    await send(a, msg(ps, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 0, name: q, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }] }));
    const qport = (() => {
      for (const port of k.ports) if (port.destination !== null) return port;
      return null;
    })();
    expect(qport).not.toBeNull();
    const qs = k.copyoutRight(a, qport!, C.MACH_MSG_TYPE_MAKE_SEND);
    await send(a, msg(qs, C.MACH_MSG_TYPE_MOVE_SEND, { descriptors: [{ type: 0, name: p, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }] }));
    expect(qport!.active).toBe(false);
    expect(typeOf(a, ps)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    k.checkInvariants();
  });

  it('rights that cannot move: an immovable receive right (S76)', async () => {
    const { a, k } = world();
    const self = a.mach_task_self();
    const imm = a.mach_port_construct(self, { flags: C.MPO_CONTEXT_AS_GUARD | C.MPO_IMMOVABLE_RECEIVE }, 0xafn);
    const dest = portWithSend(a);
    await expectGuard(send(a, msg(dest, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 0, name: imm, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }] })), 'kGUARD_EXC_IMMOVABLE', 'MACH_SEND_INVALID_RIGHT');
    expect(typeOf(a, imm)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    k.checkInvariants();
  });

  it('coalescing on receipt: a send right lands on the receive name; send-once gets a fresh name (S77)', async () => {
    const { a, b } = world();
    const q = port(b);
    const p = port(a);
    const ps = sendRightTo(a, p, b);
    await send(b, msg(ps, C.MACH_MSG_TYPE_COPY_SEND, {
      descriptors: [
        { type: 0, name: q, disposition: C.MACH_MSG_TYPE_MAKE_SEND },
        { type: 0, name: q, disposition: C.MACH_MSG_TYPE_MAKE_SEND_ONCE },
      ],
    }));
    const m = await recv(a, p);
    const [d1, d2] = m.descriptors as Array<{ name: number }>;
    expect(d1!.name).not.toBe(d2!.name);
    const back = msg(d1!.name, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 0, name: d1!.name, disposition: C.MACH_MSG_TYPE_COPY_SEND }] });
    await send(a, back);
    const got = await recv(b, q);
    expect((got.descriptors[0] as { name: number }).name).toBe(q);
    expect(typeOf(b, q)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
  });

  it('guarded port descriptors (S78)', async () => {
    const { a, b, k } = world();
    const self = a.mach_task_self();
    const g = a.mach_port_construct(self, { flags: C.MPO_CONTEXT_AS_GUARD }, 0xc0n);
    const dest = port(b);
    const ds = sendRightTo(b, dest, a);
    await expectGuard(send(a, msg(ds, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 4, name: g, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE, context: 0xc1n, flags: 1 }] })), 'kGUARD_EXC_INCORRECT_GUARD', 'MACH_SEND_INVALID_RIGHT');
    expect(typeOf(a, g)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    await send(a, msg(ds, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 4, name: g, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE, context: 0xc0n, flags: 1 }] }));
    const m = await recv(b, dest, C.MACH_RCV_GUARDED_DESC);
    const d = m.descriptors[0] as { name: number; context: bigint; flags: number };
    expect(d.flags).toBe(1);
    expect(d.context).toBe(b.receiveBufferAddress);
    expect(status(b, d.name).mps_flags & C.MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE).not.toBe(0);
    const g2 = a.mach_port_construct(self, { flags: C.MPO_CONTEXT_AS_GUARD }, 0xc2n);
    const g2s = sendRightTo(a, g2, b);
    await send(a, msg(ds, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 4, name: g2, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE, context: 0xc2n, flags: 1 }] }));
    const m2 = await recv(b, dest);
    expect((m2.descriptors[0] as { name: number }).name).toBe(0);
    expect(typeOf(b, g2s)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    k.checkInvariants();
  });

  it('out-of-line memory is copied at send time', async () => {
    const { a } = world();
    const p = portWithSend(a);
    const data = Uint8Array.of(1, 2, 3);
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 1, data }] }));
    data[0] = 9;
    const m = await recv(a, p);
    const d = m.descriptors[0] as { data: Uint8Array; deallocate: boolean; size: number };
    expect([...d.data]).toEqual([1, 2, 3]);
    expect(d.deallocate).toBe(true);
    expect(m.size).toBe(24 + 4 + 16);
    await expectCode(send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 1, data, size: 10 }] })), 'MACH_SEND_INVALID_MEMORY');
  });

  it('inline and out-of-line bytes are copied once at send time, also from a Buffer (whose slice() is a view) and for pooled regions', async () => {
    const { a } = world();
    const p = portWithSend(a);
    const sizes = [3, 64, 100, 4096, 4097];
    const regions = sizes.map((n) => Buffer.alloc(n, 0x11));
    const body = Buffer.alloc(64, 0x22);
    const partial = Buffer.alloc(200, 0x33);
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { body, descriptors: [...regions.map((data) => ({ type: 1 as const, data })), { type: 1 as const, data: partial, size: 150 }] }));
    for (const r of regions) r.fill(0x99);
    body.fill(0x99);
    partial.fill(0x99);
    const m = await recv(a, p);
    const got = m.descriptors.map((d) => (d as { data: Uint8Array }).data);
    expect(got.map((d) => d.byteLength)).toEqual([...sizes, 150]);
    for (const d of got.slice(0, sizes.length)) expect(d.every((x) => x === 0x11)).toBe(true);
    expect(got[sizes.length]!.every((x) => x === 0x33)).toBe(true);
    expect(m.body.every((x) => x === 0x22)).toBe(true);
    // Regions are separate memory: writing one leaves the others (and later copies) alone.
    got[2]!.fill(0x44);
    expect(got[3]!.every((x) => x === 0x11)).toBe(true);
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 1, data: got[2]! }] }));
    got[2]!.fill(0x55);
    const again = (await recv(a, p)).descriptors[0] as { data: Uint8Array };
    expect(again.data.every((x) => x === 0x44)).toBe(true);
  });

  it('a send made from a descriptor getter, while the outer message is being read, leaves the outer descriptors alone', async () => {
    const { a, k } = world();
    const p = portWithSend(a);
    const inner = portWithSend(a);
    const q = port(a);
    let ran = false;
    const lazy = {
      type: C.MACH_MSG_PORT_DESCRIPTOR,
      disposition: C.MACH_MSG_TYPE_MAKE_SEND,
      get name(): number {
        if (!ran) {
          ran = true;
          // A complex send of its own, with descriptors at the same indexes as the outer one.
          void send(a, msg(inner, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 1, data: new Uint8Array(100).fill(7) }] }));
        }
        return q;
      },
    };
    const outer = msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 0, name: q, disposition: C.MACH_MSG_TYPE_MAKE_SEND }, lazy as never] });
    await send(a, outer);
    expect(ran).toBe(true);
    const m = await recv(a, p);
    expect(m.descriptors.map((d) => d.type)).toEqual([0, 0]);
    expect(m.descriptors.map((d) => (d as { name: number }).name)).toEqual([q, q]);
    const i = await recv(a, inner);
    expect((i.descriptors[0] as { data: Uint8Array }).data.every((x) => x === 7)).toBe(true);
    k.checkInvariants();
  });

  it('a send whose signal a caller getter aborts while the message is read, and that then blocks on a full queue, is interrupted: its rights come back', async () => {
    const { a, k } = world();
    const p = portWithSend(a);
    a.mach_port_set_attributes(a.mach_task_self(), p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 1 });
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 1 }));
    const q = port(a);
    const ac = new AbortController();
    const reason = new Error('aborted by the getter');
    const lazy = abortingDescriptor(q, ac, reason);
    const blocked = a.mach_msg(msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 2, descriptors: [lazy as never] }), C.MACH_SEND_MSG, 0, 0, undefined, { signal: ac.signal });
    await expect(blocked).rejects.toBe(reason);
    // Pseudo-received: the MAKE_SEND right made at copy-in comes back to the sender.
    expect(refs(a, q, C.MACH_PORT_RIGHT_SEND)).toBe(1);
    expect(a.pendingSends.size).toBe(0);
    expect((await recv(a, p)).header.msgh_id).toBe(1);
    await expectEmpty(a, p);
    k.checkInvariants();
  });

  it('a SEND|RCV whose signal a getter of the request aborts does not wait forever for the reply', async () => {
    const { a, k } = world();
    const p = portWithSend(a);
    const reply = port(a);
    const q = port(a);
    const ac = new AbortController();
    const reason = new Error('aborted by the getter');
    const lazy = abortingDescriptor(q, ac, reason);
    const r = a.mach_msg(msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 3, descriptors: [lazy as never] }), C.MACH_SEND_MSG | C.MACH_RCV_MSG, reply, 0, undefined, { signal: ac.signal });
    await expect(r).rejects.toBe(reason);
    expect(a.pendingReceives.size).toBe(0);
    // The request itself was sent before the receive began.
    expect((await recv(a, p)).header.msgh_id).toBe(3);
    k.checkInvariants();
  });

  it('out-of-line port arrays carry several rights, dead names as MACH_PORT_DEAD', async () => {
    const { a, b, k } = world();
    const p = port(a);
    const ps = sendRightTo(a, p, b);
    const q1 = port(b);
    const q2 = port(b);
    await send(b, msg(ps, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 2, names: [q1, 0, q2, C.MACH_PORT_DEAD], disposition: C.MACH_MSG_TYPE_MAKE_SEND }] }));
    const m = await recv(a, p);
    const d = m.descriptors[0] as { names: number[]; disposition: number };
    expect(d.disposition).toBe(C.MACH_MSG_TYPE_PORT_SEND);
    expect(d.names[1]).toBe(0);
    expect(d.names[3]).toBe(C.MACH_PORT_DEAD);
    expect(typeOf(a, d.names[0]!)).toBe(C.MACH_PORT_TYPE_SEND);
    expect(status(b, q2).mps_srights).toBe(1);
    k.checkInvariants();
  });

  it('a sender’s later changes to the body do not affect the queued message', async () => {
    const { a } = world();
    const p = portWithSend(a);
    const body = Uint8Array.of(5, 6, 7, 8);
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { body }));
    body[0] = 0;
    expect((await recv(a, p)).body[0]).toBe(5);
  });

  it('queued messages die with their port, their rights destroyed (S41)', async () => {
    const { a, b, k } = world();
    const p = port(a);
    const ps = sendRightTo(a, p, b);
    const x = port(b);
    const xn = port(b);
    b.mach_port_request_notification(b.mach_task_self(), x, C.MACH_NOTIFY_NO_SENDERS, 1, xn, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    const y = port(b);
    const z = port(b);
    const zs = b.mach_port_extract_right(b.mach_task_self(), z, C.MACH_MSG_TYPE_MAKE_SEND).poly;
    await send(b, msg(ps, C.MACH_MSG_TYPE_COPY_SEND, {
      reply: y,
      replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE,
      descriptors: [
        { type: 0, name: x, disposition: C.MACH_MSG_TYPE_MAKE_SEND },
        { type: 0, name: z, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE },
        { type: 1, data: new Uint8Array(8) },
      ],
    }));
    a.mach_port_destroy(a.mach_task_self(), p);
    expect((await recv(b, xn)).header.msgh_id).toBe(C.MACH_NOTIFY_NO_SENDERS);
    expect((await recv(b, y)).header.msgh_id).toBe(C.MACH_NOTIFY_SEND_ONCE);
    expect(typeOf(b, zs)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    k.checkInvariants();
  });

  it('wrong JS shapes reject with TypeError', async () => {
    const { a } = world();
    await expect(a.mach_msg({} as MachMessage, C.MACH_SEND_MSG)).rejects.toBeInstanceOf(TypeError);
    await expect(a.mach_msg(undefined, C.MACH_SEND_MSG)).rejects.toBeInstanceOf(TypeError);
    const p = port(a);
    await expect(a.mach_msg({ header: { msgh_bits: 0, msgh_remote_port: p, msgh_id: 'x' as never } }, C.MACH_SEND_MSG)).rejects.toBeInstanceOf(TypeError);
    await expect(a.mach_msg(msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [{ type: 1, data: 'no' as never }] }), C.MACH_SEND_MSG)).rejects.toBeInstanceOf(TypeError);
    await expectEmpty(a, p);
  });

  it('receiving a send-once reply and replying through it', async () => {
    const { a, b } = world();
    const srv = port(b);
    const ss = sendRightTo(b, srv, a);
    const reply = port(a);
    const rpc = a.mach_msg(msg(ss, C.MACH_MSG_TYPE_COPY_SEND, { reply, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE, id: 500 }), C.MACH_SEND_MSG | C.MACH_RCV_MSG, reply);
    const req = await recv(b, srv);
    await send(b, msg(req.header.msgh_remote_port, C.MACH_MSG_TYPE_MOVE_SEND_ONCE, { id: 600 }));
    const r = (await rpc)!;
    expect(r.header).toMatchObject({ msgh_id: 600, msgh_bits: 0x1200, msgh_local_port: reply });
    expect(status(a, reply).mps_sorights).toBe(0);
    expect(sendOnceTo).toBeDefined();
    expect(word(new Uint8Array(4), 0)).toBe(0);
  });
});
