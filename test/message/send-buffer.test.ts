import { describe, expect, it } from 'vitest';
import {
  MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE,
  MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND,
  MACH_MSG_GUARDED_PORT_DESCRIPTOR,
  MACH_MSG_OOL_DESCRIPTOR,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSGH_BITS_COMPLEX,
  MACH_SEND_INVALID_DATA,
  MACH_SEND_INVALID_TYPE,
  MACH_SEND_MSG_TOO_SMALL,
  MACH_SEND_TOO_LARGE,
} from '../../lib/constants.js';
import { decodeSendBuffer, encodeMessage } from '../../lib/message/index.js';
import type { MachMsgDescriptor } from '../../lib/types.js';
import { hex } from './hex.js';
import { kr } from './kr.js';

/** A header word block with the given bits. */
function header(bits: number, size = 0): Uint8Array {
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  v.setUint32(0, bits >>> 0, true);
  v.setUint32(4, size, true);
  v.setUint32(8, 0x103, true);
  v.setUint32(20, 42, true);
  return b;
}

/** A complex message whose descriptors are raw 12/16-byte blocks. */
function complexBuffer(descriptors: Uint8Array[], body = new Uint8Array(0)): Uint8Array {
  const size = 28 + descriptors.reduce((n, d) => n + d.byteLength, 0) + body.byteLength;
  const out = new Uint8Array(size);
  out.set(header(MACH_MSGH_BITS_COMPLEX | MACH_MSG_TYPE_COPY_SEND), 0);
  new DataView(out.buffer).setUint32(24, descriptors.length, true);
  let pos = 28;
  for (const d of descriptors) {
    out.set(d, pos);
    pos += d.byteLength;
  }
  out.set(body, pos);
  return out;
}

const portDesc = (): Uint8Array => hex('03 01 00 00 00 00 00 00 00 00 13 00');
const oolDesc = (copy: number): Uint8Array => hex(`00 10 00 00 00 00 00 00 00 ${copy.toString(16).padStart(2, '0')} 00 01 04 00 00 00`);
const oolPortsDesc = (count: number): Uint8Array => {
  const d = hex('00 20 00 00 00 00 00 00 00 00 13 02 00 00 00 00');
  new DataView(d.buffer).setUint32(12, count, true);
  return d;
};
const guardedDesc = (flags: number, disposition: number, context: bigint): Uint8Array => {
  const d = new Uint8Array(16);
  const v = new DataView(d.buffer);
  v.setBigUint64(0, context, true);
  v.setUint16(8, flags, true);
  v.setUint8(10, disposition);
  v.setUint8(11, 4);
  v.setUint32(12, 0x503, true);
  return d;
};

describe('decodeSendBuffer: size checks (S65, reference §2.4)', () => {
  it('refuses send sizes below 24 or not a multiple of 4', () => {
    expect(kr(() => decodeSendBuffer(new Uint8Array(64), 20))).toBe(MACH_SEND_MSG_TOO_SMALL);
    expect(kr(() => decodeSendBuffer(new Uint8Array(64), 26))).toBe(MACH_SEND_MSG_TOO_SMALL);
    expect(kr(() => decodeSendBuffer(new Uint8Array(64), 0))).toBe(MACH_SEND_MSG_TOO_SMALL);
  });

  it('refuses send sizes above 50 331 580 with MACH_SEND_TOO_LARGE before reading the buffer', () => {
    expect(kr(() => decodeSendBuffer(new Uint8Array(24), 50_331_584))).toBe(MACH_SEND_TOO_LARGE);
  });

  it('refuses a complex message of 24 bytes', () => {
    expect(kr(() => decodeSendBuffer(header(MACH_MSGH_BITS_COMPLEX | 0x13), 24))).toBe(MACH_SEND_MSG_TOO_SMALL);
  });

  it('refuses a descriptor count that cannot fit at 12 bytes each', () => {
    const buf = complexBuffer([portDesc()]);
    new DataView(buf.buffer).setUint32(24, 2, true);
    expect(kr(() => decodeSendBuffer(buf, buf.byteLength))).toBe(MACH_SEND_MSG_TOO_SMALL);
  });

  it('refuses descriptors whose real sizes overrun the message', () => {
    // Two 12-byte slots claimed, but the first descriptor is a 16-byte OOL one.
    const buf = complexBuffer([oolDesc(1), hex('00 00 00 00 00 00 00 00')]);
    new DataView(buf.buffer).setUint32(24, 2, true);
    expect(kr(() => decodeSendBuffer(buf, buf.byteLength))).toBe(MACH_SEND_MSG_TOO_SMALL);
  });

  it('reports a send size beyond the buffer as MACH_SEND_INVALID_DATA (the copy-in would fault)', () => {
    expect(kr(() => decodeSendBuffer(new Uint8Array(24), 28))).toBe(MACH_SEND_INVALID_DATA);
  });
});

