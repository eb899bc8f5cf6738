/**
 * The wire pieces on their own: the value encoding (every JS value a MachApi call takes
 * or returns survives the trip), the frame cutter (any chunking of a byte stream gives
 * the same frames; bad lengths are refused), errors keeping their class and fields, the
 * method ids, and RemoteTask.kernelSend's fallback for a kernel host that predates it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MachError, MachGuardError } from '../../lib/errors.js';
import { errorFromRecord, errorRecord, KernelProtocolError } from '../../lib/kernel-host/error-codec.js';
import { FrameCutter, FramingError, parseFrame, payload, valueFrame } from '../../lib/kernel-host/frames.js';
import { helloFrame, parseHello } from '../../lib/kernel-host/handshake.js';
import { F, METHOD_ID, METHODS, ROLE } from '../../lib/kernel-host/protocol.js';
import { RemoteTask } from '../../lib/kernel-host/remote-task.js';
import type { KernelSession } from '../../lib/kernel-host/session.js';
import { DecodeError, decodeValue, encodeValue, KEYS, readValue } from '../../lib/kernel-host/values.js';
import * as C from '../../lib/constants.js';

const key = fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 12 }));
const leaf = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -0x80000000, max: 0xffffffff }),
  fc.double(),
  fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }),
  fc.string({ maxLength: 40 }),
  fc.uint8Array({ maxLength: 64 }),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 5 }), fc.dictionary(key, tie('v'), { maxKeys: 5 })),
})).v;

describe('kernel-host value encoding', () => {
  it('round-trips numbers, bigints, strings, bytes, arrays and objects (property)', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(decodeValue(encodeValue(v))).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps -0, NaN and non-integers as numbers; integers stay integers', () => {
    for (const n of [-0, Number.NaN, 1.5, 2 ** 40, -(2 ** 40), 0xffffffff, -0x80000000, Infinity]) {
      expect(Object.is(decodeValue(encodeValue(n)), n)).toBe(true);
    }
  });

  it('sends the wrong JS types as they are, so the kernel can refuse them exactly', () => {
    const f = function named() {};
    const back = decodeValue(encodeValue([f, Symbol('s'), new Uint32Array([1, 2]), new ArrayBuffer(4), Buffer.from([1, 2])])) as unknown[];
    expect(typeof back[0]).toBe('function');
    expect((back[0] as { name: string }).name).toBe('named');
    expect(typeof back[1]).toBe('symbol');
    expect(back[2]).toBeInstanceOf(Uint32Array);
    expect(Array.from(back[2] as Uint32Array)).toEqual([1, 2]);
    expect(back[3]).toBeInstanceOf(ArrayBuffer);
    expect(back[4]).toBeInstanceOf(Uint8Array);
    expect(Array.from(back[4] as Uint8Array)).toEqual([1, 2]);
  });

  it('round-trips a received message as the emulator builds it', () => {
    const m = {
      header: { msgh_bits: 0x80001112, msgh_size: 60, msgh_remote_port: 0x1103, msgh_local_port: 0x2203, msgh_voucher_port: 0, msgh_id: -5 },
      descriptors: [
        { type: 0, name: 0x3303, disposition: 17 },
        { type: 1, data: new Uint8Array([1, 2, 3]), deallocate: true, copy: 1, size: 3 },
        { type: 2, names: [0x4403, 0xffffffff], disposition: 18, deallocate: true, copy: 1 },
        { type: 4, name: 0x5503, disposition: 16, context: 0xdeadbeefcafen, flags: 1 },
      ],
      body: new Uint8Array(64).fill(9),
      size: 128,
      trailer: {
        msgh_trailer_type: 0,
        msgh_trailer_size: 68,
        seqno: 7,
        sender: { uid: 501, gid: 20 },
        audit: { auid: 501, euid: 501, egid: 20, ruid: 501, rgid: 20, pid: 1234, asid: 100000, pidversion: 1234 },
        context: 0n,
        ad: 0,
        labels: { sender: 0 },
      },
    };
    expect(decodeValue(encodeValue(m))).toEqual(m);
    // Well-known keys cost one byte each: the whole message is small.
    expect(encodeValue(m).length).toBeLessThan(420);
  });

  it('refuses values nested too deep (cycles) on the sending side, malformed input on the receiving side', () => {
    const a: unknown[] = [];
    a.push(a);
    expect(() => encodeValue(a)).toThrow(TypeError);
    expect(() => decodeValue(Buffer.from([0x99]))).toThrow(DecodeError);
    expect(() => decodeValue(Buffer.from([0x08, 10, 0, 0, 0, 65]))).toThrow(/truncated/);
    expect(() => decodeValue(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x7f]))).toThrow(DecodeError);
    expect(() => decodeValue(Buffer.from([0x0b, 1, 0, 0, 0, 250, 0]))).toThrow(/unknown key/);
    expect(() => decodeValue(Buffer.from([0x00, 0x00]))).toThrow(/after the value/);
  });

  it('does not let a key named __proto__ change the prototype', () => {
    const v = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const back = decodeValue(encodeValue(v)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('kernel-host frames', () => {
  it('cuts any chunking of a stream into the same frames (property)', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }), (values, cuts) => {
        const frames = values.map((v, i) => valueFrame(F.CALL, i & 0xff, i, i + 1, v));
        const stream = Buffer.concat(frames);
        const cutter = new FrameCutter(1 << 20);
        const got: Buffer[] = [];
        let pos = 0;
        let c = 0;
        while (pos < stream.length) {
          const n = cuts[c++ % cuts.length]!;
          cutter.push(Buffer.from(stream.subarray(pos, pos + n)), (f) => got.push(Buffer.from(f)));
          pos += n;
        }
        expect(got.length).toBe(frames.length);
        for (let i = 0; i < frames.length; i++) {
          expect(got[i]!.equals(frames[i]!)).toBe(true);
          const f = parseFrame(got[i]!);
          expect([f.type, f.flags, f.task, f.seq]).toEqual([F.CALL, i & 0xff, i, i + 1]);
          expect(readValue(payload(f))).toEqual(values[i]);
        }
        expect(cutter.pending).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('gives every frame bytes of its own: frames built one after another, one built inside another, and large ones', () => {
    const inner: Buffer[] = [];
    const outerValue = {
      get header() {
        // A caller's getter may build a frame (e.g. another mach_msg) while this one is being built.
        inner.push(valueFrame(F.MSG, 0, 2, 7, { body: new Uint8Array([4, 5, 6]) }));
        return { msgh_id: 1 };
      },
    };
    const outer = valueFrame(F.MSG, 0, 1, 6, outerValue);
    const large = valueFrame(F.MSG, 0, 3, 8, new Uint8Array(200_000).fill(7));
    const after = valueFrame(F.MSG, 0, 4, 9, [1, 2, 3]);
    expect(readValue(payload(parseFrame(outer)))).toEqual({ header: { msgh_id: 1 } });
    expect(readValue(payload(parseFrame(inner[0]!)))).toEqual({ body: new Uint8Array([4, 5, 6]) });
    expect((readValue(payload(parseFrame(large))) as Uint8Array).every((b) => b === 7)).toBe(true);
    expect(readValue(payload(parseFrame(after)))).toEqual([1, 2, 3]);
    expect([parseFrame(outer).seq, parseFrame(inner[0]!).seq, parseFrame(large).seq, parseFrame(after).seq]).toEqual([6, 7, 8, 9]);
  });

  it('cuts a stream read into one reused buffer into the same frames (property)', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }), (values, cuts) => {
        const frames = values.map((v, i) => valueFrame(F.CALL, 0, i, i + 1, v));
        const stream = Buffer.concat(frames);
        const cutter = new FrameCutter(1 << 20, { reusedChunks: true });
        const readBuffer = Buffer.alloc(64);
        const got: Buffer[] = [];
        let pos = 0;
        let c = 0;
        while (pos < stream.length) {
          const n = Math.min(cuts[c++ % cuts.length]!, readBuffer.length, stream.length - pos);
          stream.copy(readBuffer, 0, pos, pos + n);
          cutter.push(readBuffer.subarray(0, n), (f) => got.push(Buffer.from(f)));
          // The next read overwrites the buffer.
          readBuffer.fill(0xee);
          pos += n;
        }
        expect(got.length).toBe(frames.length);
        for (let i = 0; i < frames.length; i++) expect(got[i]!.equals(frames[i]!)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a length below the header or above the limit', () => {
    const cutter = new FrameCutter(1024);
    const small = Buffer.alloc(8);
    small.writeUInt32LE(15, 0);
    expect(() => cutter.push(small, () => {})).toThrow(FramingError);
    const big = Buffer.alloc(8);
    big.writeUInt32LE(1025, 0);
    expect(() => new FrameCutter(1024).push(big, () => {})).toThrow(/exceeds/);
  });

  it('HELLO carries role, session id, pid and title', () => {
    const sid = Buffer.alloc(16, 0xab);
    const h = parseHello(parseFrame(helloFrame(ROLE.SYNC, sid, 4321, 'title')));
    expect(h).toEqual({ version: 1, role: ROLE.SYNC, sessionId: sid.toString('hex'), pid: 4321, title: 'title' });
  });

  it('method ids cover the synchronous MachApi calls', () => {
    expect(METHODS.length).toBeLessThan(256);
    expect(new Set(METHODS).size).toBe(METHODS.length);
  });

  it('the kernel host’s own methods are appended after the MachApi calls, in order (kernelSend is 36)', () => {
    expect(METHODS.slice(33, 37)).toEqual(['spaceInfo', 'kernelCall', 'inspect', 'kernelSend']);
    expect(METHOD_ID.kernelSend).toBe(36);
  });

  it('MachApi calls added later are appended after kernelSend, keeping every earlier id', () => {
    expect(METHODS.slice(37)).toEqual([
      'mach_port_guard_with_flags',
      'mach_port_swap_guard',
      'mach_port_peek',
      'mach_port_get_srights',
      'mach_port_dnrequest_info',
      'mach_port_space_basic_info',
      'mach_port_kobject_description',
      'task_get_special_port',
      'task_set_special_port',
      'task_set_exception_ports',
      'task_get_exception_ports',
      'task_swap_exception_ports',
    ]);
    expect(METHOD_ID.task_set_special_port).toBe(45);
    expect(METHOD_ID.task_swap_exception_ports).toBe(48);
    expect(METHOD_ID.mach_port_kobject).toBe(26);
    expect(METHOD_ID.task_info).toBe(32);
  });
});

describe('RemoteTask.kernelSend on a kernel host that predates it', () => {
  /** A RemoteTask over a stand-in session whose host answers kernelSend "unknown method id" and kernelCall with `kernelCall`. */
  function oldHost(kernelCall: () => unknown): { task: RemoteTask; calls: string[] } {
    const calls: string[] = [];
    const session = {
      call(_handle: number, method: string): unknown {
        calls.push(method);
        if (method === 'kernelSend') throw new KernelProtocolError(`unknown method id ${METHOD_ID.kernelSend}`);
        if (method === 'kernelCall') return kernelCall();
        throw new Error(`unexpected ${method}`);
      },
    } as unknown as KernelSession;
    const task = new RemoteTask(session, { handle: 1, self: 0x103, bootstrap: 0x207, pid: 1, name: 't', uid: 0, gid: 0, realm: 'default' });
    return { task, calls };
  }
  const m = { header: { msgh_bits: C.MACH_MSG_TYPE_COPY_SEND, msgh_remote_port: 0x303, msgh_id: 1010 } };

  it('falls back to kernelCall: its MIG_SERVER_DIED (the unanswered send-once right) is success; asked once per session', () => {
    const { task, calls } = oldHost(() => {
      throw new MachError(C.MIG_SERVER_DIED, 'kernelCall');
    });
    expect(task.kernelSend(m)).toBe(C.MACH_MSG_SUCCESS);
    expect(task.kernelSend(m)).toBe(C.MACH_MSG_SUCCESS);
    expect(calls).toEqual(['kernelSend', 'kernelCall', 'kernelCall']);
  });

  it('send errors are returned; MACH_SEND_INVALID_OPTIONS is thrown, as kernelSend throws it', () => {
    expect(
      oldHost(() => {
        throw new MachError(C.MACH_SEND_INVALID_DEST, 'mach_msg');
      }).task.kernelSend(m),
    ).toBe(C.MACH_SEND_INVALID_DEST);
    const refused = oldHost(() => {
      throw new MachError(C.MACH_SEND_INVALID_OPTIONS, 'kernelCall');
    }).task;
    expect(() => refused.kernelSend(m)).toThrow(expect.objectContaining({ code: 'MACH_SEND_INVALID_OPTIONS' }));
  });
});

