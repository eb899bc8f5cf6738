/**
 * NativeApi's notify_suspend, notify_resume, notify_get_state, notify_set_state and
 * notify_is_valid_token over the stand-in addon (fake-addon.ts): the arguments C receives
 * (int token, uint64_t state as a BigInt), TypeError before any C call for values that do
 * not fit, a libnotify status other than OK → NotifyError with that status, and
 * KERN_NOT_SUPPORTED when the loaded addon predates a binding. Also: the cross-compiled
 * addons (npm run build:darwin) import the five calls from libSystem; on macOS the real
 * libnotify answers them (the macOS CI jobs; skipped elsewhere).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAddonFile } from '../../scripts/check-macho.js';
import * as C from '../../lib/constants.js';
import { MachError } from '../../lib/errors.js';
import { NativeApi, NotifyError } from '../../lib/native/api.js';
import { thrownBy } from '../services/notify-helpers.js';
import { loadNativeApi } from '../../lib/native/index.js';
import { FakeKernel } from './fake-addon.js';

function setup() {
  const k = new FakeKernel();
  const api = new NativeApi(k.addon());
  return { k, api };
}

/** The lib/native NotifyError `f` throws. */
const nativeNotifyError = (f: () => unknown): NotifyError => thrownBy(f, NotifyError);

describe('NativeApi libnotify token calls (stand-in addon)', () => {
  it('pass the token as an int and the state as a BigInt; get_state answers a bigint', () => {
    const { k, api } = setup();
    const token = api.notify_register_check('n.state');
    api.notify_suspend(token);
    api.notify_resume(token);
    api.notify_set_state(token, (1n << 63n) | 5n);
    expect(api.notify_get_state(token)).toBe((1n << 63n) | 5n);
    expect(api.notify_is_valid_token(token)).toBe(true);
    expect(api.notify_is_valid_token(-1)).toBe(false);
    expect(k.calls.filter((c) => c[0] !== 'notify_register_check')).toEqual([
      ['notify_suspend', token],
      ['notify_resume', token],
      ['notify_set_state', token, (1n << 63n) | 5n],
      ['notify_get_state', token],
      ['notify_is_valid_token', token],
      ['notify_is_valid_token', -1],
    ]);
    expect(k.notifySuspends.get(token)).toBe(0);
  });

  it('a status other than NOTIFY_STATUS_OK → NotifyError with that status and the call named', () => {
    const { api } = setup();
    const cases: [() => unknown, string][] = [
      [() => api.notify_suspend(99), 'notify_suspend'],
      [() => api.notify_resume(99), 'notify_resume'],
      [() => api.notify_get_state(99), 'notify_get_state'],
      [() => api.notify_set_state(99, 1n), 'notify_set_state'],
    ];
    for (const [f, call] of cases) {
      const e = nativeNotifyError(f);
      expect(e.status).toBe(2);
      expect(e.name).toBe('NotifyError');
      expect(e.message).toBe(`${call}: libnotify status 2 (NOTIFY_STATUS_INVALID_TOKEN)`);
    }
    const sys = api.notify_register_check('com.apple.system.lowpowermode');
    expect(nativeNotifyError(() => api.notify_set_state(sys, 1n)).status).toBe(7);
  });

  it('arguments that do not fit the C types are TypeErrors, before any C call', () => {
    const { k, api } = setup();
    const token = api.notify_register_check('n.args');
    const before = k.calls.length;
    expect(() => api.notify_suspend(1.5)).toThrow(TypeError);
    expect(() => api.notify_resume(2 ** 31)).toThrow(TypeError);
    expect(() => api.notify_get_state('1' as unknown as number)).toThrow(TypeError);
    expect(() => api.notify_set_state(token, 1 as unknown as bigint)).toThrow(TypeError);
    expect(() => api.notify_set_state(token, 1n << 64n)).toThrow(TypeError);
    expect(() => api.notify_is_valid_token(undefined as unknown as number)).toThrow(TypeError);
    expect(k.calls.length).toBe(before);
  });

  it('an addon without a binding (built before it) → MachError KERN_NOT_SUPPORTED naming it', () => {
    const k = new FakeKernel();
    const addon = k.addon();
    for (const f of ['notify_suspend', 'notify_resume', 'notify_get_state', 'notify_set_state', 'notify_is_valid_token'] as const) delete addon[f];
    const api = new NativeApi(addon);
    const token = api.notify_register_check('n.old');
    for (const [f, call] of [
      [() => api.notify_suspend(token), 'notify_suspend'],
      [() => api.notify_resume(token), 'notify_resume'],
      [() => api.notify_get_state(token), 'notify_get_state'],
      [() => api.notify_set_state(token, 0n), 'notify_set_state'],
      [() => api.notify_is_valid_token(token), 'notify_is_valid_token'],
    ] as const) {
      const err = thrownBy(f, MachError);
      expect(err.kr).toBe(C.KERN_NOT_SUPPORTED);
      expect(err.message).toContain(call);
    }
  });
});

describe('cross-compiled addons bind the libnotify token calls', () => {
  const root = join(import.meta.dirname, '..', '..');
  for (const arch of ['arm64', 'x64'] as const) {
    const file = join(root, 'build', `darwin-${arch}`, 'machport.node');
    it.skipIf(!existsSync(file))(`darwin-${arch}: notify_suspend … notify_is_valid_token resolve in libSystem, not weak`, () => {
      const { parsed } = checkAddonFile(file, { arch, allowLibcxx: process.platform === 'darwin' });
      const symbols = new Map(parsed.slices[0]!.undefinedSymbols.map((s) => [s.name, s]));
      for (const f of ['notify_suspend', 'notify_resume', 'notify_get_state', 'notify_set_state', 'notify_is_valid_token']) {
        expect(symbols.get(`_${f}`)?.library, f).toBe('/usr/lib/libSystem.B.dylib');
        expect(symbols.get(`_${f}`)?.weak, f).toBeFalsy();
      }
    });
  }
});

describe.skipIf(process.platform !== 'darwin')('the real libnotify (macOS)', () => {
  it('suspend holds posts and resume delivers one message; state round-trips above 2^53; is_valid_token', async () => {
    const loaded = loadNativeApi();
    if (loaded.api === undefined) throw new Error(loaded.reason);
    const a = loaded.api as NativeApi;
    const name = `org.machport.test.notify-state.${process.pid}`;
    const { port, token } = a.notify_register_mach_port(name);
    expect(a.notify_is_valid_token(token)).toBe(true);
    a.notify_suspend(token);
    a.notify_post(name);
    a.notify_post(name);
    a.notify_resume(token);
    const got = await a.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, port, 5000);
    expect(got!.header.msgh_id).toBe(token);
    const big = (1n << 60n) + 3n;
    a.notify_set_state(token, big);
    expect(a.notify_get_state(token)).toBe(big);
    a.notify_cancel(token);
    expect(a.notify_is_valid_token(token)).toBe(false);
    expect(nativeNotifyError(() => a.notify_get_state(token)).status).toBe(2);
  });
});
