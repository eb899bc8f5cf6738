// No-senders and dead-name notifications as promises.
import { describe, expect, it } from 'vitest';
import { MACH_PORT_RIGHT_DEAD_NAME, MACH_PORT_TYPE_DEAD_NAME } from '../../lib/constants.js';
import { ReceiveRight } from '../../lib/rights/index.js';
import { checkInvariants, connect, refs, sendRightFor, space, tick, typeOf, world } from './helpers.js';

/** Whether a promise has settled after the pending callbacks ran. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await tick(5);
  return done;
}

describe('requestNoSenders', () => {
  it('fires when the last send right closes', async () => {
    const w = world();
    const { a } = w;
    const before = space(a);
    const rr = ReceiveRight.allocate({ api: a });
    const s1 = rr.makeSendRight();
    const s2 = s1.copy();
    const ns = rr.requestNoSenders();
    expect(rr.requestNoSenders()).toBe(ns);
    expect(rr.status().mps_nsrequest).toBeTruthy();
    s1.close();
    expect(await settled(ns)).toBe(false);
    s2.close();
    expect(await ns).toEqual({ event: 'no-senders', mscount: 1 });
    rr.close();
    expect(space(a)).toEqual(before); // the watcher's private port is gone too
    checkInvariants(w.kernel);
  });

  it('fires when a send right held by another task goes away', async () => {
    const w = world();
    using service = ReceiveRight.allocate({ api: w.b });
    const ns = service.requestNoSenders();
    const client = sendRightFor(w.kernel, service, w.a);
    expect(await settled(ns)).toBe(false);
    client.close();
    const ev = await ns;
    expect(ev.event).toBe('no-senders');
  });

  it('waits for a first sender by default (sync 1); sync 0 fires at once', async () => {
    const { a } = world();
    using rr = ReceiveRight.allocate({ api: a });
    const ns = rr.requestNoSenders();
    expect(await settled(ns)).toBe(false);
    const s = rr.makeSendRight();
    s.close();
    expect(await ns).toEqual({ event: 'no-senders', mscount: 1 });

    using rr2 = ReceiveRight.allocate({ api: a });
    expect(await rr2.requestNoSenders({ sync: 0 })).toEqual({ event: 'no-senders', mscount: 0 });
  });

  it('resolves cancelled when the receive right is destroyed first', async () => {
    const { a } = world();
    const before = space(a);
    const rr = ReceiveRight.allocate({ api: a });
    const s = rr.makeSendRight();
    const ns = rr.requestNoSenders();
    rr.close();
    expect(await ns).toEqual({ event: 'cancelled' });
    s.close();
    expect(space(a)).toEqual(before);
  });

  it('abort rejects, cancels the request and frees the private port', async () => {
    const { a } = world();
    using rr = ReceiveRight.allocate({ api: a });
    using s = rr.makeSendRight();
    const before = space(a);
    const ac = new AbortController();
    const ns = rr.requestNoSenders({ signal: ac.signal });
    ac.abort(new Error('no longer interested'));
    await expect(ns).rejects.toThrow('no longer interested');
    expect(space(a)).toEqual(before);
    expect(rr.status().mps_nsrequest).toBeFalsy();
    // A new request can be armed afterwards.
    const again = rr.requestNoSenders();
    s.close();
    expect((await again).event).toBe('no-senders');
  });
});

describe('requestDeadName', () => {
  it('fires when the port dies, and releases the notification\'s extra reference', async () => {
    const w = world();
    const { service, client } = connect(w);
    const dn = client.requestDeadName();
    expect(await settled(dn)).toBe(false);
    service.close();
    expect(await dn).toEqual({ event: 'dead-name', name: client.name });
    expect(client.dead).toBe(true);
    expect((typeOf(w.a, client.name) as number) & MACH_PORT_TYPE_DEAD_NAME).toBeTruthy();
    expect(refs(w.a, client.name, MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
    const n = client.name;
    client.close();
    expect(typeOf(w.a, n)).toBe('KERN_INVALID_NAME');
    checkInvariants(w.kernel);
  });

  it('resolves port-deleted when the right is released before the port dies', async () => {
    const w = world();
    using rr = ReceiveRight.allocate({ api: w.a });
    const before = space(w.b);
    const s = sendRightFor(w.kernel, rr, w.b);
    const name = s.name;
    const dn = s.requestDeadName();
    s.close();
    expect(await dn).toEqual({ event: 'port-deleted', name });
    expect(space(w.b)).toEqual(before);
  });

  it('resolves at once on an already-dead name', async () => {
    const { a } = world();
    const rr = ReceiveRight.allocate({ api: a });
    using s = rr.makeSendRight();
    rr.close();
    expect((await s.requestDeadName()).event).toBe('dead-name');
  });
});
