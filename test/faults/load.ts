/**
 * The load scenario, shared by test/faults/load.test.ts (100 tasks × 500 messages) and
 * scripts/load.js (the full 100 × 10,000): one service checked in with the emulated
 * launchd, N client tasks that look it up and each send M requests carrying rights — a
 * COPY_SEND of the client's own token port in a port descriptor and a MAKE_SEND_ONCE
 * reply right — through the service's default queue limit of 5 (so senders block and
 * are woken all the time). The service checks every request's sender (audit pid),
 * per-sender order and sequence numbers, drops the token right and answers through the
 * send-once right; each client checks its replies arrive in order. At the end every right
 * is accounted for: the kernel's invariants hold, every space holds exactly the names it
 * had before the run, the token ports have one send right again (the owner's), no
 * send-once right is left, and after every task terminates only the kernel's own ports
 * remain.
 */
import { strict as assert } from 'node:assert';
import * as C from '../../lib/constants.js';
import { Kernel, type EmulatedTask, type Port } from '../../lib/emulator/index.js';
import type { mach_port_status_t, ReceivedMessage } from '../../lib/types.js';

export interface LoadResult {
  tasks: number;
  messagesPerTask: number;
  /** Requests delivered to the service (tasks × messages). */
  requests: number;
  /** Replies delivered to the clients. */
  replies: number;
  /** Rights carried: one send right and one send-once right per request. */
  rightsCarried: number;
  /** Sends that found the service queue full and waited. */
  blockedSends: number;
  ms: number;
  /** Messages (requests + replies) per second. */
  messagesPerSecond: number;
}

const SERVICE = 'com.example.machport.load';
const REQUEST_ID = 0x4c4f;

function status(t: EmulatedTask, name: number): mach_port_status_t {
  return t.mach_port_get_attributes(t.mach_task_self(), name, C.MACH_PORT_RECEIVE_STATUS) as mach_port_status_t;
}

function portOf(t: EmulatedTask, name: number): Port {
  return t.space.lookup(name)!.object as Port;
}

function namesOf(t: EmulatedTask): string {
  const { names, types } = t.mach_port_names(t.mach_task_self());
  return Array.from(names, (n, i) => `${n.toString(16)}:${types[i]!.toString(16)}`).join(' ');
}

