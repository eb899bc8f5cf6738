// Further behaviour of the rights layer: renames on pseudo-receive, port sets across
// tasks, leaving a loop early, size limits, trailers, forwarding carried rights,
// bootstrap helpers and the garbage-collection safety net.
import { describe, expect, it } from 'vitest';
import {
  MACH_NOTIFY_SEND_ONCE,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_RIGHT_SEND_ONCE,
  KERN_NOT_SUPPORTED,
} from '../../lib/constants.js';
import { MachError } from '../../lib/errors.js';
import * as root from '../../lib/index.js';
import { Message, PortSet, PortTransfer, ReceiveRight, SendOnceRight, SendRight } from '../../lib/rights/index.js';
import { checkInvariants, connect, expectReleasedWhenCollected, refs, rejectsWith, sendRightFor, space, tick, world } from './helpers.js';

describe('pseudo-receive', () => {
  it('a send-once right moved in a timed-out message comes back under its new name', async () => {
    const w = world();
    const { a } = w;
    using dest = ReceiveRight.allocate({ api: a, qlimit: 1 });
    using s = dest.makeSendRight();
    await s.send({ id: 1 });
    using other = ReceiveRight.allocate({ api: a });
    const so = other.makeSendOnceRight();
    const mv = other.makeSendRight();
    const names = space(a).length;
    await rejectsWith(s.send({ ports: [so.moveSendOnce(), mv.moveSend(), other.makeSendOnce()] }, { timeout: 0 }), 'MACH_SEND_TIMED_OUT');
    expect(so.state).toBe('open');
    expect(refs(a, so.name, MACH_PORT_RIGHT_SEND_ONCE)).toBe(1);
    expect(mv.state).toBe('open');
    expect(refs(a, mv.name, MACH_PORT_RIGHT_SEND)).toBe(1);
    expect(space(a)).toHaveLength(names);
    // The extra send-once made by MAKE_SEND_ONCE was destroyed: its receiver was told.
    using note = await other.receive({ timeout: 1000 });
    expect(note.id).toBe(MACH_NOTIFY_SEND_ONCE);
    expect(other.status().mps_sorights).toBe(1);
    await so.send({ id: 5 });
    using viaSo = await other.receive({ timeout: 1000 });
    expect(viaSo.id).toBe(5);
    mv.close();
    checkInvariants(w.kernel);
  });
});

describe('port sets across tasks', () => {
  it('a server iterates a set of two services and tells them apart by localPort', async () => {
    const w = world();
    using set = PortSet.allocate({ api: w.b });
    using s1 = ReceiveRight.allocate({ api: w.b });
    using s2 = ReceiveRight.allocate({ api: w.b });
    set.add(s1).add(s2);
    using c1 = sendRightFor(w.kernel, s1, w.a);
    using c2 = sendRightFor(w.kernel, s2, w.a);
    const seen: Array<[number, number]> = [];
    const ac = new AbortController();
    const loop = (async () => {
      for await (using m of set.messages({ signal: ac.signal })) {
        seen.push([m.localPort === s1.name ? 1 : m.localPort === s2.name ? 2 : 0, m.id]);
        if (seen.length === 4) ac.abort();
      }
    })();
    await c1.send({ id: 10 });
    await c2.send({ id: 20 });
    await c2.send({ id: 21 });
    await c1.send({ id: 11 });
    await loop;
    expect(seen).toEqual([
      [1, 10],
      [2, 20],
      [2, 21],
      [1, 11],
    ]);
  });

  it('closing the set ends its loop', async () => {
    const { b } = world();
    const set = PortSet.allocate({ api: b });
    const loop = (async () => {
      for await (const m of set) m.close();
      return 'ended';
    })();
    await tick(2);
    set.close();
    expect(await loop).toBe('ended');
  });
});

