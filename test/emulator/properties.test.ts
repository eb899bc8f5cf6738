/**
 * Property tests: random sequences of operations across several tasks keep the kernel's
 * bookkeeping exact (checkInvariants after every step), fire no-senders exactly once when
 * the last send right goes, leave nothing behind after every task terminates, and never
 * let a task use another task's names.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Kernel, type EmulatedTask } from '../../lib/emulator/index.js';
import { MachError } from '../../lib/errors.js';
import type { MachMsgDescriptor } from '../../lib/types.js';
import { C, portOf } from './helpers.js';

const RUNS = 1000;

/** Which names an index picks from. */
type Kind = 'any' | 'receive' | 'send' | 'sendonce' | 'set';

/** One random operation; names are picked by kind and index at run time. */
type Op =
  | { k: 'alloc'; t: number; right: number }
  | { k: 'insert'; t: number; kind: Kind; n: number; to: number; disp: number }
  | { k: 'modrefs'; t: number; kind: Kind; n: number; right: number; delta: number }
  | { k: 'dealloc'; t: number; kind: Kind; n: number }
  | { k: 'destroy'; t: number; kind: Kind; n: number }
  | { k: 'notify'; t: number; kind: Kind; n: number; id: number; sync: number; via: number }
  | { k: 'send'; t: number; kind: Kind; n: number; disp: number; reply: number; replyDisp: number; descs: Array<{ kind: Kind; n: number; disp: number }> }
  | { k: 'recv'; t: number; kind: Kind; n: number }
  | { k: 'member'; t: number; n: number; s: number; how: number }
  | { k: 'qlimit'; t: number; n: number; q: number }
  | { k: 'give'; t: number; n: number; to: number }
  | { k: 'terminate'; t: number };

const DISPS = [
  C.MACH_MSG_TYPE_MOVE_RECEIVE,
  C.MACH_MSG_TYPE_MOVE_SEND,
  C.MACH_MSG_TYPE_MOVE_SEND_ONCE,
  C.MACH_MSG_TYPE_COPY_SEND,
  C.MACH_MSG_TYPE_MAKE_SEND,
  C.MACH_MSG_TYPE_MAKE_SEND_ONCE,
];
const NOTIFY_IDS = [C.MACH_NOTIFY_NO_SENDERS, C.MACH_NOTIFY_DEAD_NAME, C.MACH_NOTIFY_PORT_DESTROYED, C.MACH_NOTIFY_SEND_POSSIBLE];

/** A disposition that fits a kind of name most of the time, and anything now and then. */
const nameAndDisp: fc.Arbitrary<{ kind: Kind; n: number; disp: number }> = fc.oneof(
  fc.record({ kind: fc.constant<Kind>('send'), n: fc.nat(63), disp: fc.constantFrom(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MOVE_SEND) }),
  fc.record({ kind: fc.constant<Kind>('receive'), n: fc.nat(63), disp: fc.constantFrom(C.MACH_MSG_TYPE_MAKE_SEND, C.MACH_MSG_TYPE_MAKE_SEND_ONCE, C.MACH_MSG_TYPE_MOVE_RECEIVE) }),
  fc.record({ kind: fc.constant<Kind>('sendonce'), n: fc.nat(63), disp: fc.constant(C.MACH_MSG_TYPE_MOVE_SEND_ONCE) }),
  fc.record({ kind: fc.constant<Kind>('any'), n: fc.nat(63), disp: fc.constantFrom(...DISPS) }),
);
const kind = fc.constantFrom<Kind>('any', 'receive', 'send', 'sendonce', 'set');
const idx = fc.nat(63);
const task = fc.nat(2);
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('alloc' as const), t: task, right: fc.constantFrom(C.MACH_PORT_RIGHT_RECEIVE, C.MACH_PORT_RIGHT_RECEIVE, C.MACH_PORT_RIGHT_PORT_SET, C.MACH_PORT_RIGHT_DEAD_NAME) }), weight: 4 },
  { arbitrary: fc.record({ k: fc.constant('insert' as const), t: task, kind, n: idx, to: idx, disp: fc.constantFrom(...DISPS) }), weight: 3 },
  { arbitrary: fc.record({ k: fc.constant('modrefs' as const), t: task, kind, n: idx, right: fc.nat(4), delta: fc.integer({ min: -2, max: 2 }) }), weight: 3 },
  { arbitrary: fc.record({ k: fc.constant('dealloc' as const), t: task, kind, n: idx }), weight: 3 },
  { arbitrary: fc.record({ k: fc.constant('destroy' as const), t: task, kind, n: idx }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('notify' as const), t: task, kind, n: idx, id: fc.constantFrom(...NOTIFY_IDS), sync: fc.nat(1), via: idx }), weight: 2 },
  {
    arbitrary: nameAndDisp.chain((d) =>
      fc.record({
        k: fc.constant('send' as const),
        t: task,
        kind: fc.constant(d.kind),
        n: fc.constant(d.n),
        disp: fc.constant(d.disp === C.MACH_MSG_TYPE_MOVE_RECEIVE ? C.MACH_MSG_TYPE_MAKE_SEND : d.disp),
        reply: idx,
        replyDisp: fc.constantFrom(0, 0, C.MACH_MSG_TYPE_MAKE_SEND_ONCE, C.MACH_MSG_TYPE_MAKE_SEND),
        descs: fc.array(nameAndDisp, { maxLength: 3 }),
      }),
    ),
    weight: 6,
  },
  { arbitrary: fc.record({ k: fc.constant('recv' as const), t: task, kind: fc.constantFrom<Kind>('receive', 'receive', 'set'), n: idx }), weight: 6 },
  { arbitrary: fc.record({ k: fc.constant('member' as const), t: task, n: idx, s: idx, how: fc.nat(2) }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('qlimit' as const), t: task, n: idx, q: fc.nat(3) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('give' as const), t: task, n: idx, to: task }), weight: 3 },
  { arbitrary: fc.record({ k: fc.constant('terminate' as const), t: task }), weight: 1 },
);

