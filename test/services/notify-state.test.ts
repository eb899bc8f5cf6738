/**
 * The package root's notify_suspend, notify_resume, notify_get_state, notify_set_state and
 * notify_is_valid_token (lib/notify.ts) on the emulator, and their routing to a native API:
 * suspend holds a registration's posts and the final resume delivers one message (reference
 * libnotify.md §1 and §2.3); a name's uint64_t state round-trips as a bigint, values above
 * 2^53 included; is_valid_token follows register and cancel; unknown tokens give
 * NotifyError NOTIFY_STATUS_INVALID_TOKEN and arguments of the wrong type a TypeError.
 */
import { describe, expect, it } from 'vitest';
import { backend } from '../../lib/backend.js';
import { KERN_NOT_SUPPORTED } from '../../lib/constants.js';
import { Kernel } from '../../lib/emulator/index.js';
import { MachError } from '../../lib/errors.js';
import { NativeApi } from '../../lib/native/api.js';
import {
  NOTIFY_STATUS_INVALID_TOKEN,
  NOTIFY_STATUS_NOT_AUTHORIZED,
  NotifyError,
  notify_cancel,
  notify_get_state,
  notify_is_valid_token,
  notify_post,
  notify_register_check,
  notify_register_mach_port,
  notify_resume,
  notify_set_state,
  notify_suspend,
} from '../../lib/notify.js';
import { FakeKernel } from '../native/fake-addon.js';
import { drain, thrownBy } from './notify-helpers.js';

function setup(seed = 11) {
  const kernel = new Kernel({ seed });
  const listener = kernel.createTask({ name: 'listener', pid: 311 });
  const poster = kernel.createTask({ name: 'poster', pid: 421 });
  return { kernel, listener, poster };
}

/** The NotifyError `f` throws (fails the test if it throws anything else, or nothing). */
const notifyError = (f: () => unknown): NotifyError => thrownBy(f, NotifyError);

describe('notify_suspend / notify_resume (root, emulator)', () => {
  it('posts made while suspended are held; the final resume of nested suspends delivers one message', async () => {
    const { listener, poster } = setup();
    const { token, port } = notify_register_mach_port(listener, 'root.susp');
    notify_suspend(listener, token);
    notify_suspend(token, { api: listener }); // calls nest
    for (let i = 0; i < 3; i++) notify_post(poster, 'root.susp');
    expect(await drain(listener, port)).toEqual([]);
    notify_resume(listener, token); // one suspend left: still held
    expect(await drain(listener, port)).toEqual([]);
    notify_resume(token, { api: listener });
    expect(await drain(listener, port)).toEqual([token]); // three posts, one message
    // Resumed: every post is a message again (no coalescing while the queue has room).
    notify_post(poster, 'root.susp');
    notify_post(poster, 'root.susp');
    expect(await drain(listener, port)).toEqual([token, token]);
    notify_cancel(listener, token);
  });

  it('a resume with nothing posted meanwhile delivers nothing; other registrations of the name are not held', async () => {
    const { listener, poster } = setup();
    const held = notify_register_mach_port(listener, 'root.susp2');
    const free = notify_register_mach_port(poster, 'root.susp2');
    notify_suspend(listener, held.token);
    notify_resume(listener, held.token);
    expect(await drain(listener, held.port)).toEqual([]);
    notify_suspend(listener, held.token);
    notify_post(poster, 'root.susp2');
    expect(await drain(poster, free.port)).toEqual([free.token]);
    expect(await drain(listener, held.port)).toEqual([]);
    notify_resume(listener, held.token);
    expect(await drain(listener, held.port)).toEqual([held.token]);
    notify_cancel(listener, held.token);
    notify_cancel(poster, free.token);
  });

  it('unknown or cancelled tokens → NOTIFY_STATUS_INVALID_TOKEN; a non-integer token is a TypeError', () => {
    const { listener, poster } = setup();
    const { token } = notify_register_mach_port(listener, 'root.susp3');
    // Tokens are per task: the poster never registered this one.
    expect(notifyError(() => notify_suspend(poster, token)).status).toBe(NOTIFY_STATUS_INVALID_TOKEN);
    notify_cancel(listener, token);
    for (const f of [notify_suspend, notify_resume]) {
      const e = notifyError(() => f(listener, token));
      expect(e.status).toBe(NOTIFY_STATUS_INVALID_TOKEN);
      expect(e.code).toBe('NOTIFY_STATUS_INVALID_TOKEN');
      expect(notifyError(() => f(listener, 0x1234567)).status).toBe(NOTIFY_STATUS_INVALID_TOKEN);
      expect(() => f(listener, 1.5)).toThrow(TypeError);
      expect(() => f(listener, '2' as unknown as number)).toThrow(TypeError);
      expect(() => f(listener, 2 ** 31)).toThrow(TypeError);
    }
  });
});

