/**
 * Fault injection at the kernel's limits: a receiver whose name space is full, a queue
 * at the kernel's absolute limit, the most rights one message may carry, and a chain of
 * ten thousand receive rights each queued inside the next (destroying it must not
 * overflow the stack). XNU (reference shared/reference/xnu-semantics.md): §2.2/§2.7
 * (a right that cannot be copied out arrives as MACH_PORT_NULL with
 * MACH_RCV_BODY_ERROR|MACH_MSG_IPC_SPACE and is destroyed; a reply right that cannot →
 * MACH_RCV_HEADER_ERROR|MACH_MSG_IPC_SPACE, the message destroyed but its destination),
 * S43 (send-once messages ignore the queue limit up to the kernel's 65,534), §2.4 and
 * S65 (16,383 rights at most, checked before any right is touched), S41 (a dying port's
 * queued messages are destroyed, recursively — XNU drains them iteratively).
 */
import { describe, expect, it } from 'vitest';
import { MachError } from '../../lib/errors.js';
import { Kernel, type EmulatedTask } from '../../lib/emulator/index.js';
import { C, drain, expectCode, give, mach_port_type, message, poll, portOf, receiveRight, self, send, teardown } from './helpers.js';

function fill(t: EmulatedTask): number {
  let n = 0;
  for (;;) {
    try {
      t.mach_port_allocate(self(t), C.MACH_PORT_RIGHT_DEAD_NAME);
      n++;
    } catch (e) {
      if (e instanceof MachError && e.code === 'KERN_NO_SPACE') return n;
      throw e;
    }
  }
}

