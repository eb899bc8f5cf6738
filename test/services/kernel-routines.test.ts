import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HOST_BASIC_INFO,
  HOST_BASIC_INFO_COUNT,
  HOST_CAN_HAS_DEBUGGER,
  HOST_CPU_LOAD_INFO,
  HOST_LOAD_INFO,
  HOST_PREFERRED_USER_ARCH,
  HOST_PRIORITY_INFO,
  HOST_SCHED_INFO,
  HOST_VM_INFO64,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_HOST,
  KERN_INVALID_NAME,
  KERN_INVALID_TASK,
  MACH_MSG_OOL_DESCRIPTOR,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_MSGH_BITS_COMPLEX,
  MACH_PORT_RIGHT_PORT_SET,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_PORT_SET,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_RCV_MSG,
  MACH_SEND_INVALID_OPTIONS,
  MACH_SEND_MSG,
  MACH_TASK_BASIC_INFO,
  MIG_TYPE_ERROR,
  TASK_AUDIT_TOKEN,
  TASK_BASIC_INFO_32,
  TASK_BASIC_INFO_64,
} from '../../lib/constants.js';
import { Kernel } from '../../lib/emulator/index.js';
import type { EmulatedTask } from '../../lib/emulator/task.js';
import { MachError, MachGuardError } from '../../lib/errors.js';
import { encodeMessage } from '../../lib/message/index.js';
import {
  hostInfo,
  hostInfoRoutine,
  hostStatistics64,
  hostStatistics64Routine,
  MACH_HOST_SUBSYSTEM_BASE,
  MACH_PORT_SUBSYSTEM_BASE,
  machPortNames,
  machPortNamesRoutine,
  machPortType,
  machPortTypeRoutine,
  oolWords,
  TASK_SUBSYSTEM_BASE,
  taskInfo,
  taskInfoRoutine,
} from '../../lib/services/kernel-routines.js';
import type { MachApi, ReceivedMessage, vm_statistics64 } from '../../lib/types.js';

function setup(seed = 3) {
  const kernel = new Kernel({ seed });
  const a = kernel.createTask({ name: 'a', pid: 4321, uid: 501, gid: 20 });
  const b = kernel.createTask({ name: 'b', pid: 987, uid: 502, gid: 12 });
  return { kernel, a, b };
}

async function rejectsWith(p: Promise<unknown>, kr: number): Promise<MachError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MachError);
  expect((err as MachError).kr).toBe(kr);
  return err as MachError;
}

/** Give `to` a send right to `from`'s task port (as task_for_pid would). */
function taskPortIn(from: EmulatedTask, to: EmulatedTask): number {
  return to.kernel.copyoutRight(to, from.taskPort, MACH_MSG_TYPE_MAKE_SEND);
}