/** A kernel with three tasks, each holding a receive right the others can send to. */
function setup(seed: number): { k: Kernel; tasks: EmulatedTask[] } {
  const k = new Kernel({ seed });
  const tasks = [0, 1, 2].map((i) => k.createTask({ name: `t${i}` }));
  for (const t of tasks) {
    const p = t.mach_port_allocate(t.mach_task_self(), C.MACH_PORT_RIGHT_RECEIVE);
    for (const o of tasks) if (o !== t) k.copyoutRight(o, portOf(t, p), C.MACH_MSG_TYPE_MAKE_SEND);
  }
  return { k, tasks };
}

/** The mask of type bits a kind of name must have. */
const KIND_BITS: Record<Kind, number> = {
  any: 0,
  receive: C.MACH_PORT_TYPE_RECEIVE,
  send: C.MACH_PORT_TYPE_SEND,
  sendonce: C.MACH_PORT_TYPE_SEND_ONCE,
  set: C.MACH_PORT_TYPE_PORT_SET,
};

/** The i-th name of a kind in a task's space (wrapping), or MACH_PORT_NULL when it has none. */
function nameAt(t: EmulatedTask, i: number, k: Kind = 'any'): number {
  if (t.terminated) return 0;
  const want = KIND_BITS[k];
  const entries = t.space.entries().filter((e) => (e.bits & want) === want && e.object !== t.taskPort);
  return entries.length === 0 ? 0 : entries[i % entries.length]!.name;
}

/** Run one op, swallowing the Mach errors it may legitimately produce. */
async function run(k: Kernel, tasks: EmulatedTask[], o: Op): Promise<void> {
  const t = tasks[o.t]!;
  if (t.terminated) return;
  const self = t.mach_task_self();
  try {
    switch (o.k) {
      case 'alloc':
        t.mach_port_allocate(self, o.right);
        break;
      case 'insert': {
        const poly = nameAt(t, o.n, o.kind);
        const target = o.to % 2 === 0 ? poly : ((o.to << 8) | 3) + 0x4000;
        t.mach_port_insert_right(self, target, poly, o.disp);
        break;
      }
      case 'modrefs':
        t.mach_port_mod_refs(self, nameAt(t, o.n, o.kind), o.right, o.delta);
        break;
      case 'dealloc':
        t.mach_port_deallocate(self, nameAt(t, o.n, o.kind));
        break;
      case 'destroy':
        t.mach_port_destroy(self, nameAt(t, o.n, o.kind));
        break;
      case 'notify':
        t.mach_port_request_notification(self, nameAt(t, o.n, o.kind), o.id, o.sync, nameAt(t, o.via, 'receive'), C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
        break;
      case 'send': {
        const descriptors: MachMsgDescriptor[] = o.descs.map((d) => ({ type: 0, name: nameAt(t, d.n, d.kind), disposition: d.disp }));
        const reply = o.replyDisp === 0 ? 0 : nameAt(t, o.reply, 'receive');
        await t.mach_msg(
          {
            header: { msgh_bits: (C.MACH_MSGH_BITS(o.disp, o.replyDisp) | (descriptors.length > 0 ? C.MACH_MSGH_BITS_COMPLEX : 0)) >>> 0, msgh_remote_port: nameAt(t, o.n, o.kind), msgh_local_port: reply, msgh_id: 1 },
            descriptors: descriptors.length > 0 ? descriptors : undefined,
          },
          C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT,
          0,
          0,
        );
        break;
      }
      case 'recv':
        await t.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT | C.MACH_RCV_GUARDED_DESC, nameAt(t, o.n, o.kind), 0);
        break;
      case 'member': {
        const fns = [t.mach_port_move_member, t.mach_port_insert_member, t.mach_port_extract_member];
        fns[o.how]!.call(t, self, nameAt(t, o.n, 'receive'), nameAt(t, o.s, 'set'));
        break;
      }
      case 'qlimit':
        t.mach_port_set_attributes(self, nameAt(t, o.n, 'receive'), C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: o.q });
        break;
      case 'give': {
        const e = t.space.lookup(nameAt(t, o.n, 'receive'));
        const to = tasks[o.to]!;
        if (e !== undefined && e.object !== null && (e.bits & C.MACH_PORT_TYPE_RECEIVE) !== 0 && !to.terminated) {
          k.copyoutRight(to, portOf(t, e.name), C.MACH_MSG_TYPE_MAKE_SEND);
        }
        break;
      }
      case 'terminate':
        t.terminate();
        break;
    }
  } catch (err) {
    if (!(err instanceof MachError)) throw err;
  }
}

