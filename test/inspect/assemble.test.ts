import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as C from '../../lib/constants.js';
import { assembleInspections, rightsOf } from '../../lib/inspect/assemble.js';
import { formatTaskTable, toLsmpJson } from '../../lib/inspect/format.js';
import type { RawEntry, RawTaskSpace } from '../../lib/inspect/raw.js';
import { syntheticSpaces } from '../../lib/inspect/synthetic.js';

const status = (over: Partial<NonNullable<RawEntry['status']>> = {}): NonNullable<RawEntry['status']> => ({
  qlimit: 5,
  msgcount: 0,
  seqno: 0,
  mscount: 0,
  sorights: 0,
  srights: false,
  pdrequest: false,
  nsrequest: false,
  flags: 0,
  context: 0n,
  ...over,
});

/** Two tasks: a server with a service port in a set, a client with a send right, a send-once right and a dead name. */
function scene(): RawTaskSpace[] {
  const server: RawTaskSpace = {
    backend: 'native',
    pid: 10,
    process: 'server',
    self: false,
    taskPortObject: 0xa0,
    entries: [
      { name: 0x103, type: C.MACH_PORT_TYPE_SEND, urefs: 1, object: 0xa0, kobject: { type: C.IKOT_TASK_CONTROL } },
      { name: 0x203, type: C.MACH_PORT_TYPE_SEND, urefs: 3, object: 0xb0, kobject: { type: C.IKOT_HOST } },
      {
        name: 0x303,
        type: C.MACH_PORT_TYPE_RECEIVE | C.MACH_PORT_TYPE_SEND,
        urefs: 2,
        object: 0x1,
        status: status({ msgcount: 2, mscount: 3, srights: true, nsrequest: true, flags: C.MACH_PORT_STATUS_FLAG_GUARDED, context: 0x1234n }),
      },
      { name: 0x403, type: C.MACH_PORT_TYPE_PORT_SET, urefs: 0, object: 0x2, members: [0x503, 0x303] },
      { name: 0x503, type: C.MACH_PORT_TYPE_RECEIVE, urefs: 0, object: 0x3, status: status({ sorights: 1, pdrequest: 1 }) },
      { name: 0x603, type: 0, urefs: 0, object: 0 }, // a free slot
    ],
  };
  const client: RawTaskSpace = {
    backend: 'native',
    pid: 11,
    process: 'client',
    self: true,
    taskPortObject: 0xa1,
    entries: [
      { name: 0x103, type: C.MACH_PORT_TYPE_SEND, urefs: 1, object: 0xa1, kobject: { type: C.IKOT_TASK_CONTROL } },
      { name: 0x207, type: C.MACH_PORT_TYPE_SEND | C.MACH_PORT_TYPE_DNREQUEST, urefs: 4, object: 0x1 },
      { name: 0x307, type: C.MACH_PORT_TYPE_SEND_ONCE, urefs: 1, object: 0x3 },
      { name: 0x407, type: C.MACH_PORT_TYPE_DEAD_NAME, urefs: 2, object: 0 },
      { name: 0x507, type: C.MACH_PORT_TYPE_SEND, urefs: 1, object: 0x99 }, // receiver not inspected
      { name: 0x607, type: C.MACH_PORT_TYPE_SEND, urefs: 1, object: 0xa0, kobject: { type: C.IKOT_TASK_CONTROL } }, // the server's task port
    ],
  };
  return [server, client];
}