/** The emulated task seen as a native API whose mach_msg must not be used. */
function nativeLike(t: EmulatedTask): { api: MachApi; calls: string[] } {
  const calls: string[] = [];
  const api = new Proxy(t, {
    get(target, prop, receiver) {
      if (prop === 'backendName') return 'native';
      if (prop === 'mach_msg') return () => Promise.reject(new Error('mach_msg must not be called on the native path'));
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v === 'function') {
        return (...args: unknown[]) => {
          calls.push(String(prop));
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return v;
    },
  }) as unknown as MachApi;
  return { api, calls };
}

describe('routine layouts (reference §4.3)', () => {
  it('ids: host_info 200, host_statistics64 219, task_info 3405, mach_port_names 3200, mach_port_type 3201; replies + 100', () => {
    expect(MACH_HOST_SUBSYSTEM_BASE).toBe(200);
    expect(TASK_SUBSYSTEM_BASE).toBe(3400);
    expect(MACH_PORT_SUBSYSTEM_BASE).toBe(3200);
    expect([hostInfoRoutine, hostStatistics64Routine, taskInfoRoutine, machPortNamesRoutine, machPortTypeRoutine].map((r) => [r.name, r.msgh_id, r.reply_id])).toEqual([
      ['host_info', 200, 300],
      ['host_statistics64', 219, 319],
      ['task_info', 3405, 3505],
      ['mach_port_names', 3200, 3300],
      ['mach_port_type', 3201, 3301],
    ]);
  });

  it('request and reply sizes', () => {
    for (const r of [hostInfoRoutine, hostStatistics64Routine, taskInfoRoutine]) {
      expect(r.requestSchema.fixedSize).toBe(40);
      expect(r.requestSchema.complex).toBe(false);
      expect(r.replySchema.complex).toBe(false);
      expect(r.replySchema.minSize).toBe(40);
    }
    expect(hostInfoRoutine.replySchema.maxSize).toBe(40 + 4 * 68);
    expect(hostStatistics64Routine.replySchema.maxSize).toBe(40 + 4 * 256);
    expect(taskInfoRoutine.replySchema.maxSize).toBe(40 + 4 * 94);
    expect(machPortNamesRoutine.requestSchema.fixedSize).toBe(24);
    expect(machPortNamesRoutine.requestSchema.ndr).toBe(false);
    expect(machPortNamesRoutine.replySchema.complex).toBe(true);
    expect(machPortNamesRoutine.replySchema.descriptorCount).toBe(2);
    expect(machPortNamesRoutine.replySchema.fixedSize).toBe(76);
    expect(machPortTypeRoutine.requestSchema.fixedSize).toBe(36);
    expect(machPortTypeRoutine.replySchema.fixedSize).toBe(40);
  });

  it('host_info request bytes are those of the worked example (§4.4)', () => {
    const host = 0x103;
    const reply = 0x707;
    const msg = hostInfoRoutine.encodeRequest({ flavor: HOST_BASIC_INFO, host_info_outCnt: HOST_BASIC_INFO_COUNT }, host, reply);
    const { bytes, size } = encodeMessage(msg);
    expect(size).toBe(40);
    const le = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
    expect(Array.from(bytes)).toEqual([
      ...le(0x1513),
      ...le(40),
      ...le(host),
      ...le(reply),
      ...le(0),
      ...le(200),
      0, 0, 0, 0, 1, 0, 0, 0,
      ...le(1),
      ...le(12),
    ]);
  });

  it('mach_port_names reply: two OOL arrays of 4·count bytes, NDR, namesCnt, typesCnt; round trip', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff })), { maxLength: 40 }), (pairs) => {
        const names = pairs.map(([n]) => n);
        const types = pairs.map(([, t]) => t);
        const msg = machPortNamesRoutine.encodeReply({ names, types }, { name: 0x909, disposition: MACH_MSG_TYPE_MOVE_SEND_ONCE });
        expect(msg.header.msgh_id).toBe(3300);
        expect((msg.header.msgh_bits & MACH_MSGH_BITS_COMPLEX) >>> 0).toBe(MACH_MSGH_BITS_COMPLEX);
        expect(msg.descriptors!.map((d) => d.type)).toEqual([MACH_MSG_OOL_DESCRIPTOR, MACH_MSG_OOL_DESCRIPTOR]);
        expect(msg.body!.length).toBe(16);
        const view = new DataView(msg.body!.buffer, msg.body!.byteOffset);
        expect([view.getUint32(8, true), view.getUint32(12, true)]).toEqual([names.length, names.length]);
        const received = { ...msg, header: { ...msg.header, msgh_bits: 0x80001200, msgh_remote_port: 0, msgh_local_port: 0x909, msgh_voucher_port: 0, msgh_size: 76 } };
        expect(machPortNamesRoutine.decodeReply(received as unknown as ReceivedMessage)).toEqual({ names: Uint32Array.from(names), types: Uint32Array.from(types) });
      }),
    );
  });

  it('oolWords: encodes a number[] or a Uint32Array alike; decodes to a fresh Uint32Array', () => {
    const field = oolWords();
    const words = [0x103, 0xffffffff, 0, 0x80000000];
    const fromArray = field.toDescriptor(words, 'names');
    const fromTyped = field.toDescriptor(Uint32Array.from(words), 'names');
    expect(fromTyped).toEqual(fromArray);
    const decoded = field.fromDescriptor(fromArray, words.length, 'names');
    expect(decoded).toBeInstanceOf(Uint32Array);
    expect(Array.from(decoded)).toEqual(words);
    decoded[0] = 7;
    expect(Array.from(field.fromDescriptor(fromArray, words.length, 'names'))).toEqual(words);
    expect(() => field.toDescriptor(new Int32Array(2) as unknown as Uint32Array, 'names')).toThrow(TypeError);
    expect(() => field.toDescriptor(new Set([1]) as unknown as number[], 'names')).toThrow(TypeError);
  });

  it('mach_port_names reply: encodes the Uint32Arrays mach_port_names returns', () => {
    const { a } = setup();
    const direct = a.mach_port_names(a.mach_task_self());
    const msg = machPortNamesRoutine.encodeReply(direct, { name: 0x909, disposition: MACH_MSG_TYPE_MOVE_SEND_ONCE });
    const received = { ...msg, header: { ...msg.header, msgh_bits: 0x80001200, msgh_remote_port: 0, msgh_local_port: 0x909, msgh_voucher_port: 0, msgh_size: 76 } };
    expect(machPortNamesRoutine.decodeReply(received as unknown as ReceivedMessage)).toEqual(direct);
  });

  it('mach_port_names client: a descriptor whose size is not 4·count is MIG_TYPE_ERROR', () => {
    const msg = machPortNamesRoutine.encodeReply({ names: [1, 2], types: [3, 4] }, { name: 1, disposition: MACH_MSG_TYPE_MOVE_SEND_ONCE });
    new DataView(msg.body!.buffer, msg.body!.byteOffset).setUint32(8, 3, true);
    const received = { ...msg, header: { ...msg.header, msgh_bits: 0x80001200 } } as unknown as ReceivedMessage;
    expect(() => machPortNamesRoutine.decodeReply(received)).toThrow(expect.objectContaining({ kr: MIG_TYPE_ERROR }));
  });
});

