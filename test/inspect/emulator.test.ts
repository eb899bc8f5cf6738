/**
 * Inspection of emulated tasks: peers across tasks, holders, set membership, dead names
 * (lazy and converted), kernel objects, notifications, queues, in-transit receive rights.
 */
import { describe, expect, it } from 'vitest';
import * as C from '../../lib/constants.js';
import { Kernel, type EmulatedTask, type Port } from '../../lib/emulator/index.js';
import { InspectError } from '../../lib/inspect/errors.js';
import { inspectAll, inspectSelf, inspectTask } from '../../lib/inspect/inspect.js';
import type { PortEntry, TaskInspection } from '../../lib/inspect/types.js';

function portOf(t: EmulatedTask, name: number): Port {
  const e = t.space.lookup(name);
  if (!e || e.object === null) throw new Error(`no port under 0x${name.toString(16)}`);
  return e.object as Port;
}

function give(from: EmulatedTask, name: number, to: EmulatedTask, disposition = C.MACH_MSG_TYPE_MAKE_SEND): number {
  return to.kernel.copyoutRight(to, portOf(from, name), disposition);
}

function entry(t: TaskInspection, name: number): PortEntry {
  const p = t.ports.find((x) => x.name === name);
  if (!p) throw new Error(`no entry 0x${name.toString(16)} in ${t.process}`);
  return p;
}

function world() {
  const kernel = new Kernel({ seed: 3 });
  const server = kernel.createTask({ name: 'server' });
  const client = kernel.createTask({ name: 'client' });
  return { kernel, server, client, sSelf: server.mach_task_self(), cSelf: client.mach_task_self() };
}

