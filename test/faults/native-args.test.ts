/**
 * Wrong-typed arguments never reach C. For every MachApi call and every parameter, a
 * value of the wrong JS type (a string for a name, 1.5, NaN, 2^32, a bigint for a
 * number, a number for a bigint, null, undefined, objects…) must throw TypeError — or
 * reject with it, for mach_msg — before lib/native's NativeApi calls the addon. The
 * addon here is the stand-in of test/native/fake-addon.ts behind a proxy that records
 * every call (a call that reached the "C" side fails the test). The same table runs
 * against an emulated task, whose space must be left unchanged by the refused call.
 */
import { describe, expect, it } from 'vitest';
import * as C from '../../lib/constants.js';
import { Kernel } from '../../lib/emulator/index.js';
import type { NativeAddon } from '../../lib/native/addon.js';
import { NativeApi } from '../../lib/native/api.js';
import type { MachApi } from '../../lib/types.js';
import { FakeKernel } from '../native/fake-addon.js';

type Kind = 'u32' | 'i32' | 'count' | 'u64' | 'bool' | 'string' | 'options' | 'info' | 'none';

/** Values of the wrong type for each kind of parameter (ones both backends must refuse). */
const BAD: Record<Kind, unknown[]> = {
  u32: ['1', '0x103', 1.5, NaN, Infinity, -Infinity, 2 ** 32, -(2 ** 31) - 1, 2 ** 53, null, undefined, {}, [], [1], 1n, true, Symbol('s'), () => 1],
  i32: ['1', 1.5, NaN, Infinity, 2 ** 32, -(2 ** 31) - 1, null, undefined, {}, [], 1n, true],
  count: ['1', 1.5, NaN, 2 ** 32, -(2 ** 31) - 1, null, {}, 1n, true],
  u64: ['1', 1.5, NaN, -1, null, undefined, {}, [], true, Symbol('s')],
  bool: [1, 0, 'true', null, undefined, {}, 1n],
  string: [1, null, undefined, {}, [], true, 1n, Symbol('s')],
  options: [null, undefined, 5, 'x', true, { flags: '1' }, { flags: 1.5 }, { flags: 0, mpl: { mpl_qlimit: 'x' } }],
  info: ['x', true, Symbol('s'), 1n],
  none: [],
};

interface Call {
  name: keyof MachApi;
  /** Valid arguments; names are filled in from `names` (task, a receive right, a port set). */
  args: (n: { task: number; port: number; set: number }) => unknown[];
  kinds: Kind[];
}