describe('assembleInspections', () => {
  const [server, client] = assembleInspections(scene());

  it('lists every name in use, ascending, and skips free slots', () => {
    expect(server!.ports.map((p) => p.name)).toEqual([0x103, 0x203, 0x303, 0x403, 0x503]);
    expect(client!.ports.map((p) => p.name)).toEqual([0x103, 0x207, 0x307, 0x407, 0x507, 0x607]);
  });

  it('resolves the receiver of send and send-once rights across tasks by identity', () => {
    const send = client!.ports.find((p) => p.name === 0x207)!;
    expect(send.peer).toEqual({ state: 'task', pid: 10, process: 'server', name: 0x303, qlimit: 5, msgcount: 2 });
    expect(send.requests).toEqual(['dead-name']);
    const so = client!.ports.find((p) => p.name === 0x307)!;
    expect(so.rights).toEqual(['send-once']);
    expect(so.peer).toMatchObject({ state: 'task', pid: 10, name: 0x503 });
    expect(client!.ports.find((p) => p.name === 0x507)!.peer).toEqual({ state: 'unknown' });
  });

  it('lists the holders of a receive right', () => {
    const recv = server!.ports.find((p) => p.name === 0x303)!;
    expect(recv.holders).toEqual([{ pid: 11, process: 'client', name: 0x207, rights: ['send'], urefs: 4, deadNameRequest: true }]);
    expect(recv.peer).toBeNull();
  });

  it('reports set membership both ways', () => {
    const set = server!.ports.find((p) => p.name === 0x403)!;
    expect(set.rights).toEqual(['port-set']);
    expect(set.members).toEqual([0x303, 0x503]);
    expect(server!.ports.find((p) => p.name === 0x303)!.receive!.sets).toEqual([0x403]);
    expect(server!.ports.find((p) => p.name === 0x503)!.receive!.sets).toEqual([0x403]);
  });

  it('reports receive status, flags and requested notifications', () => {
    const recv = server!.ports.find((p) => p.name === 0x303)!;
    expect(recv.rights).toEqual(['receive', 'send']);
    expect(recv.urefs).toBe(2);
    expect(recv.receive).toMatchObject({ qlimit: 5, msgcount: 2, mscount: 3, srights: true, flags: ['guarded'], context: 0x1234n });
    expect(recv.requests).toEqual(['no-senders']);
    expect(server!.ports.find((p) => p.name === 0x503)!.requests).toEqual(['port-destroyed']);
  });

  it('names kernel objects and the task behind a task port', () => {
    const self = server!.ports.find((p) => p.name === 0x103)!;
    expect(self.kobject).toEqual({ type: 2, typeName: 'TASK_CONTROL', label: 'TASK-CONTROL', task: { pid: 10, process: 'server', self: true } });
    expect(self.peer).toEqual({ state: 'kernel' });
    expect(server!.ports.find((p) => p.name === 0x203)!.kobject).toEqual({ type: 3, typeName: 'HOST', label: 'HOST' });
    expect(client!.ports.find((p) => p.name === 0x607)!.kobject!.task).toEqual({ pid: 10, process: 'server', self: false });
  });

  it('reports dead names with their urefs and no peer', () => {
    const dead = client!.ports.find((p) => p.name === 0x407)!;
    expect(dead).toMatchObject({ rights: ['dead-name'], urefs: 2, peer: null, receive: null });
  });

  it('counts as lsmp does', () => {
    expect(server!.summary).toEqual({ total: 5, send: 3, receive: 2, sendOnce: 0, portSet: 1, deadName: 0, dnrequest: 0 });
    expect(client!.summary).toEqual({ total: 6, send: 4, receive: 0, sendOnce: 1, portSet: 0, deadName: 1, dnrequest: 1 });
  });

  it('marks a send right to a dead port (the raw, lazily converted view) and one in transit', () => {
    const spaces: RawTaskSpace[] = [
      {
        backend: 'emulator',
        pid: 1,
        process: 'a',
        self: false,
        entries: [
          { name: 0x103, type: C.MACH_PORT_TYPE_SEND, urefs: 1, object: 5, portState: 'dead' },
          { name: 0x203, type: C.MACH_PORT_TYPE_SEND, urefs: 1, object: 6, portState: 'in-transit' },
          { name: 0x303, type: C.MACH_PORT_TYPE_SEND, urefs: 1, object: 7, receiver: { pid: 9, process: 'elsewhere', name: 0x1103 } },
        ],
      },
    ];
    const [t] = assembleInspections(spaces);
    expect(t!.ports.map((p) => p.peer)).toEqual([
      { state: 'dead' },
      { state: 'in-transit' },
      { state: 'task', pid: 9, process: 'elsewhere', name: 0x1103 },
    ]);
    expect(t!.ports[0]!.rights).toEqual(['send']);
  });

  it('inspects only the targets asked for while resolving against all spaces', () => {
    const only = assembleInspections(scene(), [1]);
    expect(only).toHaveLength(1);
    expect(only[0]!.pid).toBe(11);
    expect(only[0]!.ports.find((p) => p.name === 0x207)!.peer!.pid).toBe(10);
  });

  it('maps type bits to rights', () => {
    expect(rightsOf(C.MACH_PORT_TYPE_SEND_RECEIVE)).toEqual(['receive', 'send']);
    expect(rightsOf(C.MACH_PORT_TYPE_DEAD_NAME | C.MACH_PORT_TYPE_DNREQUEST)).toEqual(['dead-name']);
    expect(rightsOf(0)).toEqual([]);
  });
});