describe('notify_get_state / notify_set_state (root, emulator)', () => {
  it('the state is per name, 0 until set, and round-trips uint64_t values above 2^53 as bigints', () => {
    const { listener, poster } = setup();
    const a = notify_register_check(listener, 'root.state');
    const b = notify_register_check(poster, 'root.state');
    expect(notify_get_state(listener, a)).toBe(0n);
    const big = (1n << 63n) + 12345n; // above 2^53: would lose bits as a number
    notify_set_state(poster, b, big);
    expect(notify_get_state(listener, a)).toBe(big);
    expect(notify_get_state(a, { api: listener })).toBe(big);
    notify_set_state(b, 0xffff_ffff_ffff_ffffn, { api: poster });
    expect(notify_get_state(listener, a)).toBe(0xffff_ffff_ffff_ffffn);
    expect(typeof notify_get_state(listener, a)).toBe('bigint');
    // A non-negative safe integer number is accepted and read back as a bigint.
    notify_set_state(listener, a, 42);
    expect(notify_get_state(poster, b)).toBe(42n);
    notify_set_state(listener, a, Number.MAX_SAFE_INTEGER);
    expect(notify_get_state(poster, b)).toBe(BigInt(Number.MAX_SAFE_INTEGER));
    // Another name's state is its own.
    const c = notify_register_check(listener, 'root.state.other');
    expect(notify_get_state(listener, c)).toBe(0n);
    for (const t of [a, c]) notify_cancel(listener, t);
    notify_cancel(poster, b);
  });

  it('setting the state does not post; self. names keep their state in the task', async () => {
    const { listener, poster } = setup();
    const { token, port } = notify_register_mach_port(listener, 'root.state.nopost');
    const b = notify_register_check(poster, 'root.state.nopost');
    notify_set_state(poster, b, 7n);
    expect(await drain(listener, port)).toEqual([]);
    expect(notify_get_state(listener, token)).toBe(7n);

    const s = notify_register_check(listener, 'self.root.state');
    expect(notify_get_state(listener, s)).toBe(0n);
    notify_set_state(listener, s, 1n << 60n);
    expect(notify_get_state(listener, s)).toBe(1n << 60n);
    const other = notify_register_check(poster, 'self.root.state');
    expect(notify_get_state(poster, other)).toBe(0n); // another task's self. name
    notify_cancel(listener, token);
  });

  it('errors: unknown token, no write access, and states that are not a uint64_t', () => {
    const { listener } = setup();
    const a = notify_register_check(listener, 'root.state.err');
    expect(notifyError(() => notify_get_state(listener, 0x1234567)).status).toBe(NOTIFY_STATUS_INVALID_TOKEN);
    expect(notifyError(() => notify_set_state(listener, 0x1234567, 1n)).status).toBe(NOTIFY_STATUS_INVALID_TOKEN);
    const sys = notify_register_check(listener, 'com.apple.system.lowpowermode');
    expect(notifyError(() => notify_set_state(listener, sys, 1n)).status).toBe(NOTIFY_STATUS_NOT_AUTHORIZED);
    expect(notify_get_state(listener, sys)).toBe(0n); // reading is allowed
    for (const bad of [-1n, 1n << 64n, -1, 1.5, 2 ** 53, Number.NaN, '5', null, undefined, {}]) {
      expect(() => notify_set_state(listener, a, bad as bigint)).toThrow(TypeError);
    }
    expect(() => notify_get_state(listener, 1.5)).toThrow(TypeError);
    expect(() => notify_set_state(listener, 'x' as unknown as number, 1n)).toThrow(TypeError);
    expect(notify_get_state(listener, a)).toBe(0n); // nothing above changed it
    notify_cancel(listener, a);
    expect(notifyError(() => notify_get_state(listener, a)).status).toBe(NOTIFY_STATUS_INVALID_TOKEN);
    expect(notifyError(() => notify_set_state(listener, a, 1n)).status).toBe(NOTIFY_STATUS_INVALID_TOKEN);
  });
});

