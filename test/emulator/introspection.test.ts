/**
 * Introspection for lsmp (task.spaceInfo, kernel.tasks) and the invariant checker used by
 * the property tests: it accepts a consistent kernel and catches tampered bookkeeping.
 */
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../lib/emulator/index.js';
import { C, msg, port, portOf, portWithSend, send, sendRightTo, world } from './helpers.js';

describe('introspection', () => {
  it('spaceInfo reports each name with its port state', async () => {
    const { a, b, k } = world();
    const self = a.mach_task_self();
    const p = portWithSend(a);
    const s = a.mach_port_allocate(self, C.MACH_PORT_RIGHT_PORT_SET);
    a.mach_port_move_member(self, p, s);
    const n = port(a);
    a.mach_port_request_notification(self, p, C.MACH_NOTIFY_NO_SENDERS, 1, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND));
    const bs = sendRightTo(a, p, b);
    const info = a.spaceInfo();
    const rec = info.find((e) => e.name === p)!;
    expect(rec).toMatchObject({
      type: C.MACH_PORT_TYPE_SEND_RECEIVE,
      urefs: 1,
      receiver: { pid: a.pid, name: 'a', portName: p },
      msgcount: 1,
      qlimit: 5,
      srights: 3,
      nsrequest: true,
      members: [s],
      kobjectType: C.IKOT_NONE,
    });
    expect(info.find((e) => e.name === s)!.members).toEqual([p]);
    const task = info.find((e) => e.name === self)!;
    expect(task.kobjectType).toBe(C.IKOT_TASK_CONTROL);
    expect(task.kobjectTask).toEqual({ pid: a.pid, name: 'a' });
    const theirs = b.spaceInfo().find((e) => e.name === bs)!;
    expect(theirs.portId).toBe(rec.portId);
    expect(theirs.receiver).toEqual({ pid: a.pid, name: 'a', portName: p });
    expect(k.tasks).toEqual([a, b]);
  });

  it('dead ports show as dead without being converted', () => {
    const { a, b } = world();
    const p = port(a);
    const s = sendRightTo(a, p, b);
    a.mach_port_destroy(a.mach_task_self(), p);
    const rec = b.spaceInfo().find((e) => e.name === s)!;
    expect(rec.portDead).toBe(true);
    expect(rec.type).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    expect(b.space.lookup(s)!.type).toBe(C.MACH_PORT_TYPE_SEND);
  });

  it('checkInvariants catches tampered counts', () => {
    const { a, k } = world();
    const p = portWithSend(a);
    k.checkInvariants();
    portOf(a, p).srights++;
    expect(() => k.checkInvariants()).toThrow(InvariantError);
    portOf(a, p).srights--;
    portOf(a, p).msgcount = 3;
    expect(() => k.checkInvariants()).toThrow(/msgcount/);
    portOf(a, p).msgcount = 0;
    portOf(a, p).sorights = 1;
    expect(() => k.checkInvariants()).toThrow(/sorights/);
    portOf(a, p).sorights = 0;
    k.checkInvariants();
  });
});
