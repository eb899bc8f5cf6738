import { describe, expect, it } from 'vitest';
import {
  MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE,
  MACH_MSG_GUARDED_PORT_DESCRIPTOR,
  MACH_MSG_OOL_DESCRIPTOR,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_OOL_VOLATILE_DESCRIPTOR,
  MACH_MSG_PHYSICAL_COPY,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_VIRTUAL_COPY,
  MACH_MSGH_BITS,
  MACH_MSGH_BITS_COMPLEX,
  MACH_RCV_INVALID_DATA,
  MACH_RCV_INVALID_TYPE,
  MACH_RCV_TOO_LARGE,
  MACH_RCV_TRAILER_AUDIT,
  MACH_RCV_TRAILER_ELEMENTS,
  MACH_SEND_INVALID_MEMORY,
  MACH_SEND_INVALID_TYPE,
  MACH_SEND_MSG_TOO_SMALL,
  MACH_SEND_TOO_LARGE,
} from '../../lib/constants.js';
import { MachError } from '../../lib/errors.js';
import { decodeMessage, encodeMessage } from '../../lib/message/index.js';
import type { MachMessage, MachMsgDescriptor } from '../../lib/types.js';
import { hex, toHex } from './hex.js';

/** Encodes a one-descriptor complex message and returns the descriptor's bytes (from offset 28). */
function descriptorBytes(desc: MachMsgDescriptor): Uint8Array {
  const { bytes } = encodeMessage({
    header: { msgh_bits: MACH_MSGH_BITS_COMPLEX, msgh_remote_port: 1, msgh_id: 0 },
    descriptors: [desc],
  });
  return bytes.subarray(28);
}

function machError(fn: () => unknown): MachError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MachError) return e;
    throw e;
  }
  throw new Error('expected a MachError');
}

describe('encodeMessage: golden bytes (reference §2)', () => {
  it('writes the 24-byte header as six little-endian words, msgh_size = send size', () => {
    const { bytes, size } = encodeMessage({
      header: {
        msgh_bits: MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE),
        msgh_remote_port: 0x103,
        msgh_local_port: 0x1407,
        msgh_voucher_port: 0,
        msgh_id: 200,
      },
    });
    expect(size).toBe(24);
    expect(toHex(bytes)).toBe(toHex(hex('13 15 00 00 | 18 00 00 00 | 03 01 00 00 | 07 14 00 00 | 00 00 00 00 | c8 00 00 00')));
  });

  it('writes a negative msgh_id as its two’s complement and bits given in int32 spelling unsigned', () => {
    const { bytes } = encodeMessage({
      header: { msgh_bits: MACH_MSGH_BITS_COMPLEX | 0x13, msgh_remote_port: -1, msgh_id: -2 },
      descriptors: [],
    });
    expect(toHex(bytes)).toBe(
      toHex(hex('13 00 00 80 | 1c 00 00 00 | ff ff ff ff | 00 00 00 00 | 00 00 00 00 | fe ff ff ff | 00 00 00 00')),
    );
  });

  it('port descriptor: name @0, zero pads, disposition @10, type 0 @11', () => {
    expect(toHex(descriptorBytes({ type: MACH_MSG_PORT_DESCRIPTOR, name: 0x1234, disposition: MACH_MSG_TYPE_COPY_SEND }))).toBe(
      toHex(hex('34 12 00 00 | 00 00 00 00 | 00 00 13 00')),
    );
  });

  it('OOL descriptor: address 0 @0, deallocate @8, copy @9, pad @10, type 1 @11, size @12', () => {
    const data = new Uint8Array(9);
    expect(
      toHex(descriptorBytes({ type: MACH_MSG_OOL_DESCRIPTOR, data, deallocate: true, copy: MACH_MSG_VIRTUAL_COPY, size: 8 })),
    ).toBe(toHex(hex('00 00 00 00 00 00 00 00 | 01 01 00 01 | 08 00 00 00')));
  });

  it('OOL descriptor defaults: VIRTUAL copy, no deallocate, size = data length; volatile is type 3', () => {
    expect(toHex(descriptorBytes({ type: MACH_MSG_OOL_VOLATILE_DESCRIPTOR, data: new Uint8Array(0x101) }))).toBe(
      toHex(hex('00 00 00 00 00 00 00 00 | 00 01 00 03 | 01 01 00 00')),
    );
  });

  it('OOL-ports descriptor: address @0, deallocate @8, copy @9, disposition @10, type 2 @11, count @12', () => {
    expect(
      toHex(descriptorBytes({ type: MACH_MSG_OOL_PORTS_DESCRIPTOR, names: [5, 6, 7], disposition: MACH_MSG_TYPE_MAKE_SEND, deallocate: true })),
    ).toBe(toHex(hex('00 00 00 00 00 00 00 00 | 01 00 14 02 | 03 00 00 00')));
  });

  it('guarded-port descriptor: context u64 @0, flags u16 @8, disposition @10, type 4 @11, name @12', () => {
    expect(
      toHex(
        descriptorBytes({
          type: MACH_MSG_GUARDED_PORT_DESCRIPTOR,
          name: 0x503,
          disposition: MACH_MSG_TYPE_MOVE_RECEIVE,
          context: 0x1122334455667788n,
          flags: MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE,
        }),
      ),
    ).toBe(toHex(hex('88 77 66 55 44 33 22 11 | 01 00 10 04 | 03 05 00 00')));
  });

  it('lays out a complex message: count @24, descriptors back to back from 28, body after, OOL regions listed', () => {
    const oolData = Uint8Array.of(1, 2, 3, 4, 5);
    const msg: MachMessage = {
      header: { msgh_bits: MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), msgh_remote_port: 0x203, msgh_id: 7 },
      descriptors: [
        { type: MACH_MSG_PORT_DESCRIPTOR, name: 0x303, disposition: MACH_MSG_TYPE_MAKE_SEND },
        { type: MACH_MSG_OOL_DESCRIPTOR, data: oolData, copy: MACH_MSG_PHYSICAL_COPY },
        { type: MACH_MSG_OOL_PORTS_DESCRIPTOR, names: [0x403, 0x503], disposition: MACH_MSG_TYPE_COPY_SEND },
      ],
      body: Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd),
    };
    const encoded = encodeMessage(msg);
    expect(encoded.size).toBe(24 + 4 + 12 + 16 + 16 + 4);
    expect(toHex(encoded.bytes)).toBe(
      toHex(
        hex(`
          13 00 00 80  4c 00 00 00  03 02 00 00  00 00 00 00  00 00 00 00  07 00 00 00
          03 00 00 00
          03 03 00 00  00 00 00 00  00 00 14 00
          00 00 00 00 00 00 00 00  00 00 00 01  05 00 00 00
          00 00 00 00 00 00 00 00  00 00 13 02  02 00 00 00
          aa bb cc dd`),
      ),
    );
    expect(encoded.ool).toEqual([{ descriptorOffset: 40, data: oolData }]);
    expect(encoded.oolPorts).toEqual([{ descriptorOffset: 56, names: Uint32Array.of(0x403, 0x503) }]);
  });

  it('writes into a caller buffer that is large enough, and allocates otherwise', () => {
    const out = new Uint8Array(64).fill(0xee);
    const msg: MachMessage = { header: { msgh_bits: 0x13, msgh_remote_port: 9, msgh_id: 1 }, body: new Uint8Array(4) };
    const a = encodeMessage(msg, out);
    expect(a.bytes.buffer).toBe(out.buffer);
    expect(a.bytes.byteLength).toBe(28);
    expect(out[28]).toBe(0xee);
    const b = encodeMessage(msg, new Uint8Array(8));
    expect(b.bytes.byteLength).toBe(28);
  });
});

