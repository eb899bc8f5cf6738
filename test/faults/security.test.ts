/**
 * Security properties of the emulator (docs/SECURITY.md):
 * - names are per task: a name valid in task A means nothing in task B — B's calls with
 *   it fail as for any unknown name (KERN_INVALID_NAME, MACH_SEND_INVALID_DEST,
 *   MACH_SEND_INVALID_REPLY, MACH_SEND_INVALID_RIGHT, MACH_RCV_INVALID_NAME) and never
 *   touch A's rights (the random version is test/fuzz/isolation.test.ts);
 * - the sender cannot forge its identity: the trailer's security and audit tokens come
 *   from the sending task (xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_init_trailer_and_sign,
 *   called from ipc_kmsg_copyin_header with current_task()), whatever bytes, bits or
 *   options (MACH_SEND_TRAILER included — listed in MACH_SEND_USER,
 *   xnu:osfmk/mach/message.h, but never read) the sender uses; kernel-only header bits
 *   are dropped (S71); a notification is recognisable by its kernel audit token;
 * - kernels are separate: rights of one Kernel cannot be used in another.
 */
import { describe, expect, it } from 'vitest';
import { MachError } from '../../lib/errors.js';
import { Kernel, type EmulatedTask } from '../../lib/emulator/index.js';
import type { ReceivedMessage } from '../../lib/types.js';
import { C, drain, expectCode, give, kernelWith, message, names, poll, receiveRight, self, send, teardown } from './helpers.js';

const AUDIT = C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AUDIT);

