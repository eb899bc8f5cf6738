import { describe, expect, it } from 'vitest';
import { backend } from '../../lib/backend.js';
import {
  KERN_NOT_SUPPORTED,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_LIMITS_INFO,
} from '../../lib/constants.js';
import { Kernel } from '../../lib/emulator/index.js';
import type { EmulatedTask } from '../../lib/emulator/task.js';
import { MachError } from '../../lib/errors.js';
import {
  NOTIFY_REUSE,
  NOTIFY_STATUS_INVALID_NAME,
  NOTIFY_STATUS_INVALID_TOKEN,
  NOTIFY_STATUS_NOT_AUTHORIZED,
  NOTIFY_TOKEN_INVALID,
  notifications,
  notify_cancel,
  notify_check,
  notify_post,
  notify_register_check,
  notify_register_mach_port,
  NotifyError,
  type Notification,
} from '../../lib/notify.js';
import type { MachApi } from '../../lib/types.js';
import { drain, poll, thrownBy } from './notify-helpers.js';

function setup(seed = 9) {
  const kernel = new Kernel({ seed });
  const listener = kernel.createTask({ name: 'listener', pid: 310 });
  const poster = kernel.createTask({ name: 'poster', pid: 420 });
  return { kernel, listener, poster };
}

function expectStatus(f: () => unknown, status: number, code: string): void {
  const err = thrownBy(f, NotifyError);
  expect(err.status).toBe(status);
  expect(err.code).toBe(code);
}

describe('libnotify across two emulated tasks', () => {
  it('register a port, post from another task: the message’s id is the token', async () => {
    const { listener, poster, kernel } = setup();
    const { token, port } = notify_register_mach_port(listener, 'com.example.changed');
    expect(token).toBe(2);
    expect(listener.mach_port_type(listener.mach_task_self(), port)).toBe(MACH_PORT_TYPE_RECEIVE);
    expect(listener.mach_port_get_attributes(listener.mach_task_self(), port, MACH_PORT_LIMITS_INFO)).toEqual({ mpl_qlimit: 16 });
    notify_post(poster, 'com.example.changed');
    const m = (await poll(listener, port))!;
    expect(m.header.msgh_id).toBe(token);
    expect(m.size).toBe(24);
    expect(m.header.msgh_bits).toBe(0x1100);
    expect(await poll(listener, port)).toBeNull();
    // Another name does not reach this registration.
    notify_post(poster, 'com.example.other');
    expect(await poll(listener, port)).toBeNull();
    kernel.checkInvariants();
  });

  it('the options-object forms route to the same task', async () => {
    const { listener, poster } = setup();
    const { token, port } = notify_register_mach_port('opt.name', { api: listener });
    notify_post('opt.name', { api: poster });
    expect(await drain(listener, port)).toEqual([token]);
    const second = notify_register_mach_port('opt.name', port, NOTIFY_REUSE, { api: listener });
    notify_post(poster, 'opt.name');
    expect((await drain(listener, port)).sort()).toEqual([token, second.token].sort());
    expect(second.port).toBe(port);
  });

  it('notify_check: true once after a post, then false until the next post', () => {
    const { listener, poster } = setup();
    const { token } = notify_register_mach_port(listener, 'check.me');
    // The first check of a token reports true (libnotify).
    expect(notify_check(listener, token)).toBe(true);
    expect(notify_check(listener, token)).toBe(false);
    notify_post(poster, 'check.me');
    expect(notify_check(token, { api: listener })).toBe(true);
    expect(notify_check(listener, token)).toBe(false);
    const plain = notify_register_check(listener, 'check.me');
    expect(notify_check(listener, plain)).toBe(true);
    expect(notify_check(listener, plain)).toBe(false);
    notify_post(poster, 'check.me');
    expect(notify_check(listener, plain)).toBe(true);
  });

  it('notify_cancel stops delivery and destroys the port notifyd made', async () => {
    const { listener, poster, kernel } = setup();
    const a = notify_register_mach_port(listener, 'cancel.me');
    const b = notify_register_mach_port(listener, 'cancel.me', a.port, NOTIFY_REUSE);
    notify_cancel(listener, b.token);
    notify_post(poster, 'cancel.me');
    expect(await drain(listener, a.port)).toEqual([a.token]);
    notify_cancel(a.token, { api: listener });
    // The last token on the port: its receive right is gone.
    expect(() => listener.mach_port_type(listener.mach_task_self(), a.port)).toThrow(MachError);
    notify_post(poster, 'cancel.me');
    kernel.checkInvariants();
  });

  it('an unknown token → NOTIFY_STATUS_INVALID_TOKEN; a NULL name → NOTIFY_STATUS_INVALID_NAME', () => {
    const { listener } = setup();
    expectStatus(() => notify_check(listener, 12345), NOTIFY_STATUS_INVALID_TOKEN, 'NOTIFY_STATUS_INVALID_TOKEN');
    expectStatus(() => notify_cancel(listener, 12345), NOTIFY_STATUS_INVALID_TOKEN, 'NOTIFY_STATUS_INVALID_TOKEN');
    const { token } = notify_register_mach_port(listener, 'once');
    notify_cancel(listener, token);
    expectStatus(() => notify_cancel(listener, token), NOTIFY_STATUS_INVALID_TOKEN, 'NOTIFY_STATUS_INVALID_TOKEN');
    expectStatus(() => notify_post(listener, null as unknown as string), NOTIFY_STATUS_INVALID_NAME, 'NOTIFY_STATUS_INVALID_NAME');
    expectStatus(() => notify_register_mach_port(null as unknown as string, { api: listener }), NOTIFY_STATUS_INVALID_NAME, 'NOTIFY_STATUS_INVALID_NAME');
  });

  it('tokens are per task: another task’s token is unknown here', () => {
    const { listener, poster } = setup();
    notify_register_mach_port(listener, 'a');
    const { token } = notify_register_mach_port(listener, 'b');
    expect(token).toBe(3);
    expectStatus(() => notify_check(poster, token), NOTIFY_STATUS_INVALID_TOKEN, 'NOTIFY_STATUS_INVALID_TOKEN');
  });

  it('arguments of the wrong type are TypeErrors', () => {
    const { listener } = setup();
    expect(() => notify_post(listener, 42 as unknown as string)).toThrow(TypeError);
    expect(() => notify_check(listener, 'x' as unknown as number)).toThrow(TypeError);
    expect(() => notify_register_mach_port(listener, 'x', -1)).toThrow(TypeError);
    expect(() => notify_post('x', { api: {} as MachApi })).toThrow(TypeError);
  });
});

