/**
 * Right operations as data, for the rights fuzz and the isolation fuzz: every
 * mach_port_* call of MachApi (and the bootstrap, host and task calls, and a polling
 * receive), with arguments drawn at random and resolved against the caller's names when
 * the call runs, and now and then a wrong-typed argument. The calls that only read
 * (mach_port_peek, mach_port_get_srights) and the guard calls are checked against the
 * kernel's state after they run (see {@link checkerFor}).
 */
import fc from 'fast-check';
import { MachError } from '../../lib/errors.js';
import { IP_VALID, type EmulatedTask, type Kernel, type Port, type PortRef } from '../../lib/emulator/index.js';
import type { PortPeekResult, ReceivedMessage } from '../../lib/types.js';
import { stat } from './config.js';
import { C, descDispArb, int32Arb, pickArb, queuedPickArb, receivePickArb, sendPickArb, tick, u32Arb, type Pick, type World } from './world.js';

export const CALLS = [
  'mach_port_allocate',
  'mach_port_allocate_name',
  'mach_port_deallocate',
  'mach_port_destroy',
  'mach_port_mod_refs',
  'mach_port_get_refs',
  'mach_port_insert_right',
  'mach_port_extract_right',
  'mach_port_type',
  'mach_port_names',
  'mach_port_move_member',
  'mach_port_insert_member',
  'mach_port_extract_member',
  'mach_port_get_set_status',
  'mach_port_request_notification',
  'mach_port_get_attributes',
  'mach_port_set_attributes',
  'mach_port_set_mscount',
  'mach_port_set_seqno',
  'mach_port_get_context',
  'mach_port_set_context',
  'mach_port_construct',
  'mach_port_destruct',
  'mach_port_guard',
  'mach_port_unguard',
  'mach_port_guard_with_flags',
  'mach_port_swap_guard',
  'mach_port_peek',
  'mach_port_get_srights',
  'mach_port_kobject',
  'mach_host_self',
  'host_info',
  'task_info',
  'bootstrap_look_up',
  'bootstrap_check_in',
  'bootstrap_register',
  'receive',
] as const;
export type CallName = (typeof CALLS)[number];


/** Values of the wrong JS type for any parameter (numbers, bigints, booleans, objects alike). */
export const BAD_VALUES: unknown[] = [undefined, null, '1', '0x103', 1.5, NaN, Infinity, -Infinity, 2 ** 32, -(2 ** 31) - 1, 2 ** 53, 10n, {}, [], true, () => 1, Symbol('s')];

export interface RightOp {
  call: CallName;
  task: number;
  /** 0: the caller's own task name; 1: the next task's task port; 2: a picked name. */
  target: number;
  targetPick: Pick;
  a: Pick;
  b: Pick;
  /** The name mach_port_peek looks at: mostly a receive right with messages queued. */
  q: Pick;
  right: number;
  delta: number;
  disp: number;
  msgid: number;
  n: number;
  n2: number;
  big: bigint;
  flag: boolean;
  flavor: number;
  count: number | undefined;
  service: string;
  bad: { pos: number; value: unknown } | null;
}

const rightArb = fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 0, max: 5 }) }, { weight: 1, arbitrary: fc.integer({ min: 6, max: 10 }) }, { weight: 1, arbitrary: u32Arb });
const deltaArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -2, max: 2 }) },
  { weight: 2, arbitrary: fc.constantFrom(-65535, 65535, -65536, 65536, 65534, -65534, 0x7fffffff, -0x80000000) },
  { weight: 1, arbitrary: int32Arb },
);
const msgidArb = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(65, 66, 69, 70, 71, 72) }, { weight: 1, arbitrary: fc.constantFrom(0, 64, 67, 68, 77) }, { weight: 1, arbitrary: int32Arb });
const smallOrAny = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 8 }) }, { weight: 2, arbitrary: fc.constantFrom(1024, 1025, 65534, 65535, 0x7fffffff) }, { weight: 1, arbitrary: u32Arb });
const bigArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(0n, 0x1234n, 1n) },
  { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) },
  { weight: 1, arbitrary: fc.constantFrom(-1n, 1n << 64n, -(1n << 63n)) },
);
const serviceArb = fc.oneof(fc.constantFrom('com.example.fuzz', 'com.example.fuzz2', '', 'x'.repeat(127), 'x'.repeat(128), 'a\0b'), fc.string({ maxLength: 8 }));

