/**
 * Out-of-line memory sent with `deallocate: true` leaves the sender as part of the send
 * (xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_ool_descriptor → vm_map_copyin with
 * src_destroy; osfmk/vm/vm_map.c:vm_map_copyin_internal removes the source range once the
 * copy is made). The emulator moves what it can without a copy (lib/emulator/vm.ts): a
 * caller's whole ArrayBuffer is detached, a slab region delivered to a task moves on when
 * that task sends it whole, and no two messages ever carry the same memory.
 */
import { types } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EmulatedTask } from '../../lib/emulator/index.js';
import type { MachMsgDescriptor, OolDescriptor } from '../../lib/types.js';
import { C, expectCode, msg, port, portWithSend, recv, send, sendRightTo, world } from './helpers.js';

/** One OOL descriptor. */
function ool(data: Uint8Array, deallocate: boolean, extra: Partial<OolDescriptor> = {}): OolDescriptor {
  return { type: C.MACH_MSG_OOL_DESCRIPTOR, data, deallocate, ...extra };
}

/** Send `descriptors` from `t` to `dest` (a send right of t's) and receive them on `rcv` in `r`. */
async function carry(t: EmulatedTask, dest: number, r: EmulatedTask, rcv: number, descriptors: MachMsgDescriptor[]): Promise<Uint8Array[]> {
  await send(t, msg(dest, C.MACH_MSG_TYPE_COPY_SEND, { descriptors }));
  const m = await recv(r, rcv);
  return m.descriptors.map((d) => (d as OolDescriptor).data);
}

/** Whether two views share any byte of memory. */
function overlap(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length === 0 || y.length === 0 || x.buffer !== y.buffer) return false;
  return x.byteOffset < y.byteOffset + y.length && y.byteOffset < x.byteOffset + x.length;
}