/** A gets many names; B few: most of A's names are unknown in B. */
function twoTasks(): { k: Kernel; baseline: number; a: EmulatedTask; b: EmulatedTask } {
  const { k, baseline, a, b } = kernelWith('a', 'b');
  for (let i = 0; i < 6; i++) receiveRight(a, { send: true });
  const set = a.mach_port_allocate(self(a), C.MACH_PORT_RIGHT_PORT_SET);
  a.mach_port_allocate(self(a), C.MACH_PORT_RIGHT_DEAD_NAME);
  const p = receiveRight(a);
  a.mach_port_insert_member(self(a), p, set);
  a.mach_port_extract_right(self(a), p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
  return { k, baseline, a, b };
}

function code(fn: () => unknown): string {
  try {
    fn();
    return 'KERN_SUCCESS';
  } catch (e) {
    if (e instanceof MachError) return e.code;
    throw e;
  }
}

describe('a task never uses another task’s names', () => {
  it('each of A’s names, unknown in B, fails in B as an unknown name, and A is untouched', async () => {
    const { k, baseline, a, b } = twoTasks();
    const me = self(b);
    const bp = receiveRight(b);
    const aNames = a.mach_port_names(self(a)).names.filter((n) => b.space.lookup(n) === undefined);
    expect(aNames.length).toBeGreaterThan(8);
    const before = names(a);
    for (const n of aNames) {
      const calls: Array<[string, () => unknown, string]> = [
        ['mach_port_type', () => b.mach_port_type(me, n), 'KERN_INVALID_NAME'],
        ['mach_port_deallocate', () => b.mach_port_deallocate(me, n), 'KERN_INVALID_NAME'],
        ['mach_port_destroy', () => b.mach_port_destroy(me, n), 'KERN_INVALID_NAME'],
        ['mach_port_mod_refs', () => b.mach_port_mod_refs(me, n, C.MACH_PORT_RIGHT_RECEIVE, -1), 'KERN_INVALID_NAME'],
        ['mach_port_get_refs', () => b.mach_port_get_refs(me, n, C.MACH_PORT_RIGHT_SEND), 'KERN_INVALID_NAME'],
        ['mach_port_insert_right (poly)', () => b.mach_port_insert_right(me, 0x9903, n, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_NAME'],
        ['mach_port_extract_right', () => b.mach_port_extract_right(me, n, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_NAME'],
        ['mach_port_move_member', () => b.mach_port_move_member(me, n, 0), 'KERN_INVALID_NAME'],
        ['mach_port_insert_member', () => b.mach_port_insert_member(me, bp, n), 'KERN_INVALID_NAME'],
        ['mach_port_get_set_status', () => b.mach_port_get_set_status(me, n), 'KERN_INVALID_NAME'],
        ['mach_port_request_notification', () => b.mach_port_request_notification(me, n, C.MACH_NOTIFY_NO_SENDERS, 0, bp, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), 'KERN_INVALID_NAME'],
        ['mach_port_get_attributes', () => b.mach_port_get_attributes(me, n, C.MACH_PORT_RECEIVE_STATUS), 'KERN_INVALID_NAME'],
        ['mach_port_set_context', () => b.mach_port_set_context(me, n, 1n), 'KERN_INVALID_NAME'],
        ['mach_port_kobject', () => b.mach_port_kobject(me, n), 'KERN_INVALID_NAME'],
      ];
      for (const [what, fn, expected] of calls) expect(code(fn), `${what}(0x${n.toString(16)})`).toBe(expected);
      // The name as a task argument: not a send right to a task in B.
      expect(code(() => b.mach_port_allocate(n, C.MACH_PORT_RIGHT_RECEIVE))).toBe('MACH_SEND_INVALID_DEST');
      await expectCode(send(b, message(n, C.MACH_MSG_TYPE_COPY_SEND)), 'MACH_SEND_INVALID_DEST');
      await expectCode(send(b, message(n, C.MACH_MSG_TYPE_MAKE_SEND)), 'MACH_SEND_INVALID_DEST');
      await expectCode(send(b, message(bp, C.MACH_MSG_TYPE_MAKE_SEND, { reply: n, replyDisp: C.MACH_MSG_TYPE_COPY_SEND })), 'MACH_SEND_INVALID_REPLY');
      await expectCode(send(b, message(bp, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [{ type: 0, name: n, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }] })), 'MACH_SEND_INVALID_RIGHT');
      await expectCode(send(b, message(bp, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [{ type: 2, names: [n], disposition: C.MACH_MSG_TYPE_COPY_SEND }] })), 'MACH_SEND_INVALID_RIGHT');
      await expectCode(b.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, n, 0), 'MACH_RCV_INVALID_NAME');
    }
    expect(names(a)).toEqual(before);
    k.checkInvariants();
    // The failed sends with descriptors consumed their header rights (S70) and made
    // send-once notifications on nothing of a's: only b's own port saw traffic.
    await drain(b, bp);
    teardown(k, baseline);
  });

  it('a name both tasks have denotes each task’s own right: the same number, different ports', () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const pa = receiveRight(a);
    const pb = receiveRight(b);
    expect(pa).toBe(pb); // fresh spaces allocate the same first names
    a.mach_port_insert_right(self(a), pa, pa, C.MACH_MSG_TYPE_MAKE_SEND);
    expect(b.mach_port_type(self(b), pb)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    b.mach_port_destroy(self(b), pb);
    expect(a.mach_port_type(self(a), pa)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
    // mach_task_self() is the same number in both, and each means its own task.
    expect(self(a)).toBe(self(b));
    const before = names(a);
    b.mach_port_allocate(self(b), C.MACH_PORT_RIGHT_RECEIVE);
    expect(names(a)).toEqual(before);
    teardown(k, baseline);
  });

  it('another task’s space is reachable only through a send right to its task port', () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const before = names(a);
    // b has no right to a's task port: nothing it can name reaches a's space.
    for (const n of b.mach_port_names(self(b)).names) {
      if (n === self(b)) continue;
      expect(code(() => b.mach_port_allocate(n, C.MACH_PORT_RIGHT_RECEIVE))).not.toBe('KERN_SUCCESS');
    }
    expect(names(a)).toEqual(before);
    // Given a send right to a's task port, b can act on a's space, as on Darwin.
    const aTask = k.copyoutRight(b, a.taskPort, C.MACH_MSG_TYPE_MAKE_SEND);
    const made = b.mach_port_allocate(aTask, C.MACH_PORT_RIGHT_RECEIVE);
    expect(a.mach_port_type(self(a), made)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    teardown(k, baseline);
  });
});

describe('the sender cannot forge its identity in the trailer', () => {
  async function exchange(sender: EmulatedTask, receiver: EmulatedTask, build: (dest: number) => Parameters<EmulatedTask['mach_msg']>[0], option = 0): Promise<ReceivedMessage> {
    const p = receiveRight(receiver);
    const dest = give(receiver, p, sender);
    await sender.mach_msg(build(dest), C.MACH_SEND_MSG | option);
    return poll(receiver, p, AUDIT | C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AV));
  }

  /** A body that looks like a kernel trailer (pid 0, uid 0) after a 24-byte header. */
  function forgedTrailerBody(): Uint8Array {
    const body = new Uint8Array(24 + 68);
    const v = new DataView(body.buffer);
    v.setUint32(0, C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_PORT_SEND, 0), true);
    v.setUint32(4, 24, true);
    v.setUint32(24, 0, true); // msgh_trailer_type
    v.setUint32(28, 68, true); // msgh_trailer_size; seqno, sender {0, 0}, audit token all zeros
    return body;
  }

  it('trailer-like bytes in the body, a lying msgh_size and MACH_SEND_TRAILER change nothing: the audit token is the sender’s', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const body = forgedTrailerBody();
    const got = await exchange(
      a,
      b,
      (dest) => ({ header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0), msgh_size: 24, msgh_remote_port: dest, msgh_id: 1 }, body }),
      C.MACH_SEND_TRAILER,
    );
    expect(got.trailer.audit.pid).toBe(a.pid);
    expect(got.trailer.audit.euid).toBe(a.uid);
    expect(got.trailer.sender).toEqual({ uid: a.uid, gid: a.gid });
    expect(got.body).toEqual(body); // the bytes travel as data
    expect(got.size).toBe(24 + body.byteLength);
    teardown(k, baseline);
  });

  it('kernel-only header bits are dropped (S71): the receiver sees only MACH_MSGH_BITS_USER', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    for (const extra of [C.MACH_MSGH_BITS_RAISEIMP, C.MACH_MSGH_BITS_IMPHOLDASRT, 0x40000000, 0x7fe0e0e0]) {
      const got = await exchange(a, b, (dest) => message(dest, C.MACH_MSG_TYPE_COPY_SEND, { id: 2 }));
      void got;
      const p = receiveRight(b);
      const dest = give(b, p, a);
      await a.mach_msg({ header: { msgh_bits: (C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0) | extra) >>> 0, msgh_remote_port: dest, msgh_id: 3 } }, C.MACH_SEND_MSG);
      const m = await poll(b, p, AUDIT);
      expect(m.header.msgh_bits & ~C.MACH_MSGH_BITS_USER, `extra bits 0x${extra.toString(16)}`).toBe(0);
      expect(m.trailer.audit.pid).toBe(a.pid);
    }
    teardown(k, baseline);
  });

  it('a message that imitates a kernel notification carries the sender’s pid; a real one carries the kernel’s token', async () => {
    const { k, baseline, a, b } = kernelWith('a', 'b');
    const n = receiveRight(b);
    const forged = give(b, n, a);
    const body = new Uint8Array(12);
    new DataView(body.buffer).setUint32(8, 0x1234, true); // "name" of a dead-name notification
    await a.mach_msg({ header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0), msgh_remote_port: forged, msgh_id: C.MACH_NOTIFY_DEAD_NAME }, body }, C.MACH_SEND_MSG);
    // A real dead-name notification on the same port.
    const p = receiveRight(a);
    const bp = give(a, p, b);
    b.mach_port_request_notification(self(b), bp, C.MACH_NOTIFY_DEAD_NAME, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    a.mach_port_destroy(self(a), p);
    const [fake, real] = await drain(b, n);
    expect(fake!.header.msgh_id).toBe(C.MACH_NOTIFY_DEAD_NAME);
    expect(real!.header.msgh_id).toBe(C.MACH_NOTIFY_DEAD_NAME);
    expect(fake!.trailer.audit.pid).toBe(a.pid);
    expect(real!.trailer.audit).toEqual({ auid: 0, euid: 0, egid: 0, ruid: 0, rgid: 0, pid: 0, asid: 0, pidversion: 0 });
    expect(real!.trailer.sender).toEqual({ uid: 0, gid: 1 });
    teardown(k, baseline);
  });

  it('a forwarded message names the forwarder, not the original sender', async () => {
    const { k, baseline, a, b, c } = kernelWith('a', 'b', 'c');
    const pb = receiveRight(b);
    const pc = receiveRight(c);
    await send(a, message(give(b, pb, a), C.MACH_MSG_TYPE_COPY_SEND, { id: 5, body: new Uint8Array([1, 2, 3, 4]) }));
    const first = await poll(b, pb, AUDIT);
    expect(first.trailer.audit.pid).toBe(a.pid);
    await send(b, message(give(c, pc, b), C.MACH_MSG_TYPE_COPY_SEND, { id: first.header.msgh_id, body: first.body }));
    const second = await poll(c, pc, AUDIT);
    expect(second.trailer.audit.pid).toBe(b.pid);
    expect(second.body).toEqual(first.body);
    teardown(k, baseline);
  });

  it('a root task’s messages say uid 0; an ordinary task’s never do, whatever it sends', async () => {
    const k = new Kernel({ seed: 5 });
    const root = k.createTask({ name: 'root', uid: 0, gid: 0 });
    const user = k.createTask({ name: 'user' });
    const rx = k.createTask({ name: 'rx' });
    const p = receiveRight(rx);
    for (const t of [root, user]) await send(t, message(give(rx, p, t), C.MACH_MSG_TYPE_COPY_SEND, { body: new Uint8Array(68) }), C.MACH_SEND_TRAILER);
    const [fromRoot, fromUser] = await drain(rx, p);
    expect(fromRoot!.trailer.audit.euid).toBe(0);
    expect(fromUser!.trailer.audit.euid).toBe(501);
    expect(fromUser!.trailer.sender.uid).toBe(501);
  });
});

describe('kernels are separate', () => {
  it('a port of one kernel cannot be given to a task of another', () => {
    const k1 = new Kernel({ seed: 1 });
    const k2 = new Kernel({ seed: 2 });
    const a = k1.createTask();
    const b = k2.createTask();
    const p = receiveRight(a);
    const port = a.space.lookup(p)!.object as never;
    expect(() => k2.copyoutRight(b, port, C.MACH_MSG_TYPE_MAKE_SEND)).toThrow(TypeError);
    expect(() => k2.terminateTask(a)).toThrow(TypeError);
    // The same name in b's kernel is just a name b does not have.
    expect(code(() => b.mach_port_type(self(b), p))).toBe('KERN_INVALID_NAME');
    k1.checkInvariants();
    k2.checkInvariants();
  });
});