describe('encodeMessage: what Darwin would refuse', () => {
  it('refuses a body whose length is not a multiple of 4 with MACH_SEND_MSG_TOO_SMALL', () => {
    const e = machError(() => encodeMessage({ header: { msgh_bits: 0x13, msgh_remote_port: 1, msgh_id: 0 }, body: new Uint8Array(5) }));
    expect(e.kr).toBe(MACH_SEND_MSG_TOO_SMALL);
  });

  it('refuses more than 50 331 580 bytes with MACH_SEND_TOO_LARGE', () => {
    const e = machError(() =>
      encodeMessage({ header: { msgh_bits: 0x13, msgh_remote_port: 1, msgh_id: 0 }, body: new Uint8Array(50_331_580 - 24 + 4) }),
    );
    expect(e.kr).toBe(MACH_SEND_TOO_LARGE);
    expect(encodeMessage({ header: { msgh_bits: 0x13, msgh_remote_port: 1, msgh_id: 0 }, body: new Uint8Array(50_331_580 - 24) }).size).toBe(50_331_580);
  });

  it('refuses an unknown descriptor type with MACH_SEND_INVALID_TYPE', () => {
    const e = machError(() =>
      encodeMessage({
        header: { msgh_bits: MACH_MSGH_BITS_COMPLEX, msgh_remote_port: 1, msgh_id: 0 },
        descriptors: [{ type: 9 } as unknown as MachMsgDescriptor],
      }),
    );
    expect(e.kr).toBe(MACH_SEND_INVALID_TYPE);
  });

  it('refuses an OOL size beyond its data with MACH_SEND_INVALID_MEMORY', () => {
    const e = machError(() => descriptorBytes({ type: MACH_MSG_OOL_DESCRIPTOR, data: new Uint8Array(4), size: 5 }));
    expect(e.kr).toBe(MACH_SEND_INVALID_MEMORY);
  });

  it('throws TypeError for fields of the wrong JS type', () => {
    expect(() => encodeMessage({ header: { msgh_bits: 0, msgh_remote_port: '1' as unknown as number, msgh_id: 0 } })).toThrow(TypeError);
    expect(() => encodeMessage({ header: { msgh_bits: 0, msgh_remote_port: 1, msgh_id: 2 ** 33 } })).toThrow(TypeError);
    expect(() => encodeMessage({ header: { msgh_bits: 0, msgh_remote_port: 1, msgh_id: 0 }, body: [1, 2, 3, 4] as unknown as Uint8Array })).toThrow(TypeError);
    expect(() => descriptorBytes({ type: MACH_MSG_PORT_DESCRIPTOR, name: 1, disposition: 256 })).toThrow(TypeError);
  });

  it('without COMPLEX, descriptors travel as plain bytes and no OOL region is listed', () => {
    const encoded = encodeMessage({
      header: { msgh_bits: 0x13, msgh_remote_port: 1, msgh_id: 0 },
      descriptors: [{ type: MACH_MSG_OOL_DESCRIPTOR, data: new Uint8Array(4) }],
    });
    expect(encoded.size).toBe(44);
    expect(encoded.ool).toEqual([]);
    const received = decodeMessage(concat(encoded.bytes, hex('00 00 00 00 08 00 00 00')), 0);
    expect(received.descriptors).toEqual([]);
    expect(received.body.byteLength).toBe(20);
  });
});

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.byteLength;
  }
  return out;
}

