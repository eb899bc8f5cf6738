/**
 * A client process killed with SIGKILL has its task terminated as XNU terminates a task
 * (reference S99, S40, S41): its receive rights die (our send and send-once rights to
 * them turn into dead names, dead-name notifications fire), the send-once right it held
 * produces MACH_NOTIFY_SEND_ONCE, the only send right it held produces no-senders, and
 * our send blocked on its full queue returns MACH_MSG_SUCCESS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectKernel } from '../../lib/kernel-host/connect.js';
import type { RemoteTask } from '../../lib/kernel-host/remote-task.js';
import { C, isPending, msg, notificationWord, port, portDesc, portWithSend, recv, requestNotification, send, typeOf } from '../conformance/helpers.js';
import { requireDist, spawnFixture, startKernelHost, until, type KernelChild } from './helpers.js';

let kernel: KernelChild & { lines: string[] };
let me: RemoteTask;

beforeAll(async () => {
  requireDist();
  kernel = await startKernelHost({ quiet: false });
  me = await connectKernel(kernel.socket, { name: 'test' });
});

afterAll(async () => {
  me?.session.close();
  await kernel?.stop();
});

describe('kernel host: kill -9 of a client process', () => {
  it('terminates its task: dead names, dead-name / send-once / no-senders notifications, blocked sender released', async () => {
    const self = me.mach_task_self();
    const inbox = portWithSend(me);
    me.bootstrap_register(me.bootstrap_port, 'kh.kill.T', inbox);
    const victim = spawnFixture('victim.mjs', [kernel.socket]);

    // The victim sends us a send right and a send-once right to two of its ports.
    const first = await recv(me, inbox, { timeout: 30_000 });
    const [toP1, toP2] = first.descriptors.map((d) => (d as { name: number }).name) as [number, number];
    expect(typeOf(me, toP1)).toBe(C.MACH_PORT_TYPE_SEND);
    expect(typeOf(me, toP2)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
    const deadNames = port(me);
    requestNotification(me, toP1, C.MACH_NOTIFY_DEAD_NAME, deadNames);
    requestNotification(me, toP2, C.MACH_NOTIFY_DEAD_NAME, deadNames);

    // We give it a send-once right to one port and the only send right to another.
    const soPort = port(me);
    const nsPort = port(me);
    const nsNotify = port(me);
    const toVictim = me.bootstrap_look_up(me.bootstrap_port, 'kh.kill.V');
    await send(me, msg(toVictim, C.MACH_MSG_TYPE_COPY_SEND, { id: 2, descriptors: [portDesc(soPort, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), portDesc(nsPort, C.MACH_MSG_TYPE_MAKE_SEND)] }));
    requestNotification(me, nsPort, C.MACH_NOTIFY_NO_SENDERS, nsNotify, 1);
    const ready = await victim.next((m) => m.ready === true);
    expect(ready.trailerPid).toBe(process.pid);

    // Fill its queue (limit 1), then block a send on it.
    const full = me.bootstrap_look_up(me.bootstrap_port, 'kh.kill.full');
    await send(me, msg(full, C.MACH_MSG_TYPE_COPY_SEND, { id: 3 }));
    const blocked = me.mach_msg(msg(full, C.MACH_MSG_TYPE_COPY_SEND, { id: 4 }), C.MACH_SEND_MSG);
    expect(await isPending(blocked, 100)).toBe(true);

    victim.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');

    // S40: the blocked send returns success (its message destroyed with the port).
    await expect(blocked).resolves.toBeUndefined();
    // S99: dead-name notifications for both names, in either order.
    const dn = [await recv(me, deadNames, { timeout: 10_000 }), await recv(me, deadNames, { timeout: 10_000 })];
    expect(dn.map((m) => m.header.msgh_id)).toEqual([C.MACH_NOTIFY_DEAD_NAME, C.MACH_NOTIFY_DEAD_NAME]);
    expect(dn.map(notificationWord).sort()).toEqual([toP1, toP2].sort());
    expect(typeOf(me, toP1) & C.MACH_PORT_TYPE_DEAD_NAME).not.toBe(0);
    expect(typeOf(me, toP2) & C.MACH_PORT_TYPE_DEAD_NAME).not.toBe(0);
    // The send-once right it held: MACH_NOTIFY_SEND_ONCE on our port.
    const so = await recv(me, soPort, { timeout: 10_000 });
    expect(so.header.msgh_id).toBe(C.MACH_NOTIFY_SEND_ONCE);
    // The only send right it held: no-senders.
    const ns = await recv(me, nsNotify, { timeout: 10_000 });
    expect(ns.header.msgh_id).toBe(C.MACH_NOTIFY_NO_SENDERS);
    // Its services are gone from the bootstrap server.
    expect(() => me.bootstrap_look_up(me.bootstrap_port, 'kh.kill.V')).toThrow(/BOOTSTRAP_UNKNOWN_SERVICE/);
    expect(typeOf(me, full) & C.MACH_PORT_TYPE_DEAD_NAME).not.toBe(0);
    void self;

    me.session.admin({ op: 'invariants' });
    // One connect and one disconnect line for the victim.
    await until(() => kernel.lines.some((l) => l.includes('disconnect') && l.includes(`pid ${victim.pid}`)), 10_000, 'the disconnect line');
    expect(kernel.lines.filter((l) => l.includes(`pid ${victim.pid}`)).map((l) => l.split(':')[1]!.trim())).toEqual(['connect', 'disconnect']);
    const status = me.session.admin({ op: 'status' }) as { sessions: Array<{ pid: number }> };
    expect(status.sessions.map((s) => s.pid)).not.toContain(victim.pid);
  });
});