const CALLS: Call[] = [
  { name: 'mach_port_allocate', args: (n) => [n.task, C.MACH_PORT_RIGHT_RECEIVE], kinds: ['u32', 'u32'] },
  { name: 'mach_port_allocate_name', args: (n) => [n.task, C.MACH_PORT_RIGHT_RECEIVE, 0x5503], kinds: ['u32', 'u32', 'u32'] },
  { name: 'mach_port_deallocate', args: (n) => [n.task, n.port], kinds: ['u32', 'u32'] },
  { name: 'mach_port_destroy', args: (n) => [n.task, n.port], kinds: ['u32', 'u32'] },
  { name: 'mach_port_mod_refs', args: (n) => [n.task, n.port, C.MACH_PORT_RIGHT_RECEIVE, 0], kinds: ['u32', 'u32', 'u32', 'i32'] },
  { name: 'mach_port_get_refs', args: (n) => [n.task, n.port, C.MACH_PORT_RIGHT_RECEIVE], kinds: ['u32', 'u32', 'u32'] },
  { name: 'mach_port_insert_right', args: (n) => [n.task, n.port, n.port, C.MACH_MSG_TYPE_MAKE_SEND], kinds: ['u32', 'u32', 'u32', 'u32'] },
  { name: 'mach_port_extract_right', args: (n) => [n.task, n.port, C.MACH_MSG_TYPE_MAKE_SEND], kinds: ['u32', 'u32', 'u32'] },
  { name: 'mach_port_type', args: (n) => [n.task, n.port], kinds: ['u32', 'u32'] },
  { name: 'mach_port_names', args: (n) => [n.task], kinds: ['u32'] },
  { name: 'mach_port_move_member', args: (n) => [n.task, n.port, n.set], kinds: ['u32', 'u32', 'u32'] },
  { name: 'mach_port_insert_member', args: (n) => [n.task, n.port, n.set], kinds: ['u32', 'u32', 'u32'] },
  { name: 'mach_port_extract_member', args: (n) => [n.task, n.port, n.set], kinds: ['u32', 'u32', 'u32'] },
  { name: 'mach_port_get_set_status', args: (n) => [n.task, n.set], kinds: ['u32', 'u32'] },
  {
    name: 'mach_port_request_notification',
    args: (n) => [n.task, n.port, C.MACH_NOTIFY_NO_SENDERS, 0, n.port, C.MACH_MSG_TYPE_MAKE_SEND_ONCE],
    kinds: ['u32', 'u32', 'i32', 'u32', 'u32', 'u32'],
  },
  { name: 'mach_port_get_attributes', args: (n) => [n.task, n.port, C.MACH_PORT_LIMITS_INFO, 1], kinds: ['u32', 'u32', 'i32', 'count'] },
  { name: 'mach_port_set_attributes', args: (n) => [n.task, n.port, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 6 }], kinds: ['u32', 'u32', 'i32', 'info'] },
  { name: 'mach_port_set_mscount', args: (n) => [n.task, n.port, 0], kinds: ['u32', 'u32', 'u32'] },
  { name: 'mach_port_set_seqno', args: (n) => [n.task, n.port, 0], kinds: ['u32', 'u32', 'u32'] },
  { name: 'mach_port_get_context', args: (n) => [n.task, n.port], kinds: ['u32', 'u32'] },
  { name: 'mach_port_set_context', args: (n) => [n.task, n.port, 5n], kinds: ['u32', 'u32', 'u64'] },
  { name: 'mach_port_construct', args: (n) => [n.task, { flags: 0 }, 0n], kinds: ['u32', 'options', 'u64'] },
  { name: 'mach_port_destruct', args: (n) => [n.task, n.port, 0, 0n], kinds: ['u32', 'u32', 'i32', 'u64'] },
  { name: 'mach_port_guard', args: (n) => [n.task, n.port, 7n, false], kinds: ['u32', 'u32', 'u64', 'bool'] },
  { name: 'mach_port_unguard', args: (n) => [n.task, n.port, 7n], kinds: ['u32', 'u32', 'u64'] },
  { name: 'mach_port_guard_with_flags', args: (n) => [n.task, n.port, 7n, C.MPG_STRICT], kinds: ['u32', 'u32', 'u64', 'u32'] },
  { name: 'mach_port_swap_guard', args: (n) => [n.task, n.port, 7n, 8n], kinds: ['u32', 'u32', 'u64', 'u64'] },
  { name: 'mach_port_peek', args: (n) => [n.task, n.port, 0, 0], kinds: ['u32', 'u32', 'u32', 'count'] },
  { name: 'mach_port_get_srights', args: (n) => [n.task, n.port], kinds: ['u32', 'u32'] },
  { name: 'mach_port_kobject', args: (n) => [n.task, n.task], kinds: ['u32', 'u32'] },
  { name: 'mach_port_kobject_description', args: (n) => [n.task, n.task], kinds: ['u32', 'u32'] },
  { name: 'mach_port_dnrequest_info', args: (n) => [n.task, n.port], kinds: ['u32', 'u32'] },
  { name: 'mach_port_space_basic_info', args: (n) => [n.task], kinds: ['u32'] },
  { name: 'task_get_special_port', args: (n) => [n.task, C.TASK_BOOTSTRAP_PORT], kinds: ['u32', 'i32'] },
  { name: 'task_set_special_port', args: (n) => [n.task, C.TASK_DEBUG_CONTROL_PORT, C.MACH_PORT_NULL], kinds: ['u32', 'i32', 'u32'] },
  { name: 'task_set_exception_ports', args: (n) => [n.task, C.EXC_MASK_RPC_ALERT, C.MACH_PORT_NULL, 0, 0], kinds: ['u32', 'u32', 'u32', 'u32', 'u32'] },
  { name: 'task_get_exception_ports', args: (n) => [n.task, C.EXC_MASK_RPC_ALERT], kinds: ['u32', 'u32'] },
  { name: 'task_swap_exception_ports', args: (n) => [n.task, C.EXC_MASK_RPC_ALERT, C.MACH_PORT_NULL, 0, 0], kinds: ['u32', 'u32', 'u32', 'u32', 'u32'] },
  { name: 'bootstrap_check_in', args: () => [0x707, 'com.example.args'], kinds: ['u32', 'string'] },
  { name: 'bootstrap_look_up', args: () => [0x707, 'com.example.args'], kinds: ['u32', 'string'] },
  { name: 'bootstrap_register', args: (n) => [0x707, 'com.example.args', n.port], kinds: ['u32', 'string', 'u32'] },
  { name: 'host_info', args: () => [0x303, C.HOST_BASIC_INFO], kinds: ['u32', 'i32'] },
  { name: 'host_statistics64', args: () => [0x303, C.HOST_VM_INFO64], kinds: ['u32', 'i32'] },
  { name: 'task_info', args: (n) => [n.task, C.MACH_TASK_BASIC_INFO], kinds: ['u32', 'u32'] },
];

