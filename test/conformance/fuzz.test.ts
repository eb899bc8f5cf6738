/**
 * Random operation sequences (fast-check) over two tasks: every call either succeeds or
 * fails with a MachError, never anything else, and after every step the kernel's
 * bookkeeping (every send, send-once and receive right accounted for) is consistent.
 * Plus a few cross-checks the random walk cannot express.
 */
import { expect } from 'vitest';
import fc from 'fast-check';
import { MachError } from '../../lib/errors.js';
import type { MachApi } from '../../lib/types.js';
import { conformance, suite } from './harness.js';
import {
  C,
  expectNotification,
  isPending,
  msg,
  notificationWord,
  port,
  portDesc,
  portSet,
  portWithSend,
  recv,
  refs,
  requestNotification,
  send,
  sendSimple,
  transfer,
  typeOf,
} from './helpers.js';

type Op =
  | { k: 'alloc'; right: number }
  | { k: 'makeSend'; a: number }
  | { k: 'sendOnce'; a: number }
  | { k: 'modRefs'; a: number; right: number; delta: number }
  | { k: 'dealloc'; a: number }
  | { k: 'destroy'; a: number }
  | { k: 'member'; a: number; b: number; how: number }
  | { k: 'send'; a: number; b: number; disp: number; descDisp: number; withDesc: boolean; reply: boolean }
  | { k: 'recv'; a: number; size: number }
  | { k: 'notify'; a: number; b: number; id: number; sync: number }
  | { k: 'qlimit'; a: number; q: number }
  | { k: 'move'; a: number; disp: number; toPeer: boolean };

const DISPS = [
  C.MACH_MSG_TYPE_MOVE_RECEIVE,
  C.MACH_MSG_TYPE_MOVE_SEND,
  C.MACH_MSG_TYPE_MOVE_SEND_ONCE,
  C.MACH_MSG_TYPE_COPY_SEND,
  C.MACH_MSG_TYPE_MAKE_SEND,
  C.MACH_MSG_TYPE_MAKE_SEND_ONCE,
];
const NOTIFS = [C.MACH_NOTIFY_NO_SENDERS, C.MACH_NOTIFY_DEAD_NAME, C.MACH_NOTIFY_PORT_DESTROYED, C.MACH_NOTIFY_SEND_POSSIBLE];

const idx = fc.nat(40);
const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>): { weight: number; arbitrary: fc.Arbitrary<T> } => ({ weight, arbitrary });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  w(2, fc.record({ k: fc.constant('alloc' as const), right: fc.constantFrom(C.MACH_PORT_RIGHT_RECEIVE, C.MACH_PORT_RIGHT_RECEIVE, C.MACH_PORT_RIGHT_PORT_SET, C.MACH_PORT_RIGHT_DEAD_NAME) })),
  w(3, fc.record({ k: fc.constant('makeSend' as const), a: idx })),
  w(2, fc.record({ k: fc.constant('sendOnce' as const), a: idx })),
  w(2, fc.record({ k: fc.constant('modRefs' as const), a: idx, right: fc.nat(4), delta: fc.integer({ min: -2, max: 2 }) })),
  w(2, fc.record({ k: fc.constant('dealloc' as const), a: idx })),
  w(1, fc.record({ k: fc.constant('destroy' as const), a: idx })),
  w(1, fc.record({ k: fc.constant('member' as const), a: idx, b: idx, how: fc.nat(2) })),
  w(6, fc.record({ k: fc.constant('send' as const), a: idx, b: idx, disp: fc.constantFrom(...DISPS), descDisp: fc.constantFrom(...DISPS), withDesc: fc.boolean(), reply: fc.boolean() })),
  w(4, fc.record({ k: fc.constant('recv' as const), a: idx, size: fc.constantFrom(32, 64, 4096) })),
  w(2, fc.record({ k: fc.constant('notify' as const), a: idx, b: idx, id: fc.constantFrom(...NOTIFS), sync: fc.nat(1) })),
  w(1, fc.record({ k: fc.constant('qlimit' as const), a: idx, q: fc.nat(3) })),
  w(2, fc.record({ k: fc.constant('move' as const), a: idx, disp: fc.constantFrom(...DISPS), toPeer: fc.boolean() })),
);

