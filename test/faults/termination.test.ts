/**
 * Fault injection: tasks terminated in the middle of IPC. Every waiting promise settles
 * with Darwin's outcome, every right the dead task held or had in flight is accounted
 * for, and nothing of the scenario outlives it. XNU facts (reference
 * shared/reference/xnu-semantics.md): S40 (a sender blocked on a port that dies
 * returns MACH_MSG_SUCCESS, its message destroyed), S41 (a dying port's queued messages
 * are destroyed with their rights), S45 (a destroyed message's send-once reply right
 * sends MACH_NOTIFY_SEND_ONCE), S73 (a receive right in transit is not its old owner's;
 * receivers blocked on it get MACH_RCV_PORT_CHANGED), S84 (port-destroyed), S99 (task
 * death: receive rights destroyed first, send rights released — no-senders may fire —,
 * send-once rights send MACH_NOTIFY_SEND_ONCE).
 */
import { describe, expect, it } from 'vitest';
import type { mach_port_status_t } from '../../lib/types.js';
import {
  C,
  drain,
  expectCode,
  expectPending,
  give,
  kernelWith,
  mach_port_type,
  message,
  poll,
  portOf,
  receive,
  receiveRight,
  self,
  send,
  teardown,
  tick,
} from './helpers.js';

function status(t: Parameters<typeof self>[0], name: number): mach_port_status_t {
  return t.mach_port_get_attributes(self(t), name, C.MACH_PORT_RECEIVE_STATUS) as mach_port_status_t;
}

describe('a task terminated while a send to it blocks', () => {
  it('the blocked sender returns MACH_MSG_SUCCESS, its message and rights are destroyed (S40, S41, S45)', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(b, { qlimit: 1 });
    const sp = give(b, p, a);
    await send(a, message(sp, C.MACH_MSG_TYPE_COPY_SEND));
    const r = receiveRight(a);
    const q = receiveRight(a, { send: true });
    const blocked = send(a, message(sp, C.MACH_MSG_TYPE_COPY_SEND, { reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE, descriptors: [{ type: 0, name: q, disposition: C.MACH_MSG_TYPE_COPY_SEND }] }));
    await expectPending(blocked);
    expect(status(a, q).mps_srights).toBe(1); // a's entry; the in-flight copy counts once more in the kernel
    expect(portOf(a, q).srights).toBe(2);
    k.checkInvariants();

    b.terminate();
    await expect(blocked).resolves.toBeUndefined();
    k.checkInvariants();
    expect(portOf(a, q).srights).toBe(1);
    const notes = await drain(a, r);
    expect(notes.map((m) => m.header.msgh_id)).toEqual([C.MACH_NOTIFY_SEND_ONCE]);
    expect(notes[0]!.trailer.audit.pid).toBe(0); // from the kernel
    expect(mach_port_type(a, sp)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    await expectCode(send(a, message(sp, C.MACH_MSG_TYPE_COPY_SEND)), 'MACH_SEND_INVALID_DEST');
    teardown(k, baseline);
  });

  it('several senders blocked on one port all return success when its task dies', async () => {
    const { k, baseline, a, b, c } = kernelWith('a', 'b', 'c');
    const p = receiveRight(b, { qlimit: 1 });
    const sa = give(b, p, a);
    const sc = give(b, p, c);
    await send(a, message(sa, C.MACH_MSG_TYPE_COPY_SEND));
    const blocked = [send(a, message(sa, C.MACH_MSG_TYPE_COPY_SEND)), send(c, message(sc, C.MACH_MSG_TYPE_COPY_SEND)), send(a, message(sa, C.MACH_MSG_TYPE_MOVE_SEND))];
    for (const x of blocked) await expectPending(x);
    b.terminate();
    for (const x of blocked) await expect(x).resolves.toBeUndefined();
    // MOVE_SEND consumed a's last uref in the blocked send; only the dead name of c remains.
    expect(() => mach_port_type(a, sa)).toThrow();
    expect(mach_port_type(c, sc)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    teardown(k, baseline);
  });

  it('the blocked sender itself terminated: its send settles KERN_TERMINATED and the carried rights are destroyed', async () => {
    const { k, baseline, a, b, c } = kernelWith('a', 'b', 'c');
    const p = receiveRight(b, { qlimit: 1 });
    const sp = give(b, p, a);
    await send(a, message(sp, C.MACH_MSG_TYPE_COPY_SEND));
    const z = receiveRight(a);
    const cz = give(a, z, c); // c holds a send right to z, which travels in the blocked message
    const bBefore = status(b, p);
    const blocked = send(a, message(sp, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 0, name: z, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }] }));
    await expectPending(blocked);
    a.terminate();
    await expectCode(blocked, 'KERN_TERMINATED');
    k.checkInvariants();
    // z died with the message: c's right is a dead name; b's queue is as before.
    expect(mach_port_type(c, cz)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    const bAfter = status(b, p);
    expect(bAfter.mps_msgcount).toBe(bBefore.mps_msgcount);
    expect(bAfter.mps_srights).toBe(1); // the queued message's destination right; a's own went with a
    expect((await drain(b, p)).length).toBe(1);
    expect(status(b, p).mps_srights).toBe(0);
    teardown(k, baseline);
  });
});