describe('iteration details', () => {
  it('breaking out of the loop leaves no receive pending', async () => {
    const w = world();
    const { service, client } = connect(w);
    await client.send({ id: 1 });
    await client.send({ id: 2 });
    for await (using m of service) {
      expect(m.id).toBe(1);
      break;
    }
    // The second message is still queued for the next receiver.
    using next = await service.receive({ timeout: 1000 });
    expect(next.id).toBe(2);
    service.close();
    client.close();
  });

  it('maxSize: a larger message stays queued and the error tells the size', async () => {
    const { a } = world();
    using rr = ReceiveRight.allocate({ api: a });
    using s = rr.makeSendRight();
    await s.send({ id: 1, body: new Uint8Array(400) });
    const err = await rejectsWith(rr.receive({ maxSize: 64 }), 'MACH_RCV_TOO_LARGE');
    expect(err).toBeInstanceOf(MachError);
    expect(rr.status().mps_msgcount).toBe(1);
    using m = await rr.receive({ maxSize: 1024 });
    expect(m.body.byteLength).toBe(400);
  });

  it('the audit trailer carries the sender task\'s pid', async () => {
    const w = world();
    const { service, client } = connect(w);
    await client.send({ id: 1 });
    using m = await service.receive();
    expect(m.audit.pid).toBe((w.a as unknown as { pid: number }).pid);
    expect(m.seqno).toBe(0);
    await client.send({ id: 2 });
    using m2 = await service.receive({ trailer: 'seqno' });
    expect(m2.seqno).toBe(1);
    service.close();
    client.close();
  });

  it('rejects bad options with TypeError', async () => {
    const { a } = world();
    using rr = ReceiveRight.allocate({ api: a });
    await expect(rr.receive({ timeout: -1 })).rejects.toThrow(TypeError);
    await expect(rr.receive({ trailer: 'bogus' as never })).rejects.toThrow(TypeError);
    using s = rr.makeSendRight();
    await expect(s.send({ id: 1 }, { timeout: Number.NaN })).rejects.toThrow(TypeError);
    expect(() => ReceiveRight.allocate({ api: {} as never })).toThrow(TypeError);
  });
});

describe('forwarding carried rights', () => {
  it('movePort / moveReply hand a received right on without taking it first', async () => {
    const w = world();
    const { service, client } = connect(w); // b serves, a is the client
    using backend = ReceiveRight.allocate({ api: w.b }); // a second server in b
    using toBackend = backend.makeSendRight();
    using replyPort = ReceiveRight.allocate({ api: w.a });
    using token = ReceiveRight.allocate({ api: w.a });
    await client.send({ id: 1, ports: [token.makeSend()], reply: replyPort.makeSendOnce() });
    const bBefore = space(w.b);
    {
      using req = await service.receive();
      // Hand the request's token and reply right to the backend unchanged.
      await toBackend.send({ id: 2, ports: [req.movePort(0)], reply: req.moveReply() });
      expect(req.ports[0]!.taken).toBe(true);
      expect(req.hasReply).toBe(true);
      expect(req.replyPort!.taken).toBe(true);
    }
    {
      using fwd = await backend.receive();
      expect(fwd.ports[0]!.kind).toBe('send');
      await fwd.reply({ body: 'from backend' });
    }
    expect(space(w.b)).toEqual(bBefore); // the forwarded rights left b
    using answer = await replyPort.receive({ timeout: 1000 });
    expect(answer.id).toBe(102);
    expect(answer.text()).toBe('from backend');
    expect(token.status().mps_srights).toBeFalsy();
    service.close();
    client.close();
    checkInvariants(w.kernel);
  });
});

