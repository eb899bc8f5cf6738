/**
 * Fuzz (b): random messages into mach_msg on the emulator, between three tasks. Each
 * case makes up to eight calls with random header bits and dispositions (valid ones and
 * not), names (own, foreign, stale, dead, NULL, malformed, any uint32), descriptors of
 * every kind (and junk), OOL sizes that lie, option words, timeouts, receive names and
 * sizes, abort signals (already aborted, or aborted by a later step) and task
 * terminations in between. Every call must end in a value, a MachError or a TypeError;
 * after every call the kernel's invariants hold; at the end every pending call settles
 * once the tasks terminate and nothing of the case is left in the kernel.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { fuzz, timeoutFor } from './config.js';
import {
  C,
  FuzzAbort,
  msgSpecArb,
  optionArb,
  orderArb,
  receivePickArb,
  rcvSizeArb,
  timeoutArb,
  tick,
  withWorld,
  type MsgSpec,
  type Pick,
  buildMessage,
  type World,
} from './world.js';

type Control =
  | { t: 'none' }
  | { t: 'aborted' }
  | { t: 'live' }
  | { t: 'kobject'; v: boolean }
  | { t: 'junk'; v: unknown };

const controlArb: fc.Arbitrary<Control> = fc.oneof(
  { weight: 20, arbitrary: fc.constant({ t: 'none' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'aborted' as const }) },
  { weight: 3, arbitrary: fc.constant({ t: 'live' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('kobject' as const), v: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('junk' as const), v: fc.constantFrom<unknown>(null, 5, 'x', { signal: 5 }, { kobjectCall: 1 }) }) },
);

type Op =
  | { op: 'msg'; task: number; spec: MsgSpec | null; option: number; rcvName: Pick; timeout: number; rcvSize: number | undefined; control: Control }
  | { op: 'abort'; which: number }
  | { op: 'terminate'; task: number }
  | { op: 'wait' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.record({
      op: fc.constant('msg' as const),
      task: fc.nat(2),
      spec: fc.option(msgSpecArb, { freq: 20 }),
      option: optionArb,
      rcvName: receivePickArb,
      timeout: timeoutArb,
      rcvSize: rcvSizeArb,
      control: controlArb,
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('abort' as const), which: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('terminate' as const), task: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'wait' as const }) },
);

async function runCase(w: World, ops: Op[]): Promise<void> {
  const live: AbortController[] = [];
  for (const [n, op] of ops.entries()) {
    switch (op.op) {
      case 'msg': {
        const t = w.tasks[op.task]!;
        const msg = op.spec === null ? undefined : buildMessage(w, t, op.spec);
        let control: unknown;
        switch (op.control.t) {
          case 'none':
            break;
          case 'aborted': {
            const c = w.controller();
            c.abort(new FuzzAbort(-1));
            control = { signal: c.signal };
            break;
          }
          case 'live': {
            const c = w.controller();
            live.push(c);
            control = { signal: c.signal };
            break;
          }
          case 'kobject':
            control = { kobjectCall: op.control.v };
            break;
          case 'junk':
            control = op.control.v;
            break;
        }
        const rcvName = w.pick(t, op.rcvName);
        let p: Promise<unknown>;
        try {
          p = t.mach_msg(msg, op.option, rcvName, op.timeout, op.rcvSize, control as never);
        } catch (e) {
          throw new Error(`step ${n}: mach_msg threw synchronously instead of rejecting: ${String(e)}`);
        }
        if (!(p instanceof Promise)) throw new Error(`step ${n}: mach_msg returned ${String(p)}, not a promise`);
        w.outcomes.track(`step ${n} mach_msg(option 0x${op.option.toString(16)}) by ${t.name}`, p);
        break;
      }
      case 'abort': {
        const c = live[op.which % Math.max(1, live.length)];
        if (c !== undefined && !c.signal.aborted) c.abort(new FuzzAbort(op.which));
        break;
      }
      case 'terminate':
        w.tasks[op.task]!.terminate();
        break;
      case 'wait':
        await new Promise((resolve) => setTimeout(resolve, 2));
        break;
    }
    await tick();
    w.outcomes.check();
    w.k.checkInvariants();
  }
}

describe('fuzz: mach_msg with random messages between tasks', () => {
  it(
    'every call ends in a value, MachError or TypeError; invariants hold; teardown leaves nothing',
    async () => {
      await fuzz(
        'msg.random',
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 8 }), orderArb, async (ops, order) => {
          await withWorld((w) => runCase(w, ops), order);
        }),
      );
    },
    timeoutFor(),
  );
});

// Keep C referenced for readers extending the ops above.
void C;