describe('a task terminated while its receive is pending', () => {
  it('its receives settle KERN_TERMINATED; senders see a dead name and dead-name requests fire', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(b);
    const set = b.mach_port_allocate(self(b), C.MACH_PORT_RIGHT_PORT_SET);
    const m = receiveRight(b);
    b.mach_port_move_member(self(b), m, set);
    const onPort = receive(b, p);
    const onSet = receive(b, set);
    await expectPending(onPort);
    await expectPending(onSet);
    const sp = give(b, p, a);
    const n = receiveRight(a);
    expect(a.mach_port_request_notification(self(a), sp, C.MACH_NOTIFY_DEAD_NAME, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE)).toBe(0);

    b.terminate();
    await expectCode(onPort, 'KERN_TERMINATED');
    await expectCode(onSet, 'KERN_TERMINATED');
    k.checkInvariants();
    const notes = await drain(a, n);
    expect(notes.map((x) => x.header.msgh_id)).toEqual([C.MACH_NOTIFY_DEAD_NAME]);
    expect(mach_port_type(a, sp) & C.MACH_PORT_TYPE_DEAD_NAME).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    await expectCode(send(a, message(sp, C.MACH_MSG_TYPE_COPY_SEND)), 'MACH_SEND_INVALID_DEST');
    // The notification's extra uref (S37) and the right itself.
    expect(a.mach_port_get_refs(self(a), sp, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(2);
    teardown(k, baseline);
  });

  it('a client blocked in an RPC whose server dies holding the request gets MACH_NOTIFY_SEND_ONCE on its reply port (S45)', async () => {
    const { k, baseline, client, server } = kernelWith('client', 'server');
    const svc = receiveRight(server);
    const ss = give(server, svc, client);
    const reply = receiveRight(client);
    // The server takes the request (and with it the send-once reply right) but never answers.
    const served = receive(server, svc);
    const rpc = client.mach_msg(
      message(ss, C.MACH_MSG_TYPE_COPY_SEND, { reply, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE, id: 500 }),
      C.MACH_SEND_MSG | C.MACH_RCV_MSG,
      reply,
    );
    const req = await served;
    expect(req.header.msgh_id).toBe(500);
    await expectPending(rpc);
    server.terminate();
    const got = (await rpc)!;
    expect(got.header.msgh_id).toBe(C.MACH_NOTIFY_SEND_ONCE);
    expect(got.header.msgh_local_port).toBe(reply);
    k.checkInvariants();
    teardown(k, baseline);
  });
});

describe('a task terminated while a message carrying its receive right is in flight', () => {
  it('the right in transit is not the dead task’s: it survives with its queue and reaches the receiver (S73)', async () => {
    const { k, baseline, a, b, c } = kernelWith('a', 'b', 'c');
    const q = receiveRight(a);
    const set = a.mach_port_allocate(self(a), C.MACH_PORT_RIGHT_PORT_SET);
    a.mach_port_insert_member(self(a), q, set);
    const cq = give(a, q, c);
    const p = receiveRight(b);
    const ap = give(b, p, a);
    // Two receives wait in a: on q itself and on a set q leaves when it moves.
    const blockedOnQ = receive(a, q);
    const blockedOnSet = receive(a, set);
    await expectPending(blockedOnQ);
    await expectPending(blockedOnSet);
    await send(a, message(ap, C.MACH_MSG_TYPE_COPY_SEND, { id: 10, descriptors: [{ type: 0, name: q, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }] }));
    await expectCode(blockedOnQ, 'MACH_RCV_PORT_CHANGED');
    await expectPending(blockedOnSet); // the set is intact; q just left it
    expect(a.mach_port_get_set_status(self(a), set)).toEqual([]);
    // Messages sent to q now queue on q, in transit inside the message on p.
    await send(c, message(cq, C.MACH_MSG_TYPE_COPY_SEND, { id: 1 }));
    await send(c, message(cq, C.MACH_MSG_TYPE_COPY_SEND, { id: 2 }));
    a.terminate();
    await expectCode(blockedOnSet, 'KERN_TERMINATED');
    k.checkInvariants();
    // q lives on: c's send right is still a send right.
    expect(mach_port_type(c, cq)).toBe(C.MACH_PORT_TYPE_SEND);
    const carried = await poll(b, p);
    expect(carried.header.msgh_id).toBe(10);
    const newQ = (carried.descriptors[0] as { name: number }).name;
    expect(mach_port_type(b, newQ)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    await send(c, message(cq, C.MACH_MSG_TYPE_COPY_SEND, { id: 3 }));
    expect((await drain(b, newQ)).map((m) => m.header.msgh_id)).toEqual([1, 2, 3]);
    teardown(k, baseline);
  });

  it('the destination’s task dies with the message queued: the carried receive right is destroyed (S41)', async () => {
    const { k, baseline, a, b, c } = kernelWith('a', 'b', 'c');
    const q = receiveRight(a);
    const cq = give(a, q, c);
    const n = receiveRight(c);
    c.mach_port_request_notification(self(c), cq, C.MACH_NOTIFY_DEAD_NAME, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    const p = receiveRight(b);
    const ap = give(b, p, a);
    await send(a, message(ap, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 0, name: q, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }] }));
    await send(c, message(cq, C.MACH_MSG_TYPE_COPY_SEND, { id: 7 })); // queued on q, in transit
    b.terminate();
    k.checkInvariants();
    expect(mach_port_type(c, cq) & C.MACH_PORT_TYPE_DEAD_NAME).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    expect((await drain(c, n)).map((m) => m.header.msgh_id)).toEqual([C.MACH_NOTIFY_DEAD_NAME]);
    teardown(k, baseline);
  });

  it('…unless the carried right has a port-destroyed request: then it is delivered to the notify port (S84)', async () => {
    const { k, baseline, a, b, c } = kernelWith('a', 'b', 'c');
    const q = receiveRight(a);
    const cq = give(a, q, c);
    const n = receiveRight(c);
    const nForA = give(c, n, a, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    a.mach_port_request_notification(self(a), q, C.MACH_NOTIFY_PORT_DESTROYED, 0, nForA, C.MACH_MSG_TYPE_MOVE_SEND_ONCE);
    const p = receiveRight(b);
    const ap = give(b, p, a);
    await send(a, message(ap, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 0, name: q, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }] }));
    await send(c, message(cq, C.MACH_MSG_TYPE_COPY_SEND, { id: 7 }));
    b.terminate();
    k.checkInvariants();
    const [pd] = await drain(c, n);
    expect(pd!.header.msgh_id).toBe(C.MACH_NOTIFY_PORT_DESTROYED);
    const rescued = (pd!.descriptors[0] as { name: number; disposition: number });
    expect(rescued.disposition).toBe(C.MACH_MSG_TYPE_PORT_RECEIVE);
    // c's send right and the receive right merge under one name (S77); the message queued on q survived.
    expect(rescued.name).toBe(cq);
    expect(mach_port_type(c, cq)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
    expect((await drain(c, cq)).map((m) => m.header.msgh_id)).toEqual([7]);
    teardown(k, baseline);
  });
});

