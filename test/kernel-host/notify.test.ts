/**
 * libnotify across the processes and workers of one kernel host (issue #8): a client
 * task's notify_* calls reach the host kernel's notifyd, so a post in one process
 * reaches the registrations of another, with the semantics of an in-process emulated
 * task (message of 24 bytes with msgh_id = token, check, cancel destroying the port,
 * NotifyError with libnotify's status). The process's default API joins with
 * MACHPORT_KERNEL (fixtures/notify-client.mjs, package root only), this test process with
 * connectKernel, a worker with joinKernel({ socket }). Also: launchd starts notifyd on
 * the first look-up of its name, with nobody having started it in the kernel.
 */
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kernel } from '../../lib/emulator/kernel.js';
import { NOTIFY_SERVICE_NAME } from '../../lib/emulator/notifyd/notify_ipc.js';
import { connectKernel } from '../../lib/kernel-host/connect.js';
import type { RemoteTask } from '../../lib/kernel-host/remote-task.js';
import {
  NOTIFY_REUSE,
  NOTIFY_STATUS_FAILED,
  NOTIFY_STATUS_INVALID_NAME,
  NOTIFY_STATUS_INVALID_PORT,
  NOTIFY_STATUS_INVALID_TOKEN,
  NotifyError,
  notifications,
  notify_cancel,
  notify_check,
  notify_post,
  notify_register_check,
  notify_register_mach_port,
} from '../../lib/notify.js';
import { C, isGone, recv, typeOf } from '../conformance/helpers.js';
import { thrownBy } from '../services/notify-helpers.js';
import { distProblem, root, spawnFixture, startKernelHost, type KernelChild } from './helpers.js';

// The host and the fixtures run from dist/: skip (saying why) when it is not built from these sources.
const problem = distProblem(['kernel-host', 'emulator', 'notify.ts', 'backend.ts', 'cli/kernel.ts', 'cli/main.ts']);
if (problem !== undefined) console.warn(`test/kernel-host/notify.test.ts: the kernel-host cases are skipped: ${problem}`);

const ENV = (socket: string): Record<string, string> => ({ MACHPORT_KERNEL: socket, MACHPORT_BACKEND: 'emulator' });

/** The NotifyError `f` throws (fails the test if it throws anything else, or nothing). */
const notifyError = (f: () => unknown): NotifyError => thrownBy(f, NotifyError);

describe('launchd starts notifyd on demand', () => {
  it('a look-up of the notify service in a fresh kernel finds notifyd; a task cannot check the name in', () => {
    const kernel = new Kernel();
    const t = kernel.createTask({ name: 'plain' });
    const srv = t.bootstrap_look_up(t.bootstrap_port, NOTIFY_SERVICE_NAME);
    expect(typeOf(t, srv) & C.MACH_PORT_TYPE_SEND).not.toBe(0);
    const other = kernel.createTask({ name: 'other' });
    expect(() => other.bootstrap_check_in(other.bootstrap_port, NOTIFY_SERVICE_NAME)).toThrow(expect.objectContaining({ kr: C.BOOTSTRAP_NOT_PRIVILEGED }));
    // The same notifyd answers both tasks.
    const { token, port } = notify_register_mach_port(t, 'demand.x');
    notify_post(other, 'demand.x');
    expect(t.mach_port_get_attributes(t.mach_task_self(), port, C.MACH_PORT_RECEIVE_STATUS)).toMatchObject({ mps_msgcount: 1 });
    notify_cancel(t, token);
    kernel.checkInvariants();
  });
});

