/**
 * Fuzz: hostile MIG requests to the servers the emulated kernel runs inside mach_msg —
 * the host port, task ports (one's own and another task's), the emulated launchd and
 * notifyd. Each request has a routine id near or far from the ones the servers know, a
 * body of random words (often starting with an NDR record, sometimes with a service or
 * notification name where the routines expect one), random descriptors, and goes either
 * through the task's MIG path (EmulatedTask.kernelCall) or through a plain mach_msg
 * (SEND|RCV on a reply port, as a kernel-object call or not). A server must answer with a
 * reply (an error RetCode is fine) or refuse with a MachError / TypeError, never crash;
 * the kernel's invariants hold after every request (request rights are destroyed on an
 * error reply, reference S97) and the teardown leaves nothing behind.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { NOTIFY_SERVICE_NAME } from '../../lib/emulator/index.js';
import type { EmulatedTask } from '../../lib/emulator/index.js';
import type { MachMessage, MachMsgDescriptor } from '../../lib/types.js';
import { fuzz, timeoutFor } from './config.js';
import { C, descSpecArb, orderArb, pickArb, tick, u32Arb, withWorld, type DescSpec, type Pick, type World } from './world.js';

const KNOWN_IDS = [200, 201, 202, 216, 219, 3200, 3201, 3202, 3203, 3204, 3205, 3206, 3207, 3208, 3217, 3225, 3405, 402, 403, 404, 1002, 1003, 1004, 1005, 1008, 1009, 1010, 1011, 1015, 1016, 1018, 1020, 1023, 1027];

const idArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...KNOWN_IDS) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...KNOWN_IDS), fc.integer({ min: -3, max: 3 })).map(([id, d]) => id + d) },
  { weight: 1, arbitrary: fc.integer({ min: -0x80000000, max: 0x7fffffff }) },
);

interface KOp {
  task: number;
  /** 0 host, 1 own task port, 2 next task's task port, 3 launchd, 4 notifyd, 5 a picked name. */
  target: number;
  pick: Pick;
  path: 'kernelCall' | 'mach_msg';
  kobjectCall: boolean;
  id: number;
  ndr: boolean;
  name: string | null;
  words: number[];
  descriptors: DescSpec[] | null;
  rcvSize: number | undefined;
}

const kopArb: fc.Arbitrary<KOp> = fc.record({
  task: fc.nat(2),
  target: fc.integer({ min: 0, max: 5 }),
  pick: pickArb,
  path: fc.constantFrom('kernelCall' as const, 'mach_msg' as const),
  kobjectCall: fc.boolean(),
  id: idArb,
  ndr: fc.boolean(),
  name: fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom('com.example.fuzz', NOTIFY_SERVICE_NAME, 'com.apple.system.config', '', 'x'.repeat(200)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  ),
  words: fc.array(fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 64 }) }, { weight: 2, arbitrary: u32Arb }), { maxLength: 48 }),
  descriptors: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.array(descSpecArb, { maxLength: 3 }) }),
  rcvSize: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 128 }) }),
});

/** A body: maybe an NDR record, maybe a name as MIG lays out c_string[128] or a notify_name, then words. */
function body(op: KOp): Uint8Array {
  const parts: number[] = [];
  if (op.ndr) parts.push(0, 1);
  const bytes: number[] = [];
  for (const w of parts) bytes.push(w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24);
  if (op.name !== null) {
    const name = new TextEncoder().encode(op.name);
    if (op.id >= 1000 && op.id < 1100) {
      // notify_name: offset, count, bytes padded to 4
      const n = Math.min(name.length + 1, 512);
      bytes.push(0, 0, 0, 0, n & 0xff, n >>> 8, 0, 0, ...name.subarray(0, n - 1), 0);
      while (bytes.length % 4 !== 0) bytes.push(0);
    } else {
      const fixed = new Uint8Array(128);
      fixed.set(name.subarray(0, 128));
      bytes.push(...fixed);
    }
  }
  for (const w of op.words) bytes.push(w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24);
  return Uint8Array.from(bytes);
}