describe('a task terminated while it is the only sender', () => {
  it('its send right goes: the receiver’s armed no-senders notification fires (S99)', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(b);
    const n = receiveRight(b);
    give(b, p, a);
    b.mach_port_request_notification(self(b), p, C.MACH_NOTIFY_NO_SENDERS, 1, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    expect(status(b, p).mps_nsrequest).toBe(1);
    a.terminate();
    const notes = await drain(b, n);
    expect(notes.map((m) => m.header.msgh_id)).toEqual([C.MACH_NOTIFY_NO_SENDERS]);
    expect(status(b, p).mps_srights).toBe(0);
    teardown(k, baseline);
  });

  it('its send-once right goes: the port gets MACH_NOTIFY_SEND_ONCE (S90, S99)', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(b);
    give(b, p, a, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    expect(status(b, p).mps_sorights).toBe(1);
    a.terminate();
    expect((await drain(b, p)).map((m) => m.header.msgh_id)).toEqual([C.MACH_NOTIFY_SEND_ONCE]);
    expect(status(b, p).mps_sorights).toBe(0);
    teardown(k, baseline);
  });

  it('only sender, blocked on a full queue, terminated: the message goes, no-senders fires once', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const p = receiveRight(b, { qlimit: 1 });
    const n = receiveRight(b);
    const sp = give(b, p, a);
    await send(a, message(sp, C.MACH_MSG_TYPE_COPY_SEND, { id: 1 }));
    b.mach_port_request_notification(self(b), p, C.MACH_NOTIFY_NO_SENDERS, 1, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    const blocked = send(a, message(sp, C.MACH_MSG_TYPE_MOVE_SEND, { id: 2 }));
    await expectPending(blocked);
    a.terminate();
    await expectCode(blocked, 'KERN_TERMINATED');
    k.checkInvariants();
    // Message 1 carried a send right too: no-senders waits until it is received.
    expect(await drain(b, n)).toHaveLength(0);
    expect((await drain(b, p)).map((m) => m.header.msgh_id)).toEqual([1]);
    expect((await drain(b, n)).map((m) => m.header.msgh_id)).toEqual([C.MACH_NOTIFY_NO_SENDERS]);
    teardown(k, baseline);
  });
});