describe('format', () => {
  const [server, client] = assembleInspections(scene());

  it('prints lsmp-style rows: set members, holders, peers, kernel objects, dead names, counts', () => {
    const text = [...formatTaskTable(server!), ...formatTaskTable(client!)].join('\n');
    expect(text).toContain('Process (10) : server');
    expect(text).toContain('Process (11) : client (this process)');
    expect(text).toMatch(/^0x00000103 {2}0x000000a0 {2}send .*TASK-CONTROL SELF \(10\) server$/m);
    expect(text).toMatch(/^0x00000203 .* HOST$/m);
    expect(text).toMatch(/^0x00000303 {2}0x00000001 {2}recv,send +-G------ +-N- .* member of 0x00000403$/m);
    expect(text).toMatch(/^ {12}\+ +send +D-- .*<- +0x00000207 {2}\(11\) client$/m);
    expect(text).toMatch(/^0x00000403 .*port-set .*2 members$/m);
    expect(text).toMatch(/^ - {10}0x00000003 {2}recv .*0x00000503 {2}\(10\) server$/m);
    expect(text).toMatch(/^0x00000207 .*send .*D-- .*-> .*0x00000303 {2}\(10\) server$/m);
    expect(text).toMatch(/^0x00000307 .*send-once .*-> .*0x00000503 {2}\(10\) server$/m);
    expect(text).toMatch(/^0x00000407 {2}0x00000000 {2}dead-name .* 2$/m);
    expect(text).toMatch(/^0x00000507 .*0x00000000 {2}\(-\) Unknown Process$/m);
    expect(text).toMatch(/^0x00000607 .*TASK-CONTROL \(10\) server$/m);
    expect(text).toContain('total     = 6\nSEND      = 4\nRECEIVE   = 0\nSEND_ONCE = 1\nPORT_SET  = 0\nDEAD_NAME = 1\nDNREQUEST = 1');
  });

  it('writes the machport.lsmp/1 JSON with hex names and contexts', () => {
    const doc = toLsmpJson({ backend: 'native', tasks: [server!, client!], unreadable: [] });
    expect(doc.schema).toBe('machport.lsmp/1');
    const recv = doc.tasks[0]!.ports.find((p) => p.name === '0x00000303')!;
    expect(recv.receive!.context).toBe('0x0000000000001234');
    expect(recv.receive!.sets).toEqual(['0x00000403']);
    expect(recv.holders![0]!.name).toBe('0x00000207');
    const send = doc.tasks[1]!.ports.find((p) => p.name === '0x00000207')!;
    expect(send.peer).toEqual({ state: 'task', pid: 10, process: 'server', name: '0x00000303', qlimit: 5, msgcount: 2 });
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc); // nothing lost (no bigint, no undefined)
  });
});

describe('properties', () => {
  it('every send right whose port has a receive right among the spaces resolves to it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 400 }), fc.integer({ min: 2, max: 5 }), (names, tasks) => {
        const spaces = syntheticSpaces(names, tasks);
        const receivers = new Map<number, { pid: number; name: number }>();
        for (const s of spaces) for (const e of s.entries) if (e.type & C.MACH_PORT_TYPE_RECEIVE) receivers.set(e.object, { pid: s.pid, name: e.name });
        const out = assembleInspections(spaces);
        let total = 0;
        out.forEach((t, i) => {
          total += t.ports.length;
          for (const p of t.ports) {
            const raw = spaces[i]!.entries.find((e) => e.name === p.name)!;
            if (p.rights.includes('send') || p.rights.includes('send-once')) {
              if (p.rights.includes('receive')) continue;
              const r = receivers.get(raw.object);
              expect(p.peer).toMatchObject(r ? { state: 'task', pid: r.pid, name: r.name } : { state: 'unknown' });
            }
          }
        });
        expect(total).toBe(spaces.reduce((n, s) => n + s.entries.length, 0));
      }),
      { numRuns: 50 },
    );
  });

  it('synthetic spaces have the asked-for number of names', () => {
    for (const n of [2, 10, 1000]) expect(syntheticSpaces(n, 3).reduce((k, s) => k + s.entries.length, 0)).toBe(n);
  });
});