function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol' || typeof v === 'function') return String(v);
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  return JSON.stringify(v) ?? String(v);
}

/** NativeApi over the stand-in addon, every addon call recorded. */
function nativeOverFake(): { api: NativeApi; calls: string[]; names: { task: number; port: number; set: number } } {
  const fake = new FakeKernel();
  const inner = fake.addon() as unknown as Record<string, unknown>;
  const calls: string[] = [];
  const addon = new Proxy(inner, {
    get(target, prop) {
      const value = target[prop as string];
      if (typeof prop !== 'string' || prop === 'abiVersion' || prop === 'then') return value;
      return (...args: unknown[]) => {
        calls.push(prop);
        if (typeof value === 'function') return (value as (...a: unknown[]) => unknown)(...args);
        return [0, 0, 0];
      };
    },
  }) as unknown as NativeAddon;
  const api = new NativeApi(addon);
  const task = api.mach_task_self();
  const port = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_RECEIVE);
  const set = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_PORT_SET);
  calls.length = 0;
  return { api, calls, names: { task, port, set } };
}

/** Call `fn`; return the error it threw (or that its promise rejected with), or undefined. */
async function failure(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
    return undefined;
  } catch (e) {
    return e;
  }
}

describe('NativeApi: wrong-typed arguments throw TypeError before the addon is called (stand-in addon)', () => {
  for (const call of CALLS) {
    it(call.name, async () => {
      const { api, calls, names } = nativeOverFake();
      const fn = (api as unknown as Record<string, (...a: unknown[]) => unknown>)[call.name]!;
      for (const [pos, kind] of call.kinds.entries()) {
        for (const bad of BAD[kind]) {
          const args = call.args(names);
          args[pos] = bad;
          calls.length = 0;
          const err = await failure(() => fn.apply(api, args));
          expect(err, `${call.name} argument ${pos} = ${show(bad)}`).toBeInstanceOf(TypeError);
          expect(calls, `${call.name} argument ${pos} = ${show(bad)} reached the addon`).toEqual([]);
        }
      }
    });
  }

  it('mach_msg: wrong-typed options, names, sizes, controls and message shapes reject with TypeError before any send', async () => {
    const { api, calls, names } = nativeOverFake();
    const ok = { header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_MAKE_SEND, 0), msgh_remote_port: names.port, msgh_id: 1 }, body: new Uint8Array(4) };
    const cases: Array<[string, unknown[]]> = [];
    for (const bad of BAD.u32) {
      cases.push([`option ${show(bad)}`, [ok, bad]]);
      if (bad !== undefined) {
        cases.push([`rcv_name ${show(bad)}`, [ok, C.MACH_SEND_MSG, bad]]);
        cases.push([`timeout ${show(bad)}`, [ok, C.MACH_SEND_MSG, 0, bad]]);
        cases.push([`rcv_size ${show(bad)}`, [ok, C.MACH_SEND_MSG, 0, 0, bad]]);
      }
    }
    for (const control of [null, 5, 'x', { signal: 5 }, { signal: {} }]) cases.push([`control ${show(control)}`, [ok, C.MACH_SEND_MSG, 0, 0, undefined, control]]);
    const shapes: unknown[] = [
      undefined,
      null,
      5,
      'msg',
      {},
      { header: null },
      { header: { ...ok.header, msgh_bits: '1' } },
      { header: { ...ok.header, msgh_remote_port: 1.5 } },
      { header: { ...ok.header, msgh_id: 2 ** 40 } },
      { ...ok, body: [1, 2, 3, 4] },
      { ...ok, body: 'abcd' },
      { header: { ...ok.header, msgh_bits: ok.header.msgh_bits | C.MACH_MSGH_BITS_COMPLEX }, descriptors: 'x' },
      { header: { ...ok.header, msgh_bits: ok.header.msgh_bits | C.MACH_MSGH_BITS_COMPLEX }, descriptors: [null] },
      { header: { ...ok.header, msgh_bits: ok.header.msgh_bits | C.MACH_MSGH_BITS_COMPLEX }, descriptors: [{ type: 0, name: 'x', disposition: 17 }] },
      { header: { ...ok.header, msgh_bits: ok.header.msgh_bits | C.MACH_MSGH_BITS_COMPLEX }, descriptors: [{ type: 0, name: 0x103, disposition: 256 }] },
      { header: { ...ok.header, msgh_bits: ok.header.msgh_bits | C.MACH_MSGH_BITS_COMPLEX }, descriptors: [{ type: 1, data: [1, 2] }] },
      { header: { ...ok.header, msgh_bits: ok.header.msgh_bits | C.MACH_MSGH_BITS_COMPLEX }, descriptors: [{ type: 2, names: [0x103, 'x'], disposition: 17 }] },
      { header: { ...ok.header, msgh_bits: ok.header.msgh_bits | C.MACH_MSGH_BITS_COMPLEX }, descriptors: [{ type: 4, name: 0x103, disposition: 16, flags: 1, context: 'x' }] },
    ];
    for (const m of shapes) cases.push([`message ${show(m)}`, [m, C.MACH_SEND_MSG]]);
    for (const [what, args] of cases) {
      calls.length = 0;
      const err = await failure(() => (api.mach_msg as (...a: unknown[]) => unknown)(...args));
      expect(err, what).toBeInstanceOf(TypeError);
      expect(calls.filter((c) => c.startsWith('msg_') || c.startsWith('loop_')), `${what} reached the addon`).toEqual([]);
    }
  });
});