describe('kernel-host errors', () => {
  it('MachError keeps kr, code, message and details; MachGuardError its guard fields', () => {
    const e = new MachError(C.MACH_RCV_TOO_LARGE, 'mach_msg', { size: 100, localPort: 0x103 });
    const back = errorFromRecord(decodeValue(encodeValue(errorRecord(e)))) as MachError;
    expect(back).toBeInstanceOf(MachError);
    expect([back.kr, back.code, back.message, back.details]).toEqual([e.kr, e.code, e.message, e.details]);
    const g = new MachGuardError(C.KERN_INVALID_RIGHT, C.kGUARD_EXC_INVALID_RIGHT, 0x1203, 'mach_port_destroy');
    const gb = errorFromRecord(decodeValue(encodeValue(errorRecord(g)))) as MachGuardError;
    expect(gb).toBeInstanceOf(MachGuardError);
    expect([gb.kr, gb.reason, gb.reasonName, gb.portName, gb.message]).toEqual([g.kr, g.reason, g.reasonName, g.portName, g.message]);
    const t = errorFromRecord(errorRecord(new TypeError('bad')));
    expect(t).toBeInstanceOf(TypeError);
    expect(t.message).toBe('bad');
    expect(t.stack!.split('\n')[0]).toBe('TypeError: bad');
  });
});
