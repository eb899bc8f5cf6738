// ReceiveRight.peek (mach_port_peek: a queued message seen without dequeuing it) and
// ReceiveRight.srights (mach_port_get_srights: the send rights in existence).
import { describe, expect, it } from 'vitest';
import {
  KERN_NOT_SUPPORTED,
  MACH_MSG_TRAILER_MINIMUM_SIZE,
  MACH_NOTIFY_SEND_ONCE,
  MACH_PORT_RIGHT_SEND,
} from '../../lib/constants.js';
import { MachError } from '../../lib/errors.js';
import { ReceiveRight } from '../../lib/rights/index.js';
import type { MachApi } from '../../lib/types.js';
import { checkInvariants, refs, sendRightFor, space, throwsWith, world } from './helpers.js';

/** What a peek must leave alone: the queue and the sequence number. */
function queueState(r: ReceiveRight): { seqno: number; msgcount: number } {
  const s = r.status();
  return { seqno: s.mps_seqno, msgcount: s.mps_msgcount };
}

describe('ReceiveRight.peek', () => {
  it('is undefined on an empty queue, and changes nothing', () => {
    const w = world();
    using r = ReceiveRight.allocate({ api: w.a });
    const before = queueState(r);
    expect(r.peek()).toBeUndefined();
    expect(r.peek({ seqno: 5 })).toBeUndefined();
    expect(queueState(r)).toEqual(before);
    checkInvariants(w.kernel);
  });

  it('reads the first message without dequeuing it; the receive then gets that message', async () => {
    const w = world();
    using r = ReceiveRight.allocate({ api: w.b });
    using client = sendRightFor(w.kernel, r, w.a);
    using token = ReceiveRight.allocate({ api: w.a });
    await client.send({ id: 7, body: 'abcd' });
    await client.send({ id: 8, body: 'efgh', ports: [token.makeSend()] });
    const before = queueState(r);
    expect(before.msgcount).toBe(2);
    const first = r.peek()!;
    expect(first).toMatchObject({ seqno: before.seqno, msg_id: 7, trailer_size: 52 });
    // The sender's audit token, and the size the kernel stores (msgh_trailer_size) unchanged.
    expect(first.trailer.audit.pid).toBe((w.a as unknown as { pid: number }).pid);
    expect(first.trailer.seqno).toBe(before.seqno);
    expect(first.trailer.msgh_trailer_size).toBe(MACH_MSG_TRAILER_MINIMUM_SIZE);
    expect(r.peek()).toEqual(first);
    expect(queueState(r)).toEqual(before);

    // By sequence number: the second message, then none past the end of the queue.
    const second = r.peek({ seqno: before.seqno + 1 })!;
    expect(second).toMatchObject({ seqno: before.seqno + 1, msg_id: 8 });
    expect(r.peek({ seqno: before.seqno + 2 })).toBeUndefined();
    expect(queueState(r)).toEqual(before);

    using m1 = await r.receive({ timeout: 0 });
    expect(m1.id).toBe(7);
    expect(m1.seqno).toBe(first.seqno);
    // The kernel's size: 8 more for its header.
    expect(first.msg_size).toBe(m1.size + 8);
    // The second message is now the first.
    expect(r.peek()).toEqual(second);
    using m2 = await r.receive({ timeout: 0 });
    expect(m2.id).toBe(8);
    expect(m2.seqno).toBe(second.seqno);
    // 8 for the header and 4 for the port descriptor (16 bytes in the kernel, 12 received).
    expect(second.msg_size).toBe(m2.size + 8 + 4);
    expect(r.peek()).toBeUndefined();
    checkInvariants(w.kernel);
  });

  it('reads a message the kernel sent (a send-once notification)', async () => {
    const w = world();
    using r = ReceiveRight.allocate({ api: w.a });
    r.makeSendOnceRight().close();
    const peeked = r.peek()!;
    expect(peeked.msg_id).toBe(MACH_NOTIFY_SEND_ONCE);
    expect(peeked.trailer.audit.pid).toBe(0);
    using note = await r.receive({ timeout: 0 });
    expect(note.seqno).toBe(peeked.seqno);
    expect(peeked.msg_size).toBe(note.size + 8);
  });

  it('asks for the trailer named: null, seqno, sender or audit (the default)', async () => {
    const w = world();
    using r = ReceiveRight.allocate({ api: w.a });
    using s = r.makeSendRight();
    await s.send({ id: 1 });
    const sizes = { null: 8, seqno: 12, sender: 20, audit: 52 } as const;
    for (const [trailer, size] of Object.entries(sizes)) {
      expect(r.peek({ trailer: trailer as keyof typeof sizes })!.trailer_size).toBe(size);
    }
    expect(r.peek()!.trailer_size).toBe(52);
  });

  it('refuses trailers past audit, other names and bad sequence numbers with a TypeError, before any call', async () => {
    const w = world();
    using r = ReceiveRight.allocate({ api: w.a });
    using s = r.makeSendRight();
    await s.send({ id: 1 });
    const before = queueState(r);
    for (const trailer of ['ctx', 'av', 'constructor', 'bogus', 3]) {
      expect(() => r.peek({ trailer: trailer as never })).toThrow(/ReceiveRight\.peek: trailer must be one of null, seqno, sender, audit/);
    }
    for (const seqno of [-1, 1.5, 2 ** 32, Number.NaN, '1']) {
      expect(() => r.peek({ seqno: seqno as never })).toThrow(/ReceiveRight\.peek: seqno must be an integer/);
    }
    expect(() => r.peek(null as never)).toThrow(/ReceiveRight\.peek: options must be an object/);
    expect(queueState(r)).toEqual(before);
    expect(r.peek({ seqno: 2 ** 32 - 1 })).toBeUndefined();
  });

  it('keeps other errors as MachError: a closed right, a name destroyed behind its back, an unsupported call', () => {
    const w = world();
    const r = ReceiveRight.allocate({ api: w.a });
    r.close();
    expect(throwsWith(() => r.peek(), 'KERN_INVALID_NAME').details).toMatchObject({ state: 'closed' });

    const gone = ReceiveRight.allocate({ api: w.a });
    w.a.mach_port_destroy(w.a.mach_task_self(), gone.name);
    throwsWith(() => gone.peek(), 'KERN_INVALID_NAME');
    gone.relinquish();

    // A backend without the call (an older native addon) reports KERN_NOT_SUPPORTED.
    const task = w.b;
    const older = new Proxy(task, {
      get(target, key) {
        if (key === 'mach_port_peek' || key === 'mach_port_get_srights') {
          return () => {
            throw new MachError(KERN_NOT_SUPPORTED, String(key));
          };
        }
        const v = Reflect.get(target, key, target) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as MachApi;
    using r2 = ReceiveRight.allocate({ api: older });
    throwsWith(() => r2.peek(), 'KERN_NOT_SUPPORTED');
    throwsWith(() => r2.srights, 'KERN_NOT_SUPPORTED');
    checkInvariants(w.kernel);
  });
});

describe('ReceiveRight.srights', () => {
  it('counts send rights in existence: once per task, whatever the user references, and those in flight', async () => {
    const w = world();
    using r = ReceiveRight.allocate({ api: w.b });
    expect(r.srights).toBe(0);
    const own = r.makeSendRight();
    expect(r.srights).toBe(1);
    const more = own.copy();
    expect(refs(w.b, own.name, MACH_PORT_RIGHT_SEND)).toBe(2);
    expect(r.srights).toBe(1);
    using theirs = sendRightFor(w.kernel, r, w.a);
    expect(r.srights).toBe(2);

    // A send right in a queued message counts until it is received.
    using other = ReceiveRight.allocate({ api: w.b });
    using toOther = other.makeSendRight();
    await toOther.send({ ports: [r.makeSend()] });
    expect(r.srights).toBe(3);
    expect(r.status().mps_srights).toBe(1);
    const names = space(w.b).length;
    using m = await other.receive({ timeout: 0 });
    // Received into b, where it joins the send right b already holds.
    expect(space(w.b)).toHaveLength(names);
    expect(r.srights).toBe(2);

    // b's entry holds three references (own, more, the message's): it counts until the last goes.
    expect(refs(w.b, own.name, MACH_PORT_RIGHT_SEND)).toBe(3);
    more.close();
    own.close();
    expect(r.srights).toBe(2);
    m.close();
    expect(r.srights).toBe(1);
    theirs.close();
    expect(r.srights).toBe(0);
    expect(r.status().mps_srights).toBe(0);
    checkInvariants(w.kernel);
  });

  it('throws KERN_INVALID_NAME once the right is closed', () => {
    const w = world();
    const r = ReceiveRight.allocate({ api: w.a });
    r.close();
    expect(throwsWith(() => r.srights, 'KERN_INVALID_NAME').details).toMatchObject({ state: 'closed' });
  });
});