describe('kernel routines on an emulated task agree with the direct Mach calls', () => {
  it('host_info(HOST_BASIC_INFO)', async () => {
    const { a, kernel } = setup();
    const host = a.mach_host_self();
    const info = await hostInfo(a, host, HOST_BASIC_INFO);
    expect(info).toEqual(a.host_info(host, HOST_BASIC_INFO));
    expect(info.avail_cpus).toBeGreaterThanOrEqual(1);
    expect(info.avail_cpus).toBeLessThanOrEqual(info.max_cpus);
    expect(info.memory_size).toBeGreaterThan(0);
    expect(info.max_mem).toBeGreaterThan(0n);
    kernel.checkInvariants();
  });

  it('host_statistics64(HOST_VM_INFO64): every count non-negative, same fields as the direct call', async () => {
    const { a } = setup();
    const host = a.mach_host_self();
    const stats = await hostStatistics64(a, host, HOST_VM_INFO64);
    const direct = a.host_statistics64(host, HOST_VM_INFO64);
    expect(Object.keys(stats).sort()).toEqual(Object.keys(direct).sort());
    for (const [k, v] of Object.entries(stats) as Array<[keyof vm_statistics64, number | bigint]>) {
      expect(typeof v).toBe(typeof direct[k]);
      if (typeof v === 'bigint') expect(v).toBeGreaterThanOrEqual(0n);
      else {
        expect(Number.isInteger(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
      }
    }
    expect(stats.free_count + stats.active_count + stats.inactive_count + stats.wire_count).toBeGreaterThan(0);
  });

  it('task_info(MACH_TASK_BASIC_INFO) on the own task', async () => {
    const { a } = setup();
    const self = a.mach_task_self();
    const info = await taskInfo(a, self, MACH_TASK_BASIC_INFO);
    const direct = a.task_info(self, MACH_TASK_BASIC_INFO) as typeof info;
    expect(info.resident_size).toBeGreaterThan(0n);
    expect(info.virtual_size).toBeGreaterThanOrEqual(info.resident_size > 0n ? 1n : 0n);
    expect(info.resident_size_max).toBeGreaterThan(0n);
    expect(info.policy).toBe(direct.policy);
    expect(info.suspend_count).toBe(direct.suspend_count);
    expect(info.user_time).toEqual(direct.user_time);
    expect(info.system_time).toEqual(direct.system_time);
  });

  it('task_info(TASK_AUDIT_TOKEN): equal to the direct call, pid is the task’s', async () => {
    const { a, b } = setup();
    const token = await taskInfo(a, a.mach_task_self(), TASK_AUDIT_TOKEN);
    expect(token).toEqual(a.task_info(a.mach_task_self(), TASK_AUDIT_TOKEN));
    expect(token.pid).toBe(a.pid);
    expect(token).toMatchObject({ euid: 501, egid: 20 });
    // Another task's port (as task_for_pid would give it) reports that task.
    expect((await taskInfo(a, taskPortIn(b, a), TASK_AUDIT_TOKEN)).pid).toBe(b.pid);
  });

  it('mach_port_names: names and types equal to the direct call', async () => {
    const { a, b } = setup();
    const self = a.mach_task_self();
    a.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    a.mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET);
    const withSend = a.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    a.mach_port_insert_right(self, withSend, withSend, MACH_MSG_TYPE_MAKE_SEND);
    const got = await machPortNames(a, self);
    expect(got).toEqual(a.mach_port_names(self));
    expect(got.names).toContain(withSend);
    // Through another task's port: that task's space.
    const bPort = taskPortIn(b, a);
    expect(await machPortNames(a, bPort)).toEqual(b.mach_port_names(b.mach_task_self()));
  });

  it('mach_port_names copes with thousands of names', async () => {
    const { a } = setup();
    const self = a.mach_task_self();
    for (let i = 0; i < 2000; i++) a.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    const got = await machPortNames(a, self);
    expect(got.names.length).toBeGreaterThan(2000);
    expect(got).toEqual(a.mach_port_names(self));
  });

  it('mach_port_type: receive, receive+send, port set, dead name', async () => {
    const { a, b } = setup();
    const self = a.mach_task_self();
    const recv = a.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    const both = a.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    a.mach_port_insert_right(self, both, both, MACH_MSG_TYPE_MAKE_SEND);
    const pset = a.mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET);
    // A send right in a to a port of b, then b destroys the port: a dead name.
    const bp = b.mach_port_allocate(b.mach_task_self(), MACH_PORT_RIGHT_RECEIVE);
    const e = b.space.lookup(bp);
    const dead = a.kernel.copyoutRight(a, e!.object as never, MACH_MSG_TYPE_MAKE_SEND);
    b.mach_port_destroy(b.mach_task_self(), bp);
    const expected: Array<[number, number]> = [
      [recv, MACH_PORT_TYPE_RECEIVE],
      [both, MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND],
      [pset, MACH_PORT_TYPE_PORT_SET],
      [dead, MACH_PORT_TYPE_DEAD_NAME],
    ];
    for (const [name, type] of expected) {
      const got = await machPortType(a, self, name);
      expect(got).toBe(a.mach_port_type(self, name) >>> 0);
      expect(got).toBe(type >>> 0);
    }
  });

  it('repeated calls do not leak names (reply ports are pooled) and keep the kernel consistent', async () => {
    const { a, kernel } = setup();
    const self = a.mach_task_self();
    const host = a.mach_host_self();
    await hostInfo(a, host, HOST_BASIC_INFO);
    const before = a.mach_port_names(self).names.length;
    for (let i = 0; i < 20; i++) {
      await hostInfo(a, host, HOST_BASIC_INFO);
      await hostStatistics64(a, host, HOST_VM_INFO64);
      await taskInfo(a, self, TASK_AUDIT_TOKEN);
      await machPortNames(a, self);
      await machPortType(a, self, host);
      await rejectsWith(hostInfo(a, host, 999), KERN_INVALID_ARGUMENT);
    }
    expect(a.mach_port_names(self).names.length).toBe(before);
    kernel.checkInvariants();
  });

  it('the flavors of the shared table are decoded into their structs (HOST_SCHED_INFO → host_sched_info)', async () => {
    const { a } = setup();
    const sched = await hostInfo(a, a.mach_host_self(), HOST_SCHED_INFO);
    expect(sched).toEqual({ min_timeout: 10, min_quantum: 10 });
    expect(sched.min_quantum).toBe(10);
  });

  it('a flavor outside the table comes back as raw words', async () => {
    const { a } = setup();
    // HOST_VM_PURGABLE (9): asked with HOST_INFO_MAX, answered with 68 words.
    expect(await hostInfo(a, a.mach_host_self(), 9)).toEqual({ flavor: 9, count: 68, words: new Array(68).fill(0) });
  });
});

