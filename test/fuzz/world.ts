/**
 * The fuzz world: a long-lived emulated kernel in which every case creates three tasks
 * holding a mix of rights (receive rights with and without send rights, a full queue
 * holding a message with rights, a port set, dead names, a send right to a port that
 * died but was not looked at since, send and send-once rights into the next task, a
 * send right to the next task's task port, a guarded port), runs random calls, and then
 * tears everything down. Teardown checks what must hold after any sequence of hostile
 * calls: every pending call settles once its task terminates (nothing hangs), the
 * kernel's invariants hold, every port the case made is gone (no leaked rights), no
 * timer and no abort listener is left behind.
 *
 * Names are chosen at run time from the current state ({@link Pick}): a name of the
 * calling task, of another task (foreign), a stale name, a special value (NULL, DEAD,
 * malformed), or any uint32.
 */
import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import * as C from '../../lib/constants.js';
import { MachError } from '../../lib/errors.js';
import { stat } from './config.js';
import { EmulatedNotifyd, Kernel, type EmulatedTask, type Port } from '../../lib/emulator/index.js';
import type { MachMessage, MachMsgDescriptor, ReceivedMessage } from '../../lib/types.js';

export { C };

export const u32Arb = fc.integer({ min: 0, max: 0xffffffff });
export const int32Arb = fc.integer({ min: -0x80000000, max: 0x7fffffff });
export const byteArb = fc.integer({ min: 0, max: 0xff });

// ---------------------------------------------------------------------------
// Names

/**
 * A name chosen when the call runs. k 0–1: any of the caller's names; 2–3: the caller's
 * receive rights and port sets; 4–6: the caller's send and send-once rights; 7–8:
 * another task's name; 9: a stale name; 10: a special value; 11: any uint32; 12 (only
 * from {@link queuedPickArb}): the caller's receive rights with messages queued, else as 2.
 */
export interface Pick {
  k: number;
  i: number;
  v: number;
}
export const pickArb: fc.Arbitrary<Pick> = fc.record({ k: fc.integer({ min: 0, max: 11 }), i: fc.nat(1000), v: u32Arb });
/** A pick that usually takes one of the caller's receive rights or port sets (k 2). */
export const receivePickArb: fc.Arbitrary<Pick> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant(2), i: fc.nat(1000), v: u32Arb }) },
  { weight: 1, arbitrary: pickArb },
);
/** A pick that usually takes one of the caller's send or send-once rights (k 4). */
export const sendPickArb: fc.Arbitrary<Pick> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant(4), i: fc.nat(1000), v: u32Arb }) },
  { weight: 1, arbitrary: pickArb },
);

/** A pick that usually takes one of the caller's receive rights with messages queued (k 12). */
export const queuedPickArb: fc.Arbitrary<Pick> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant(12), i: fc.nat(1000), v: u32Arb }) },
  { weight: 1, arbitrary: pickArb },
);

/** NULL, DEAD, the usual task-self name, index 0, malformed generations, huge indices. */
export const SPECIAL_NAMES = [0, 0xffffffff, 0x103, 0x7b, 0x7a, 0x100, 0xfffffffe, 0xffffff03, 0x1000003, 0x203] as const;

/** A task's names now (none once it has terminated). */
export function namesOf(t: EmulatedTask, types = 0xffffffff): number[] {
  if (t.terminated) return [];
  return t.space
    .entries()
    .filter((e) => (e.bits & types) !== 0)
    .map((e) => e.name);
}

// ---------------------------------------------------------------------------
// Dispositions, options, sizes

/** Header dispositions (5 bits): mostly the six valid ones, sometimes anything. */
export const headerDispArb = fc.oneof(
  { weight: 24, arbitrary: fc.integer({ min: 17, max: 21 }) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 31 }) },
);
/** Descriptor dispositions (a byte). */
export const descDispArb = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 16, max: 21 }) },
  { weight: 2, arbitrary: byteArb },
);