describe('notifications(): an async iterator of posts', () => {
  it('yields each post and ends quietly on abort', async () => {
    const { listener, poster, kernel } = setup();
    const ac = new AbortController();
    const stream = notifications('com.example.stream', { api: listener, signal: ac.signal });
    expect(stream.token).toBe(2);
    const port = stream.port;
    expect(listener.mach_port_type(listener.mach_task_self(), port)).toBe(MACH_PORT_TYPE_RECEIVE);
    // Registered at once: a post before the first next() is not lost.
    notify_post(poster, 'com.example.stream');
    notify_post(poster, 'com.example.stream');
    const seen: Notification[] = [];
    const done = (async () => {
      for await (const n of stream) {
        seen.push(n);
        if (seen.length === 3) setTimeout(() => ac.abort(), 5);
      }
    })();
    await new Promise((r) => setTimeout(r, 10));
    notify_post(poster, 'com.example.stream');
    await done;
    expect(seen).toEqual([
      { name: 'com.example.stream', token: 2 },
      { name: 'com.example.stream', token: 2 },
      { name: 'com.example.stream', token: 2 },
    ]);
    // The registration is cancelled and its port destroyed.
    expect(stream.port).toBe(0);
    expect(() => listener.mach_port_type(listener.mach_task_self(), port)).toThrow(MachError);
    expectStatus(() => notify_check(listener, 2), NOTIFY_STATUS_INVALID_TOKEN, 'NOTIFY_STATUS_INVALID_TOKEN');
    kernel.checkInvariants();
  });

  it('a pending next() resolves done when the signal aborts', async () => {
    const { listener } = setup();
    const ac = new AbortController();
    const stream = notifications('never.posted', { api: listener, signal: ac.signal });
    const pending = stream.next();
    setTimeout(() => ac.abort(), 5);
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('leaving a for-await loop (break) cancels the registration and releases the port', async () => {
    const { listener, poster, kernel } = setup();
    // Warm up: the first call looks notifyd up (a send right the library keeps).
    notify_cancel(listener, notify_register_mach_port(listener, 'warm-up').token);
    const before = listener.mach_port_names(listener.mach_task_self()).names;
    const stream = notifications('brk', { api: listener });
    const port = stream.port;
    notify_post(poster, 'brk');
    for await (const n of stream) {
      expect(n.token).toBe(stream.token);
      break;
    }
    expect(() => listener.mach_port_type(listener.mach_task_self(), port)).toThrow(MachError);
    expect(listener.mach_port_names(listener.mach_task_self()).names).toEqual(before);
    kernel.checkInvariants();
  });

  it('close() ends a stream that is being iterated; an already-aborted signal gives an empty stream', async () => {
    const { listener, poster } = setup();
    const stream = notifications('closing', { api: listener });
    const pending = stream.next();
    notify_post(poster, 'closing');
    expect(await pending).toEqual({ done: false, value: { name: 'closing', token: stream.token } });
    const next = stream.next();
    stream.close();
    expect(await next).toEqual({ done: true, value: undefined });
    stream.close();

    const ac = new AbortController();
    ac.abort();
    const empty = notifications('closing', { api: listener, signal: ac.signal });
    expect(empty.token).toBe(NOTIFY_TOKEN_INVALID);
    expect(empty.port).toBe(0);
    expect(await empty.next()).toEqual({ done: true, value: undefined });
  });

  it('several streams on one name each get every post', async () => {
    const { listener, poster } = setup();
    const s1 = notifications('fan', { api: listener });
    const s2 = notifications('fan', { api: poster });
    notify_post(poster, 'fan');
    expect((await s1.next()).value).toEqual({ name: 'fan', token: s1.token });
    expect((await s2.next()).value).toEqual({ name: 'fan', token: s2.token });
    s1.close();
    s2.close();
  });
});

describe('routing', () => {
  it('without an api the process backend serves (the emulator here)', async () => {
    const api = backend.api;
    const { token, port } = notify_register_mach_port('default.routed');
    notify_post('default.routed');
    expect(await drain(api, port)).toEqual([token]);
    expect(notify_check(token)).toBe(true);
    notify_cancel(token);
  });

  it('posting a root-owned name as a user still succeeds (posts are asynchronous), and is not delivered', async () => {
    const { listener, poster } = setup();
    const { token, port } = notify_register_mach_port(listener, 'com.apple.system.example');
    expect(() => notify_post(poster, 'com.apple.system.example')).not.toThrow();
    expect(await drain(listener, port)).toEqual([]);
    expect(NOTIFY_STATUS_NOT_AUTHORIZED).toBe(7);
    notify_cancel(listener, token);
  });

  /** A stand-in for the native API: backendName 'native' and libnotify functions with NativeApi's signatures. */
  function fakeNative(t: EmulatedTask, withNotify = true): { api: MachApi; calls: unknown[][] } {
    const calls: unknown[][] = [];
    class NativeNotifyError extends Error {
      constructor(readonly status: number) {
        super(`libnotify status ${status}`);
        this.name = 'NotifyError';
      }
    }
    const notify = {
      notify_register_mach_port(name: string, flags = 0, port = 0) {
        calls.push(['register', name, flags, port]);
        return { port: 0x1234, token: 7 };
      },
      notify_register_check(name: string) {
        calls.push(['register_check', name]);
        return 8;
      },
      notify_post(name: string) {
        calls.push(['post', name]);
      },
      notify_check(token: number) {
        calls.push(['check', token]);
        if (token !== 7) throw new NativeNotifyError(2);
        return true;
      },
      notify_cancel(token: number) {
        calls.push(['cancel', token]);
      },
    };
    const api = new Proxy(t, {
      get(target, prop, receiver) {
        if (prop === 'backendName') return 'native';
        if (withNotify && prop in notify) return notify[prop as keyof typeof notify];
        return Reflect.get(target, prop, receiver);
      },
    }) as unknown as MachApi;
    return { api, calls };
  }

  it('the native backend goes to the addon’s libnotify functions, with its argument order', () => {
    const { listener } = setup();
    const { api, calls } = fakeNative(listener);
    expect(notify_register_mach_port(api, 'n', 0x99, NOTIFY_REUSE)).toEqual({ token: 7, port: 0x1234 });
    expect(notify_register_check('n', { api })).toBe(8);
    notify_post(api, 'n');
    expect(notify_check(api, 7)).toBe(true);
    notify_cancel(7, { api });
    expect(calls).toEqual([['register', 'n', NOTIFY_REUSE, 0x99], ['register_check', 'n'], ['post', 'n'], ['check', 7], ['cancel', 7]]);
    // The native error becomes this module's NotifyError.
    expectStatus(() => notify_check(api, 99), NOTIFY_STATUS_INVALID_TOKEN, 'NOTIFY_STATUS_INVALID_TOKEN');
  });

  it('a native API without libnotify functions → MachError KERN_NOT_SUPPORTED naming what is missing', () => {
    const { listener } = setup();
    const { api } = fakeNative(listener, false);
    let err: unknown;
    try {
      notify_post(api, 'n');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MachError);
    expect((err as MachError).kr).toBe(KERN_NOT_SUPPORTED);
    expect((err as MachError).message).toContain('notify_register_mach_port');
  });
});

describe('exports', () => {
  it('the package root exports the notify API; machport/emulator exports the emulated notifyd', async () => {
    const root = await import('../../lib/index.js');
    for (const f of ['notify_register_mach_port', 'notify_register_check', 'notify_post', 'notify_check', 'notify_cancel', 'notifications'] as const) {
      expect(typeof root[f]).toBe('function');
    }
    expect(root.NOTIFY_STATUS_INVALID_TOKEN).toBe(2);
    expect(root.NotifyError).toBe(NotifyError);
    const emulator = await import('../../lib/emulator/index.js');
    expect(typeof emulator.EmulatedNotifyd).toBe('function');
    expect(emulator.NotifyError).toBe(NotifyError);
  });
});