async function step(api: MachApi, peer: MachApi, names: number[], op: Op): Promise<void> {
  const task = api.mach_task_self();
  const pick = (i: number): number => (names.length === 0 ? C.MACH_PORT_NULL : names[i % names.length]!);
  const keep = (n: number): void => {
    if (C.MACH_PORT_VALID(n) && !names.includes(n)) names.push(n);
  };
  switch (op.k) {
    case 'alloc':
      keep(api.mach_port_allocate(task, op.right));
      return;
    case 'makeSend': {
      const n = pick(op.a);
      api.mach_port_insert_right(task, n, n, C.MACH_MSG_TYPE_MAKE_SEND);
      return;
    }
    case 'sendOnce':
      keep(api.mach_port_extract_right(task, pick(op.a), C.MACH_MSG_TYPE_MAKE_SEND_ONCE).poly);
      return;
    case 'modRefs':
      api.mach_port_mod_refs(task, pick(op.a), op.right, op.delta);
      return;
    case 'dealloc':
      api.mach_port_deallocate(task, pick(op.a));
      return;
    case 'destroy':
      api.mach_port_destroy(task, pick(op.a));
      return;
    case 'member': {
      const f = [api.mach_port_move_member, api.mach_port_insert_member, api.mach_port_extract_member][op.how]!;
      f.call(api, task, pick(op.a), pick(op.b));
      return;
    }
    case 'send': {
      const m = msg(pick(op.a), op.disp, {
        reply: op.reply ? pick(op.b) : C.MACH_PORT_NULL,
        replyDisp: op.reply ? C.MACH_MSG_TYPE_MAKE_SEND_ONCE : 0,
        descriptors: op.withDesc ? [portDesc(pick(op.b), op.descDisp)] : undefined,
      });
      try {
        await api.mach_msg(m, C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT, 0, 0);
      } finally {
        // rights handed back by a pseudo-receive keep their names in the pool
        keep(m.header.msgh_remote_port);
        keep(m.header.msgh_local_port ?? 0);
        for (const d of m.descriptors ?? []) keep((d as { name: number }).name);
      }
      return;
    }
    case 'recv': {
      const r = await api.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, pick(op.a), 0, op.size);
      if (r) {
        keep(r.header.msgh_remote_port);
        for (const d of r.descriptors) keep((d as { name: number }).name);
      }
      return;
    }
    case 'notify':
      keep(api.mach_port_request_notification(task, pick(op.a), op.id, op.id === C.MACH_NOTIFY_PORT_DESTROYED ? 0 : op.sync, pick(op.b), C.MACH_MSG_TYPE_MAKE_SEND_ONCE));
      return;
    case 'qlimit':
      api.mach_port_set_attributes(task, pick(op.a), C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: op.q });
      return;
    case 'move':
      await transfer(api, peer, pick(op.a), op.disp);
      return;
  }
}