describe.skipIf(problem !== undefined)('libnotify in clients of a kernel host', () => {
  let kernel: KernelChild & { lines: string[] };
  let me: RemoteTask;

  beforeAll(async () => {
    kernel = await startKernelHost();
    me = await connectKernel(kernel.socket, { name: 'notify-test' });
  });

  afterAll(async () => {
    me?.session.close();
    await kernel?.stop();
  });

  it('a post in one client process reaches the registrations of another process and of this one', async () => {
    const listener = spawnFixture('notify-client.mjs', ['listen', 'kh.n.name', 'kh.n.check', 'kh.n.stream'], ENV(kernel.socket));
    const ready = await listener.next((m) => m.ready === true);
    expect(ready.backend).toBe('emulator');
    expect(ready.checks).toEqual([true, false]);
    // This process registers for the same name: one post reaches both.
    const mine = notify_register_mach_port(me, 'kh.n.name');
    expect(mine.token).toBeGreaterThan(1);

    const poster = spawnFixture('notify-client.mjs', ['post', 'kh.n.check', 'kh.n.stream', 'kh.n.name'], ENV(kernel.socket));
    expect(await poster.next((m) => Array.isArray(m.posted))).toMatchObject({ posted: ['kh.n.check', 'kh.n.stream', 'kh.n.name'] });
    expect(await poster.exited).toBe(0);

    // notify_post is synchronous, in a client as in-process: the message is queued once it returns.
    const status = me.mach_port_get_attributes(me.mach_task_self(), mine.port, C.MACH_PORT_RECEIVE_STATUS) as { mps_msgcount: number; mps_qlimit: number };
    expect(status).toMatchObject({ mps_msgcount: 1, mps_qlimit: 16 });
    const m = await recv(me, mine.port, { timeout: 10_000 });
    expect(m.header.msgh_id).toBe(mine.token);
    expect(m.size).toBe(24);
    expect(m.header.msgh_remote_port).toBe(0);

    const r = await listener.next((x) => x.got !== undefined);
    expect(r.got).toEqual({ id: ready.token, size: 24, bits: 0x1100, remote: 0 });
    expect(r.stream).toEqual({ name: 'kh.n.stream', token: ready.streamToken });
    expect(r.after).toEqual([true, false]);
    expect(r.portAfterCancel).toMatchObject({ code: 'KERN_INVALID_NAME' });
    expect(r.cancelAgain).toMatchObject({ name: 'NotifyError', status: NOTIFY_STATUS_INVALID_TOKEN });
    expect(r.checkUnknown).toMatchObject({ name: 'NotifyError', status: NOTIFY_STATUS_INVALID_TOKEN });
    expect(r.nullName).toMatchObject({ name: 'NotifyError', status: NOTIFY_STATUS_INVALID_NAME });
    expect(r.reuseNull).toMatchObject({ name: 'NotifyError', status: NOTIFY_STATUS_INVALID_PORT });
    expect(await listener.exited).toBe(0);

    // The listener's cancel reached notifyd: a post now reaches only this process.
    notify_post(me, 'kh.n.name');
    expect((await recv(me, mine.port, { timeout: 10_000 })).header.msgh_id).toBe(mine.token);
    notify_cancel(me, mine.token);
    expect(isGone(me, mine.port)).toBe(true);
    me.session.admin({ op: 'invariants' });
  });

  it('register_check and check, NOTIFY_REUSE, cancel, self names and errors on a client task', async () => {
    const t = notify_register_check(me, 'kh.c.name');
    expect(notify_check(me, t)).toBe(true); // the first check
    expect(notify_check(t, { api: me })).toBe(false);
    notify_post('kh.c.name', { api: me });
    expect(notify_check(me, t)).toBe(true);
    expect(notify_check(me, t)).toBe(false);
    notify_cancel(me, t);
    expect(notifyError(() => notify_check(me, t)).status).toBe(NOTIFY_STATUS_INVALID_TOKEN);
    expect(notifyError(() => notify_cancel(me, t)).status).toBe(NOTIFY_STATUS_INVALID_TOKEN);

    // NOTIFY_REUSE (a simpleroutine with a port descriptor): both tokens arrive on one port.
    const a = notify_register_mach_port(me, 'kh.r.one');
    const b = notify_register_mach_port(me, 'kh.r.two', a.port, NOTIFY_REUSE);
    expect(b.port).toBe(a.port);
    notify_post(me, 'kh.r.two');
    notify_post(me, 'kh.r.one');
    expect((await recv(me, a.port, { timeout: 10_000 })).header.msgh_id).toBe(b.token);
    expect((await recv(me, a.port, { timeout: 10_000 })).header.msgh_id).toBe(a.token);
    notify_cancel(me, a.token);
    expect(typeOf(me, a.port) & C.MACH_PORT_TYPE_RECEIVE).not.toBe(0); // b still uses it
    notify_cancel(me, b.token);
    expect(isGone(me, a.port)).toBe(true);

    // A name that is no right of the task: the send fails, NOTIFY_STATUS_FAILED (as in-process).
    expect(notifyError(() => notify_register_mach_port(me, 'kh.r.bad', 0x7fff_ff03, NOTIFY_REUSE)).status).toBe(NOTIFY_STATUS_FAILED);
    expect(notifyError(() => notify_register_mach_port(me, 'kh.r.null', 0, NOTIFY_REUSE)).status).toBe(NOTIFY_STATUS_INVALID_PORT);
    expect(notifyError(() => notify_register_check(me, null as unknown as string)).status).toBe(NOTIFY_STATUS_INVALID_NAME);
    expect(notifyError(() => notify_post(me, undefined as unknown as string)).status).toBe(NOTIFY_STATUS_INVALID_NAME);

    // "self." names stay in the task: the library sends from the task itself.
    const s = notify_register_mach_port(me, 'self.kh');
    notify_post(me, 'self.kh');
    expect((await recv(me, s.port, { timeout: 10_000 })).header.msgh_id).toBe(s.token);
    notify_cancel(me, s.token);
    expect(isGone(me, s.port)).toBe(true);

    // notifications() on a client task.
    const ac = new AbortController();
    const stream = notifications('kh.s.name', { api: me, signal: ac.signal });
    notify_post(me, 'kh.s.name');
    expect((await stream.next()).value).toEqual({ name: 'kh.s.name', token: stream.token });
    ac.abort();
    expect((await stream.next()).done).toBe(true);
    me.session.admin({ op: 'invariants' });
  });

  it('notify_post from one client task reaches another client’s registration as one kernelSend: one message sent per post', async () => {
    const other = await connectKernel(kernel.socket, { name: 'notify-poster' });
    try {
      const reg = notify_register_mach_port(me, 'kh.ks.name');
      notify_post(other, 'kh.ks.name'); // the first post looks notifyd up (a kernel-object call of its own)
      expect((await recv(me, reg.port, { timeout: 10_000 })).header.msgh_id).toBe(reg.token);
      const events = (t: RemoteTask): { messages_sent: number; messages_received: number } => t.task_info(t.mach_task_self(), C.TASK_EVENTS_INFO);
      const N = 3;
      const e0 = events(other);
      const names = other.spaceInfo().map((e) => [e.name, e.type]);
      for (let i = 0; i < N; i++) notify_post(other, 'kh.ks.name');
      // No reply port, no send-once right: the poster's space is as it was.
      expect(other.spaceInfo().map((e) => [e.name, e.type])).toEqual(names);
      const e1 = events(other);
      // The second task_info adds its own request and the first one's reply (sent, then received).
      expect(e1.messages_sent - e0.messages_sent - 2).toBe(N);
      expect(e1.messages_received - e0.messages_received - 1).toBe(0);
      const status = me.mach_port_get_attributes(me.mach_task_self(), reg.port, C.MACH_PORT_RECEIVE_STATUS) as { mps_msgcount: number };
      expect(status.mps_msgcount).toBe(N);
      for (let i = 0; i < N; i++) expect((await recv(me, reg.port, { timeout: 10_000 })).header.msgh_id).toBe(reg.token);
      notify_cancel(me, reg.token);

      // kernelSend itself: an ordinary port is refused, nothing queued; a bad name is the send's error code.
      const p = other.mach_port_allocate(other.mach_task_self(), C.MACH_PORT_RIGHT_RECEIVE);
      other.mach_port_insert_right(other.mach_task_self(), p, p, C.MACH_MSG_TYPE_MAKE_SEND);
      const plain = (dest: number) => ({ header: { msgh_bits: C.MACH_MSG_TYPE_COPY_SEND, msgh_remote_port: dest, msgh_id: 1 } });
      expect(() => other.kernelSend(plain(p))).toThrow(expect.objectContaining({ code: 'MACH_SEND_INVALID_OPTIONS' }));
      expect(other.mach_port_get_attributes(other.mach_task_self(), p, C.MACH_PORT_RECEIVE_STATUS)).toMatchObject({ mps_msgcount: 0 });
      expect(other.kernelSend(plain(0x7fff_ff03))).toBe(C.MACH_SEND_INVALID_DEST);
      me.session.admin({ op: 'invariants' });
    } finally {
      other.session.close();
    }
  });

  it('a worker thread joined with joinKernel({ socket }) gets the posts of this process', async () => {
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      (async () => {
        const { KH, C, packageRoot } = await import(workerData.lib);
        const mp = await packageRoot();
        const t = KH.joinKernel({ socket: workerData.socket }, { name: 'notify-worker' });
        const { token, port } = mp.notify_register_mach_port(t, 'kh.w.name');
        parentPort.postMessage({ ready: true, token });
        const m = await t.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, port, 30000);
        mp.notify_post(t, 'kh.w.back');
        mp.notify_cancel(t, token);
        parentPort.postMessage({ id: m.header.msgh_id, size: m.size });
        t.terminate();
      })().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));`;
    const back = notify_register_mach_port(me, 'kh.w.back');
    const worker = new Worker(code, { eval: true, workerData: { socket: kernel.socket, lib: `file://${path.join(root, 'test', 'kernel-host', 'fixtures', 'lib.mjs')}` } });
    const messages: Record<string, unknown>[] = [];
    const exited = new Promise((r) => worker.once('exit', r));
    const next = (): Promise<Record<string, unknown>> => new Promise((resolve) => worker.once('message', resolve));
    let m = await next();
    messages.push(m);
    expect(m).toMatchObject({ ready: true });
    notify_post(me, 'kh.w.name');
    m = await next();
    expect(m).toEqual({ id: messages[0]!.token, size: 24 });
    expect((await recv(me, back.port, { timeout: 10_000 })).header.msgh_id).toBe(back.token);
    notify_cancel(me, back.token);
    expect(await exited).toBe(0);
  });
});
