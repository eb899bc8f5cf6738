/**
 * worker_threads joining a kernel as tasks of their own: over a MessagePort to a
 * kernel in the parent thread (KernelHost.workerTransport(), or workerTransport() for
 * this process's emulated kernel), and over a kernel host's socket. The worker's
 * synchronous calls block only the worker; its exit terminates its task.
 */
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kernel } from '../../lib/emulator/kernel.js';
import type { EmulatedTask } from '../../lib/emulator/task.js';
import { KernelHost } from '../../lib/kernel-host/host.js';
import { connectKernel, processKernelHost, workerTransport } from '../../lib/kernel-host/connect.js';
import { processKernel, processTask } from '../../lib/emulator/process.js';
import type { MachApi } from '../../lib/types.js';
import { C, notificationWord, portWithSend, recv, requestNotification, typeOf } from '../conformance/helpers.js';
import { requireDist, root, startKernelHost, until, type KernelChild } from './helpers.js';

const fixture = path.join(root, 'test', 'kernel-host', 'fixtures', 'worker.mjs');

beforeAll(() => requireDist());

interface WorkerReport {
  pid: number;
  self: number;
  replyId: number;
  names: number;
  type: number;
}

/** Serve one request of the worker: reply on its send-once right, return its port's name. */
async function serveOne(api: MachApi, svc: number): Promise<{ theirs: number; pid: number }> {
  const m = await recv(api, svc, { timeout: 30_000, options: C.MACH_RCV_TRAILER_TYPE(0) | C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AUDIT) });
  expect(m.header.msgh_id).toBe(500);
  await api.mach_msg({ header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_MOVE_SEND_ONCE, 0), msgh_remote_port: m.header.msgh_remote_port, msgh_id: 600 } }, C.MACH_SEND_MSG);
  return { theirs: (m.descriptors[0] as { name: number }).name, pid: m.trailer.audit.pid };
}

function startWorker(transport: unknown, service: string, stay = false): { worker: Worker; report: Promise<WorkerReport>; exited: Promise<number> } {
  const transferList = typeof (transport as { postMessage?: unknown }).postMessage === 'function' ? [transport as never] : [];
  const worker = new Worker(fixture, { workerData: { transport, service, stay }, transferList });
  const report = new Promise<WorkerReport>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  return { worker, report, exited };
}

describe('kernel host: worker threads', () => {
  it('a worker joins a KernelHost of this thread over a MessagePort; its exit terminates its task', async () => {
    const kernel = new Kernel();
    const host = new KernelHost({ kernel });
    const parent: EmulatedTask = kernel.createTask({ name: 'parent', pid: process.pid });
    const svc = portWithSend(parent);
    parent.bootstrap_register(parent.bootstrap_port, 'kh.worker.svc', svc);
    const { worker, report, exited } = startWorker(host.workerTransport(), 'kh.worker.svc', true);
    const { theirs, pid } = await serveOne(parent, svc);
    expect(pid).toBe(process.pid);
    const r = await report;
    expect(r.replyId).toBe(600);
    expect(r.type).toBe(C.MACH_PORT_TYPE_RECEIVE | C.MACH_PORT_TYPE_SEND);
    expect(kernel.tasks.map((t) => t.name)).toContain('worker');
    const notify = portWithSend(parent);
    requestNotification(parent, theirs, C.MACH_NOTIFY_DEAD_NAME, notify);
    // Let the worker finish; it does not terminate its task itself.
    worker.postMessage('go');
    expect(await exited).toBe(0);
    // The host learns of the exit only when it reads the connection closing: on a loaded
    // machine that can take longer than recv's default wait.
    const n = await recv(parent, notify, { timeout: 30_000 });
    expect(n.header.msgh_id).toBe(C.MACH_NOTIFY_DEAD_NAME);
    expect(notificationWord(n)).toBe(theirs);
    expect(kernel.tasks.map((t) => t.name)).not.toContain('worker');
    kernel.checkInvariants();
    await host.close();
  });

  it('workerTransport() joins this process’s emulated kernel, shared with processTask()', async () => {
    const me = processTask();
    const svc = portWithSend(me);
    me.bootstrap_register(me.bootstrap_port, 'kh.worker.process', svc);
    const { report, exited } = startWorker(workerTransport({}), 'kh.worker.process');
    const { theirs } = await serveOne(me, svc);
    expect((await report).replyId).toBe(600);
    expect(await exited).toBe(0);
    await until(() => (typeOf(me, theirs) & C.MACH_PORT_TYPE_DEAD_NAME) !== 0, 5000, 'the worker’s port to die');
    processKernel().checkInvariants();
    await processKernelHost().close();
  });

  it('a worker joins a kernel host process through its socket ({ socket })', async () => {
    let kernel: KernelChild | undefined;
    try {
      kernel = await startKernelHost();
      const me = await connectKernel(kernel.socket, { name: 'parent' });
      const svc = portWithSend(me);
      me.bootstrap_register(me.bootstrap_port, 'kh.worker.socket', svc);
      const { report, exited } = startWorker({ socket: kernel.socket }, 'kh.worker.socket');
      const { theirs, pid } = await serveOne(me, svc);
      expect(pid).toBe(process.pid);
      expect((await report).replyId).toBe(600);
      expect(await exited).toBe(0);
      await until(() => (typeOf(me, theirs) & C.MACH_PORT_TYPE_DEAD_NAME) !== 0, 10_000, 'the worker’s port to die');
      me.session.admin({ op: 'invariants' });
      me.session.close();
    } finally {
      await kernel?.stop();
    }
  });

  it('a worker blocked in a synchronous call is woken when the kernel host closes', async () => {
    const kernel = new Kernel();
    const host = new KernelHost({ kernel });
    const transport = host.workerTransport();
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      import(workerData.lib).then(async ({ KH, C }) => {
        const t = KH.joinKernel(workerData.transport);
        parentPort.postMessage('joined');
        await new Promise((r) => parentPort.once('message', r));
        try { t.mach_port_allocate(t.mach_task_self(), C.MACH_PORT_RIGHT_RECEIVE); parentPort.postMessage('no error'); }
        catch (e) { parentPort.postMessage(e.code); }
      });`;
    const worker = new Worker(code, { eval: true, workerData: { transport, lib: `file://${path.join(root, 'test', 'kernel-host', 'fixtures', 'lib.mjs')}` }, transferList: [transport] });
    // Listen for the exit before the worker can reach it: it exits right after answering.
    const exited = new Promise((r) => worker.once('exit', r));
    const messages: unknown[] = [];
    worker.on('message', (m) => messages.push(m));
    await until(() => messages.includes('joined'), 20_000, 'the worker to join');
    await host.close();
    worker.postMessage('go');
    await until(() => messages.length === 2, 20_000, 'the worker’s answer');
    expect(messages[1]).toBe('MACH_SEND_INVALID_DEST');
    await exited;
  });
});

afterAll(async () => {
  await processKernelHost().close();
});