/** mach_msg option words: composed from the meaningful bits, or any uint32. */
export const optionArb = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .record({
        mode: fc.constantFrom(1, 1, 1, 1, 2, 2, 2, 3, 3, 0),
        sendTimeout: fc.boolean(),
        rcvTimeout: fc.boolean(),
        large: fc.boolean(),
        identity: fc.boolean(),
        notify: fc.boolean(),
        guarded: fc.boolean(),
        voucher: fc.boolean(),
        trailer: fc.boolean(),
        elements: fc.integer({ min: 0, max: 15 }),
        noise: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: u32Arb }),
      })
      .map((o) => {
        let v = o.noise;
        v |= o.mode; // MACH_SEND_MSG 1, MACH_RCV_MSG 2
        if (o.sendTimeout) v |= C.MACH_SEND_TIMEOUT;
        if (o.rcvTimeout) v |= C.MACH_RCV_TIMEOUT;
        if (o.large) v |= C.MACH_RCV_LARGE;
        if (o.identity) v |= C.MACH_RCV_LARGE_IDENTITY;
        if (o.notify) v |= C.MACH_SEND_NOTIFY;
        if (o.guarded) v |= C.MACH_RCV_GUARDED_DESC;
        if (o.voucher) v |= C.MACH_RCV_VOUCHER;
        if (o.trailer) v |= C.MACH_SEND_TRAILER;
        v |= C.MACH_RCV_TRAILER_ELEMENTS(o.elements);
        return v >>> 0;
      }),
  },
  { weight: 1, arbitrary: u32Arb },
);

/** Timeouts in milliseconds: zero (a poll), tiny ones that fire during a case, and any uint32. */
export const timeoutArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 4, max: 0x7fffffff }) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80000000, max: 0xffffffff }) },
);

/** Receive buffer sizes: none, small, around the header and trailer sizes, anything. */
export const rcvSizeArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 160 }) },
  { weight: 1, arbitrary: u32Arb },
);

// ---------------------------------------------------------------------------
// Messages as data, resolved against the caller's names when the call runs

export type DescSpec =
  | { t: 'port'; name: Pick; disp: number }
  | { t: 'ool'; type: 1 | 3; len: number; size: number | undefined; copy: number | undefined; dealloc: boolean | undefined }
  | { t: 'oolPorts'; names: Pick[]; disp: number; copy: number | undefined; dealloc: boolean }
  | { t: 'guarded'; name: Pick; disp: number; context: bigint; flags: number }
  | { t: 'badType'; type: number }
  | { t: 'junk'; value: unknown };

/** Descriptor shapes no caller should pass: each must give TypeError (or a MachError), never a crash. */
const JUNK_DESCRIPTORS: unknown[] = [
  null,
  5,
  'port',
  { type: 0.5 },
  { type: -1 },
  { type: 256 },
  { type: 0, name: 1.5, disposition: 17 },
  { type: 0, name: 0x103, disposition: 300 },
  { type: 0, name: 0x103, disposition: '17' },
  { type: 1, data: [1, 2, 3, 4] },
  { type: 1, data: new Uint8Array(4), size: -5 },
  { type: 1, data: new Uint8Array(4), copy: 1.5 },
  { type: 1, data: new Uint8Array(4), deallocate: 'yes' },
  { type: 2, names: 'abc', disposition: 17 },
  { type: 2, names: [0x103, 'x'], disposition: 17 },
  { type: 2, names: [0x103], disposition: -3 },
  { type: 4, name: 0x103, disposition: 16, flags: -1 },
  { type: 4, name: 0x103, disposition: 16, flags: 1, context: 'ctx' },
  { type: 4, name: 0x103, disposition: 16, flags: 1, context: -2 },
];

