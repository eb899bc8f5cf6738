// Messages between two emulated tasks through the classes: the builder, the owning
// Message, replies, RPC, async iteration, abort and timeouts, and who owns each right
// after every kind of failed send.
import { describe, expect, it } from 'vitest';
import {
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_PORT_RECEIVE,
  MACH_MSG_TYPE_PORT_SEND,
  MACH_MSG_TYPE_PORT_SEND_ONCE,
  MACH_NOTIFY_SEND_ONCE,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_RIGHT_SEND_ONCE,
  MACH_PORT_TYPE_RECEIVE,
} from '../../lib/constants.js';
import { MachError } from '../../lib/errors.js';
import { Message, portTransfer, ReceiveRight, SendRight, type SendOnceRight } from '../../lib/rights/index.js';
import { checkInvariants, connect, refs, rejectsWith, space, tick, typeOf, world } from './helpers.js';

describe('sending and receiving', () => {
  it('ports, OOL memory and a reply right arrive as owned rights; close releases what was not taken', async () => {
    const w = world();
    const { a, b } = w;
    const { service, client } = connect(w);
    using replyPort = ReceiveRight.allocate({ api: a });
    using inbox = ReceiveRight.allocate({ api: a });
    const aBefore = space(a);
    const bBefore = space(b);
    const token = inbox.makeSendRight();

    const ool = new Uint8Array(10_000).map((_, i) => i & 0xff);
    await client.send({
      id: 500,
      body: 'hello',
      ports: [token.moveSend(), inbox.makeSend(), inbox.makeSendOnce()],
      ool: [ool],
      reply: replyPort.makeSendOnce(),
    });
    expect(token.state).toBe('moved');
    expect(token.name).toBe(0);
    // a gave away one send uref (token) and made 2 more rights in flight.
    expect(refs(a, inbox.name, MACH_PORT_RIGHT_SEND)).toBe(0);
    expect(inbox.status().mps_sorights).toBe(1);

    const msg = await service.receive({ timeout: 1000 });
    expect(msg).toBeInstanceOf(Message);
    expect(msg.id).toBe(500);
    expect(msg.text()).toBe('hello');
    expect(msg.ool).toHaveLength(1);
    expect(Array.from(msg.ool[0]!)).toEqual(Array.from(ool));
    expect(msg.localPort).toBe(service.name);
    expect(msg.hasReply).toBe(true);
    expect(msg.replyPort?.kind).toBe('send-once');
    const ports = msg.ports;
    expect(ports.map((p) => p.kind)).toEqual(['send', 'send', 'send-once']);
    expect(ports.map((p) => p.disposition)).toEqual([MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND_ONCE]);
    // The two send rights to inbox coalesce in b under one name with 2 urefs.
    expect(ports[0]!.name).toBe(ports[1]!.name);
    expect(refs(b, ports[0]!.name, MACH_PORT_RIGHT_SEND)).toBe(2);

    const kept = msg.takeSend(0);
    expect(msg.ports[0]!.taken).toBe(true);
    expect(() => msg.takeSend(0)).toThrow(MachError);
    expect(() => msg.takeSend(2)).toThrow(/send-once right, not a send right/);
    msg.close();
    msg.close();
    expect(msg.closed).toBe(true);
    expect(msg.ool).toHaveLength(0);
    expect(() => msg.take(1)).toThrow(/closed/);

    // b keeps exactly the taken uref; the other send uref, the send-once and the reply are gone.
    expect(refs(b, kept.name, MACH_PORT_RIGHT_SEND)).toBe(1);
    kept.close();
    expect(space(b)).toEqual(bBefore);
    // Destroying the send-once and reply rights notified a's ports.
    using n1 = await inbox.receive({ timeout: 1000 });
    expect(n1.id).toBe(MACH_NOTIFY_SEND_ONCE);
    using n2 = await replyPort.receive({ timeout: 1000 });
    expect(n2.id).toBe(MACH_NOTIFY_SEND_ONCE);
    expect(space(a)).toEqual(aBefore);
    service.close();
    client.close();
    checkInvariants(w.kernel);
  });

  it('reply() answers through the send-once reply right, with id + 100 by default', async () => {
    const w = world();
    const { service, client } = connect(w);
    using replyPort = ReceiveRight.allocate({ api: w.a });
    await client.send({ id: 7, body: 'ping', reply: replyPort.makeSendOnce() });
    {
      using req = await service.receive();
      const replyName = req.replyPort!.name;
      await req.reply({ body: 'pong' });
      expect(typeOf(w.b, replyName)).toBe('KERN_INVALID_NAME');
      await expect(req.reply({ body: 'again' })).rejects.toThrow(/already used/);
    }
    using answer = await replyPort.receive({ timeout: 1000 });
    expect(answer.id).toBe(107);
    expect(answer.text()).toBe('pong');
    service.close();
    client.close();
  });

  it('takeReply hands the reply right out as a SendOnceRight', async () => {
    const w = world();
    const { service, client } = connect(w);
    using replyPort = ReceiveRight.allocate({ api: w.a });
    await client.send({ id: 1, reply: replyPort.makeSendOnce() });
    let r: SendOnceRight | SendRight | undefined;
    {
      using req = await service.receive();
      r = req.takeReply();
      expect(req.hasReply).toBe(true);
      expect(req.replyPort?.taken).toBe(true);
    }
    expect(refs(w.b, r!.name, MACH_PORT_RIGHT_SEND_ONCE)).toBe(1);
    await r!.send({ id: 2 });
    using got = await replyPort.receive({ timeout: 1000 });
    expect(got.id).toBe(2);
    service.close();
    client.close();
  });

  it('a receive right moves with its queued messages; the sender object becomes moved', async () => {
    const w = world();
    const { service, client } = connect(w);
    const carried = ReceiveRight.allocate({ api: w.a });
    using s = carried.makeSendRight();
    await s.send({ id: 42 });
    const oldName = carried.name;
    await client.send({ ports: [carried.moveReceive()] });
    expect(carried.state).toBe('moved');
    expect(typeOf(w.a, oldName)).not.toBe(MACH_PORT_TYPE_RECEIVE);
    using msg = await service.receive();
    expect(msg.ports[0]!.disposition).toBe(MACH_MSG_TYPE_PORT_RECEIVE);
    using mine = msg.takeReceive(0);
    using queued = await mine.receive({ timeout: 1000 });
    expect(queued.id).toBe(42);
    service.close();
    client.close();
  });

  it('request() makes a one-shot reply port and leaves nothing behind', async () => {
    const w = world();
    const { service, client } = connect(w);
    const aBefore = space(w.a);
    const server = (async () => {
      for await (using req of service) await req.reply({ body: req.text().toUpperCase() });
    })();
    for (let i = 0; i < 5; i++) {
      using answer = await client.request({ id: 100 + i, body: `hi ${i}` }, { timeout: 1000 });
      expect(answer.id).toBe(200 + i);
      expect(answer.text()).toBe(`HI ${i}`);
    }
    expect(space(w.a)).toEqual(aBefore);
    service.close();
    await server;
    client.close();
    checkInvariants(w.kernel);
  });

  it('request() rejects with MIG_SERVER_DIED when the server drops the reply right', async () => {
    const w = world();
    const { service, client } = connect(w);
    const server = (async () => {
      using req = await service.receive();
      void req; // closed unanswered
    })();
    await rejectsWith(client.request({ id: 1 }), 'MIG_SERVER_DIED');
    await server;
    service.close();
    client.close();
  });

  it('accepts a hand-built MachMessage', async () => {
    const { a } = world();
    using rr = ReceiveRight.allocate({ api: a });
    using s = rr.makeSendRight();
    await s.send({ header: { msgh_bits: 0, msgh_remote_port: 0, msgh_id: 3 }, body: new Uint8Array([1, 0, 0, 0]) });
    using m = await rr.receive();
    expect(m.id).toBe(3);
    expect(Array.from(m.body)).toEqual([1, 0, 0, 0]);
  });
});