export const rightOpArb: fc.Arbitrary<RightOp> = fc.record({
  call: fc.constantFrom(...CALLS),
  task: fc.nat(2),
  target: fc.oneof({ weight: 10, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) }),
  targetPick: pickArb,
  a: fc.oneof(pickArb, receivePickArb, sendPickArb),
  b: fc.oneof(pickArb, receivePickArb),
  q: queuedPickArb,
  right: rightArb,
  delta: deltaArb,
  disp: descDispArb,
  msgid: msgidArb,
  n: smallOrAny,
  n2: smallOrAny,
  big: bigArb,
  flag: fc.boolean(),
  flavor: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 10 }) }, { weight: 1, arbitrary: int32Arb }),
  count: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: 20 }) }, { weight: 1, arbitrary: u32Arb }),
  service: serviceArb,
  bad: fc.oneof({ weight: 12, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.record({ pos: fc.nat(5), value: fc.constantFrom(...BAD_VALUES) }) }),
});

/** The arguments of a call as the op describes them, names resolved for `t`. */
export function argsFor(w: World, t: EmulatedTask, op: RightOp, nameFor: (p: Pick) => number = (p) => w.pick(t, p)): unknown[] {
  const i = w.tasks.indexOf(t);
  const target = op.target === 0 ? t.mach_task_self() : op.target === 1 && i >= 0 && i < w.rights.length ? w.rights[i]!.taskNext : nameFor(op.targetPick);
  const a = nameFor(op.a);
  const b = nameFor(op.b);
  switch (op.call) {
    case 'mach_port_allocate':
      return [target, op.right];
    case 'mach_port_allocate_name':
      return [target, op.right, op.flag ? a : op.n2];
    case 'mach_port_deallocate':
    case 'mach_port_destroy':
    case 'mach_port_type':
    case 'mach_port_get_set_status':
    case 'mach_port_get_context':
    case 'mach_port_kobject':
    case 'mach_port_get_srights':
      return [target, a];
    case 'mach_port_mod_refs':
      return [target, a, op.right, op.delta];
    case 'mach_port_get_refs':
      return [target, a, op.right];
    case 'mach_port_insert_right':
      return [target, op.flag ? a : b, a, op.disp];
    case 'mach_port_extract_right':
      return [target, a, op.disp];
    case 'mach_port_names':
      return [target];
    case 'mach_port_move_member':
    case 'mach_port_insert_member':
    case 'mach_port_extract_member':
      return [target, a, op.flag ? b : 0];
    case 'mach_port_request_notification':
      return [target, a, op.msgid, op.n % 4, op.flag ? b : 0, op.disp];
    case 'mach_port_get_attributes':
      return [target, a, op.flavor, op.count];
    case 'mach_port_set_attributes':
      return [target, a, op.flavor, op.flag ? { mpl_qlimit: op.n } : op.count === undefined ? [op.n, op.n2] : op.n];
    case 'mach_port_set_mscount':
    case 'mach_port_set_seqno':
      return [target, a, op.n];
    case 'mach_port_set_context':
      return [target, a, op.big];
    case 'mach_port_construct':
      return [target, { flags: op.flag ? op.n2 & 0xffff : op.n2, ...(op.count !== undefined ? { mpl: { mpl_qlimit: op.n } } : {}) }, op.big];
    case 'mach_port_destruct':
      return [target, a, op.delta, op.big];
    case 'mach_port_guard':
      return [target, a, op.big, op.flag];
    case 'mach_port_unguard':
      return [target, a, op.big];
    case 'mach_port_guard_with_flags':
      return [target, a, op.big, op.flag ? op.n & (C.MPG_STRICT | C.MPG_IMMOVABLE_RECEIVE) : op.n2];
    case 'mach_port_swap_guard':
      // The case's guarded ports are guarded with 0x1234.
      return [target, a, op.flag ? 0x1234n : op.big, op.flag ? op.big : BigInt(op.n2)];
    case 'mach_port_peek': {
      // Mostly format 0 with 0-7 elements (5-7 are past the audit trailer), now and then any word.
      const trailerType = op.flavor >= 0 && op.flavor <= 10 ? C.MACH_RCV_TRAILER_TYPE(C.MACH_MSG_TRAILER_FORMAT_0) | C.MACH_RCV_TRAILER_ELEMENTS(op.flavor % 8) : op.flavor >>> 0;
      // No seqno (the first message), a small one near the ports' sequence numbers, or any.
      return [target, nameFor(op.q), trailerType, op.count];
    }
    case 'mach_host_self':
      return [];
    case 'host_info':
      return [op.flag ? t.terminated ? 0 : t.mach_host_self() : a, op.flavor];
    case 'task_info':
      return [target, op.flag ? C.MACH_TASK_BASIC_INFO : op.flavor];
    case 'bootstrap_look_up':
    case 'bootstrap_check_in':
      return [op.flag ? t.bootstrap_port : a, op.service];
    case 'bootstrap_register':
      return [op.flag ? t.bootstrap_port : a, op.service, b];
    case 'receive':
      return [a, op.count];
  }
}

