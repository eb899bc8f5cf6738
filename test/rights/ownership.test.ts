// Each object owns exactly one right (one user reference for send rights) and releases
// exactly that: checked with mach_port_get_refs / mach_port_names on an emulated task.
import { describe, expect, it } from 'vitest';
import {
  MACH_NOTIFY_SEND_ONCE,
  MACH_PORT_RIGHT_DEAD_NAME,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_RIGHT_SEND_ONCE,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND_RECEIVE,
} from '../../lib/constants.js';
import { MachError } from '../../lib/errors.js';
import { PortSet, ReceiveRight, SendOnceRight, SendRight } from '../../lib/rights/index.js';
import { checkInvariants, refs, space, throwsWith, typeOf, world } from './helpers.js';

describe('ReceiveRight', () => {
  it('allocate / close: the name comes and goes, close is idempotent', () => {
    const { kernel, a } = world();
    const before = space(a);
    const rr = ReceiveRight.allocate({ api: a });
    expect(typeOf(a, rr.name)).toBe(MACH_PORT_TYPE_RECEIVE);
    expect(refs(a, rr.name, MACH_PORT_RIGHT_RECEIVE)).toBe(1);
    const name = rr.name;
    rr.close();
    expect(rr.closed).toBe(true);
    expect(rr.state).toBe('closed');
    expect(rr.name).toBe(0);
    expect(typeOf(a, name)).toBe('KERN_INVALID_NAME');
    rr.close();
    rr[Symbol.dispose]();
    expect(space(a)).toEqual(before);
    checkInvariants(kernel);
  });

  it('using a closed right throws a MachError that says so', async () => {
    const { a } = world();
    const rr = ReceiveRight.allocate({ api: a });
    rr.close();
    const err = throwsWith(() => rr.makeSendRight(), 'KERN_INVALID_NAME');
    expect(err.message).toMatch(/ReceiveRight\.makeSendRight: this right was closed/);
    expect(err.details.state).toBe('closed');
    expect(() => rr.receive()).toThrow(MachError);
    expect(() => rr.qlimit).toThrow(MachError);
    expect(() => rr.makeSend()).toThrow(MachError);
  });

  it('makeSendRight coalesces under the receive name; each SendRight owns one uref', () => {
    const { kernel, a } = world();
    using rr = ReceiveRight.allocate({ api: a });
    const s1 = rr.makeSendRight();
    const s2 = rr.makeSendRight();
    expect(s1.name).toBe(rr.name);
    expect(typeOf(a, rr.name)).toBe(MACH_PORT_TYPE_SEND_RECEIVE);
    expect(refs(a, rr.name, MACH_PORT_RIGHT_SEND)).toBe(2);
    expect(rr.status().mps_mscount).toBe(2);
    s1.close();
    s1.close();
    expect(refs(a, rr.name, MACH_PORT_RIGHT_SEND)).toBe(1);
    s2.close();
    expect(typeOf(a, rr.name)).toBe(MACH_PORT_TYPE_RECEIVE);
    checkInvariants(kernel);
  });

  it('closing the receive right leaves the send rights as a dead name; closing them removes it', () => {
    const { kernel, a } = world();
    const before = space(a);
    const rr = ReceiveRight.allocate({ api: a });
    const s = rr.makeSendRight();
    const c = s.copy();
    rr.close();
    expect(s.dead).toBe(true);
    expect(typeOf(a, s.name)).toBe(MACH_PORT_TYPE_DEAD_NAME);
    expect(refs(a, s.name, MACH_PORT_RIGHT_DEAD_NAME)).toBe(2);
    throwsWith(() => s.copy(), 'KERN_INVALID_RIGHT');
    s.close();
    expect(refs(a, c.name, MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
    c.close();
    expect(space(a)).toEqual(before);
    checkInvariants(kernel);
  });

  it('qlimit and status()', () => {
    const { a } = world();
    using rr = ReceiveRight.allocate({ api: a, qlimit: 3 });
    expect(rr.qlimit).toBe(3);
    rr.qlimit = 16;
    expect(rr.qlimit).toBe(16);
    const st = rr.status();
    expect(st.mps_qlimit).toBe(16);
    expect(st.mps_msgcount).toBe(0);
    expect(st.mps_mscount).toBe(0);
    expect(() => {
      rr.qlimit = -1;
    }).toThrow(TypeError);
  });

  it('from() adopts a raw receive right after checking its type', () => {
    const { a } = world();
    const self = a.mach_task_self();
    const name = a.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    const rr = ReceiveRight.from(name, { api: a });
    throwsWith(() => SendRight.from(name, { api: a }), 'KERN_INVALID_RIGHT');
    throwsWith(() => PortSet.from(name, { api: a }), 'KERN_INVALID_RIGHT');
    rr.close();
    expect(typeOf(a, name)).toBe('KERN_INVALID_NAME');
  });

  it('relinquish hands the name back without releasing it', () => {
    const { a } = world();
    const rr = ReceiveRight.allocate({ api: a });
    const name = rr.relinquish();
    expect(rr.state).toBe('moved');
    rr.close();
    expect(typeOf(a, name)).toBe(MACH_PORT_TYPE_RECEIVE);
    a.mach_port_mod_refs(a.mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1);
  });
});

describe('SendOnceRight', () => {
  it('gets its own name; close destroys it and the receiver gets MACH_NOTIFY_SEND_ONCE', async () => {
    const { kernel, a } = world();
    using rr = ReceiveRight.allocate({ api: a });
    const so = rr.makeSendOnceRight();
    expect(so.name).not.toBe(rr.name);
    expect(refs(a, so.name, MACH_PORT_RIGHT_SEND_ONCE)).toBe(1);
    expect(rr.status().mps_sorights).toBe(1);
    const name = so.name;
    so.close();
    expect(typeOf(a, name)).toBe('KERN_INVALID_NAME');
    using note = await rr.receive({ timeout: 1000 });
    expect(note.id).toBe(MACH_NOTIFY_SEND_ONCE);
    expect(rr.status().mps_sorights).toBe(0);
    checkInvariants(kernel);
  });

  it('send uses it up; a second send throws', async () => {
    const { a } = world();
    using rr = ReceiveRight.allocate({ api: a });
    const so = rr.makeSendOnceRight();
    const name = so.name;
    await so.send({ id: 9 });
    expect(so.state).toBe('consumed');
    expect(typeOf(a, name)).toBe('KERN_INVALID_NAME');
    expect(() => so.send({ id: 10 })).toThrow(/already used/);
    so.close(); // no-op
    using m = await rr.receive({ timeout: 1000 });
    expect(m.id).toBe(9);
    expect(await rr.tryReceive()).toBeUndefined();
  });

  it('from() adopts a raw send-once right', () => {
    const { a } = world();
    using rr = ReceiveRight.allocate({ api: a });
    const raw = rr.makeSendOnceRight().relinquish();
    const so = SendOnceRight.from(raw, { api: a });
    so.close();
    expect(typeOf(a, raw)).toBe('KERN_INVALID_NAME');
  });
});

describe('using declarations', () => {
  it('release at the end of the block, in reverse order', () => {
    const { kernel, a } = world();
    const before = space(a);
    let rrName = 0;
    {
      using rr = ReceiveRight.allocate({ api: a });
      using s = rr.makeSendRight();
      using c = s.copy();
      using so = rr.makeSendOnceRight();
      using set = PortSet.allocate({ api: a });
      set.add(rr);
      rrName = rr.name;
      expect(refs(a, rrName, MACH_PORT_RIGHT_SEND)).toBe(2);
      void c;
      void so;
    }
    expect(typeOf(a, rrName)).toBe('KERN_INVALID_NAME');
    expect(space(a)).toEqual(before);
    checkInvariants(kernel);
  });
});

describe('PortSet', () => {
  it('add / remove / move / members; closing the set leaves its members', async () => {
    const { kernel, a } = world();
    const before = space(a);
    const set = PortSet.allocate({ api: a });
    const other = PortSet.allocate({ api: a });
    const r1 = ReceiveRight.allocate({ api: a });
    const r2 = ReceiveRight.allocate({ api: a });
    set.add(r1).add(r2);
    expect(set.members()).toEqual([r1.name, r2.name].sort((x, y) => x - y));
    expect(set.has(r1)).toBe(true);
    other.add(r1); // a port may be in several sets
    expect(other.members()).toEqual([r1.name]);
    other.move(r2); // move_member: exactly one set
    expect(set.members()).toEqual([r1.name]);
    expect(other.members().sort()).toEqual([r1.name, r2.name].sort());
    other.remove(r1);
    expect(other.members()).toEqual([r2.name]);
    throwsWith(() => other.remove(r1), 'KERN_NOT_IN_SET');

    // A member's message comes out of the set with localPort naming the member.
    using s1 = r1.makeSendRight();
    await s1.send({ id: 1 });
    using m = await set.receive({ timeout: 1000 });
    expect(m.id).toBe(1);
    expect(m.localPort).toBe(r1.name);

    set.close();
    expect(typeOf(a, r1.name)).not.toBe('KERN_INVALID_NAME');
    r2.close(); // closing a member takes it out of its sets
    expect(other.members()).toEqual([]);
    other.close();
    s1.close();
    r1.close();
    expect(space(a)).toEqual(before);
    checkInvariants(kernel);
  });

  it('refuses a receive right of another task', () => {
    const { a, b } = world();
    using set = PortSet.allocate({ api: a });
    using rb = ReceiveRight.allocate({ api: b });
    expect(() => set.add(rb)).toThrow(TypeError);
  });
});