describe('decodeSendBuffer: descriptor checks (S69)', () => {
  it('refuses descriptor types above 4', () => {
    const bad = portDesc();
    bad[11] = 5;
    const buf = complexBuffer([bad]);
    expect(kr(() => decodeSendBuffer(buf, buf.byteLength))).toBe(MACH_SEND_INVALID_TYPE);
  });

  it('refuses OOL copy options ALLOCATE (2) and OVERWRITE (3)', () => {
    for (const copy of [2, 3]) {
      const buf = complexBuffer([oolDesc(copy)]);
      expect(kr(() => decodeSendBuffer(buf, buf.byteLength))).toBe(MACH_SEND_INVALID_TYPE);
    }
    for (const copy of [0, 1]) {
      const buf = complexBuffer([oolDesc(copy)]);
      expect(kr(() => decodeSendBuffer(buf, buf.byteLength))).toBe(0);
    }
  });

  it('refuses guarded descriptors with a disposition other than MOVE_RECEIVE or bad flags', () => {
    const cases: Array<[number, number, bigint, number]> = [
      [MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE, MACH_MSG_TYPE_MOVE_SEND, 0n, MACH_SEND_INVALID_TYPE],
      [0, MACH_MSG_TYPE_MOVE_RECEIVE, 0n, MACH_SEND_INVALID_TYPE],
      [4, MACH_MSG_TYPE_MOVE_RECEIVE, 0n, MACH_SEND_INVALID_TYPE],
      [MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND, MACH_MSG_TYPE_MOVE_RECEIVE, 5n, MACH_SEND_INVALID_TYPE],
      [MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND, MACH_MSG_TYPE_MOVE_RECEIVE, 0n, 0],
      [MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE, MACH_MSG_TYPE_MOVE_RECEIVE, 5n, 0],
    ];
    for (const [flags, disposition, context, expected] of cases) {
      const buf = complexBuffer([guardedDesc(flags, disposition, context)]);
      expect(kr(() => decodeSendBuffer(buf, buf.byteLength))).toBe(expected);
    }
  });

  it('measures left to right: a bad type before an overrun is INVALID_TYPE, an overrun before a bad type is TOO_SMALL', () => {
    const badType = portDesc();
    badType[11] = 9;
    // Both claimed descriptors pass the 12-byte count check; the OOL one overruns by 4 bytes.
    const a = complexBuffer([badType, oolDesc(1)]);
    expect(kr(() => decodeSendBuffer(a, a.byteLength - 4))).toBe(MACH_SEND_INVALID_TYPE);
    const b = complexBuffer([oolDesc(1), badType]);
    new DataView(b.buffer).setUint32(24, 2, true);
    const truncated = b.byteLength - 4;
    expect(kr(() => decodeSendBuffer(b, truncated))).toBe(MACH_SEND_MSG_TOO_SMALL);
  });

  it('inflates up to 64 descriptors right to left, so the last bad one decides', () => {
    // [bad OOL copy, ports 1, ports 0xffffffff]: right to left the rights count overflows first.
    const a = complexBuffer([oolDesc(2), oolPortsDesc(1), oolPortsDesc(0xffffffff)]);
    expect(kr(() => decodeSendBuffer(a, a.byteLength))).toBe(MACH_SEND_TOO_LARGE);
    // [ports 1, ports 0xffffffff, bad OOL copy]: the bad copy option is met first.
    const b = complexBuffer([oolPortsDesc(1), oolPortsDesc(0xffffffff), oolDesc(2)]);
    expect(kr(() => decodeSendBuffer(b, b.byteLength))).toBe(MACH_SEND_INVALID_TYPE);
  });

  it('inflates more than 64 descriptors left to right', () => {
    const filler = Array.from({ length: 63 }, portDesc);
    const a = complexBuffer([oolDesc(2), oolPortsDesc(1), oolPortsDesc(0xffffffff), ...filler]);
    expect(kr(() => decodeSendBuffer(a, a.byteLength))).toBe(MACH_SEND_INVALID_TYPE);
  });

  it('refuses more than 16 383 rights in descriptors with MACH_SEND_TOO_LARGE', () => {
    const ok = complexBuffer([oolPortsDesc(16382), portDesc()]);
    expect(kr(() => decodeSendBuffer(ok, ok.byteLength))).toBe(0);
    const tooMany = complexBuffer([oolPortsDesc(16383), portDesc()]);
    expect(kr(() => decodeSendBuffer(tooMany, tooMany.byteLength))).toBe(MACH_SEND_TOO_LARGE);
  });
});

describe('decodeSendBuffer: the message as the kernel sees it', () => {
  it('drops header bits outside MACH_MSGH_BITS_USER and takes msgh_size from the send size (S71)', () => {
    const buf = header(0x20001513, 0xdeadbeef);
    const msg = decodeSendBuffer(buf, 24);
    expect(msg.header.msgh_bits).toBe(0x1513);
    expect(msg.header.msgh_size).toBe(24);
    expect(msg.descriptors).toBeUndefined();
  });

  it('returns what encodeMessage wrote', () => {
    const descriptors: MachMsgDescriptor[] = [
      { type: MACH_MSG_PORT_DESCRIPTOR, name: 0x303, disposition: MACH_MSG_TYPE_COPY_SEND },
      { type: MACH_MSG_OOL_DESCRIPTOR, data: new Uint8Array(6), copy: 0, deallocate: false },
      { type: MACH_MSG_OOL_PORTS_DESCRIPTOR, names: [1, 2, 3], disposition: MACH_MSG_TYPE_COPY_SEND },
      { type: MACH_MSG_GUARDED_PORT_DESCRIPTOR, name: 0x603, disposition: 16, context: 99n, flags: 1 },
    ];
    const { bytes, size } = encodeMessage({
      header: { msgh_bits: MACH_MSGH_BITS_COMPLEX | 0x1513, msgh_remote_port: 0x103, msgh_local_port: 0x203, msgh_id: 77 },
      descriptors,
      body: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
    });
    const msg = decodeSendBuffer(bytes, size);
    expect(msg.header).toEqual({
      msgh_bits: 0x80001513,
      msgh_size: size,
      msgh_remote_port: 0x103,
      msgh_local_port: 0x203,
      msgh_voucher_port: 0,
      msgh_id: 77,
    });
    expect(msg.descriptors).toEqual([
      descriptors[0],
      { type: 1, data: new Uint8Array(0), deallocate: false, copy: 0, size: 6, address: 0n },
      { type: 2, names: [], disposition: 19, deallocate: false, copy: 0, address: 0n, count: 3 },
      descriptors[3],
    ]);
    expect(Array.from(msg.body!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