/** Every entry of every task: name, type bits, urefs (what a TypeError must leave alone). */
export function snapshot(w: World): string {
  return w.tasks.map((t) => (t.terminated ? 'x' : t.space.entries().map((e) => `${e.name}:${e.bits}:${e.urefs}`).join(','))).join('|');
}

/** Run one op; returns a promise for the receive op. */
export async function runRightOp(w: World, t: EmulatedTask, op: RightOp, args: unknown[], step: number): Promise<void> {
  if (op.bad !== null && args.length > 0) args[op.bad.pos % args.length] = op.bad.value;
  const what = `step ${step} ${op.call} by ${t.name}`;
  if (op.call === 'receive') {
    const [name, size] = args;
    w.outcomes.track(what, t.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT | C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AUDIT), name as number, 0, size as number | undefined));
    await tick();
    return;
  }
  if (process.env.FUZZ_TRACE) (await import('node:fs')).appendFileSync(process.env.FUZZ_TRACE, `${what} ${JSON.stringify(args, (_k, v) => (typeof v === 'bigint' ? `${v}n` : typeof v === 'symbol' || typeof v === 'function' ? String(v) : v))}\n`);
  const before = snapshot(w);
  const checker = checkerFor(w, t, op, args);
  const fn = (t as unknown as Record<string, (...a: unknown[]) => unknown>)[op.call]!;
  const r = w.outcomes.call(what, () => fn.apply(t, args));
  if (!r.ok && r.error instanceof TypeError) {
    const after = snapshot(w);
    if (after !== before) throw new Error(`${what}: TypeError (${r.error.message}) but the spaces changed`);
  }
  if (checker !== null) await checker(r, before, what);
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
type Checker = (r: Outcome, spacesBefore: string, what: string) => Promise<void>;

/** The live task whose space `task` (a task port name of `t`) stands for. */
function taskNamed(t: EmulatedTask, task: unknown): EmulatedTask | null {
  if (t.terminated || typeof task !== 'number') return null;
  const port = t.space.lookup(task)?.object as Port | null | undefined;
  if (port == null || port.isSet || !port.active || port.kobjectType !== C.IKOT_TASK_CONTROL) return null;
  const target = port.kobject as EmulatedTask;
  return target.terminated ? null : target;
}

/** The port whose receive right `name` is in `task`'s space. */
function receivePort(task: EmulatedTask, name: unknown): Port | null {
  if (typeof name !== 'number') return null;
  const e = task.space.lookup(name);
  return e !== undefined && e !== null && (e.bits & C.MACH_PORT_TYPE_RECEIVE) !== 0 ? (e.object as Port) : null;
}

/** A port's queue as the receiver would see it: sequence number, count, and the messages themselves. */
function queueOf(port: Port): { seqno: number; msgcount: number; kmsgs: unknown[] } {
  const kmsgs: unknown[] = [];
  for (let k = port.head; k !== null; k = k.next) kmsgs.push(k);
  return { seqno: port.seqno, msgcount: port.msgcount, kmsgs };
}

function sameQueue(a: ReturnType<typeof queueOf>, b: ReturnType<typeof queueOf>): boolean {
  return a.seqno === b.seqno && a.msgcount === b.msgcount && a.kmsgs.length === b.kmsgs.length && a.kmsgs.every((k, i) => k === b.kmsgs[i]);
}

/**
 * The send rights to `port` that exist, counted from where they are: the spaces' entries
 * (one per entry, whatever its user references), the messages queued on every port and
 * in blocked sends, and those kernel service code holds.
 */