export const descSpecArb: fc.Arbitrary<DescSpec> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('port' as const), name: sendPickArb, disp: descDispArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('ool' as const),
      type: fc.constantFrom(1 as const, 3 as const),
      len: fc.nat(64),
      size: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.nat(80) }, { weight: 1, arbitrary: u32Arb }),
      copy: fc.oneof({ weight: 10, arbitrary: fc.constantFrom(undefined, 0, 1) }, { weight: 1, arbitrary: byteArb }),
      dealloc: fc.constantFrom(undefined, true, false),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('oolPorts' as const),
      names: fc.array(sendPickArb, { maxLength: 5 }),
      disp: descDispArb,
      copy: fc.oneof({ weight: 10, arbitrary: fc.constantFrom(undefined, 0, 1) }, { weight: 1, arbitrary: byteArb }),
      dealloc: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('guarded' as const),
      name: pickArb,
      disp: fc.oneof({ weight: 3, arbitrary: fc.constant(16) }, { weight: 1, arbitrary: descDispArb }),
      context: fc.oneof(fc.constant(0n), fc.constant(0x1234n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
      flags: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) }),
    }),
  },
  { weight: 1, arbitrary: fc.oneof(
    fc.record({ t: fc.constant('badType' as const), type: fc.integer({ min: 5, max: 255 }) }),
    fc.record({ t: fc.constant('junk' as const), value: fc.constantFrom(...JUNK_DESCRIPTORS) }),
  ) },
);

export interface MsgSpec {
  remoteDisp: number;
  localDisp: number;
  voucherDisp: number;
  remote: Pick;
  local: Pick | null;
  voucher: Pick | null;
  id: number;
  complex: boolean;
  descriptors: DescSpec[] | undefined;
  bodyLen: number;
  extraBits: number;
  sizeField: number | undefined;
}

export const msgSpecArb: fc.Arbitrary<MsgSpec> = fc
  .record({
  remoteDisp: headerDispArb,
  localDisp: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: headerDispArb }),
  voucherDisp: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: headerDispArb }),
  remote: sendPickArb,
  local: fc.option(pickArb, { freq: 8 }),
  voucher: fc.oneof({ weight: 10, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: pickArb }),
  id: int32Arb,
  /** Mostly COMPLEX iff there are descriptors; sometimes the other way round. */
  flipComplex: fc.oneof({ weight: 12, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.boolean() }),
  descriptors: fc.option(fc.array(descSpecArb, { maxLength: 4 }), { freq: 3, nil: undefined }),
  bodyLen: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 12 }).map((w) => w * 4) }, { weight: 1, arbitrary: fc.nat(64) }),
  extraBits: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(C.MACH_MSGH_BITS_RAISEIMP) }, { weight: 1, arbitrary: u32Arb }),
  sizeField: fc.option(u32Arb, { freq: 6, nil: undefined }),
})
  .map(({ flipComplex, ...s }) => {
    const complex = flipComplex === null ? s.descriptors !== undefined : flipComplex;
    // A zero reply disposition mostly comes with a null reply name.
    const local = s.localDisp === 0 && s.local !== null && s.id % 8 !== 0 ? null : s.local;
    return { ...s, complex, local };
  });

/**
 * A body that looks like a header and a kernel trailer claiming pid 0 / uid 0 (root,
 * the kernel's audit token): a sender may put any bytes there; they must never change
 * the receiver's trailer.
 */
export function forgedBody(len: number): Uint8Array {
  const body = new Uint8Array(len);
  const view = new DataView(body.buffer);
  for (let off = 0; off + 4 <= len; off += 4) view.setUint32(off, off % 8 === 0 ? 0 : 0x44, true);
  if (len >= 8) view.setUint32(4, 68, true); // msgh_trailer_size of a max trailer
  return body;
}