/** The direct call's answer or its MachError code, and the same for a promise. */
function outcome(f: () => unknown): { ok: unknown } | { kr: number } {
  try {
    return { ok: f() };
  } catch (e) {
    if (e instanceof MachError) return { kr: e.kr };
    throw e;
  }
}
async function outcomeOf(p: Promise<unknown>): Promise<{ ok: unknown } | { kr: number }> {
  try {
    return { ok: await p };
  } catch (e) {
    if (e instanceof MachError) return { kr: e.kr };
    throw e;
  }
}

/** Results that can differ between two calls (load, counters, times): compare the shape. */
function shape(o: { ok: unknown } | { kr: number }): unknown {
  if (!('ok' in o)) return o;
  const v = o.ok as Record<string, unknown>;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, Array.isArray(x) ? ['array', x.length] : typeof x]));
}

describe('every flavor: the async functions answer as MachApi does, on both routes', () => {
  const flavors = [...Array.from({ length: 25 }, (_, i) => i), 9999, -1];

  it('host_info, host_statistics64, task_info: same shape or the same error code for flavors 0-24, 9999, -1', async () => {
    const { a } = setup();
    const host = a.mach_host_self();
    const self = a.mach_task_self();
    const { api } = nativeLike(a);
    for (const f of flavors) {
      const cases: Array<[string, () => unknown, () => Promise<unknown>, () => Promise<unknown>]> = [
        [`host_info(${f})`, () => a.host_info(host, f), () => hostInfo(a, host, f), () => hostInfo(api, host, f)],
        [`host_statistics64(${f})`, () => a.host_statistics64(host, f), () => hostStatistics64(a, host, f), () => hostStatistics64(api, host, f)],
        [`task_info(${f})`, () => a.task_info(self, f), () => taskInfo(a, self, f), () => taskInfo(api, self, f)],
      ];
      for (const [what, direct, mig, native] of cases) {
        const want = shape(outcome(direct));
        expect(shape(await outcomeOf(mig())), `${what} as a MIG exchange`).toEqual(want);
        expect(shape(await outcomeOf(native())), `${what} on the native route`).toEqual(want);
      }
    }
  });

  it('decoded flavors are asked with their *_COUNT; stable answers are equal to the direct call', async () => {
    const { a } = setup();
    const host = a.mach_host_self();
    const self = a.mach_task_self();
    for (const f of [HOST_BASIC_INFO, HOST_SCHED_INFO, HOST_PRIORITY_INFO, HOST_CAN_HAS_DEBUGGER, HOST_PREFERRED_USER_ARCH]) {
      expect(await hostInfo(a, host, f)).toEqual(a.host_info(host, f));
    }
    expect(await taskInfo(a, self, TASK_BASIC_INFO_32)).toMatchObject({ suspend_count: 0, policy: 1 });
    const legacy64 = await taskInfo(a, self, TASK_BASIC_INFO_64);
    expect(typeof legacy64.virtual_size).toBe(process.arch === 'x64' ? 'bigint' : 'number');
    const load = await hostStatistics64(a, host, HOST_LOAD_INFO);
    expect(load.avenrun).toHaveLength(3);
    expect(load.mach_factor).toHaveLength(3);
    expect((await hostStatistics64(a, host, HOST_CPU_LOAD_INFO)).cpu_ticks).toHaveLength(4);
  });
});

