/**
 * Mach between processes through one kernel host: a service in one process, clients in
 * others, rights and OOL memory crossing, audit tokens carrying the real pids, the
 * package's default API joining the kernel with MACHPORT_KERNEL, and the ordering a
 * client's synchronous calls keep with its earlier mach_msg calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectKernel, connectKernelSync } from '../../lib/kernel-host/connect.js';
import type { RemoteTask } from '../../lib/kernel-host/remote-task.js';
import { MachError } from '../../lib/errors.js';
import { C, isGone, msg, notificationWord, port, portDesc, portWithSend, recv, refs, requestNotification, send, typeOf } from '../conformance/helpers.js';
import { requireDist, spawnFixture, startKernelHost, type KernelChild } from './helpers.js';

let kernel: KernelChild & { lines: string[] };
let me: RemoteTask;

const AUDIT = C.MACH_RCV_TRAILER_TYPE(C.MACH_MSG_TRAILER_FORMAT_0) | C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AUDIT);

beforeAll(async () => {
  requireDist();
  kernel = await startKernelHost({ quiet: false });
  me = await connectKernel(kernel.socket, { name: 'test' });
});

afterAll(async () => {
  me?.session.close();
  await kernel?.stop();
});

describe('kernel host: tasks in separate processes', () => {
  it('a client process calls a service process: request, reply right, OOL memory both ways, audit pids', async () => {
    const service = spawnFixture('echo-service.mjs', [kernel.socket, 'kh.echo.1']);
    await service.next((m) => m.ready === true);
    const svc = me.bootstrap_look_up(me.bootstrap_port, 'kh.echo.1');
    expect(typeOf(me, svc) & C.MACH_PORT_TYPE_SEND).not.toBe(0);
    const reply = port(me);
    const data = new Uint8Array(100_000).map((_, i) => i & 0xff);
    const r = await me.mach_msg(
      msg(svc, C.MACH_MSG_TYPE_COPY_SEND, {
        reply,
        replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE,
        id: 1000,
        descriptors: [{ type: C.MACH_MSG_OOL_DESCRIPTOR, data, copy: C.MACH_MSG_VIRTUAL_COPY }],
        body: new Uint8Array([9, 8, 7, 6]),
      }),
      C.MACH_SEND_MSG | C.MACH_RCV_MSG | AUDIT,
      reply,
    );
    expect(r!.header.msgh_id).toBe(1100);
    // The service appended the audit pid it saw: this process's real pid.
    const words = new Uint32Array(r!.body.buffer, r!.body.byteOffset, r!.body.byteLength / 4);
    expect(Array.from(r!.body.subarray(0, 4))).toEqual([9, 8, 7, 6]);
    expect(words[1]).toBe(process.pid);
    // The reply's trailer names the service process.
    expect(r!.trailer.audit.pid).toBe(service.pid);
    const ool = r!.descriptors[0]!;
    expect(ool.type).toBe(C.MACH_MSG_OOL_DESCRIPTOR);
    expect((ool as { data: Uint8Array }).data).toEqual(data);
    // The send-once reply right was consumed by the reply.
    expect(refs(me, reply, C.MACH_PORT_RIGHT_SEND_ONCE)).toBe(0);
    service.kill();
    await service.exited;
  });

  it('MACHPORT_KERNEL makes the package root API a task of the kernel host', async () => {
    const inbox = portWithSend(me);
    me.bootstrap_register(me.bootstrap_port, 'kh.env.inbox', inbox);
    const client = spawnFixture('env-client.mjs', ['kh.env.inbox'], { MACHPORT_KERNEL: kernel.socket, MACHPORT_BACKEND: 'emulator' });
    const m = await recv(me, inbox, { timeout: 30_000, options: AUDIT });
    expect(m.header.msgh_id).toBe(77);
    expect(m.trailer.audit.pid).toBe(client.pid);
    const ool = m.descriptors[0] as { type: number; data: Uint8Array };
    expect(ool.type).toBe(C.MACH_MSG_OOL_DESCRIPTOR);
    expect(ool.data.length).toBe(10000);
    expect(ool.data.every((b) => b === 0xab)).toBe(true);
    const theirs = (m.descriptors[1] as { name: number }).name;
    await send(me, msg(theirs, C.MACH_MSG_TYPE_MOVE_SEND, { id: 78 }));
    const done = await client.next((x) => x.got !== undefined);
    expect(done).toMatchObject({ backend: 'emulator', got: 78, pid: client.pid });
    expect(await client.exited).toBe(0);
  });

  it('a process that exits has its task terminated: its receive rights die, our rights become dead names, notifications fire', async () => {
    const inbox = portWithSend(me);
    me.bootstrap_register(me.bootstrap_port, 'kh.exit.inbox', inbox);
    const client = spawnFixture('env-client.mjs', ['kh.exit.inbox'], { MACHPORT_KERNEL: kernel.socket, MACHPORT_BACKEND: 'emulator' });
    const m = await recv(me, inbox, { timeout: 30_000 });
    const theirs = (m.descriptors[1] as { name: number }).name;
    const notify = port(me);
    requestNotification(me, theirs, C.MACH_NOTIFY_DEAD_NAME, notify);
    // Keep one send right after giving the other back, so the name stays ours.
    me.mach_port_mod_refs(me.mach_task_self(), theirs, C.MACH_PORT_RIGHT_SEND, 1);
    await send(me, msg(theirs, C.MACH_MSG_TYPE_MOVE_SEND, { id: 78 }));
    expect(await client.exited).toBe(0);
    // The host learns of the exit only when it reads the connection closing: on a loaded
    // machine that can take longer than recv's default wait.
    const n = await recv(me, notify, { timeout: 30_000 });
    expect(n.header.msgh_id).toBe(C.MACH_NOTIFY_DEAD_NAME);
    expect(notificationWord(n)).toBe(theirs);
    expect(typeOf(me, theirs) & C.MACH_PORT_TYPE_DEAD_NAME).not.toBe(0);
    expect(me.session.admin({ op: 'invariants' })).toBeUndefined();
  });

  it('bootstrap look-ups see services checked in by every process', async () => {
    const a = spawnFixture('echo-service.mjs', [kernel.socket, 'kh.many.a']);
    const b = spawnFixture('echo-service.mjs', [kernel.socket, 'kh.many.b']);
    await a.next((m) => m.ready === true);
    await b.next((m) => m.ready === true);
    const other = await connectKernel(kernel.socket, { name: 'other' });
    for (const t of [me, other]) {
      for (const name of ['kh.many.a', 'kh.many.b']) {
        const s = t.bootstrap_look_up(t.bootstrap_port, name);
        expect(typeOf(t, s) & C.MACH_PORT_TYPE_SEND).not.toBe(0);
      }
    }
    a.kill();
    b.kill();
    await Promise.all([a.exited, b.exited]);
    other.session.close();
  });
});

describe('kernel host: a client keeps Mach ordering across its connections', () => {
  it('a synchronous call sees the effect of an earlier mach_msg (MOVE_SEND consumed)', async () => {
    const p = portWithSend(me);
    me.mach_port_mod_refs(me.mach_task_self(), p, C.MACH_PORT_RIGHT_SEND, 1);
    for (let i = 0; i < 50; i++) {
      const sent = me.mach_msg(msg(p, C.MACH_MSG_TYPE_MOVE_SEND, { id: i }), C.MACH_SEND_MSG);
      // No await: the send is processed by the kernel before this call.
      expect(refs(me, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
      await sent;
      me.mach_port_mod_refs(me.mach_task_self(), p, C.MACH_PORT_RIGHT_SEND, 1);
      await recv(me, p);
    }
  });

  it('a large message still being written does not stall the synchronous call after it', async () => {
    const p = portWithSend(me);
    const big = new Uint8Array(8 * 1024 * 1024).fill(7);
    const sent = me.mach_msg(msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 5, descriptors: [{ type: C.MACH_MSG_OOL_DESCRIPTOR, data: big }] }), C.MACH_SEND_MSG);
    // Written in part only: this call goes through the helper with the pending frames.
    const status = me.mach_port_get_attributes(me.mach_task_self(), p, C.MACH_PORT_RECEIVE_STATUS) as { mps_msgcount: number };
    expect(status.mps_msgcount).toBe(1);
    await sent;
    const m = await recv(me, p, { timeout: 30_000 });
    expect((m.descriptors[0] as { data: Uint8Array }).data.length).toBe(big.length);
  });

  it('tasks of one process are ordered with each other too', async () => {
    const other = connectKernelSync(kernel.socket, { name: 'other' });
    const second = me.session.openTask({ name: 'second' });
    const p = portWithSend(second);
    const s = me.mach_port_allocate(me.mach_task_self(), C.MACH_PORT_RIGHT_RECEIVE);
    void s;
    // Hand `me` a send right to second's port through the bootstrap server.
    second.bootstrap_register(second.bootstrap_port, 'kh.order.second', p);
    const toP = me.bootstrap_look_up(me.bootstrap_port, 'kh.order.second');
    const sent = me.mach_msg(msg(toP, C.MACH_MSG_TYPE_COPY_SEND, { id: 1 }), C.MACH_SEND_MSG);
    // Not awaited: `second` (same session) must see the queued message already.
    const st = second.mach_port_get_attributes(second.mach_task_self(), p, C.MACH_PORT_RECEIVE_STATUS) as { mps_msgcount: number };
    expect(st.mps_msgcount).toBe(1);
    await sent;
    second.terminate();
    expect(isGone(me, toP) || (typeOf(me, toP) & C.MACH_PORT_TYPE_DEAD_NAME) !== 0).toBe(true);
    other.session.close();
  });

  it('errors keep their class, code and message; TypeErrors stay TypeErrors', async () => {
    let e: unknown;
    try {
      me.mach_port_type(me.mach_task_self(), 0x7777_7703);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(MachError);
    expect((e as MachError).code).toBe('KERN_INVALID_NAME');
    expect((e as MachError).message).toContain('mach_port_type');
    expect(() => (me as unknown as { mach_port_allocate(a: unknown, b: unknown): void }).mach_port_allocate(me.mach_task_self(), 'receive')).toThrow(TypeError);
    await expect(me.mach_msg({ header: null } as never, C.MACH_SEND_MSG)).rejects.toThrow(TypeError);
    const bad = me.mach_msg(msg(0x4403, C.MACH_MSG_TYPE_COPY_SEND), C.MACH_SEND_MSG);
    await expect(bad).rejects.toMatchObject({ code: 'MACH_SEND_INVALID_DEST' });
  });

  it('a send that times out is pseudo-received into the caller’s own message object', async () => {
    const p = portWithSend(me);
    me.mach_port_set_attributes(me.mach_task_self(), p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 1 });
    await send(me, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 1 }));
    const extra = port(me);
    const m = msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 2, descriptors: [portDesc(extra, C.MACH_MSG_TYPE_MAKE_SEND)] });
    const descriptorsBefore = m.descriptors;
    let err: unknown;
    try {
      await me.mach_msg(m, C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT, 0, 20);
    } catch (e) {
      err = e;
    }
    expect((err as MachError).code).toBe('MACH_SEND_TIMED_OUT');
    expect((err as MachError).details.message).toBe(m);
    expect(m.descriptors).not.toBe(descriptorsBefore);
    expect(m.descriptors![0]).toMatchObject({ name: extra, disposition: C.MACH_MSG_TYPE_PORT_SEND });
    expect(C.MACH_MSGH_BITS_REMOTE(m.header.msgh_bits)).toBe(C.MACH_MSG_TYPE_PORT_SEND);
  });
});