describe('a receiver whose name space is full', () => {
  it('rights in the body arrive as MACH_PORT_NULL with MACH_RCV_BODY_ERROR|MACH_MSG_IPC_SPACE and are destroyed', async () => {
    const k = new Kernel({ seed: 9, maxNames: 32 });
    const baseline = k.ports.size;
    const a = k.createTask({ name: 'a' });
    const b = k.createTask({ name: 'b' });
    const p = receiveRight(b);
    const bp = give(b, p, a);
    const q = receiveRight(a); // its receive right travels to b
    const watcher = receiveRight(a);
    const aq = give(a, q, a);
    const n = receiveRight(a);
    a.mach_port_request_notification(self(a), aq, C.MACH_NOTIFY_DEAD_NAME, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    await send(a, message(bp, C.MACH_MSG_TYPE_COPY_SEND, {
      id: 1,
      descriptors: [
        { type: 0, name: q, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE },
        { type: 2, names: [watcher, watcher], disposition: C.MACH_MSG_TYPE_MAKE_SEND },
      ],
    }));
    expect(fill(b)).toBeGreaterThan(0);
    let err: unknown;
    try {
      await poll(b, p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MachError);
    expect((err as MachError).kr).toBe((C.MACH_RCV_BODY_ERROR | C.MACH_MSG_IPC_SPACE) >>> 0);
    const got = (err as MachError).details.message as { descriptors: Array<{ name?: number; names?: number[] }> };
    expect(got.descriptors[0]!.name).toBe(C.MACH_PORT_NULL);
    expect(got.descriptors[1]!.names).toEqual([C.MACH_PORT_NULL, C.MACH_PORT_NULL]);
    k.checkInvariants();
    // q was destroyed with the message: a's send right is dead, its dead-name request fired.
    expect(mach_port_type(a, aq) & C.MACH_PORT_TYPE_DEAD_NAME).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    expect((await drain(a, n)).map((m) => m.header.msgh_id)).toEqual([C.MACH_NOTIFY_DEAD_NAME]);
    // The made send rights to watcher went too.
    expect(portOf(a, watcher).srights).toBe(0);
    teardown(k, baseline);
  });

  it('a reply right that cannot be copied out: MACH_RCV_HEADER_ERROR|MACH_MSG_IPC_SPACE, the send-once reply notifies', async () => {
    const k = new Kernel({ seed: 9, maxNames: 32 });
    const baseline = k.ports.size;
    const a = k.createTask({ name: 'a' });
    const b = k.createTask({ name: 'b' });
    const p = receiveRight(b);
    const bp = give(b, p, a);
    const r = receiveRight(a);
    await send(a, message(bp, C.MACH_MSG_TYPE_COPY_SEND, { id: 2, reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE }));
    fill(b);
    const err = await expectCode(poll(b, p), 'MACH_RCV_HEADER_ERROR|MACH_MSG_IPC_SPACE');
    expect((err.details.message as { header: { msgh_id: number } }).header.msgh_id).toBe(2);
    k.checkInvariants();
    expect((await drain(a, r)).map((m) => m.header.msgh_id)).toEqual([C.MACH_NOTIFY_SEND_ONCE]);
    teardown(k, baseline);
  });
});

describe('a queue at the kernel’s absolute limit', () => {
  it('65,534 send-once messages queue past the queue limit; the next is MACH_SEND_TIMED_OUT with a zero timeout, else MACH_SEND_NO_BUFFER, pseudo-received; destroying the port frees them all', async () => {
    const k = new Kernel({ seed: 9 });
    const baseline = k.ports.size;
    const a = k.createTask({ name: 'a' });
    const b = k.createTask({ name: 'b' });
    const p = receiveRight(b);
    const bp = give(b, p, a);
    const watcher = receiveRight(a, { send: true });
    for (let i = 0; i < C.MACH_PORT_QLIMIT_KERNEL; i++) {
      const so = give(b, p, a, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      await send(a, message(so, C.MACH_MSG_TYPE_MOVE_SEND_ONCE, { id: i, descriptors: [{ type: 0, name: watcher, disposition: C.MACH_MSG_TYPE_COPY_SEND }] }), C.MACH_SEND_TIMEOUT);
    }
    expect(portOf(b, p).msgcount).toBe(C.MACH_PORT_QLIMIT_KERNEL);
    const so = give(b, p, a, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    const m = message(so, C.MACH_MSG_TYPE_MOVE_SEND_ONCE, { id: -1 });
    // With a zero MACH_SEND_TIMEOUT the answer is MACH_SEND_TIMED_OUT (checked first);
    // without, a full kernel queue is MACH_SEND_NO_BUFFER (xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_send_locked).
    const m0 = message(give(b, p, a, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), C.MACH_MSG_TYPE_MOVE_SEND_ONCE, { id: -2 });
    await expectCode(send(a, m0, C.MACH_SEND_TIMEOUT), 'MACH_SEND_TIMED_OUT');
    a.mach_port_deallocate(self(a), m0.header.msgh_remote_port);
    await expectCode(send(a, m), 'MACH_SEND_NO_BUFFER');
    expect(C.MACH_MSGH_BITS_REMOTE(m.header.msgh_bits)).toBe(C.MACH_MSG_TYPE_PORT_SEND_ONCE);
    a.mach_port_deallocate(self(a), m.header.msgh_remote_port);
    await expectCode(send(a, message(bp, C.MACH_MSG_TYPE_COPY_SEND), C.MACH_SEND_TIMEOUT), 'MACH_SEND_TIMED_OUT');
    expect(portOf(a, watcher).srights).toBe(1 + C.MACH_PORT_QLIMIT_KERNEL);
    k.checkInvariants();
    b.mach_port_destroy(self(b), p);
    expect(portOf(a, watcher).srights).toBe(1);
    k.checkInvariants();
    teardown(k, baseline);
  }, 120_000);
});

describe('the most rights one message may carry', () => {
  it('16,383 rights pass; 16,384 are MACH_SEND_TOO_LARGE with nothing consumed', async () => {
    const k = new Kernel({ seed: 9 });
    const baseline = k.ports.size;
    const a = k.createTask({ name: 'a' });
    const b = k.createTask({ name: 'b' });
    const p = receiveRight(b);
    const bp = give(b, p, a);
    const w = receiveRight(a, { send: true });
    const before = a.mach_port_get_refs(self(a), w, C.MACH_PORT_RIGHT_SEND);
    const tooMany = message(bp, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 2, names: new Array<number>(16384).fill(w), disposition: C.MACH_MSG_TYPE_MOVE_SEND }] });
    await expectCode(send(a, tooMany), 'MACH_SEND_TOO_LARGE');
    expect(a.mach_port_get_refs(self(a), w, C.MACH_PORT_RIGHT_SEND)).toBe(before);
    await send(a, message(bp, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 2, names: new Array<number>(16383).fill(w), disposition: C.MACH_MSG_TYPE_MAKE_SEND }] }));
    const got = await poll(b, p);
    const names = (got.descriptors[0] as { names: number[] }).names;
    expect(names).toHaveLength(16383);
    expect(new Set(names).size).toBe(1); // one name, 16,383 urefs
    expect(b.mach_port_get_refs(self(b), names[0]!, C.MACH_PORT_RIGHT_SEND)).toBe(16383);
    k.checkInvariants();
    teardown(k, baseline);
  });
});

describe('a chain of receive rights, each queued inside the next', () => {
  it('destroying the head of a 10,000-port chain destroys every port without overflowing the stack', async () => {
    const k = new Kernel({ seed: 9 });
    const baseline = k.ports.size;
    const a = k.createTask({ name: 'a' });
    const b = k.createTask({ name: 'b' });
    const N = 10_000;
    // b keeps a send right to every port, to see them die.
    let inner = receiveRight(a);
    const watched = [give(a, inner, b)];
    for (let i = 1; i < N; i++) {
      const outer = receiveRight(a, { send: true });
      watched.push(give(a, outer, b));
      await send(a, message(outer, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 0, name: inner, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }] }));
      inner = outer;
    }
    k.checkInvariants();
    a.mach_port_destroy(self(a), inner);
    k.checkInvariants();
    for (const w of [watched[0]!, watched[N >> 1]!, watched[N - 1]!]) expect(mach_port_type(b, w)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    expect(k.ports.size).toBe(baseline + 2); // only the two task ports are left
    teardown(k, baseline);
  }, 120_000);
});