describe('inspecting emulated tasks', () => {
  it('resolves the receiver of a send right in another task, and the holders of a receive right', async () => {
    const { server, client, sSelf } = world();
    const p = server.mach_port_allocate(sSelf, C.MACH_PORT_RIGHT_RECEIVE);
    server.mach_port_set_attributes(sSelf, p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 16 });
    const s = give(server, p, client);
    give(server, p, client); // coalesces: 2 urefs
    await client.mach_msg({ header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0), msgh_remote_port: s, msgh_id: 7 } }, C.MACH_SEND_MSG);

    const c = inspectTask(client);
    expect(c).toMatchObject({ backend: 'emulator', pid: client.pid, process: 'client', self: false });
    const send = entry(c, s);
    expect(send).toMatchObject({ rights: ['send'], urefs: 2, object: portOf(server, p).id });
    expect(send.peer).toEqual({ state: 'task', pid: server.pid, process: 'server', name: p, qlimit: 16, msgcount: 1 });

    const sv = inspectTask(server);
    const recv = entry(sv, p);
    expect(recv.receive).toMatchObject({ qlimit: 16, msgcount: 1, mscount: 2, srights: true, sorights: 0, seqno: 0, sets: [] });
    expect(recv.holders).toEqual([{ pid: client.pid, process: 'client', name: s, rights: ['send'], urefs: 2, deadNameRequest: false }]);
    expect(recv.object).toBe(send.object);
  });

  it('reports set membership from both sides, including a port in two sets', () => {
    const { server, sSelf } = world();
    const p = server.mach_port_allocate(sSelf, C.MACH_PORT_RIGHT_RECEIVE);
    const q = server.mach_port_allocate(sSelf, C.MACH_PORT_RIGHT_RECEIVE);
    const set1 = server.mach_port_allocate(sSelf, C.MACH_PORT_RIGHT_PORT_SET);
    const set2 = server.mach_port_allocate(sSelf, C.MACH_PORT_RIGHT_PORT_SET);
    server.mach_port_move_member(sSelf, p, set1);
    server.mach_port_move_member(sSelf, q, set1);
    server.mach_port_insert_member(sSelf, p, set2);
    const t = inspectTask(server);
    expect(entry(t, set1)).toMatchObject({ rights: ['port-set'], members: [p, q].sort((a, b) => a - b), receive: null, peer: null });
    expect(entry(t, set2).members).toEqual([p]);
    expect(entry(t, p).receive!.sets).toEqual([set1, set2].sort((a, b) => a - b));
    expect(entry(t, q).receive!.sets).toEqual([set1]);
    expect(t.summary.portSet).toBe(2);
  });

  it('shows a right to a dead port raw (as mach_port_space_info does) until it is looked at, then as a dead name', () => {
    const { server, client, sSelf, cSelf } = world();
    const p = server.mach_port_allocate(sSelf, C.MACH_PORT_RIGHT_RECEIVE);
    const s = give(server, p, client);
    give(server, p, client);
    server.mach_port_mod_refs(sSelf, p, C.MACH_PORT_RIGHT_RECEIVE, -1);

    const lazy = entry(inspectTask(client), s);
    expect(lazy).toMatchObject({ rights: ['send'], type: C.MACH_PORT_TYPE_SEND, urefs: 2, peer: { state: 'dead' } });

    expect(client.mach_port_type(cSelf, s)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    const dead = entry(inspectTask(client), s);
    expect(dead).toMatchObject({ rights: ['dead-name'], urefs: 2, object: 0, peer: null, receive: null });
    expect(inspectTask(client).summary.deadName).toBe(1);
  });

  it('names kernel objects: its own task port (SELF), the host port, another task’s task port', () => {
    const { server, client, cSelf } = world();
    const host = client.mach_host_self();
    const other = client.kernel.copyoutRight(client, server.taskPort, C.MACH_MSG_TYPE_MAKE_SEND);
    const t = inspectTask(client);
    expect(entry(t, cSelf).kobject).toEqual({ type: C.IKOT_TASK_CONTROL, typeName: 'TASK_CONTROL', label: 'TASK-CONTROL', task: { pid: client.pid, process: 'client', self: true } });
    expect(entry(t, cSelf).peer).toEqual({ state: 'kernel' });
    expect(entry(t, host).kobject).toMatchObject({ type: C.IKOT_HOST, typeName: 'HOST', label: 'HOST' });
    expect(entry(t, other).kobject!.task).toEqual({ pid: server.pid, process: 'server', self: false });
  });

  it('reports armed notifications: dead-name on the name, no-senders and port-destroyed on the receive right', () => {
    const { server, client, sSelf, cSelf } = world();
    const p = server.mach_port_allocate(sSelf, C.MACH_PORT_RIGHT_RECEIVE);
    const n = server.mach_port_allocate(sSelf, C.MACH_PORT_RIGHT_RECEIVE);
    const s = give(server, p, client);
    server.mach_port_request_notification(sSelf, p, C.MACH_NOTIFY_NO_SENDERS, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    server.mach_port_request_notification(sSelf, p, C.MACH_NOTIFY_PORT_DESTROYED, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    const cn = client.mach_port_allocate(cSelf, C.MACH_PORT_RIGHT_RECEIVE);
    client.mach_port_request_notification(cSelf, s, C.MACH_NOTIFY_DEAD_NAME, 0, cn, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);

    const sv = inspectTask(server);
    expect(entry(sv, p).requests).toEqual(['no-senders', 'port-destroyed']);
    expect(entry(sv, n).receive!.sorights).toBe(2);
    const c = inspectTask(client);
    expect(entry(c, s).requests).toEqual(['dead-name']);
    expect(c.summary.dnrequest).toBe(1);
    expect(entry(c, cn).receive!.sorights).toBe(1);
    expect(entry(sv, p).holders![0]!.deadNameRequest).toBe(true);
  });

  it('follows send-once rights, and a receive right travelling in a queued message', async () => {
    const { server, client, sSelf, cSelf } = world();
    const p = server.mach_port_allocate(sSelf, C.MACH_PORT_RIGHT_RECEIVE);
    const so = give(server, p, client, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    const c1 = inspectTask(client);
    expect(entry(c1, so)).toMatchObject({ rights: ['send-once'], urefs: 1, peer: { state: 'task', pid: server.pid, name: p } });
    expect(entry(inspectTask(server), p).holders).toEqual([{ pid: client.pid, process: 'client', name: so, rights: ['send-once'], urefs: 1, deadNameRequest: false }]);

    // The server moves the receive right of r into a message queued on q (held by the client).
    const r = server.mach_port_allocate(sSelf, C.MACH_PORT_RIGHT_RECEIVE);
    const sr = give(server, r, client);
    const q = client.mach_port_allocate(cSelf, C.MACH_PORT_RIGHT_RECEIVE);
    const sq = give(client, q, server);
    await server.mach_msg(
      {
        header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0) | C.MACH_MSGH_BITS_COMPLEX, msgh_remote_port: sq, msgh_id: 1 },
        descriptors: [{ type: C.MACH_MSG_PORT_DESCRIPTOR, name: r, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }],
      },
      C.MACH_SEND_MSG,
    );
    const c2 = inspectTask(client);
    expect(entry(c2, sr).peer).toEqual({ state: 'in-transit' });
    expect(entry(c2, q).receive!.msgcount).toBe(1);
  });

  it('inspectAll lists every task of the kernel in pid order; a pid finds a task; an unknown pid says which exist', () => {
    const { kernel, server, client } = world();
    const all = inspectAll({ kernel });
    expect(all.backend).toBe('emulator');
    expect(all.unreadable).toEqual([]);
    expect(all.tasks.map((t) => t.pid)).toEqual(kernel.tasks.map((t) => t.pid).sort((a, b) => a - b));
    expect(inspectTask(client.pid, { kernel }).process).toBe('client');
    let err: unknown;
    try {
      inspectTask(4242, { kernel });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InspectError);
    expect(err).toMatchObject({ reason: 'no-such-process', code: 'ESRCH', pid: 4242 });
    expect((err as Error).message).toContain(`${server.pid} server`);
  });

  it('inspects this process’s own emulated task and marks it as self', () => {
    const me = inspectSelf({ backend: 'emulator' });
    expect(me).toMatchObject({ backend: 'emulator', pid: process.pid, self: true });
    expect(me.ports.some((p) => p.kobject?.task?.self)).toBe(true);
  });

  it('with peers: false reads only the task asked for (the emulator still names the receiver)', () => {
    const { server, client, sSelf } = world();
    const p = server.mach_port_allocate(sSelf, C.MACH_PORT_RIGHT_RECEIVE);
    const s = give(server, p, client);
    expect(entry(inspectTask(client, { peers: false }), s).peer).toEqual({ state: 'task', pid: server.pid, process: 'server', name: p });
  });

  it('inspects a space of many names (every one reported once, peers resolved)', () => {
    const { server, client, sSelf } = world();
    const names: number[] = [];
    for (let i = 0; i < 3000; i++) names.push(server.mach_port_allocate(sSelf, C.MACH_PORT_RIGHT_RECEIVE));
    const sends = names.slice(0, 1000).map((n) => give(server, n, client));
    const sv = inspectTask(server);
    expect(sv.summary.receive).toBe(3000);
    const c = inspectTask(client);
    for (let i = 0; i < sends.length; i += 97) expect(entry(c, sends[i]!).peer).toMatchObject({ state: 'task', name: names[i] });
  });
});