describe('OOL deallocate: a region the emulator delivered moves on without a copy', () => {
  it('a received 4 KiB slab region sent on whole by its receiver arrives as the same memory, with the same bytes', async () => {
    const { k, a, b } = world();
    const pa = port(a);
    const pb = port(b);
    const toB = sendRightTo(b, pb, a);
    const toA = sendRightTo(a, pa, b);
    const src = new Uint8Array(4096).map((_, i) => i & 0xff);
    const [r1] = await carry(a, toB, b, pb, [ool(src, false)]);
    // A pooled region: a view into a larger slab.
    expect(r1!.buffer.byteLength).toBeGreaterThan(4096);
    const [r2] = await carry(b, toA, a, pa, [ool(r1!, true)]);
    expect(r2!.buffer).toBe(r1!.buffer);
    expect(r2!.byteOffset).toBe(r1!.byteOffset);
    expect(r2!.length).toBe(4096);
    expect(Buffer.from(r2!).equals(Buffer.from(src))).toBe(true);
    // The caller's own buffer, sent without deallocate, is untouched.
    expect(src.length).toBe(4096);
    k.checkInvariants();
  });

  it('what the receiver sees is unchanged: its region, the bytes, deallocate reported as for any VIRTUAL copy', async () => {
    const { a } = world();
    const p = portWithSend(a);
    const [r1] = await carry(a, p, a, p, [ool(new Uint8Array(300).fill(3), false)]);
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [ool(r1!, true, { copy: C.MACH_MSG_PHYSICAL_COPY })] }));
    const m = await recv(a, p);
    const d = m.descriptors[0] as OolDescriptor;
    expect(d.type).toBe(C.MACH_MSG_OOL_DESCRIPTOR);
    expect(d.size).toBe(300);
    expect(d.copy).toBe(C.MACH_MSG_PHYSICAL_COPY);
    expect(d.deallocate).toBe(false);
    expect(d.data.every((x) => x === 3)).toBe(true);
    // A physical copy requested with deallocate may still move (XNU: "a virtual copy is OK
    // if the original is being deallocated").
    expect(d.data.buffer).toBe(r1!.buffer);
    expect(m.size).toBe(24 + 4 + 16);
  });

  it('the old owner sending the region again (with or without deallocate) gets a copy: no two receivers share memory', async () => {
    const { k, a, b } = world();
    const pa = port(a);
    const pb = port(b);
    const toB = sendRightTo(b, pb, a);
    const toA = sendRightTo(a, pa, b);
    const [r1] = await carry(a, toB, b, pb, [ool(new Uint8Array(4096).fill(1), false)]);
    const [moved] = await carry(b, toA, a, pa, [ool(r1!, true)]);
    expect(overlap(moved!, r1!)).toBe(true);
    // b no longer owns the region: a second deallocate send copies it.
    const [second] = await carry(b, toA, a, pa, [ool(r1!, true)]);
    const [third] = await carry(b, toA, a, pa, [ool(r1!, false)]);
    expect(overlap(second!, moved!)).toBe(false);
    expect(overlap(third!, moved!)).toBe(false);
    expect(overlap(second!, third!)).toBe(false);
    moved!.fill(9);
    expect(second!.every((x) => x === 1)).toBe(true);
    expect(third!.every((x) => x === 1)).toBe(true);
    // The new owner can move it on in turn.
    const [again] = await carry(a, toB, b, pb, [ool(moved!, true)]);
    expect(again!.buffer).toBe(moved!.buffer);
    expect(again!.byteOffset).toBe(moved!.byteOffset);
    k.checkInvariants();
  });

  it('a task that got another task’s region through JS (not through Mach) copies it, even with deallocate', async () => {
    const { a, b } = world();
    const pa = port(a);
    const pb = portWithSend(b);
    const toA = sendRightTo(a, pa, b);
    const [mine] = await carry(a, sendRightTo(b, pb, a), b, pb, [ool(new Uint8Array(200).fill(5), false)]);
    void toA;
    // a sends b's region: not a's to unmap.
    const pa2 = portWithSend(a);
    const [copied] = await carry(a, pa2, a, pa2, [ool(mine!, true)]);
    expect(overlap(copied!, mine!)).toBe(false);
    // b still owns it and moves it.
    const [moved] = await carry(b, pb, b, pb, [ool(mine!, true)]);
    expect(moved!.buffer).toBe(mine!.buffer);
  });

  it('a slab region’s buffer is still an ArrayBuffer to every check, and keeps its bookkeeping private', async () => {
    const { a } = world();
    const p = portWithSend(a);
    const [r] = await carry(a, p, a, p, [ool(new Uint8Array(1000).fill(4), false)]);
    const buf = r!.buffer;
    expect(buf).toBeInstanceOf(ArrayBuffer);
    expect(types.isArrayBuffer(buf)).toBe(true);
    expect(Object.prototype.toString.call(buf)).toBe('[object ArrayBuffer]');
    expect(Object.keys(buf)).toEqual([]);
    const sliced = buf.slice(r!.byteOffset, r!.byteOffset + 1000);
    expect(new Uint8Array(sliced).every((x) => x === 4)).toBe(true);
    const cloned = structuredClone(buf);
    expect(cloned.byteLength).toBe(buf.byteLength);
    expect(Buffer.from(buf, r!.byteOffset, 1000).every((x) => x === 4)).toBe(true);
  });

  it('a partial send (size below the region) or a subarray of a region is copied, and the region stays its owner’s', async () => {
    const { a } = world();
    const p = portWithSend(a);
    const [r] = await carry(a, p, a, p, [ool(new Uint8Array(1000).fill(4), false)]);
    const [part] = await carry(a, p, a, p, [ool(r!, true, { size: 500 })]);
    const [sub] = await carry(a, p, a, p, [ool(r!.subarray(0, 1000 - 8), true)]);
    expect(overlap(part!, r!)).toBe(false);
    expect(overlap(sub!, r!)).toBe(false);
    expect(part!.length).toBe(500);
    const [whole] = await carry(a, p, a, p, [ool(r!, true)]);
    expect(whole!.buffer).toBe(r!.buffer);
  });

  it('a region given back by a pseudo-receive is the sender’s again and moves on its next deallocate send', async () => {
    const { a, k } = world();
    const p = portWithSend(a);
    const [r] = await carry(a, p, a, p, [ool(new Uint8Array(2000).fill(6), false)]);
    a.mach_port_set_attributes(a.mach_task_self(), p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 0 });
    const m = msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [ool(r!, true)] });
    await expectCode(send(a, m, C.MACH_SEND_TIMEOUT, 0), 'MACH_SEND_TIMED_OUT');
    const back = (m.descriptors![0] as OolDescriptor).data;
    expect(back.buffer).toBe(r!.buffer);
    expect(back.every((x) => x === 6)).toBe(true);
    a.mach_port_set_attributes(a.mach_task_self(), p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 5 });
    const [moved] = await carry(a, p, a, p, [ool(back, true)]);
    expect(moved!.buffer).toBe(r!.buffer);
    expect(moved!.byteOffset).toBe(r!.byteOffset);
    k.checkInvariants();
  });
});

