import { describe, expect, it } from 'vitest';
import { MACH_RCV_TOO_LARGE } from '../../lib/constants.js';
import { MachError } from '../../lib/errors.js';
import { decodeTrailer, encodeTrailer, TRAILER_SIZES, type TrailerSize } from '../../lib/message/index.js';
import type { MachMsgTrailer } from '../../lib/types.js';
import { hex, toHex } from './hex.js';

const trailer: MachMsgTrailer = {
  msgh_trailer_type: 0,
  msgh_trailer_size: 0,
  seqno: 0x11,
  sender: { uid: 501, gid: 20 },
  audit: { auid: 0x21, euid: 0x22, egid: 0x23, ruid: 0x24, rgid: 0x25, pid: 0x26, asid: 0x27, pidversion: 0x28 },
  context: 0x0102030405060708n,
  ad: -2,
  labels: { sender: 0x30 },
};

// The layouts of reference §2.3, written out by hand.
const golden: Record<TrailerSize, string> = {
  8: '00 00 00 00 | 08 00 00 00',
  12: '00 00 00 00 | 0c 00 00 00 | 11 00 00 00',
  20: '00 00 00 00 | 14 00 00 00 | 11 00 00 00 | f5 01 00 00 | 14 00 00 00',
  52: `00 00 00 00 | 34 00 00 00 | 11 00 00 00 | f5 01 00 00 | 14 00 00 00
       21 00 00 00 22 00 00 00 23 00 00 00 24 00 00 00 25 00 00 00 26 00 00 00 27 00 00 00 28 00 00 00`,
  60: `00 00 00 00 | 3c 00 00 00 | 11 00 00 00 | f5 01 00 00 | 14 00 00 00
       21 00 00 00 22 00 00 00 23 00 00 00 24 00 00 00 25 00 00 00 26 00 00 00 27 00 00 00 28 00 00 00
       08 07 06 05 04 03 02 01`,
  68: `00 00 00 00 | 44 00 00 00 | 11 00 00 00 | f5 01 00 00 | 14 00 00 00
       21 00 00 00 22 00 00 00 23 00 00 00 24 00 00 00 25 00 00 00 26 00 00 00 27 00 00 00 28 00 00 00
       08 07 06 05 04 03 02 01 | fe ff ff ff | 30 00 00 00`,
};

describe('trailers (reference §2.3)', () => {
  for (const size of TRAILER_SIZES) {
    it(`encodes the ${size}-byte trailer with only its own fields`, () => {
      expect(toHex(encodeTrailer(trailer, size))).toBe(toHex(hex(golden[size])));
    });

    it(`decodes the ${size}-byte trailer, zero for fields it does not carry`, () => {
      const decoded = decodeTrailer(hex(golden[size]), 0, size);
      expect(decoded.msgh_trailer_size).toBe(size);
      expect(decoded.seqno).toBe(size >= 12 ? 0x11 : 0);
      expect(decoded.sender).toEqual(size >= 20 ? trailer.sender : { uid: 0, gid: 0 });
      expect(decoded.audit.pid).toBe(size >= 52 ? 0x26 : 0);
      expect(decoded.context).toBe(size >= 60 ? trailer.context : 0n);
      expect(decoded.ad).toBe(size >= 68 ? -2 : undefined);
      expect(decoded.labels).toEqual(size >= 68 ? { sender: 0x30 } : undefined);
    });
  }

  it('writes at an offset of a caller buffer and touches nothing beyond the trailer', () => {
    const out = new Uint8Array(32).fill(0xee);
    encodeTrailer(trailer, 12, out, 8);
    expect(toHex(out.subarray(0, 8))).toBe('ee ee ee ee ee ee ee ee');
    expect(toHex(out.subarray(8, 20))).toBe(toHex(hex(golden[12])));
    expect(out[20]).toBe(0xee);
  });

  it('reports a trailer that does not fit as MACH_RCV_TOO_LARGE, and a bad size as TypeError', () => {
    expect(() => decodeTrailer(new Uint8Array(10), 4, 8)).toThrow(MachError);
    try {
      decodeTrailer(new Uint8Array(10), 4, 8);
    } catch (e) {
      expect((e as MachError).kr).toBe(MACH_RCV_TOO_LARGE);
    }
    expect(() => decodeTrailer(new Uint8Array(64), 0, 16 as TrailerSize)).toThrow(TypeError);
    expect(() => encodeTrailer(trailer, 24 as TrailerSize)).toThrow(TypeError);
  });
});
