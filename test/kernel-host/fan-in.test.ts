/**
 * Fan-in: 20 client processes send to one service through the kernel host at once.
 * Every message carries its sender's index and sequence number and a MAKE_SEND of a
 * port of the sender's; the service checks that each sender's messages arrive in the
 * order sent (one sender, one port: FIFO) with the sender's pid in the audit token,
 * and accounts for every right: each sender's name collects exactly COUNT send urefs,
 * which turn into COUNT dead-name urefs when the sender exits; releasing them leaves
 * the service's space as it was, the kernel's invariants hold and every client session
 * is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectKernel } from '../../lib/kernel-host/connect.js';
import type { RemoteTask } from '../../lib/kernel-host/remote-task.js';
import type { ReceivedMessage } from '../../lib/types.js';
import { C, portWithSend, refs, typeOf } from '../conformance/helpers.js';
import { requireDist, spawnFixture, startKernelHost, until, type Fixture, type KernelChild } from './helpers.js';

const SENDERS = 20;
const COUNT = 40;
const AUDIT = C.MACH_RCV_TRAILER_TYPE(C.MACH_MSG_TRAILER_FORMAT_0) | C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AUDIT);

let kernel: KernelChild & { lines: string[] };
let me: RemoteTask;

beforeAll(async () => {
  requireDist();
  kernel = await startKernelHost({ quiet: false });
  me = await connectKernel(kernel.socket, { name: 'fan-in-server' });
});

afterAll(async () => {
  me?.session.close();
  await kernel?.stop();
});

function words(m: ReceivedMessage): number[] {
  return Array.from(new Uint32Array(m.body.buffer, m.body.byteOffset, m.body.byteLength >>> 2));
}

describe('kernel host: 20-process fan-in', () => {
  it(
    'keeps each sender’s order and accounts for every right',
    async () => {
      const self = me.mach_task_self();
      const svc = portWithSend(me);
      me.bootstrap_register(me.bootstrap_port, 'kh.fanin', svc);
      const namesBefore = new Set(me.mach_port_names(self).names);
      const portsBefore = (me.session.admin({ op: 'status' }) as { realms: Array<{ realm: string; ports: number }> }).realms.find((r) => r.realm === '')!.ports;

      const clients: Fixture[] = [];
      for (let i = 0; i < SENDERS; i++) clients.push(spawnFixture('fan-in-client.mjs', [kernel.socket, 'kh.fanin', String(i), String(COUNT)]));
      const pidOf = new Map(clients.map((c, i) => [c.pid, i]));

      const next = new Array<number>(SENDERS).fill(0);
      const nameOf = new Array<number>(SENDERS).fill(0);
      let done = 0;
      while (done < SENDERS) {
        const m = (await me.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT | AUDIT, svc, 60_000))!;
        const [index, seq] = words(m) as [number, number];
        expect(pidOf.get(m.trailer.audit.pid)).toBe(index);
        if (m.header.msgh_id === 200) {
          // The sender's last word: all COUNT messages are in, in order, before it.
          expect(seq).toBe(COUNT);
          expect(next[index]).toBe(COUNT);
          expect(refs(me, nameOf[index]!, C.MACH_PORT_RIGHT_SEND)).toBe(COUNT);
          await me.mach_msg(
            { header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_MOVE_SEND_ONCE, 0), msgh_remote_port: m.header.msgh_remote_port, msgh_id: 300 }, body: m.body },
            C.MACH_SEND_MSG,
          );
          done++;
          continue;
        }
        expect(m.header.msgh_id).toBe(100);
        expect(seq).toBe(next[index]);
        next[index]! += 1;
        const name = (m.descriptors[0] as { name: number }).name;
        if (nameOf[index] === 0) nameOf[index] = name;
        // One sender, one port: its rights coalesce under one name.
        expect(name).toBe(nameOf[index]);
      }
      for (const c of clients) {
        const d = await c.next((x) => x.done === true);
        expect(d.reply).toEqual([d.index, COUNT]);
        expect(await c.exited).toBe(0);
      }
      // Every sender exited: its port died, our COUNT send urefs became dead-name urefs.
      await until(() => nameOf.every((n) => (typeOf(me, n) & C.MACH_PORT_TYPE_DEAD_NAME) !== 0), 20_000, 'dead names');
      for (const n of nameOf) {
        expect(refs(me, n, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(COUNT);
        me.mach_port_mod_refs(self, n, C.MACH_PORT_RIGHT_DEAD_NAME, -COUNT);
      }
      expect(new Set(me.mach_port_names(self).names)).toEqual(namesBefore);
      const status = me.session.admin({ op: 'status' }) as { sessions: Array<{ pid: number }>; realms: Array<{ realm: string; ports: number }> };
      expect(status.sessions.map((s) => s.pid).filter((p) => pidOf.has(p))).toEqual([]);
      expect(status.realms.find((r) => r.realm === '')!.ports).toBe(portsBefore);
      me.session.admin({ op: 'invariants' });
      // One connect and one disconnect line per client.
      await until(() => clients.every((c) => kernel.lines.some((l) => l.includes('disconnect') && l.includes(`pid ${c.pid} `))), 10_000, 'disconnect lines');
      for (const c of clients) expect(kernel.lines.filter((l) => l.includes(`pid ${c.pid} `)).length).toBe(2);
    },
    240_000,
  );
});