describe('OOL deallocate: the caller’s own buffer', () => {
  for (const size of [10, 64, 100, 4096, 4097, 1 << 20]) {
    it(`a whole ${size}-byte buffer is detached by a successful send and its memory delivered`, async () => {
      const { a, k } = world();
      const p = portWithSend(a);
      const data = new Uint8Array(size).fill(0x5a);
      const [r] = await carry(a, p, a, p, [ool(data, true)]);
      expect(data.length).toBe(0);
      expect(data.buffer.byteLength).toBe(0);
      expect(r!.length).toBe(size);
      // The region has the whole moved buffer to itself.
      expect(r!.byteOffset).toBe(0);
      expect(r!.buffer.byteLength).toBe(size);
      expect(r!.every((x) => x === 0x5a)).toBe(true);
      k.checkInvariants();
    });
  }

  it('a detached buffer cannot be sent again: MACH_SEND_INVALID_MEMORY, with or without deallocate or an explicit size', async () => {
    const { a, k } = world();
    const p = portWithSend(a);
    const data = new Uint8Array(4096).fill(1);
    await carry(a, p, a, p, [ool(data, true)]);
    for (const d of [ool(data, true), ool(data, false), ool(data, false, { size: 0 }), ool(data, true, { size: 16 })]) {
      await expectCode(send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [d] })), 'MACH_SEND_INVALID_MEMORY');
    }
    // Another view made before the buffer was detached too.
    const early = new Uint8Array(64);
    const earlyView = new Uint8Array(early.buffer, 0, 32);
    await carry(a, p, a, p, [ool(early, true)]);
    await expectCode(send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [ool(earlyView, false)] })), 'MACH_SEND_INVALID_MEMORY');
    // The same buffer twice in one message: the second descriptor finds it gone (XNU: the
    // first copy-in removed the pages).
    const twice = new Uint8Array(100).fill(2);
    await expectCode(send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [ool(twice, true), ool(twice, false)] })), 'MACH_SEND_INVALID_MEMORY');
    expect(twice.length).toBe(0);
    k.checkInvariants();
  });

  it('a send refused before the body is copied in leaves the buffer alone (bad destination, bad descriptor type, bad copy option, an earlier bad right)', async () => {
    const { a, k } = world();
    const p = portWithSend(a);
    const data = new Uint8Array(4096).fill(7);
    await expectCode(send(a, msg(0x1234, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [ool(data, true)] })), 'MACH_SEND_INVALID_DEST');
    await expectCode(send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [ool(data, true), { type: 9 } as never] })), 'MACH_SEND_INVALID_TYPE');
    await expectCode(send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [ool(data, true, { copy: 2 })] })), 'MACH_SEND_INVALID_TYPE');
    // The bad right comes before the OOL descriptor: the body copy-in stops there.
    await expectCode(
      send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 0, name: 0x4567, disposition: C.MACH_MSG_TYPE_COPY_SEND }, ool(data, true)] })),
      'MACH_SEND_INVALID_RIGHT',
    );
    expect(data.length).toBe(4096);
    expect(data.every((x) => x === 7)).toBe(true);
    k.checkInvariants();
  });

  it('a body error after the OOL descriptor was copied in leaves the buffer detached (XNU removed the pages at its copy-in and discards the copy)', async () => {
    const { a, k } = world();
    const p = portWithSend(a);
    const data = new Uint8Array(4096).fill(7);
    await expectCode(
      send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [ool(data, true), { type: 0, name: 0x4567, disposition: C.MACH_MSG_TYPE_COPY_SEND }] })),
      'MACH_SEND_INVALID_RIGHT',
    );
    expect(data.length).toBe(0);
    k.checkInvariants();
  });

  it('a timed-out send detaches the buffer and pseudo-receives the moved memory back into the message', async () => {
    const { a, k } = world();
    const p = portWithSend(a);
    a.mach_port_set_attributes(a.mach_task_self(), p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 0 });
    const data = new Uint8Array(5000).fill(8);
    const m = msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [ool(data, true)] });
    await expectCode(send(a, m, C.MACH_SEND_TIMEOUT, 0), 'MACH_SEND_TIMED_OUT');
    expect(data.length).toBe(0);
    const back = (m.descriptors![0] as OolDescriptor).data;
    expect(back.length).toBe(5000);
    expect(back.every((x) => x === 8)).toBe(true);
    k.checkInvariants();
  });

  it('an inline body that shares the buffer is read before the region is taken', async () => {
    const { a } = world();
    const p = portWithSend(a);
    const data = new Uint8Array(64).fill(0x21);
    await send(a, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { body: data, descriptors: [ool(data, true)] }));
    const m = await recv(a, p);
    expect(m.body.length).toBe(64);
    expect(m.body.every((x) => x === 0x21)).toBe(true);
    expect((m.descriptors[0] as OolDescriptor).data.every((x) => x === 0x21)).toBe(true);
    expect(data.length).toBe(0);
  });
});

