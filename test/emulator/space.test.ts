/**
 * Names and the IPC space: XNU's name layout (index << 8 | generation), the first names of
 * a fresh space, generation reuse, the seeded free list, chosen names (S1–S7).
 */
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../lib/emulator/index.js';
import { C, expectKr, port, refs, sendRightTo, typeOf, world } from './helpers.js';

describe('IPC space names', () => {
  it('mach_task_self() of a new task is 0x103 (index 1, generation 0x03)', () => {
    const { a } = world();
    expect(a.mach_task_self()).toBe(0x103);
    expect(typeOf(a, 0x103)).toBe(C.MACH_PORT_TYPE_SEND);
  });

  it('the first eight indices are handed out in order, all with generation 0x03 (S1)', () => {
    const k = new Kernel({ seed: 3 });
    const t = k.createTask();
    const used = t.mach_port_names(t.mach_task_self()).names.length;
    const names: number[] = [];
    for (let i = used; i < 8; i++) names.push(port(t));
    expect(names.map((n) => n >>> 8)).toEqual(Array.from({ length: 8 - used }, (_, i) => used + 1 + i));
    for (const n of names) expect(n & 0xff).toBe(0x03);
  });

  it('a freed index is reused first, with the generation advanced by 4 (S7)', () => {
    const { a } = world();
    const p = port(a);
    a.mach_port_destroy(a.mach_task_self(), p);
    const q = port(a);
    expect(q >>> 8).toBe(p >>> 8);
    expect(q & 0xff).toBe((p & 0xff) + 4);
    expectKr(() => typeOf(a, p), 'KERN_INVALID_NAME');
  });

  it('generations of an index roll over to 0x03 after their period', () => {
    const { a } = world();
    const first = port(a);
    const seen: number[] = [first & 0xff];
    let n = first;
    for (let i = 0; i < 70; i++) {
      a.mach_port_destroy(a.mach_task_self(), n);
      n = port(a);
      expect(n >>> 8).toBe(first >>> 8);
      seen.push(n & 0xff);
    }
    expect(seen.every((g) => (g & 3) === 3)).toBe(true);
    expect(seen.filter((g) => g === 0x03).length).toBeGreaterThan(1);
  });

  it('the same seed gives the same names; after the first eight the order is shuffled', () => {
    const run = (seed: number): number[] => {
      const k = new Kernel({ seed });
      const t = k.createTask();
      return Array.from({ length: 20 }, () => port(t));
    };
    expect(run(11)).toEqual(run(11));
    const names = run(11);
    const idx = names.map((n) => n >>> 8);
    expect(new Set(idx).size).toBe(idx.length);
    const tail = idx.slice(8);
    expect(tail).not.toEqual([...tail].sort((x, y) => x - y));
  });

  it('allocate_name: chosen names, NAME_EXISTS, and illegal names (S5, S6)', () => {
    const { a } = world();
    const self = a.mach_task_self();
    a.mach_port_allocate_name(self, C.MACH_PORT_RIGHT_RECEIVE, 0x1203);
    expect(typeOf(a, 0x1203)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    expectKr(() => a.mach_port_allocate_name(self, C.MACH_PORT_RIGHT_RECEIVE, 0x1203), 'KERN_NAME_EXISTS');
    expectKr(() => a.mach_port_allocate_name(self, C.MACH_PORT_RIGHT_PORT_SET, 0x1203), 'KERN_NAME_EXISTS');
    expectKr(() => a.mach_port_allocate_name(self, C.MACH_PORT_RIGHT_RECEIVE, 0), 'KERN_INVALID_VALUE');
    expectKr(() => a.mach_port_allocate_name(self, C.MACH_PORT_RIGHT_RECEIVE, C.MACH_PORT_DEAD), 'KERN_INVALID_VALUE');
    expectKr(() => a.mach_port_allocate_name(self, C.MACH_PORT_RIGHT_RECEIVE, 0x1300), 'KERN_INVALID_VALUE');
    expectKr(() => a.mach_port_allocate_name(self, C.MACH_PORT_RIGHT_RECEIVE, 0x7a), 'KERN_INVALID_VALUE');
    expectKr(() => a.mach_port_allocate_name(self, C.MACH_PORT_RIGHT_RECEIVE, 0x7b), 'KERN_FAILURE');
    expectKr(() => a.mach_port_allocate_name(self, C.MACH_PORT_RIGHT_RECEIVE, 0x1207), 'KERN_FAILURE');
  });

  it('allocate_name of a dead name ignores the requested name (S5)', () => {
    const { a } = world();
    const self = a.mach_task_self();
    a.mach_port_allocate_name(self, C.MACH_PORT_RIGHT_RECEIVE, 0x1203);
    const before = a.mach_port_names(self).names.length;
    a.mach_port_allocate_name(self, C.MACH_PORT_RIGHT_DEAD_NAME, 0x1203);
    expect(typeOf(a, 0x1203)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    const { names, types } = a.mach_port_names(self);
    expect(names.length).toBe(before + 1);
    expect(types.filter((t) => t === C.MACH_PORT_TYPE_DEAD_NAME).length).toBe(1);
  });

  it('a chosen name far beyond the table grows it; beyond the maximum is KERN_NO_SPACE', () => {
    const k = new Kernel({ seed: 1, maxNames: 1024 });
    const t = k.createTask();
    t.mach_port_allocate_name(t.mach_task_self(), C.MACH_PORT_RIGHT_RECEIVE, (1000 << 8) | 3);
    expectKr(() => t.mach_port_allocate_name(t.mach_task_self(), C.MACH_PORT_RIGHT_RECEIVE, (5000 << 8) | 3), 'KERN_NO_SPACE');
  });

  it('a full table answers KERN_NO_SPACE and stays usable', () => {
    const k = new Kernel({ seed: 1, maxNames: 64 });
    const t = k.createTask();
    const made: number[] = [];
    let err: unknown;
    try {
      for (;;) made.push(port(t));
    } catch (e) {
      err = e;
    }
    expect((err as { code: string }).code).toBe('KERN_NO_SPACE');
    expect(made.length).toBeGreaterThan(50);
    t.mach_port_destroy(t.mach_task_self(), made[0]!);
    expect(port(t) >>> 8).toBe(made[0]! >>> 8);
    k.checkInvariants();
  });

  it('allocate rejects rights that cannot be allocated (S4)', () => {
    const { a } = world();
    for (const r of [C.MACH_PORT_RIGHT_SEND, C.MACH_PORT_RIGHT_SEND_ONCE, C.MACH_PORT_RIGHT_LABELH, 6, 99]) {
      expectKr(() => a.mach_port_allocate(a.mach_task_self(), r), 'KERN_INVALID_VALUE');
    }
  });

  it('wrong JS types throw TypeError', () => {
    const { a } = world();
    expect(() => a.mach_port_allocate(a.mach_task_self(), 1.5)).toThrow(TypeError);
    expect(() => a.mach_port_type(a.mach_task_self(), 'x' as unknown as number)).toThrow(TypeError);
    expect(() => a.mach_port_deallocate(2 ** 40, 0x103)).toThrow(TypeError);
  });

  it('names of one task mean nothing in another', () => {
    const { a, b } = world();
    const p = port(a);
    expect(b.mach_port_names(b.mach_task_self()).names).not.toContain(p);
    expectKr(() => typeOf(b, p), 'KERN_INVALID_NAME');
  });
});

describe('send-right reverse look-up (ipc_hash)', () => {
  // The first space holding send for a port records the pair on the port itself, later
  // ones in their own map (space.ts); either way a second send right for the same port
  // merges into the existing name.
  it('merges send rights into the existing name whichever space holds the port slot, as rights come and go', () => {
    const k = new Kernel({ seed: 11 });
    const owner = k.createTask({ name: 'owner' });
    const holders = [k.createTask({ name: 'h0' }), k.createTask({ name: 'h1' }), k.createTask({ name: 'h2' })];
    const p = port(owner);
    const self = (t: typeof owner): number => t.mach_task_self();
    const names = holders.map((t) => sendRightTo(owner, p, t));
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < holders.length; i++) {
        const t = holders[i]!;
        expect(sendRightTo(owner, p, t)).toBe(names[i]);
        expect(refs(t, names[i]!, C.MACH_PORT_RIGHT_SEND)).toBe(2);
        t.mach_port_deallocate(self(t), names[i]!);
      }
      k.checkInvariants();
      // Free the slot holder's name first, then the others, then take them again in
      // another order: the pairs move between the port's slot and the maps.
      const order = round === 1 ? [2, 0, 1] : [0, 1, 2];
      for (const i of order) {
        const t = holders[i]!;
        t.mach_port_deallocate(self(t), names[i]!);
        expectKr(() => typeOf(t, names[i]!), 'KERN_INVALID_NAME');
        k.checkInvariants();
      }
      for (const i of [...order].reverse()) names[i] = sendRightTo(owner, p, holders[i]!);
      k.checkInvariants();
    }
    // The receiver's own send right is found through the receive entry, not the look-up.
    expect(sendRightTo(owner, p, owner)).toBe(p);
    holders[1]!.terminate();
    k.checkInvariants();
    expect(sendRightTo(owner, p, holders[2]!)).toBe(names[2]);
    owner.mach_port_destroy(self(owner), p);
    k.checkInvariants();
  });
});