describe('notify_is_valid_token (root, emulator)', () => {
  it('true for a live registration of the task, false after cancel, for other tasks and for numbers never handed out', () => {
    const { listener, poster } = setup();
    const { token } = notify_register_mach_port(listener, 'root.valid');
    const c = notify_register_check(listener, 'self.root.valid');
    expect(notify_is_valid_token(listener, token)).toBe(true);
    expect(notify_is_valid_token(c, { api: listener })).toBe(true);
    expect(notify_is_valid_token(poster, token)).toBe(false);
    expect(notify_is_valid_token(listener, 0x1234567)).toBe(false);
    expect(notify_is_valid_token(listener, -1)).toBe(false);
    expect(notify_is_valid_token(listener, 0)).toBe(false);
    notify_cancel(listener, token);
    expect(notify_is_valid_token(listener, token)).toBe(false);
    notify_cancel(listener, c);
    expect(notify_is_valid_token(listener, c)).toBe(false);
    expect(() => notify_is_valid_token(listener, 1.5)).toThrow(TypeError);
    expect(() => notify_is_valid_token(listener, null as unknown as number)).toThrow(TypeError);
  });

  it('without an api the process backend serves (the emulator here)', async () => {
    const api = backend.api;
    const { token, port } = notify_register_mach_port('root.default.state');
    expect(notify_is_valid_token(token)).toBe(true);
    notify_set_state(token, 1n << 62n);
    expect(notify_get_state(token)).toBe(1n << 62n);
    notify_suspend(token);
    notify_post('root.default.state');
    notify_post('root.default.state');
    expect(await drain(api, port)).toEqual([]);
    notify_resume(token);
    expect(await drain(api, port)).toEqual([token]);
    notify_cancel(token);
    expect(notify_is_valid_token(token)).toBe(false);
  });
});

describe('routing to the native backend', () => {
  /** A NativeApi over the stand-in addon, and one registration made through it. */
  function native() {
    const k = new FakeKernel();
    const api = new NativeApi(k.addon());
    expect(api.backendName).toBe('native');
    const token = notify_register_check(api, 'native.state');
    return { k, api, token };
  }

  it('each root function reaches the addon with C argument types (int token, uint64_t state as BigInt)', () => {
    const { k, api, token } = native();
    notify_suspend(api, token);
    notify_resume(token, { api });
    notify_set_state(api, token, 0xfedc_ba98_7654_3210n);
    expect(notify_get_state(api, token)).toBe(0xfedc_ba98_7654_3210n);
    notify_set_state(token, 99, { api }); // a number reaches C as a BigInt
    expect(notify_get_state(token, { api })).toBe(99n);
    expect(notify_is_valid_token(api, token)).toBe(true);
    expect(notify_is_valid_token(api, token + 1)).toBe(false);
    const calls = k.calls.filter((c) => c[0].startsWith('notify_') && c[0] !== 'notify_register_check');
    expect(calls).toEqual([
      ['notify_suspend', token],
      ['notify_resume', token],
      ['notify_set_state', token, 0xfedc_ba98_7654_3210n],
      ['notify_get_state', token],
      ['notify_set_state', token, 99n],
      ['notify_get_state', token],
      ['notify_is_valid_token', token],
      ['notify_is_valid_token', token + 1],
    ]);
  });

  it('a native status becomes the root NotifyError with that status; bad arguments never reach C', () => {
    const { k, api } = native();
    for (const f of [() => notify_suspend(api, 77), () => notify_resume(api, 77), () => notify_get_state(api, 77), () => notify_set_state(api, 77, 1n)]) {
      const e = notifyError(f);
      expect(e).toBeInstanceOf(NotifyError);
      expect(e.status).toBe(NOTIFY_STATUS_INVALID_TOKEN);
      expect(e.code).toBe('NOTIFY_STATUS_INVALID_TOKEN');
    }
    const sys = notify_register_check(api, 'com.apple.system.lowpowermode');
    expect(notifyError(() => notify_set_state(api, sys, 1n)).status).toBe(NOTIFY_STATUS_NOT_AUTHORIZED);
    const before = k.calls.length;
    expect(() => notify_set_state(api, sys, -1n)).toThrow(TypeError);
    expect(() => notify_get_state(api, 2 ** 40)).toThrow(TypeError);
    expect(k.calls.length).toBe(before);
  });

  it('an addon built before these bindings: MachError KERN_NOT_SUPPORTED naming the call; the first five still work', () => {
    const k = new FakeKernel();
    const addon = k.addon();
    delete addon.notify_suspend;
    delete addon.notify_get_state;
    const api = new NativeApi(addon);
    const token = notify_register_check(api, 'native.old');
    for (const [f, name] of [
      [() => notify_suspend(api, token), 'notify_suspend'],
      [() => notify_get_state(api, token), 'notify_get_state'],
    ] as const) {
      const err = thrownBy(f, MachError);
      expect(err.kr).toBe(KERN_NOT_SUPPORTED);
      expect(err.message).toContain(name);
    }
    notify_set_state(api, token, 3n); // still bound
    notify_cancel(api, token);
  });
});

describe('exports', () => {
  it('the package root exports the five calls', async () => {
    const root = await import('../../lib/index.js');
    for (const f of ['notify_suspend', 'notify_resume', 'notify_get_state', 'notify_set_state', 'notify_is_valid_token'] as const) {
      expect(typeof root[f]).toBe('function');
    }
  });
});