describe('OOL deallocate: memory that is never detached', () => {
  it('a subarray of a larger buffer is copied and left intact, and so is the rest of its buffer', async () => {
    const { a } = world();
    const p = portWithSend(a);
    const big = new Uint8Array(8192).fill(3);
    const view = big.subarray(0, 4096);
    const [r] = await carry(a, p, a, p, [ool(view, true)]);
    expect(view.length).toBe(4096);
    expect(big.length).toBe(8192);
    expect(overlap(r!, big)).toBe(false);
    view.fill(0);
    expect(r!.every((x) => x === 3)).toBe(true);
    // A view at an offset, ending at the end of the buffer, too.
    const tail = big.subarray(4096);
    await carry(a, p, a, p, [ool(tail, true)]);
    expect(tail.length).toBe(4096);
  });

  it('a pooled Node Buffer (a view into Node’s shared pool) is copied, not detached', async () => {
    const { a } = world();
    const p = portWithSend(a);
    const pooled = Buffer.from('hello, pool');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    const [r] = await carry(a, p, a, p, [ool(pooled, true)]);
    expect(pooled.toString()).toBe('hello, pool');
    expect(Buffer.from(r!).toString()).toBe('hello, pool');
  });

  it('a SharedArrayBuffer or resizable ArrayBuffer is copied, not detached', async () => {
    const { a } = world();
    const p = portWithSend(a);
    const shared = new Uint8Array(new SharedArrayBuffer(256)).fill(4);
    const [r1] = await carry(a, p, a, p, [ool(shared, true)]);
    expect(shared.length).toBe(256);
    expect(r1!.buffer).not.toBe(shared.buffer);
    const Resizable = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
    const rz = new Uint8Array(new Resizable(128, { maxByteLength: 256 })).fill(5);
    const [r2] = await carry(a, p, a, p, [ool(rz, true)]);
    expect(rz.length).toBe(128);
    expect(r2!.every((x) => x === 5)).toBe(true);
  });

  it('a slab whose buffer a caller detached does not break later sends', async () => {
    const { a } = world();
    const p = portWithSend(a);
    const [r] = await carry(a, p, a, p, [ool(new Uint8Array(100).fill(1), false)]);
    structuredClone(r!.buffer, { transfer: [r!.buffer as ArrayBuffer] });
    expect(r!.length).toBe(0);
    const [next] = await carry(a, p, a, p, [ool(new Uint8Array(100).fill(2), false)]);
    expect(next!.length).toBe(100);
    expect(next!.every((x) => x === 2)).toBe(true);
  });
});