function destination(w: World, t: EmulatedTask, op: KOp, notifyd: Map<EmulatedTask, number>): number {
  const i = w.tasks.indexOf(t);
  switch (op.target) {
    case 0:
      return t.mach_host_self();
    case 1:
      return t.mach_task_self();
    case 2:
      return w.rights[i]!.taskNext;
    case 3:
      return t.bootstrap_port;
    case 4: {
      let n = notifyd.get(t);
      if (n === undefined) {
        n = t.bootstrap_look_up(t.bootstrap_port, NOTIFY_SERVICE_NAME);
        notifyd.set(t, n);
      }
      return n;
    }
    default:
      return w.pick(t, op.pick);
  }
}

const property = fc.asyncProperty(fc.array(kopArb, { minLength: 1, maxLength: 6 }), orderArb, async (ops, order) => {
  await withWorld(async (w) => {
    const notifyd = new Map<EmulatedTask, number>();
    for (const [n, op] of ops.entries()) {
      const t = w.tasks[op.task]!;
      if (t.terminated) continue;
      const dest = w.outcomes.call(`step ${n} destination`, () => destination(w, t, op, notifyd));
      if (!dest.ok) continue;
      const descriptors = op.descriptors === null ? undefined : (op.descriptors.map((d) => buildDesc(w, t, d)) as MachMsgDescriptor[]);
      const header = {
        msgh_bits: (C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0) | (descriptors !== undefined ? C.MACH_MSGH_BITS_COMPLEX : 0)) >>> 0,
        msgh_remote_port: dest.value,
        msgh_id: op.id,
      };
      const msg: MachMessage = { header, body: body(op), ...(descriptors !== undefined ? { descriptors } : {}) };
      const what = `step ${n} ${op.path} id ${op.id} to target ${op.target} by ${t.name}`;
      if (op.path === 'kernelCall') {
        w.outcomes.call(what, () => t.kernelCall(msg));
      } else {
        // (A request may have moved the task's own task-port send right away: third-party
        // processes' control ports are movable, reference §1.14. Then this fails too.)
        const made = w.outcomes.call(`step ${n} reply port`, () => t.mach_port_allocate(t.mach_task_self(), C.MACH_PORT_RIGHT_RECEIVE));
        if (!made.ok) continue;
        const reply = made.value;
        header.msgh_bits = (header.msgh_bits | (C.MACH_MSG_TYPE_MAKE_SEND_ONCE << 8)) >>> 0;
        (msg.header as { msgh_local_port?: number }).msgh_local_port = reply;
        w.outcomes.track(what, t.mach_msg(msg, C.MACH_SEND_MSG | C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, reply, 0, op.rcvSize, { kobjectCall: op.kobjectCall }));
      }
      await tick();
      w.outcomes.check();
      w.k.checkInvariants();
    }
  }, order);
});

/** Descriptors as the world builds them (names resolved for `t`). */
function buildDesc(w: World, t: EmulatedTask, d: DescSpec): unknown {
  switch (d.t) {
    case 'port':
      return { type: 0, name: w.pick(t, d.name), disposition: d.disp };
    case 'ool':
      return { type: d.type, data: new Uint8Array(d.len), ...(d.size !== undefined ? { size: d.size } : {}), ...(d.copy !== undefined ? { copy: d.copy } : {}) };
    case 'oolPorts':
      return { type: 2, names: d.names.map((p) => w.pick(t, p)), disposition: d.disp };
    case 'guarded':
      return { type: 4, name: w.pick(t, d.name), disposition: d.disp, context: d.context, flags: d.flags };
    case 'badType':
      return { type: d.type, name: 0, disposition: 17 };
    case 'junk':
      return d.value;
  }
}

describe('fuzz: hostile MIG requests to the kernel’s servers', () => {
  it(
    'host, task, launchd and notifyd servers answer or refuse; invariants hold; nothing leaks',
    async () => {
      await fuzz('kobject.random', property);
    },
    timeoutFor(),
  );
});