/** The MachMessage a spec describes for `t` (names resolved now). */
export function buildMessage(w: World, t: EmulatedTask, s: MsgSpec): MachMessage {
  const bits = (C.MACH_MSGH_BITS_SET_PORTS(s.remoteDisp, s.localDisp, s.voucherDisp) | (s.complex ? C.MACH_MSGH_BITS_COMPLEX : 0) | s.extraBits) >>> 0;
  const header: MachMessage['header'] = {
    msgh_bits: bits,
    msgh_remote_port: w.pick(t, s.remote),
    msgh_local_port: s.local === null ? 0 : w.pick(t, s.local),
    msgh_voucher_port: s.voucher === null ? 0 : w.pick(t, s.voucher),
    msgh_id: s.id,
  };
  if (s.sizeField !== undefined) header.msgh_size = s.sizeField;
  const msg: MachMessage = { header, body: forgedBody(s.bodyLen) };
  if (s.descriptors !== undefined) msg.descriptors = s.descriptors.map((d) => buildDescriptor(w, t, d)) as MachMsgDescriptor[];
  return msg;
}

function buildDescriptor(w: World, t: EmulatedTask, d: DescSpec): unknown {
  switch (d.t) {
    case 'port':
      return { type: 0, name: w.pick(t, d.name), disposition: d.disp };
    case 'ool': {
      const o: Record<string, unknown> = { type: d.type, data: new Uint8Array(d.len).fill(0xa5) };
      if (d.size !== undefined) o.size = d.size;
      if (d.copy !== undefined) o.copy = d.copy;
      if (d.dealloc !== undefined) o.deallocate = d.dealloc;
      return o;
    }
    case 'oolPorts': {
      const o: Record<string, unknown> = { type: 2, names: d.names.map((p) => w.pick(t, p)), disposition: d.disp, deallocate: d.dealloc };
      if (d.copy !== undefined) o.copy = d.copy;
      return o;
    }
    case 'guarded':
      return { type: 4, name: w.pick(t, d.name), disposition: d.disp, context: d.context, flags: d.flags };
    case 'badType':
      return { type: d.type, name: 0x103, disposition: 17 };
    case 'junk':
      return d.value;
  }
}

// ---------------------------------------------------------------------------
// Outcomes

/** An abort reason the fuzz made: a rejection with it is an accepted outcome. */
export class FuzzAbort {
  constructor(readonly index: number) {}
}

interface Tracked {
  what: string;
  settled: boolean;
  bad: unknown;
}

/**
 * Follows every call a case makes. An outcome is accepted when it is a value, a
 * MachError (MachGuardError included), a TypeError (wrong JS argument), or the abort
 * reason the fuzz itself gave a signal. Received messages are checked too: their
 * trailer names a sender task of this kernel (or the kernel), never forged bytes.
 */
export class Outcomes {
  private readonly tracked: Tracked[] = [];

  constructor(private readonly world: World) {}

  /** Follow a promise (or a synchronous call's result). */
  track(what: string, p: Promise<unknown>): void {
    const t: Tracked = { what, settled: false, bad: undefined };
    this.tracked.push(t);
    p.then(
      (v) => {
        t.settled = true;
        stat(v === undefined ? 'ok' : 'received');
        const problem = this.checkValue(v);
        if (problem !== null) t.bad = new Error(`${what} resolved with ${problem}`);
      },
      (e) => {
        t.settled = true;
        stat(e instanceof MachError ? e.code : e instanceof Error ? e.name + (process.env.FUZZ_STATS === '2' ? ': ' + e.message.replace(/[0-9]+/g, 'N').slice(0, 70) : '') : 'abort');
        if (!accepted(e)) t.bad = e;
      },
    );
  }

  /** Run a synchronous call: its outcome must be a value, MachError or TypeError. */
  call<T>(what: string, fn: () => T): { ok: true; value: T } | { ok: false; error: unknown } {
    try {
      const value = fn();
      stat('ok');
      return { ok: true, value };
    } catch (e) {
      stat(e instanceof MachError ? e.code : e instanceof Error ? e.name : String(e));
      if (!accepted(e)) throw wrap(what, e);
      return { ok: false, error: e };
    }
  }

  /** Throw the first unacceptable outcome so far. */
  check(): void {
    for (const t of this.tracked) if (t.bad !== undefined) throw wrap(t.what, t.bad);
  }