describe('OOL deallocate: property', () => {
  /** Sizes around the slab limits: own buffer (≤ 64), slab (65..4096), own buffer (> 4096). */
  const SIZES = [1, 64, 65, 100, 4096, 4097, 6000];
  type Source = { k: 'fresh'; size: number; sub: boolean } | { k: 'live'; i: number; part: boolean } | { k: 'given'; i: number };
  const source: fc.Arbitrary<Source> = fc.oneof(
    fc.record({ k: fc.constant('fresh' as const), size: fc.constantFrom(...SIZES), sub: fc.boolean() }),
    fc.record({ k: fc.constant('live' as const), i: fc.nat(), part: fc.boolean() }),
    fc.record({ k: fc.constant('given' as const), i: fc.nat() }),
  );
  const op = fc.record({ from: fc.nat(1), source, deallocate: fc.boolean(), twice: fc.boolean() });

  it('no two live regions (received, or the callers’ own) ever share a byte: writing one leaves every other unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const { k, a, b } = world();
        const tasks = [a, b];
        const rcv = [port(a), port(b)];
        // to[i]: task i's send right to the other task's port.
        const to = [sendRightTo(b, rcv[1]!, a), sendRightTo(a, rcv[0]!, b)];
        /** Regions still held, with the task holding each: received ones, and callers' buffers not given up. */
        const live: Array<{ data: Uint8Array; holder: number }> = [];
        /** Regions given up by a deallocate send of their holder (moved away, or copied). */
        const given: Uint8Array[] = [];
        for (const o of ops) {
          let data: Uint8Array;
          let idx = -1;
          if (o.source.k === 'fresh') {
            const size = o.source.size;
            const buf = new Uint8Array(o.source.sub ? size + 16 : size);
            data = o.source.sub ? buf.subarray(8, 8 + size) : buf;
            live.push({ data: buf, holder: o.from });
            idx = live.length - 1;
          } else if (o.source.k === 'live' && live.length > 0) {
            // Possibly a region the other task holds (reached through JS).
            idx = o.source.i % live.length;
            const r = live[idx]!.data;
            data = o.source.part && r.length > 1 ? r.subarray(1) : r;
          } else if (o.source.k === 'given' && given.length > 0) {
            // The old owner sending a region it gave up (it may have come back to this very
            // object: moved, then received by this task again).
            data = given[o.source.i % given.length]!;
            idx = live.findIndex((e) => e.data === data && e.holder === o.from);
          } else {
            continue;
          }
          const descriptors = [ool(data, o.deallocate)];
          if (o.twice) descriptors.push(ool(data, false));
          const sender = tasks[o.from]!;
          const receiver = tasks[1 - o.from]!;
          let ok = true;
          try {
            await send(sender, msg(to[o.from]!, C.MACH_MSG_TYPE_COPY_SEND, { descriptors }));
          } catch (e) {
            // Only memory a deallocate send took away (in this message or before) is refused.
            expect((e as { code?: string }).code).toBe('MACH_SEND_INVALID_MEMORY');
            ok = false;
          }
          // A deallocate send by its holder gives the memory up, whether it moved or was copied.
          if (o.deallocate && idx >= 0 && live[idx]!.holder === o.from) {
            const [g] = live.splice(idx, 1);
            given.push(g!.data);
          }
          if (ok) {
            const m = await recv(receiver, rcv[1 - o.from]!);
            for (const d of m.descriptors) live.push({ data: (d as OolDescriptor).data, holder: 1 - o.from });
          }
          // Every live region is memory of its own. (A region another task detached by
          // sending it through JS reads as empty, and typed-array methods throw on it.)
          for (let i = 0; i < live.length; i++) if (live[i]!.data.length > 0) live[i]!.data.fill(i & 0xff);
          for (let i = 0; i < live.length; i++) {
            const r = live[i]!.data;
            if (r.length === 0) continue;
            if (!r.every((x) => x === (i & 0xff))) throw new Error(`live region ${i} was overwritten: two regions share memory`);
            for (let j = i + 1; j < live.length; j++) expect(overlap(r, live[j]!.data)).toBe(false);
          }
        }
        k.checkInvariants();
      }),
      { numRuns: 150 },
    );
  });
});