describe('decodeMessage', () => {
  const received = hex(`
    00 12 00 80  50 00 00 00  00 00 00 00  07 14 00 00  00 00 00 00  2c 01 00 00
    03 00 00 00
    0b 0b 00 00  00 00 00 00  00 00 11 00
    00 10 00 00 01 00 00 00  01 01 00 01  05 00 00 00
    00 20 00 00 01 00 00 00  01 00 11 02  02 00 00 00
    11 22 33 44  55 66 77 88
    00 00 00 00  08 00 00 00`);

  it('reads header, descriptors (addresses kept without a resolver), body and trailer', () => {
    const msg = decodeMessage(received, 0);
    expect(msg.header).toEqual({
      msgh_bits: 0x80001200,
      msgh_size: 80,
      msgh_remote_port: 0,
      msgh_local_port: 0x1407,
      msgh_voucher_port: 0,
      msgh_id: 300,
    });
    expect(msg.size).toBe(80);
    expect(msg.descriptors).toEqual([
      { type: 0, name: 0xb0b, disposition: 17 },
      { type: 1, data: new Uint8Array(0), deallocate: true, copy: 1, size: 5, address: 0x100001000n },
      { type: 2, names: [], disposition: 17, deallocate: true, copy: 0, address: 0x100002000n, count: 2 },
    ]);
    expect(toHex(msg.body)).toBe('11 22 33 44 55 66 77 88');
    expect(msg.trailer.msgh_trailer_size).toBe(8);
  });

  it('reads OOL memory and OOL-port arrays through the resolver', () => {
    const msg = decodeMessage(received, 0, {
      ool: (address, size) => {
        expect(address).toBe(0x100001000n);
        return new Uint8Array(size).fill(7);
      },
      oolPorts: (address, count) => {
        expect(address).toBe(0x100002000n);
        return Array.from({ length: count }, (_, i) => 0x100 + i);
      },
    });
    expect(msg.descriptors[1]).toMatchObject({ data: Uint8Array.of(7, 7, 7, 7, 7) });
    expect(msg.descriptors[2]).toMatchObject({ names: [0x100, 0x101] });
  });

  it('accepts the 24-byte stub of a message destroyed on receive, COMPLEX bit and all (reference §2.7)', () => {
    const stub = hex('00 12 00 80  18 00 00 00  00 00 00 00  07 14 00 00  00 00 00 00  2c 01 00 00  00 00 00 00 08 00 00 00');
    const msg = decodeMessage(stub, 0);
    expect(msg.descriptors).toEqual([]);
    expect(msg.body.byteLength).toBe(0);
  });

  it('reports a buffer that cannot hold message and requested trailer as MACH_RCV_TOO_LARGE with the size', () => {
    const e = machError(() => decodeMessage(received, MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT)));
    expect(e.kr).toBe(MACH_RCV_TOO_LARGE);
    expect(e.details.size).toBe(80);
  });

  it('refuses buffers the kernel could not have written', () => {
    expect(machError(() => decodeMessage(new Uint8Array(20), 0)).kr).toBe(MACH_RCV_INVALID_DATA);
    const badSize = received.slice();
    badSize[4] = 22;
    expect(machError(() => decodeMessage(badSize, 0)).kr).toBe(MACH_RCV_INVALID_DATA);
    const overrun = received.slice();
    overrun[24] = 9;
    expect(machError(() => decodeMessage(overrun, 0)).kr).toBe(MACH_RCV_INVALID_DATA);
    const badType = received.slice();
    badType[28 + 11] = 5;
    expect(machError(() => decodeMessage(badType, 0)).kr).toBe(MACH_RCV_INVALID_TYPE);
  });
});