/**
 * N1 (FINDINGS.md, lib/native, fixed in 781b975): NativeApi.mach_port_set_attributes
 * coerced the words of an array `info` with `w | 0`, so ['x'], [1.5] or [2 ** 40] reached
 * the addon as 0, 1 and 0 instead of throwing TypeError.
 */
describe('N1: array info words of the wrong type', () => {
  it('NativeApi.mach_port_set_attributes refuses non-integer words before calling the addon', async () => {
    const { api, calls, names } = nativeOverFake();
    for (const words of [['x'], [1.5], [2 ** 40], [null], [{}]]) {
      calls.length = 0;
      const err = await failure(() => api.mach_port_set_attributes(names.task, names.port, C.MACH_PORT_LIMITS_INFO, words as number[]));
      expect(err, JSON.stringify(words)).toBeInstanceOf(TypeError);
      expect(calls).toEqual([]);
    }
  });

  it('the emulator refuses them', () => {
    const k = new Kernel({ seed: 3 });
    const t = k.createTask();
    const p = t.mach_port_allocate(t.mach_task_self(), C.MACH_PORT_RIGHT_RECEIVE);
    for (const words of [['x'], [1.5], [2 ** 40], [null], [{}]]) {
      expect(() => t.mach_port_set_attributes(t.mach_task_self(), p, C.MACH_PORT_LIMITS_INFO, words as number[])).toThrow(TypeError);
    }
  });
});

/**
 * F3 (FINDINGS.md, fixed): the emulator's host_info / host_statistics64 / task_info took
 * any integer flavor and truncated it to 32 bits (2^32 became flavor 0) instead of
 * refusing a value that does not fit C's integer_t / natural_t, as NativeApi does.
 */
describe('F3: flavors that do not fit 32 bits', () => {
  it('EmulatedTask host_info / host_statistics64 / task_info refuse a flavor of 2^32 with TypeError, as NativeApi does', async () => {
    const k = new Kernel({ seed: 3 });
    const t = k.createTask();
    const host = t.mach_host_self();
    for (const flavor of [2 ** 32, 2 ** 53, -(2 ** 31) - 1]) {
      expect(await failure(() => t.host_info(host, flavor))).toBeInstanceOf(TypeError);
      expect(await failure(() => t.host_statistics64(host, flavor))).toBeInstanceOf(TypeError);
      expect(await failure(() => t.task_info(t.mach_task_self(), flavor))).toBeInstanceOf(TypeError);
    }
  });
});

describe('EmulatedTask: the same wrong-typed arguments throw TypeError and change nothing', () => {
  for (const call of CALLS) {
    it(call.name, async () => {
      const k = new Kernel({ seed: 3 });
      const t = k.createTask();
      const task = t.mach_task_self();
      const port = t.mach_port_allocate(task, C.MACH_PORT_RIGHT_RECEIVE);
      const set = t.mach_port_allocate(task, C.MACH_PORT_RIGHT_PORT_SET);
      const names = { task, port, set };
      const host = t.mach_host_self();
      const fn = (t as unknown as Record<string, (...a: unknown[]) => unknown>)[call.name]!;
      const snapshot = (): string => JSON.stringify(t.space.entries().map((e) => [e.name, e.bits, e.urefs]));
      const before = snapshot();
      for (const [pos, kind] of call.kinds.entries()) {
        for (const bad of BAD[kind]) {
          const args = call.args(names);
          // The emulated launchd's bootstrap port and the host port have this task's names.
          if (call.name.startsWith('bootstrap_')) args[0] = t.bootstrap_port;
          if (call.name.startsWith('host_')) args[0] = host;
          args[pos] = bad;
          const err = await failure(() => fn.apply(t, args));
          expect(err, `${call.name} argument ${pos} = ${show(bad)}`).toBeInstanceOf(TypeError);
          expect(snapshot(), `${call.name} argument ${pos} = ${show(bad)} changed the space`).toBe(before);
        }
      }
      k.checkInvariants();
    });
  }
});
