/**
 * Right operations as data, for the rights fuzz and the isolation fuzz: every
 * mach_port_* call of MachApi (and the bootstrap, host and task calls, and a polling
 * receive), with arguments drawn at random and resolved against the caller's names when
 * the call runs, and now and then a wrong-typed argument.
 */
import fc from 'fast-check';
import type { EmulatedTask } from '../../lib/emulator/index.js';
import { C, descDispArb, int32Arb, pickArb, receivePickArb, sendPickArb, tick, u32Arb, type Pick, type World } from './world.js';

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
  const fn = (t as unknown as Record<string, (...a: unknown[]) => unknown>)[op.call]!;
  const r = w.outcomes.call(what, () => fn.apply(t, args));
  if (!r.ok && r.error instanceof TypeError) {
    const after = snapshot(w);
    if (after !== before) throw new Error(`${what}: TypeError (${r.error.message}) but the spaces changed`);
  }
}