describe('error paths', () => {
  it('a bad flavor → KERN_INVALID_ARGUMENT, from the kernel', async () => {
    const { a } = setup();
    await rejectsWith(hostInfo(a, a.mach_host_self(), 12345), KERN_INVALID_ARGUMENT);
    await rejectsWith(hostStatistics64(a, a.mach_host_self(), 12345), KERN_INVALID_ARGUMENT);
    await rejectsWith(taskInfo(a, a.mach_task_self(), 12345), KERN_INVALID_ARGUMENT);
  });

  it('a host routine sent to a task port → KERN_INVALID_ARGUMENT (host_statistics64: KERN_INVALID_HOST)', async () => {
    const { a } = setup();
    await rejectsWith(hostInfo(a, a.mach_task_self(), HOST_BASIC_INFO), KERN_INVALID_ARGUMENT);
    await rejectsWith(hostStatistics64(a, a.mach_task_self(), HOST_VM_INFO64), KERN_INVALID_HOST);
  });

  it('a mach_port routine sent to the host port → KERN_INVALID_TASK; task_info to the host port → KERN_INVALID_ARGUMENT', async () => {
    const { a } = setup();
    const host = a.mach_host_self();
    await rejectsWith(machPortNames(a, host), KERN_INVALID_TASK);
    await rejectsWith(machPortType(a, host, host), KERN_INVALID_TASK);
    await rejectsWith(taskInfo(a, host, MACH_TASK_BASIC_INFO), KERN_INVALID_ARGUMENT);
  });

  it('mach_port_type of a name not in the space → KERN_INVALID_NAME', async () => {
    const { a } = setup();
    await rejectsWith(machPortType(a, a.mach_task_self(), 0x12345603), KERN_INVALID_NAME);
  });

  it('a raw mach_msg (no kobjectCall) to the host port → MachGuardError MACH_SEND_INVALID_OPTIONS', async () => {
    const { a, kernel } = setup();
    const host = a.mach_host_self();
    const err = await rejectsWith(hostInfoRoutine.call(a, host, { flavor: HOST_BASIC_INFO, host_info_outCnt: HOST_BASIC_INFO_COUNT }), MACH_SEND_INVALID_OPTIONS);
    expect(err).toBeInstanceOf(MachGuardError);
    expect((err as MachGuardError).reasonName).toBe('kGUARD_EXC_INVALID_OPTIONS');
    // The same bytes through mach_msg itself.
    const reply = a.mach_port_allocate(a.mach_task_self(), MACH_PORT_RIGHT_RECEIVE);
    const msg = hostInfoRoutine.encodeRequest({ flavor: HOST_BASIC_INFO, host_info_outCnt: HOST_BASIC_INFO_COUNT }, host, reply);
    const raw = await rejectsWith(a.mach_msg(msg, MACH_SEND_MSG | MACH_RCV_MSG, reply, 0, 512), MACH_SEND_INVALID_OPTIONS);
    expect(raw).toBeInstanceOf(MachGuardError);
    kernel.checkInvariants();
  });

  it('arguments of the wrong type are TypeErrors; an aborted signal rejects with its reason', async () => {
    const { a } = setup();
    await expect(hostInfo({} as MachApi, 1, HOST_BASIC_INFO)).rejects.toThrow(TypeError);
    await expect(hostInfo(a, -5.5 as number, HOST_BASIC_INFO)).rejects.toThrow(TypeError);
    await expect(taskInfo(a, a.mach_task_self(), 'x' as unknown as number)).rejects.toThrow(TypeError);
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(hostInfo(a, a.mach_host_self(), HOST_BASIC_INFO, { signal: ac.signal })).rejects.toThrow('stop');
  });
});