suite('random operation sequences keep the kernel consistent', () => {
  conformance(
    'fuzz: random rights operations and messages between two tasks: only MachError failures, invariants hold after every step and after both tasks die',
    'xnu:osfmk/ipc/ipc_right.c, ipc_kmsg.c, ipc_port.c (srights/sorights/receiver bookkeeping); ipc_space.c:ipc_space_terminate',
    async ({ api, peer, terminate, checkInvariants }) => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 20, maxLength: 80 }), async (ops) => {
          const a = peer();
          const b = peer();
          const names: number[] = [];
          const at = a.mach_task_self();
          for (let i = 0; i < 4; i++) names.push(a.mach_port_allocate(at, C.MACH_PORT_RIGHT_RECEIVE));
          a.mach_port_insert_right(at, names[0]!, names[0]!, C.MACH_MSG_TYPE_MAKE_SEND);
          a.mach_port_insert_right(at, names[1]!, names[1]!, C.MACH_MSG_TYPE_MAKE_SEND);
          names.push(a.mach_port_allocate(at, C.MACH_PORT_RIGHT_PORT_SET));
          for (const op of ops) {
            // forget names that no longer denote anything, so most operations hit live rights
            for (let i = names.length - 1; i >= 0; i--) {
              try {
                a.mach_port_type(at, names[i]!);
              } catch {
                names.splice(i, 1);
              }
            }
            try {
              await step(a, b, names, op);
            } catch (err) {
              if (!(err instanceof MachError)) throw err;
            }
            checkInvariants();
          }
          terminate(a);
          checkInvariants();
          terminate(b);
          checkInvariants();
        }),
        { numRuns: 150 },
      );
      void api;
    },
    { needs: ['peer', 'terminate', 'invariants'], timeout: 120_000 },
  );

  conformance(
    'destroying a member does not disturb a receive waiting on its set; a message to another member still arrives there',
    'xnu:osfmk/ipc/ipc_port.c:ipc_port_clear_receiver (ipc_mqueue_changed on the port’s own waitq only); ipc_pset.c',
    async ({ api, task }) => {
      const s = portSet(api);
      const p = port(api);
      const q = portWithSend(api);
      api.mach_port_insert_member(task, p, s);
      api.mach_port_insert_member(task, q, s);
      const waiting = recv(api, s, { timeout: 10_000 });
      expect(await isPending(waiting)).toBe(true);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
      expect(await isPending(waiting)).toBe(true);
      expect(api.mach_port_get_set_status(task, s)).toEqual([q]);
      await sendSimple(api, q, C.MACH_MSG_TYPE_COPY_SEND, { id: 0xfe });
      const m = await waiting;
      expect(m.header.msgh_local_port).toBe(q);
    },
  );

  conformance(
    'a pegged send right (65535 urefs) with a dead-name request stays pegged when it becomes a dead name',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_delta ("if urefs are pegged due to overflow, leave them pegged"), ipc_right_check',
    async ({ api, task }) => {
      const p = portWithSend(api);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, C.MACH_PORT_UREFS_MAX);
      const n = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_DEAD_NAME, n);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(refs(api, p, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(C.MACH_PORT_UREFS_MAX);
      expect(notificationWord(await expectNotification(api, n, C.MACH_NOTIFY_DEAD_NAME))).toBe(p);
    },
  );

  conformance(
    'dead-name requests on two holders of one port fire once each, with each holder’s own name',
    'xnu:osfmk/ipc/ipc_port.c:ipc_port_dnnotify (one request per (space, name) in the port’s request table)',
    async ({ api, peer }) => {
      const b = peer();
      const c = peer();
      const p = port(api);
      const sb = await transfer(api, b, p, C.MACH_MSG_TYPE_MAKE_SEND);
      const sc = await transfer(api, c, p, C.MACH_MSG_TYPE_MAKE_SEND);
      const nb = port(b);
      const nc = port(c);
      requestNotification(b, sb, C.MACH_NOTIFY_DEAD_NAME, nb);
      requestNotification(c, sc, C.MACH_NOTIFY_DEAD_NAME, nc);
      api.mach_port_destroy(api.mach_task_self(), p);
      expect(notificationWord(await expectNotification(b, nb, C.MACH_NOTIFY_DEAD_NAME))).toBe(sb);
      expect(notificationWord(await expectNotification(c, nc, C.MACH_NOTIFY_DEAD_NAME))).toBe(sc);
    },
    { needs: ['peer'] },
  );

  conformance(
    'a pseudo-received MOVE_SEND of a send-only name’s last uref gives the right back to the sender',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyout_pseudo; ipc_right.c:ipc_right_copyin MOVE_SEND (entry freed), ipc_object_copyout',
    async ({ api, peer }) => {
      const b = peer();
      const q = port(b);
      b.mach_port_set_attributes(b.mach_task_self(), q, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 0 });
      const s = await transfer(b, api, q, C.MACH_MSG_TYPE_MAKE_SEND);
      const m = msg(s, C.MACH_MSG_TYPE_MOVE_SEND, { id: 5 });
      await expect(api.mach_msg(m, C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT, 0, 0)).rejects.toMatchObject({ code: 'MACH_SEND_TIMED_OUT' });
      const back = m.header.msgh_remote_port;
      expect(C.MACH_MSGH_BITS_REMOTE(m.header.msgh_bits)).toBe(C.MACH_MSG_TYPE_PORT_SEND);
      expect(typeOf(api, back)).toBe(C.MACH_PORT_TYPE_SEND);
      expect(refs(api, back, C.MACH_PORT_RIGHT_SEND)).toBe(1);
    },
    { needs: ['peer'] },
  );
});