describe('calls on a terminated task', () => {
  it('every MachApi call fails with KERN_TERMINATED (mach_msg rejects); terminate is idempotent', async () => {
    const { k, baseline, a } = kernelWith('a');
    const me = self(a);
    const p = receiveRight(a);
    a.terminate();
    a.terminate();
    k.terminateTask(a);
    const calls: Array<[string, () => unknown]> = [
      ['mach_port_allocate', () => a.mach_port_allocate(me, C.MACH_PORT_RIGHT_RECEIVE)],
      ['mach_port_allocate_name', () => a.mach_port_allocate_name(me, C.MACH_PORT_RIGHT_RECEIVE, 0x5503)],
      ['mach_port_deallocate', () => a.mach_port_deallocate(me, p)],
      ['mach_port_destroy', () => a.mach_port_destroy(me, p)],
      ['mach_port_mod_refs', () => a.mach_port_mod_refs(me, p, C.MACH_PORT_RIGHT_RECEIVE, -1)],
      ['mach_port_get_refs', () => a.mach_port_get_refs(me, p, C.MACH_PORT_RIGHT_RECEIVE)],
      ['mach_port_insert_right', () => a.mach_port_insert_right(me, p, p, C.MACH_MSG_TYPE_MAKE_SEND)],
      ['mach_port_extract_right', () => a.mach_port_extract_right(me, p, C.MACH_MSG_TYPE_MAKE_SEND)],
      ['mach_port_type', () => a.mach_port_type(me, p)],
      ['mach_port_names', () => a.mach_port_names(me)],
      ['mach_port_move_member', () => a.mach_port_move_member(me, p, 0)],
      ['mach_port_get_attributes', () => a.mach_port_get_attributes(me, p, C.MACH_PORT_LIMITS_INFO)],
      ['mach_port_set_context', () => a.mach_port_set_context(me, p, 1n)],
      ['mach_port_construct', () => a.mach_port_construct(me, { flags: 0 }, 0n)],
      ['mach_port_kobject', () => a.mach_port_kobject(me, me)],
      ['mach_host_self', () => a.mach_host_self()],
      ['bootstrap_look_up', () => a.bootstrap_look_up(a.bootstrap_port, 'x')],
      ['host_info', () => a.host_info(0x203, 1)],
      ['task_info', () => a.task_info(me, C.MACH_TASK_BASIC_INFO)],
    ];
    for (const [what, fn] of calls) {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect((err as { code?: string })?.code, what).toBe('KERN_TERMINATED');
    }
    await expectCode(a.mach_msg(message(me, C.MACH_MSG_TYPE_COPY_SEND), C.MACH_SEND_MSG), 'KERN_TERMINATED');
    await expectCode(a.mach_msg(undefined, C.MACH_RCV_MSG, p), 'KERN_TERMINATED');
    await tick();
    teardown(k, baseline);
  });
});