describe('native routing (a stand-in MachApi with backendName "native")', () => {
  it('each routine is answered by the API’s own call, never by a hand-built message', async () => {
    const { a } = setup();
    const { api, calls } = nativeLike(a);
    const self = a.mach_task_self();
    const host = a.mach_host_self();
    expect(await hostInfo(api, host, HOST_BASIC_INFO)).toEqual(a.host_info(host, HOST_BASIC_INFO));
    expect(Object.keys(await hostStatistics64(api, host, HOST_VM_INFO64))).toContain('free_count');
    expect((await taskInfo(api, self, TASK_AUDIT_TOKEN)).pid).toBe(a.pid);
    expect(await machPortNames(api, self)).toEqual(a.mach_port_names(self));
    expect(await machPortType(api, self, host)).toBe(MACH_PORT_TYPE_SEND >>> 0);
    expect(calls).toEqual(['host_info', 'host_statistics64', 'task_info', 'mach_port_names', 'mach_port_type']);
  });

  it('errors from the API come through; an aborted signal is checked before the call', async () => {
    const { a } = setup();
    const { api, calls } = nativeLike(a);
    await rejectsWith(machPortNames(api, a.mach_host_self()), KERN_INVALID_TASK);
    const ac = new AbortController();
    ac.abort(new Error('gone'));
    calls.length = 0;
    await expect(taskInfo(api, a.mach_task_self(), MACH_TASK_BASIC_INFO, { signal: ac.signal })).rejects.toThrow('gone');
    expect(calls).toEqual([]);
  });
});