export function sendRightsTo(k: Kernel, port: Port): number {
  let n = port.heldSend;
  const is = (p: PortRef, type: number): number => (IP_VALID(p) && p === port && type === C.MACH_MSG_TYPE_PORT_SEND ? 1 : 0);
  const inMessage = (m: NonNullable<Port['head']>): number => {
    let c = is(m.dest, C.MACH_MSGH_BITS_REMOTE(m.bits)) + is(m.reply, C.MACH_MSGH_BITS_LOCAL(m.bits));
    for (const d of m.descs ?? []) {
      if (d.type === C.MACH_MSG_PORT_DESCRIPTOR || d.type === C.MACH_MSG_GUARDED_PORT_DESCRIPTOR) c += is(d.port, d.disposition);
      else if (d.type === C.MACH_MSG_OOL_PORTS_DESCRIPTOR) for (const p of d.ports) c += is(p, d.disposition);
    }
    return c;
  };
  for (const t of k.tasks) for (const e of t.space.entries()) if (e.object === port && (e.bits & C.MACH_PORT_TYPE_SEND) !== 0) n++;
  for (const p of k.ports) {
    for (let m = p.head; m !== null; m = m.next) n += inMessage(m);
    for (const s of p.sendWaiters ?? []) n += inMessage(s.kmsg);
  }
  return n;
}

/** Port descriptors of a received message: each is 4 bytes smaller than in the kernel. */
function portDescriptors(m: ReceivedMessage): number {
  return m.descriptors.filter((d) => d.type === C.MACH_MSG_PORT_DESCRIPTOR).length;
}

/**
 * What must hold after mach_port_peek, mach_port_get_srights and the guard calls, read
 * from the kernel before the call: null for the other calls, or when the call's task
 * argument is not a live task of the case (then there is nothing to compare with).
 */