  /** Calls still pending. */
  pending(): string[] {
    return this.tracked.filter((t) => !t.settled).map((t) => t.what);
  }

  private checkValue(v: unknown): string | null {
    if (v === undefined) return null;
    const m = v as ReceivedMessage;
    if (typeof m !== 'object' || m === null || typeof m.header !== 'object') return `a non-message ${String(v)}`;
    if (m.header.msgh_size !== m.size) return `msgh_size ${m.header.msgh_size} ≠ size ${m.size}`;
    if (m.body.byteLength % 4 !== 0) return `a body of ${m.body.byteLength} bytes`;
    // Only the fields the requested trailer holds are meaningful (reference §2.3).
    const size = m.trailer.msgh_trailer_size;
    if (size >= 52) {
      const pid = m.trailer.audit.pid;
      if (!this.world.senderPids.has(pid)) return `a trailer naming pid ${pid}, which sent nothing`;
      const expectedUid = pid === 0 ? 0 : this.world.uidOf.get(pid);
      if (m.trailer.sender.uid !== expectedUid || m.trailer.audit.euid !== expectedUid) return `a trailer with uid ${m.trailer.sender.uid} for pid ${pid}`;
    } else if (size >= 20) {
      const uid = m.trailer.sender.uid;
      if (uid !== 0 && ![...this.world.uidOf.values()].includes(uid)) return `a trailer with uid ${uid}, which sent nothing`;
    }
    return null;
  }
}

export function accepted(e: unknown): boolean {
  return e instanceof MachError || e instanceof TypeError || e instanceof FuzzAbort;
}