describe('async iteration', () => {
  it('across two tasks, ending cleanly when the right is closed', async () => {
    const w = world();
    const { service, client } = connect(w);
    const got: number[] = [];
    const loop = (async () => {
      for await (using msg of service) {
        got.push(msg.id);
        if (got.length === 3) service.close();
      }
      return 'done';
    })();
    for (let i = 1; i <= 3; i++) await client.send({ id: i });
    expect(await loop).toBe('done');
    expect(got).toEqual([1, 2, 3]);
    client.close();
  });

  it('ends cleanly when the right is closed while waiting', async () => {
    const w = world();
    const { service, client } = connect(w);
    const loop = (async () => {
      let n = 0;
      for await (using msg of service) {
        void msg;
        n++;
      }
      return n;
    })();
    await client.send({ id: 1 });
    await tick(5);
    service.close();
    expect(await loop).toBe(1);
    client.close();
  });

  it('ends cleanly when the signal aborts', async () => {
    const w = world();
    const { service, client } = connect(w);
    const ac = new AbortController();
    const loop = (async () => {
      const ids: number[] = [];
      for await (using msg of service.messages({ signal: ac.signal })) ids.push(msg.id);
      return ids;
    })();
    await client.send({ id: 9 });
    await tick(5);
    ac.abort();
    expect(await loop).toEqual([9]);
    expect(service.closed).toBe(false);
    service.close();
    client.close();
  });
});