describe('properties', () => {
  it('every right stays accounted for through random operations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), fc.array(op, { minLength: 1, maxLength: 25 }), async (seed, ops) => {
        const { k, tasks } = setup(seed);
        for (const o of ops) {
          await run(k, tasks, o);
          k.checkInvariants();
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('no-senders fires exactly once when the last send right goes, never while one exists', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), fc.array(op, { minLength: 1, maxLength: 20 }), async (seed, ops) => {
        const { k, tasks } = setup(seed);
        const owner = tasks[0]!;
        const self = owner.mach_task_self();
        const watched = owner.space.entries().find((e) => (e.bits & C.MACH_PORT_TYPE_RECEIVE) !== 0 && e.object !== owner.taskPort)!.name;
        const watchedPort = portOf(owner, watched);
        const n = owner.mach_port_allocate(self, C.MACH_PORT_RIGHT_RECEIVE);
        const notifyPort = portOf(owner, n);
        owner.mach_port_request_notification(self, watched, C.MACH_NOTIFY_NO_SENDERS, 1, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
        // The owner keeps its receive rights and never lets the notify port go: only the
        // other tasks act (task 0's ops are skipped).
        for (const o of ops) if (o.t !== 0) await run(k, tasks, o);
        let seen = 0;
        for (let m = notifyPort.head; m !== null; m = m.next) if (m.id === C.MACH_NOTIFY_NO_SENDERS) seen++;
        if (!watchedPort.active) return;
        if (watchedPort.srights === 0) expect(seen).toBe(1);
        else expect(seen).toBe(0);
        k.checkInvariants();
      }),
      { numRuns: RUNS },
    );
  });

  it('nothing survives the termination of every task', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), fc.array(op, { minLength: 1, maxLength: 20 }), fc.constantFrom([0, 1, 2], [2, 1, 0], [1, 0, 2]), async (seed, ops, order) => {
        const { k, tasks } = setup(seed);
        for (const o of ops) await run(k, tasks, o);
        for (const i of order) tasks[i]!.terminate();
        k.checkInvariants();
        expect(k.tasks).toEqual([]);
        for (const p of k.ports) expect(p.inKernel).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('no task can use another task’s names', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), fc.array(op, { minLength: 1, maxLength: 15 }), idx, async (seed, ops, pick) => {
        const { k, tasks } = setup(seed);
        for (const o of ops) await run(k, tasks, o);
        const [a, b] = [tasks[1]!, tasks[2]!];
        if (a.terminated || b.terminated) return;
        const foreign = a.space.entries().map((e) => e.name).filter((n) => b.space.lookup(n) === undefined);
        if (foreign.length === 0) return;
        const name = foreign[pick % foreign.length]!;
        const before = JSON.stringify(b.spaceInfo(), (_, v) => (typeof v === 'bigint' ? v.toString() : v));
        const self = b.mach_task_self();
        if (b.space.lookup(self) === undefined) return;
        const attempts: Array<() => unknown> = [
          () => b.mach_port_deallocate(self, name),
          () => b.mach_port_destroy(self, name),
          () => b.mach_port_mod_refs(self, name, C.MACH_PORT_RIGHT_SEND, -1),
          () => b.mach_port_insert_right(self, name, name, C.MACH_MSG_TYPE_MAKE_SEND),
          () => b.mach_port_get_attributes(self, name, C.MACH_PORT_RECEIVE_STATUS),
          () => b.mach_port_type(self, name),
        ];
        for (const f of attempts) expect(f).toThrow(MachError);
        await expect(b.mach_msg({ header: { msgh_bits: C.MACH_MSG_TYPE_COPY_SEND, msgh_remote_port: name, msgh_id: 0 } }, C.MACH_SEND_MSG)).rejects.toBeInstanceOf(MachError);
        await expect(b.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, name, 0)).rejects.toBeInstanceOf(MachError);
        expect(JSON.stringify(b.spaceInfo(), (_, v) => (typeof v === 'bigint' ? v.toString() : v))).toBe(before);
        k.checkInvariants();
      }),
      { numRuns: RUNS },
    );
  });
});