function wrap(what: string, e: unknown): Error {
  const err = new Error(`${what}: unexpected outcome ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  if (e instanceof Error) err.stack = `${err.message}\n${e.stack ?? ''}`;
  return err;
}

/** Let the kernel's promise chains run (microtasks, then one macrotask turn). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

// ---------------------------------------------------------------------------
// The world

/** The kernel shared by consecutive cases (replaced after a failed case). */
let shared: Kernel | null = null;
let caseNo = 0;

/** What a case starts with, by task. */
export interface TaskRights {
  /** Receive right with a send right under the same name, member of `set`. */
  r1: number;
  /** Receive right with qlimit 1 and one queued message carrying rights (full). */
  r2: number;
  set: number;
  dead: number;
  guarded: number;
  /** Send right to the next task's r1, send-once right to the next task's r2. */
  sendNext: number;
  sendOnceNext: number;
  /** Send right to the next task's task port. */
  taskNext: number;
}

export class World {
  readonly k: Kernel;
  readonly tasks: EmulatedTask[];
  readonly rights: TaskRights[];
  readonly stale: number[] = [];
  /** Pids that may appear in a trailer (the case's tasks and the kernel's 0). */
  readonly senderPids = new Set<number>([0]);
  readonly uidOf = new Map<number, number>();
  readonly signals: AbortSignal[] = [];
  readonly outcomes: Outcomes;
  private readonly portsBefore: number;
  private readonly timersBefore: number;

  private constructor(k: Kernel, extraTasks: number) {
    this.k = k;
    this.portsBefore = k.ports.size;
    this.timersBefore = timers();
    this.outcomes = new Outcomes(this);
    const n = caseNo++;
    const tasks = [
      k.createTask({ name: `fz${n}.0` }),
      k.createTask({ name: `fz${n}.1`, uid: 0, gid: 0 }),
      k.createTask({ name: `fz${n}.2`, guardPolicy: 'hardened' }),
    ];
    for (let i = 0; i < extraTasks; i++) tasks.push(k.createTask({ name: `fz${n}.${3 + i}` }));
    this.tasks = tasks;
    for (const t of tasks) {
      this.senderPids.add(t.pid);
      this.uidOf.set(t.pid, t.uid);
    }
    this.rights = [];
  }

  /** A new case: three connected tasks (plus `extraTasks` bare ones) in the shared kernel. */
  static async create(extraTasks = 0): Promise<World> {
    // FUZZ_FRESH_KERNEL=1: a new kernel for every case (to replay a case on its own).
    if (process.env.FUZZ_FRESH_KERNEL) shared = null;
    if (shared === null) {
      shared = new Kernel({ seed: 0x5eed });
      EmulatedNotifyd.of(shared); // the system's notifyd, as launchd would have started it
    }
    const w = new World(shared, extraTasks);
    await w.populate();
    shared.checkInvariants();
    return w;
  }

  /** The Port behind a name of `t`. */
  portOf(t: EmulatedTask, name: number): Port {
    return t.space.lookup(name)!.object as Port;
  }

  private async populate(): Promise<void> {
    const k = this.k;
    const ts = this.tasks.slice(0, 3);
    const sends: Promise<unknown>[] = [];
    for (const t of ts) {
      const self = t.mach_task_self();
      const r1 = t.mach_port_allocate(self, C.MACH_PORT_RIGHT_RECEIVE);
      t.mach_port_insert_right(self, r1, r1, C.MACH_MSG_TYPE_MAKE_SEND);
      const r2 = t.mach_port_allocate(self, C.MACH_PORT_RIGHT_RECEIVE);
      t.mach_port_set_attributes(self, r2, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 1 });
      const set = t.mach_port_allocate(self, C.MACH_PORT_RIGHT_PORT_SET);
      t.mach_port_move_member(self, r1, set);
      const dead = t.mach_port_allocate(self, C.MACH_PORT_RIGHT_DEAD_NAME);
      const gone = t.mach_port_allocate(self, C.MACH_PORT_RIGHT_RECEIVE);
      t.mach_port_destroy(self, gone);
      this.stale.push(gone);
      const guarded = t.mach_port_construct(self, { flags: C.MPO_CONTEXT_AS_GUARD | C.MPO_INSERT_SEND_RIGHT }, 0x1234n);
      // Fill r2 (qlimit 1) with a message carrying a send right and a send-once reply.
      sends.push(
        t.mach_msg(
          {
            header: { msgh_bits: (C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_MAKE_SEND, C.MACH_MSG_TYPE_MAKE_SEND_ONCE) | C.MACH_MSGH_BITS_COMPLEX) >>> 0, msgh_remote_port: r2, msgh_local_port: r1, msgh_id: 1 },
            descriptors: [{ type: 0, name: r1, disposition: C.MACH_MSG_TYPE_COPY_SEND }],
            body: new Uint8Array(8),
          },
          C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT,
          0,
          0,
        ),
      );
      this.rights.push({ r1, r2, set, dead, guarded, sendNext: 0, sendOnceNext: 0, taskNext: 0 });
    }
    for (let i = 0; i < 3; i++) {
      const next = (i + 1) % 3;
      const r = this.rights[i]!;
      r.sendNext = k.copyoutRight(ts[i]!, this.portOf(ts[next]!, this.rights[next]!.r1), C.MACH_MSG_TYPE_MAKE_SEND);
      r.sendOnceNext = k.copyoutRight(ts[i]!, this.portOf(ts[next]!, this.rights[next]!.r2), C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      r.taskNext = k.copyoutRight(ts[i]!, ts[next]!.taskPort, C.MACH_MSG_TYPE_MAKE_SEND);
    }
    // A send right in task 0 to a port of task 2 that dies unseen (converted lazily).
    const t2 = ts[2]!;
    const r3 = t2.mach_port_allocate(t2.mach_task_self(), C.MACH_PORT_RIGHT_RECEIVE);
    k.copyoutRight(ts[0]!, this.portOf(t2, r3), C.MACH_MSG_TYPE_MAKE_SEND);
    t2.mach_port_destroy(t2.mach_task_self(), r3);
    // Task 1 watches its send right into task 2 with a dead-name request.
    const t1 = ts[1]!;
    t1.mach_port_request_notification(t1.mach_task_self(), this.rights[1]!.sendNext, C.MACH_NOTIFY_DEAD_NAME, 0, this.rights[1]!.r1, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    await Promise.all(sends);
  }

  /** Resolve a pick for a call made by `t`. */
  pick(t: EmulatedTask, p: Pick): number {
    if (p.k === 12) {
      const queued = namesOf(t, C.MACH_PORT_TYPE_RECEIVE).filter((n) => this.portOf(t, n).msgcount > 0);
      if (queued.length > 0) return queued[p.i % queued.length]!;
      return this.pick(t, { ...p, k: 2 });
    }
    if (p.k <= 6) {
      const types = p.k <= 1 ? 0xffffffff : p.k <= 3 ? C.MACH_PORT_TYPE_RECEIVE | C.MACH_PORT_TYPE_PORT_SET : C.MACH_PORT_TYPE_SEND | C.MACH_PORT_TYPE_SEND_ONCE;
      const names = namesOf(t, types);
      if (names.length > 0) return names[p.i % names.length]!;
    }
    if (p.k <= 8) {
      const others = this.tasks.filter((o) => o !== t);
      const names = namesOf(others[p.i % others.length]!);
      if (names.length > 0) return names[(p.i >>> 1) % names.length]!;
    }
    if (p.k === 9) return this.stale[p.i % this.stale.length]!;
    if (p.k === 10) return SPECIAL_NAMES[p.i % SPECIAL_NAMES.length]!;
    return p.v;
  }

  /** A fresh abort signal the case follows. */
  controller(): AbortController {
    const c = new AbortController();
    this.signals.push(c.signal);
    return c;
  }

  /**
   * End the case: invariants with whatever is still blocked, then terminate the tasks
   * in `order`, and check that every call settled, invariants hold, and nothing of the
   * case is left in the kernel (ports, timers, abort listeners).
   */
  async teardown(order: number[] = []): Promise<void> {
    const k = this.k;
    try {
      this.outcomes.check();
      k.checkInvariants();
      const seen = new Set<number>();
      for (const i of [...order, ...this.tasks.keys()]) {
        const t = this.tasks[i % this.tasks.length]!;
        if (seen.has(i % this.tasks.length)) continue;
        seen.add(i % this.tasks.length);
        k.terminateTask(t);
        k.checkInvariants();
      }
      await tick();
      this.outcomes.check();
      const pending = this.outcomes.pending();
      if (pending.length > 0) throw new Error(`calls still pending after every task terminated: ${pending.join(', ')}`);
      for (const t of this.tasks) {
        if (t.pendingReceives.size !== 0 || t.pendingSends.size !== 0) throw new Error(`${t.name} keeps ${t.pendingReceives.size} receives / ${t.pendingSends.size} sends`);
      }
      if (k.ports.size !== this.portsBefore) {
        const left = [...k.ports].slice(-8).map((p) => `port#${p.id}${p.label ? ` (${p.label})` : ''}`);
        throw new Error(`the kernel has ${k.ports.size} live ports after the case, ${this.portsBefore} before: ${left.join(', ')}`);
      }
      const listening = this.signals.filter((s) => getEventListeners(s, 'abort').length > 0).length;
      if (listening > 0) throw new Error(`${listening} abort signals still have listeners`);
      const t = timers();
      if (t > this.timersBefore) throw new Error(`${t - this.timersBefore} timers left running`);
    } catch (e) {
      shared = null; // a broken kernel must not spoil the next case
      throw e;
    }
  }
}

/** Run one case: a new world, `fn`, then the teardown checks (tasks terminated in `order`). */
export async function withWorld(fn: (w: World) => Promise<void> | void, order: number[] = [], extraTasks = 0): Promise<void> {
  const w = await World.create(extraTasks);
  try {
    await fn(w);
  } catch (e) {
    shared = null;
    throw e;
  }
  await w.teardown(order);
}

/** Termination orders of three tasks. */
export const orderArb: fc.Arbitrary<number[]> = fc.constantFrom([0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]).map((o) => [...o]);