describe('reply through a send right', () => {
  it('a send reply right is copied for each reply and released with the message', async () => {
    const w = world();
    const { service, client } = connect(w);
    using replyPort = ReceiveRight.allocate({ api: w.a });
    const bBefore = space(w.b);
    await client.send({ id: 1, reply: replyPort.makeSend() });
    {
      using req = await service.receive();
      expect(req.replyPort!.kind).toBe('send');
      await req.reply({ body: 'one' });
      await req.reply({ id: 5, body: 'two' });
      expect(req.replyPort!.taken).toBe(false);
    }
    expect(space(w.b)).toEqual(bBefore);
    using r1 = await replyPort.receive({ timeout: 1000 });
    using r2 = await replyPort.receive({ timeout: 1000 });
    expect([r1.id, r1.text(), r2.id, r2.text()]).toEqual([101, 'one', 5, 'two']);
    expect(replyPort.status().mps_srights).toBeFalsy();
    service.close();
    client.close();
  });

  it('a message without a reply right refuses reply() and takeReply() gives undefined', async () => {
    const { a } = world();
    using rr = ReceiveRight.allocate({ api: a });
    using s = rr.makeSendRight();
    await s.send({ id: 1 });
    using m = await rr.receive();
    expect(m.hasReply).toBe(false);
    expect(m.takeReply()).toBeUndefined();
    await rejectsWith(m.reply({}), 'MACH_SEND_INVALID_DEST');
  });
});

describe('OOL port arrays', () => {
  it('arrive as owned rights; takeOolPorts hands them out, close releases the rest', async () => {
    const w = world();
    const { service, client } = connect(w);
    using p1 = ReceiveRight.allocate({ api: w.a });
    using p2 = ReceiveRight.allocate({ api: w.a });
    const bBefore = space(w.b);
    await client.send({ oolPorts: [[p1.makeSend(), p2.makeSend(), p1.makeSend()], [p2.makeSendOnce()]] });
    using m = await service.receive();
    expect(m.oolPorts.map((g) => g.map((c) => c.kind))).toEqual([['send', 'send', 'send'], ['send-once']]);
    const taken = m.takeOolPorts(0);
    expect(taken).toHaveLength(3);
    expect(taken.every((r) => r instanceof SendRight)).toBe(true);
    expect(refs(w.b, taken[0]!.name, MACH_PORT_RIGHT_SEND)).toBe(2); // p1 twice, coalesced
    expect(m.oolPorts[0]!.every((c) => c.taken)).toBe(true);
    m.close(); // destroys the send-once: p2 hears about it
    for (const r of taken) r.close();
    expect(space(w.b)).toEqual(bBefore);
    using note = await p2.receive({ timeout: 1000 });
    expect(note.id).toBe(MACH_NOTIFY_SEND_ONCE);
    expect(p1.status().mps_srights).toBeFalsy();
    service.close();
    client.close();
  });
});

describe('package root', () => {
  it('exports the classes', () => {
    expect(root.ReceiveRight).toBe(ReceiveRight);
    expect(root.SendRight).toBe(SendRight);
    expect(root.SendOnceRight).toBe(SendOnceRight);
    expect(root.PortSet).toBe(PortSet);
    expect(root.Message).toBe(Message);
    expect(root.PortTransfer).toBe(PortTransfer);
  });
});

describe('bootstrap helpers', () => {
  it('checkIn / lookUp through the task\'s bootstrap port', async () => {
    const w = world();
    const name = `com.example.rights.bootstrap.${process.pid}`;
    let service: ReceiveRight;
    try {
      service = ReceiveRight.checkIn(name, { api: w.b });
    } catch (err) {
      if (err instanceof MachError && err.kr === KERN_NOT_SUPPORTED) return; // launchd not built yet
      throw err;
    }
    using client = SendRight.lookUp(name, { api: w.a });
    await client.send({ id: 3 });
    using m = await service.receive({ timeout: 1000 });
    expect(m.id).toBe(3);
    service.close();
  });
});

describe('garbage-collection safety net', () => {
  it('an unclosed right is released and a warning emitted when it is collected', async () => {
    const { a } = world();
    await expectReleasedWhenCollected(a, () => {
      const name = ReceiveRight.allocate({ api: a }).name; // dropped without close()
      expect(refs(a, name, MACH_PORT_RIGHT_RECEIVE)).toBe(1);
      return name;
    });
  });
});