function checkerFor(w: World, t: EmulatedTask, op: RightOp, args: unknown[]): Checker | null {
  if (op.call !== 'mach_port_peek' && op.call !== 'mach_port_get_srights' && op.call !== 'mach_port_guard_with_flags' && op.call !== 'mach_port_swap_guard') return null;
  const task = taskNamed(t, args[0]);
  if (task === null) return null;
  const name = args[1] as number;
  const port = receivePort(task, name);
  const fail = (what: string, why: string): never => {
    throw new Error(`${what}: ${why}`);
  };
  switch (op.call) {
    case 'mach_port_peek': {
      const queue = port !== null ? queueOf(port) : null;
      const [, , trailerType, seqno] = args;
      return async (r, spacesBefore, what) => {
        if (port !== null && !sameQueue(queue!, queueOf(port))) fail(what, 'the peek changed the queue');
        if (!r.ok) {
          // KERN_FAILURE says no message has that sequence number: the queue agrees.
          if (r.error instanceof MachError && r.error.kr === C.KERN_FAILURE && port !== null && typeof seqno === 'number' && seqno !== 0) {
            if (seqno >= queue!.seqno && seqno < queue!.seqno + queue!.msgcount) fail(what, `KERN_FAILURE for seqno ${seqno}, queued ${queue!.seqno}..${queue!.seqno + queue!.msgcount - 1}`);
          }
          if (r.error instanceof MachError && r.error.kr === C.KERN_FAILURE && port !== null && !seqno && queue!.msgcount > 0) fail(what, 'KERN_FAILURE with messages queued');
          return;
        }
        if (port === null) fail(what, 'a peek succeeded on a name that holds no receive right');
        if (snapshot(w) !== spacesBefore) fail(what, 'the peek changed a space');
        const peeked = r.value as PortPeekResult;
        const want = !seqno ? queue!.seqno : (seqno as number);
        if (peeked.seqno !== want) fail(what, `peeked seqno ${peeked.seqno}, asked for ${want}`);
        if (peeked.trailer_size !== C.REQUESTED_TRAILER_SIZE(trailerType as number)) fail(what, `trailer_size ${peeked.trailer_size}`);
        stat('check: peeked, the queue unchanged');
        // Receive the message peeked at when it is the first: it is the message received.
        if (!op.flag || peeked.seqno !== port!.seqno) return;
        const elements = C.GET_RCV_ELEMENTS(trailerType as number);
        const option = C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT | C.MACH_RCV_GUARDED_DESC | C.MACH_RCV_TRAILER_ELEMENTS(elements);
        const p = task.mach_msg(undefined, option, name, 0);
        w.outcomes.track(`${what}, then the receive`, p);
        let m: ReceivedMessage | undefined;
        try {
          m = await p;
        } catch (e) {
          if (e instanceof MachError) return;
          throw e;
        }
        if (m === undefined) fail(what, 'the receive after the peek returned nothing');
        const got = m!;
        if (got.header.msgh_id !== peeked.msg_id) fail(what, `peeked id ${peeked.msg_id}, received ${got.header.msgh_id}`);
        if (peeked.msg_size !== got.size + 8 + 4 * portDescriptors(got)) fail(what, `peeked size ${peeked.msg_size}, received ${got.size} with ${portDescriptors(got)} port descriptors`);
        if (elements >= C.MACH_RCV_TRAILER_SEQNO && got.trailer.seqno !== peeked.seqno) fail(what, `peeked seqno ${peeked.seqno}, received ${got.trailer.seqno}`);
        if (elements >= C.MACH_RCV_TRAILER_SENDER && JSON.stringify(got.trailer.sender) !== JSON.stringify(peeked.trailer.sender)) fail(what, 'the peeked sender differs from the received one');
        if (elements >= C.MACH_RCV_TRAILER_AUDIT && JSON.stringify(got.trailer.audit) !== JSON.stringify(peeked.trailer.audit)) fail(what, 'the peeked audit token differs from the received one');
        stat('check: peeked, then received the same message');
      };
    }
    case 'mach_port_get_srights':
      return async (r, spacesBefore, what) => {
        if (!r.ok) return;
        if (port === null) fail(what, 'succeeded on a name that holds no receive right');
        if (snapshot(w) !== spacesBefore) fail(what, 'mach_port_get_srights changed a space');
        const counted = sendRightsTo(w.k, port!);
        if (r.value !== counted) fail(what, `mach_port_get_srights says ${String(r.value)}, ${counted} send rights exist`);
        stat(`check: srights counted (${counted > 1 ? 'several' : counted})`);
      };
    case 'mach_port_guard_with_flags':
    case 'mach_port_swap_guard': {
      const guard = (p: Port) => ({ context: p.context, guarded: p.guarded, strict: p.strictGuard, immovable: p.immovableReceive });
      const was = port !== null ? guard(port) : null;
      const show = (g: unknown) => JSON.stringify(g, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
      // A guard as the call takes it: any bigint modulo 2^64, or a non-negative safe integer.
      const u64 = (v: unknown): bigint | undefined => (typeof v === 'bigint' ? BigInt.asUintN(64, v) : typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : undefined);
      return async (r, _spacesBefore, what) => {
        if (port === null || was === null) {
          if (r.ok) fail(what, 'succeeded on a name that holds no receive right');
          return;
        }
        const now = guard(port);
        if (!r.ok) {
          if (show(now) !== show(was)) fail(what, `failed but changed the guard: ${show(was)} → ${show(now)}`);
          if (r.error instanceof TypeError || !port.active) return;
          // Refused although XNU's conditions for it held.
          if (op.call === 'mach_port_swap_guard' && was.guarded && !was.strict && was.context === u64(args[2])) fail(what, `refused: ${String(r.error)}`);
          if (op.call === 'mach_port_guard_with_flags' && was.context === 0n) fail(what, `refused on an unguarded port: ${String(r.error)}`);
          return;
        }
        if (op.call === 'mach_port_guard_with_flags') {
          const flags = args[3] as number;
          const expected = { context: u64(args[2]), guarded: true, strict: (flags & C.MPG_STRICT) !== 0, immovable: was.immovable || (flags & C.MPG_IMMOVABLE_RECEIVE) !== 0 };
          if (was.context !== 0n) fail(what, `guarded a port whose context was ${was.context}`);
          if (show(now) !== show(expected)) fail(what, `guard ${show(now)}, expected ${show(expected)}`);
          stat('check: guarded with flags');
        } else {
          if (!was.guarded || was.strict || was.context !== u64(args[2])) fail(what, `swapped the guard of ${show(was)}`);
          const expected = { ...was, context: u64(args[3]) };
          if (show(now) !== show(expected)) fail(what, `guard ${show(now)}, expected ${show(expected)}`);
          stat('check: guard swapped');
        }
      };
    }
  }
}