describe('abort and timeouts', () => {
  it('receive: timeout rejects with MACH_RCV_TIMED_OUT, abort with the reason', async () => {
    const { a } = world();
    using rr = ReceiveRight.allocate({ api: a });
    await rejectsWith(rr.receive({ timeout: 5 }), 'MACH_RCV_TIMED_OUT');
    expect(await rr.tryReceive()).toBeUndefined();
    const ac = new AbortController();
    const p = rr.receive({ signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    await expect(rr.receive({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('closing a receive right under a pending receive rejects it', async () => {
    const { a } = world();
    const rr = ReceiveRight.allocate({ api: a });
    const p = rr.receive();
    await tick();
    rr.close();
    await expect(p).rejects.toBeInstanceOf(MachError);
  });

  it('a send that times out on a full queue leaves every object owning what it owned', async () => {
    const w = world();
    const { a } = w;
    using dest = ReceiveRight.allocate({ api: a, qlimit: 1 });
    using s = dest.makeSendRight();
    await s.send({ id: 1 }); // fills the queue
    using other = ReceiveRight.allocate({ api: a });
    const moved = other.makeSendRight();
    using replyPort = ReceiveRight.allocate({ api: a });
    const before = space(a);
    await rejectsWith(
      s.send({ id: 2, ports: [moved.moveSend(), other.makeSend()], reply: replyPort.makeSendOnce() }, { timeout: 0 }),
      'MACH_SEND_TIMED_OUT',
    );
    expect(moved.state).toBe('open');
    expect(space(a)).toEqual(before);
    expect(refs(a, moved.name, MACH_PORT_RIGHT_SEND)).toBe(1);
    moved.close();
    checkInvariants(w.kernel);
  });

  it('an aborted blocked send also gives the rights back', async () => {
    const w = world();
    const { a } = w;
    using dest = ReceiveRight.allocate({ api: a, qlimit: 1 });
    using s = dest.makeSendRight();
    await s.send({ id: 1 });
    using other = ReceiveRight.allocate({ api: a });
    const moved = other.makeSendRight();
    const before = space(a);
    const ac = new AbortController();
    const p = s.send({ id: 2, ports: [moved.moveSend()] }, { signal: ac.signal });
    await tick(5);
    ac.abort();
    await expect(p).rejects.toBeDefined();
    expect(moved.state).toBe('open');
    expect(space(a)).toEqual(before);
    moved.close();
    checkInvariants(w.kernel);
  });

  it('a blocked send completes when the receiver drains the queue', async () => {
    const { a } = world();
    using dest = ReceiveRight.allocate({ api: a, qlimit: 1 });
    using s = dest.makeSendRight();
    await s.send({ id: 1 });
    const p = s.send({ id: 2 });
    await tick(5);
    using m1 = await dest.receive();
    await p;
    using m2 = await dest.receive();
    expect([m1.id, m2.id]).toEqual([1, 2]);
  });
});

describe('ownership after a failed send', () => {
  it('a header error (bad reply) consumes nothing', async () => {
    const w = world();
    const { a } = w;
    using dest = ReceiveRight.allocate({ api: a });
    using s = dest.makeSendRight();
    using other = ReceiveRight.allocate({ api: a });
    const moved = other.makeSendRight();
    const before = space(a);
    await rejectsWith(s.send({ ports: [moved.moveSend()], reply: portTransfer(0x7777_0003, MACH_MSG_TYPE_MAKE_SEND_ONCE) }), 'MACH_SEND_INVALID_REPLY');
    expect(moved.state).toBe('open');
    expect(space(a)).toEqual(before);
    moved.close();
    checkInvariants(w.kernel);
  });

  it('a body error consumes the descriptors before the bad one, and only those', async () => {
    const w = world();
    const { a } = w;
    using dest = ReceiveRight.allocate({ api: a });
    using s = dest.makeSendRight();
    using o1 = ReceiveRight.allocate({ api: a });
    using o2 = ReceiveRight.allocate({ api: a });
    const first = o1.makeSendRight();
    const last = o2.makeSendRight();
    await rejectsWith(s.send({ ports: [first.moveSend(), portTransfer(0x7777_0003, MACH_MSG_TYPE_MOVE_SEND), last.moveSend()] }), 'MACH_SEND_INVALID_RIGHT');
    expect(first.state).toBe('moved');
    expect(refs(a, o1.name, MACH_PORT_RIGHT_SEND)).toBe(0);
    expect(last.state).toBe('open');
    expect(refs(a, o2.name, MACH_PORT_RIGHT_SEND)).toBe(1);
    expect(s.state).toBe('open'); // COPY_SEND destination
    last.close();
    expect(await dest.tryReceive()).toBeUndefined();
    checkInvariants(w.kernel);
  });

  it('sending to a dead port fails with MACH_SEND_INVALID_DEST and keeps the right', async () => {
    const { a } = world();
    const dest = ReceiveRight.allocate({ api: a });
    const s = dest.makeSendRight();
    dest.close();
    await rejectsWith(s.send({ id: 1 }), 'MACH_SEND_INVALID_DEST');
    expect(s.state).toBe('open');
    expect(s.dead).toBe(true);
    const name = s.name;
    s.close();
    expect(typeOf(a, name)).toBe('KERN_INVALID_NAME');
  });
});

describe('rights of the process task', () => {
  it('default to the active backend', async () => {
    let rr: ReceiveRight;
    try {
      rr = ReceiveRight.allocate();
    } catch (err) {
      if (/not built yet/.test(String(err))) return; // the process task arrives with the core
      throw err;
    }
    using s = rr.makeSendRight();
    await s.send({ id: 77 });
    using m = await rr.receive({ timeout: 1000 });
    expect(m.id).toBe(77);
    expect(refs(rr.api, rr.name, MACH_PORT_RIGHT_RECEIVE)).toBe(1);
    rr.close();
  });
});