/** Run the scenario; throws (node:assert) on the first broken expectation. */
export async function runLoad(options: { tasks: number; messages: number; seed?: number }): Promise<LoadResult> {
  const { tasks: nTasks, messages: nMessages } = options;
  const k = new Kernel({ seed: options.seed ?? 42 });
  const baselinePorts = k.ports.size;
  const service = k.createTask({ name: 'service' });
  const svc = service.bootstrap_check_in(service.bootstrap_port, SERVICE);
  const clients = Array.from({ length: nTasks }, (_, i) => {
    const t = k.createTask({ name: `client${i}` });
    const me = t.mach_task_self();
    const dest = t.bootstrap_look_up(t.bootstrap_port, SERVICE);
    const reply = t.mach_port_allocate(me, C.MACH_PORT_RIGHT_RECEIVE);
    const token = t.mach_port_allocate(me, C.MACH_PORT_RIGHT_RECEIVE);
    t.mach_port_insert_right(me, token, token, C.MACH_MSG_TYPE_MAKE_SEND);
    return { t, index: i, dest, reply, token, names: '' };
  });
  for (const c of clients) c.names = namesOf(c.t);
  const serviceNames = namesOf(service);
  const byPid = new Map(clients.map((c) => [c.t.pid, c]));
  const total = nTasks * nMessages;
  let blockedSends = 0;

  const started = performance.now();

  // The service: receive every request, check it, drop the token right, reply.
  const serve = (async () => {
    const expected = new Array<number>(nTasks).fill(0);
    for (let n = 0; n < total; n++) {
      const m = (await service.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AUDIT), svc)) as ReceivedMessage;
      assert.equal(m.header.msgh_id, REQUEST_ID);
      assert.equal(m.trailer.seqno, n, 'service port sequence numbers are consecutive');
      const view = new DataView(m.body.buffer, m.body.byteOffset, m.body.byteLength);
      const index = view.getUint32(0, true);
      const seq = view.getUint32(4, true);
      const client = byPid.get(m.trailer.audit.pid);
      assert.ok(client !== undefined && client.index === index, `request from pid ${m.trailer.audit.pid} claims client ${index}`);
      assert.equal(seq, expected[index], `client ${index}: request ${seq} arrived when ${expected[index]} was next`);
      expected[index]!++;
      assert.equal(C.MACH_MSGH_BITS_REMOTE(m.header.msgh_bits), C.MACH_MSG_TYPE_PORT_SEND_ONCE);
      assert.equal(m.descriptors.length, 1);
      const d = m.descriptors[0] as { name: number; disposition: number };
      assert.equal(d.disposition, C.MACH_MSG_TYPE_PORT_SEND);
      service.mach_port_deallocate(service.mach_task_self(), d.name);
      await service.mach_msg(
        {
          header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_MOVE_SEND_ONCE, 0), msgh_remote_port: m.header.msgh_remote_port, msgh_id: REQUEST_ID + 100 },
          body: m.body.slice(0, 8),
        },
        C.MACH_SEND_MSG,
      );
    }
    return expected;
  })();

  // The clients: a sender loop and a reply loop each.
  const sent = clients.map(async (c) => {
    const body = new Uint8Array(8);
    const view = new DataView(body.buffer);
    view.setUint32(0, c.index, true);
    for (let i = 0; i < nMessages; i++) {
      view.setUint32(4, i, true);
      const p = c.t.mach_msg(
        {
          header: {
            msgh_bits: (C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MAKE_SEND_ONCE) | C.MACH_MSGH_BITS_COMPLEX) >>> 0,
            msgh_remote_port: c.dest,
            msgh_local_port: c.reply,
            msgh_id: REQUEST_ID,
          },
          descriptors: [{ type: C.MACH_MSG_PORT_DESCRIPTOR, name: c.token, disposition: C.MACH_MSG_TYPE_COPY_SEND }],
          body,
        },
        C.MACH_SEND_MSG,
      );
      // A send that is not settled after a turn of the microtask queue waited for room.
      let done = false;
      void p.then(() => (done = true));
      await Promise.resolve();
      if (!done) blockedSends++;
      await p;
    }
  });
  const replied = clients.map(async (c) => {
    for (let i = 0; i < nMessages; i++) {
      const m = (await c.t.mach_msg(undefined, C.MACH_RCV_MSG, c.reply)) as ReceivedMessage;
      assert.equal(m.header.msgh_id, REQUEST_ID + 100, `client ${c.index}: reply ${i} is id ${m.header.msgh_id}`);
      const view = new DataView(m.body.buffer, m.body.byteOffset, m.body.byteLength);
      assert.equal(view.getUint32(4, true), i, `client ${c.index}: reply ${i} out of order`);
    }
  });
  await Promise.all(sent);
  await Promise.all(replied);
  const perClient = await serve;
  const ms = performance.now() - started;

  // Every right accounted for.
  assert.deepEqual(perClient, new Array<number>(nTasks).fill(nMessages));
  k.checkInvariants();
  assert.equal(namesOf(service), serviceNames, 'the service holds exactly the names it had');
  const s = status(service, svc);
  assert.equal(s.mps_msgcount, 0);
  assert.equal(s.mps_sorights, 0);
  // mps_srights only says whether send rights exist; the kernel's count is the port's.
  assert.equal(portOf(service, svc).srights, nTasks + 1, 'one send right per client plus launchd’s');
  for (const c of clients) {
    assert.equal(namesOf(c.t), c.names, `client ${c.index} holds exactly the names it had`);
    const token = status(c.t, c.token);
    assert.equal(portOf(c.t, c.token).srights, 1, `client ${c.index}: only its own send right to its token is left`);
    assert.equal(token.mps_mscount, 1);
    const reply = status(c.t, c.reply);
    assert.equal(reply.mps_sorights, 0, `client ${c.index}: no send-once right to its reply port is left`);
    assert.equal(reply.mps_msgcount, 0);
  }
  for (const t of k.tasks) t.terminate();
  k.checkInvariants();
  assert.equal(k.ports.size, baselinePorts, 'only the kernel’s own ports outlive the tasks');
  return {
    tasks: nTasks,
    messagesPerTask: nMessages,
    requests: total,
    replies: total,
    rightsCarried: 2 * total,
    blockedSends,
    ms: Math.round(ms),
    messagesPerSecond: Math.round((2 * total) / (ms / 1000)),
  };
}
