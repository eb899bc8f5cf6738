/**
 * The package root's notify_suspend, notify_resume, notify_get_state, notify_set_state and
 * notify_is_valid_token for tasks of a kernel host (RemoteTask, connectKernel): they reach
 * the host kernel's notifyd with the forwarded calls alone (kernelCall for the routines),
 * so two clients share one name's state and a suspended registration of one client holds
 * the other's posts until the final resume, which delivers one message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectKernel } from '../../lib/kernel-host/connect.js';
import type { RemoteTask } from '../../lib/kernel-host/remote-task.js';
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
import { C, isGone, recv } from '../conformance/helpers.js';
import { thrownBy } from '../services/notify-helpers.js';
import { distProblem, startKernelHost, type KernelChild } from './helpers.js';

// The host runs from dist/: skip (saying why) when it is not built from these sources.
const problem = distProblem(['kernel-host', 'emulator', 'notify.ts', 'backend.ts', 'cli/kernel.ts', 'cli/main.ts']);
if (problem !== undefined) console.warn(`test/kernel-host/notify-state.test.ts: the kernel-host cases are skipped: ${problem}`);

/** The NotifyError `f` throws (fails the test if it throws anything else, or nothing). */
const notifyError = (f: () => unknown): NotifyError => thrownBy(f, NotifyError);

/** Messages queued on `port` of `t`. */
function queued(t: RemoteTask, port: number): number {
  return (t.mach_port_get_attributes(t.mach_task_self(), port, C.MACH_PORT_RECEIVE_STATUS) as { mps_msgcount: number }).mps_msgcount;
}

describe.skipIf(problem !== undefined)('libnotify suspend/resume, state and is_valid_token in clients of a kernel host', () => {
  let kernel: KernelChild & { lines: string[] };
  let me: RemoteTask;
  let other: RemoteTask;

  beforeAll(async () => {
    kernel = await startKernelHost();
    // A user's uid, not this process's: root may write any name (libnotify.md §5), and the
    // access check below needs a caller that may not write com.apple.system.*.
    me = await connectKernel(kernel.socket, { name: 'notify-state-test', uid: 501 });
    other = await connectKernel(kernel.socket, { name: 'notify-state-other', uid: 501 });
  });

  afterAll(async () => {
    other?.session.close();
    me?.session.close();
    await kernel?.stop();
  });

  it('another client’s posts are held while suspended; the final resume delivers one message', async () => {
    const { token, port } = notify_register_mach_port(me, 'kh.st.susp');
    notify_suspend(me, token);
    notify_suspend(token, { api: me });
    for (let i = 0; i < 3; i++) notify_post(other, 'kh.st.susp');
    expect(queued(me, port)).toBe(0);
    notify_resume(me, token);
    expect(queued(me, port)).toBe(0);
    notify_resume(me, token);
    expect(queued(me, port)).toBe(1);
    const m = await recv(me, port, { timeout: 10_000 });
    expect(m.header.msgh_id).toBe(token);
    expect(m.size).toBe(24);
    notify_post(other, 'kh.st.susp');
    notify_post(other, 'kh.st.susp');
    expect(queued(me, port)).toBe(2);
    notify_cancel(me, token);
    expect(isGone(me, port)).toBe(true);
    expect(notifyError(() => notify_suspend(me, token)).status).toBe(NOTIFY_STATUS_INVALID_TOKEN);
    expect(notifyError(() => notify_resume(me, token)).status).toBe(NOTIFY_STATUS_INVALID_TOKEN);
    me.session.admin({ op: 'invariants' });
  });

  it('one name’s uint64_t state is shared by the clients; values above 2^53 round-trip; errors', () => {
    const a = notify_register_check(me, 'kh.st.state');
    const b = notify_register_check(other, 'kh.st.state');
    expect(notify_get_state(me, a)).toBe(0n);
    notify_set_state(other, b, 0xffff_ffff_ffff_fffen);
    expect(notify_get_state(me, a)).toBe(0xffff_ffff_ffff_fffen);
    notify_set_state(a, 2 ** 53 - 1, { api: me });
    expect(notify_get_state(b, { api: other })).toBe(2n ** 53n - 1n);
    expect(() => notify_set_state(me, a, -1n)).toThrow(TypeError);

    const s = notify_register_check(me, 'self.kh.st');
    notify_set_state(me, s, 1n << 63n);
    expect(notify_get_state(me, s)).toBe(1n << 63n);

    const sys = notify_register_check(me, 'com.apple.system.lowpowermode');
    expect(notifyError(() => notify_set_state(me, sys, 1n)).status).toBe(NOTIFY_STATUS_NOT_AUTHORIZED);
    for (const t of [a, s, sys]) notify_cancel(me, t);
    notify_cancel(other, b);
    expect(notifyError(() => notify_get_state(me, a)).status).toBe(NOTIFY_STATUS_INVALID_TOKEN);
    expect(notifyError(() => notify_set_state(me, a, 1n)).status).toBe(NOTIFY_STATUS_INVALID_TOKEN);
  });

  it('notify_is_valid_token follows the client’s own registrations', () => {
    const t = notify_register_check(me, 'kh.st.valid');
    expect(notify_is_valid_token(me, t)).toBe(true);
    expect(notify_is_valid_token(t, { api: me })).toBe(true);
    expect(notify_is_valid_token(me, 0x1234567)).toBe(false);
    notify_cancel(me, t);
    expect(notify_is_valid_token(me, t)).toBe(false);
  });
});
