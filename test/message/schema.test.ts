import { describe, expect, it } from 'vitest';
import {
  MACH_MSG_OOL_DESCRIPTOR,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSGH_BITS_COMPLEX,
  MIG_ARRAY_TOO_LARGE,
  MIG_BAD_ARGUMENTS,
  MIG_BAD_ID,
  MIG_TYPE_ERROR,
} from '../../lib/constants.js';
import {
  array,
  asReceived,
  boolean,
  bytes,
  cString,
  defineMessage,
  encodeMessage,
  int16,
  int32,
  int64,
  int8,
  ool,
  oolPorts,
  polyPort,
  port,
  struct,
  uint16,
  uint32,
  uint64,
  varArray,
  varBytes,
  varString,
} from '../../lib/message/index.js';
import { defineInterpretedMessage } from '../../lib/message/schema.js';
import { hex, toHex } from './hex.js';
import { kr } from './kr.js';

describe('defineMessage: inline layout (MIG: NDR, each argument padded to 4, variable data trimmed)', () => {
  const schema = defineMessage({
    id: 1000,
    fields: {
      a: int8,
      b: uint16,
      c: int64,
      s: cString(5),
      v: varString(8),
      arr: varArray(int16, 4),
      tail: uint32,
    },
  });
  const value = { a: -1, b: 0x1234, c: -2n, s: 'abc', v: 'hi', arr: [1, -1], tail: 7 };

  it('encodes to the bytes MIG would lay out', () => {
    const msg = schema.encode(value, { msgh_remote_port: 0x103 });
    expect(msg.header).toEqual({ msgh_bits: 0x13, msgh_remote_port: 0x103, msgh_local_port: 0, msgh_voucher_port: 0, msgh_id: 1000 });
    expect(msg.descriptors).toBeUndefined();
    expect(toHex(msg.body!)).toBe(
      toHex(
        hex(`
          00 00 00 00 01 00 00 00
          ff 00 00 00
          34 12 00 00
          fe ff ff ff ff ff ff ff
          61 62 63 00 00 00 00 00
          00 00 00 00  03 00 00 00  68 69 00 00
          02 00 00 00  01 00 ff ff
          07 00 00 00`),
      ),
    );
    expect(encodeMessage(msg).size).toBe(80);
  });

  it('decodes what it encodes and reports its size bounds', () => {
    const msg = schema.encode(value, { msgh_remote_port: 0x103 });
    expect(schema.decode(asReceived(msg))).toEqual(value);
    expect(schema.complex).toBe(false);
    expect(schema.ndr).toBe(true);
    expect(schema.fixedSize).toBeUndefined();
    // header 24 + NDR 8 + a 4 + b 4 + c 8 + s 8 + varString 12..16 + varArray 4..12 + tail 4
    expect(schema.minSize).toBe(24 + 8 + 4 + 4 + 8 + 8 + 12 + 4 + 4);
    expect(schema.maxSize).toBe(24 + 8 + 4 + 4 + 8 + 8 + 16 + 12 + 4);
  });

  it('has no NDR record when there is no inline data, and a fixed size when nothing varies', () => {
    const empty = defineMessage({ id: 1, fields: {} });
    expect(empty.ndr).toBe(false);
    expect(empty.fixedSize).toBe(24);
    expect(empty.encode({}, { msgh_remote_port: 1 }).body!.byteLength).toBe(0);
    const fixed = defineMessage({ id: 2, fields: { x: int32, y: bytes(3) } });
    expect(fixed.fixedSize).toBe(24 + 8 + 4 + 4);
  });

  it('writes into a reused body buffer without leaking its old bytes through padding', () => {
    const out = new Uint8Array(128).fill(0xee);
    const body = schema.encodeBody(value, out);
    expect(body.buffer).toBe(out.buffer);
    expect(toHex(body)).toBe(toHex(schema.encode(value, { msgh_remote_port: 1 }).body!));
  });
});

describe('defineMessage: descriptors (MIG: ports and OOL become descriptors in order, OOL counts stay inline)', () => {
  const schema = defineMessage({
    id: 2000,
    fields: {
      target: port(MACH_MSG_TYPE_MAKE_SEND),
      data: ool(),
      n: int32,
      names: oolPorts(MACH_MSG_TYPE_COPY_SEND),
    },
  });

  it('encodes descriptors in field order with NDR, counts and scalars inline in field order', () => {
    const data = Uint8Array.of(9, 8, 7);
    const msg = schema.encode({ target: 0x503, data, n: -5, names: [0x603, 0x703] }, { msgh_remote_port: 0x103, msgh_local_port: 0x203 });
    expect(msg.header.msgh_bits).toBe((MACH_MSGH_BITS_COMPLEX | 0x1513) >>> 0);
    expect(msg.descriptors).toEqual([
      { type: MACH_MSG_PORT_DESCRIPTOR, name: 0x503, disposition: MACH_MSG_TYPE_MAKE_SEND },
      { type: MACH_MSG_OOL_DESCRIPTOR, data, copy: 1, deallocate: false },
      { type: 2, names: [0x603, 0x703], disposition: MACH_MSG_TYPE_COPY_SEND, deallocate: false, copy: 0 },
    ]);
    expect(toHex(msg.body!)).toBe(toHex(hex('00 00 00 00 01 00 00 00 | 03 00 00 00 | fb ff ff ff | 02 00 00 00')));
    expect(schema.fixedSize).toBe(24 + 4 + 12 + 16 + 16 + 8 + 12);
  });

  it('takes an OOL port array as a Uint32Array too (what mach_port_names returns), as the same descriptor and count', () => {
    const data = Uint8Array.of(9);
    const names = Uint32Array.of(0x603, 0x703);
    const fromTyped = schema.encode({ target: 0x503, data, n: 1, names }, { msgh_remote_port: 0x103 });
    const fromArray = schema.encode({ target: 0x503, data, n: 1, names: [0x603, 0x703] }, { msgh_remote_port: 0x103 });
    expect(fromTyped.descriptors).toEqual(fromArray.descriptors);
    expect(toHex(fromTyped.body!)).toBe(toHex(fromArray.body!));
    expect(Array.isArray((fromTyped.descriptors![2] as { names: unknown }).names)).toBe(true);
    expect(() => schema.encode({ target: 0x503, data, n: 1, names: Int32Array.of(1) as never }, { msgh_remote_port: 1 })).toThrow(TypeError);
  });

  it('decodes a delivered message (received dispositions) back to the value', () => {
    const value = { target: 0x503, data: Uint8Array.of(1, 2), n: 3, names: [4] };
    expect(schema.decode(asReceived(schema.encode(value, { msgh_remote_port: 1 })))).toEqual(value);
  });

  it('refuses malformed messages as a MIG server would', () => {
    const good = asReceived(schema.encode({ target: 5, data: new Uint8Array(2), n: 3, names: [4] }, { msgh_remote_port: 1 }));
    expect(kr(() => schema.decode({ ...good, header: { ...good.header, msgh_id: 2001 } }))).toBe(MIG_BAD_ID);
    expect(kr(() => schema.decode({ ...good, header: { ...good.header, msgh_bits: good.header.msgh_bits & 0xffff } }))).toBe(MIG_BAD_ARGUMENTS);
    expect(kr(() => schema.decode({ ...good, descriptors: good.descriptors.slice(1) }))).toBe(MIG_BAD_ARGUMENTS);
    expect(kr(() => schema.decode({ ...good, body: good.body.subarray(4) }))).toBe(MIG_BAD_ARGUMENTS);
    const swapped = [good.descriptors[1]!, good.descriptors[0]!, good.descriptors[2]!];
    expect(kr(() => schema.decode({ ...good, descriptors: swapped }))).toBe(MIG_TYPE_ERROR);
    const sendDisposition = [{ type: 0 as const, name: 5, disposition: MACH_MSG_TYPE_MAKE_SEND }, ...good.descriptors.slice(1)];
    expect(kr(() => schema.decode({ ...good, descriptors: sendDisposition }))).toBe(MIG_TYPE_ERROR);
    const body = good.body.slice();
    body[8] = 3; // dataCnt no longer matches the OOL descriptor's size
    expect(kr(() => schema.decode({ ...good, body }))).toBe(MIG_TYPE_ERROR);
  });

  it('keeps the disposition of a polymorphic port', () => {
    const poly = defineMessage({ id: 3, fields: { right: polyPort() } });
    const msg = poly.encode({ right: { name: 0x903, disposition: MACH_MSG_TYPE_MOVE_RECEIVE } }, { msgh_remote_port: 1 });
    expect(msg.descriptors).toEqual([{ type: 0, name: 0x903, disposition: MACH_MSG_TYPE_MOVE_RECEIVE }]);
    expect(poly.decode(asReceived(msg))).toEqual({ right: { name: 0x903, disposition: 16 } });
  });
});

describe('field kinds', () => {
  it('lays out structs as C under pack(4): host_basic_info is 48 bytes with max_mem at 40', () => {
    const host_basic_info = struct({
      max_cpus: int32,
      avail_cpus: int32,
      memory_size: uint32,
      cpu_type: int32,
      cpu_subtype: int32,
      cpu_threadtype: int32,
      physical_cpu: int32,
      physical_cpu_max: int32,
      logical_cpu: int32,
      logical_cpu_max: int32,
      max_mem: uint64,
    });
    expect(host_basic_info.size).toBe(48);
    const mixed = struct({ a: int8, b: int16, c: int8, d: int64, e: boolean });
    // a@0, b@2, c@4, d@8 (8-byte ints align on 4), e@16 → 20
    expect(mixed.size).toBe(20);
    const m = defineMessage({ id: 4, fields: { s: mixed } });
    const body = m.encodeBody({ s: { a: 1, b: 2, c: 3, d: 4n, e: true } });
    expect(toHex(body.subarray(8))).toBe(toHex(hex('01 00 02 00 | 03 00 00 00 | 04 00 00 00 00 00 00 00 | 01 00 00 00')));
  });

  it('packs fixed arrays with the element size as stride and pads the argument to 4', () => {
    const m = defineMessage({ id: 5, fields: { a: array(uint16, 3), b: int32 } });
    expect(toHex(m.encodeBody({ a: [1, 2, 3], b: 4 }).subarray(8))).toBe(toHex(hex('01 00 02 00 03 00 00 00 | 04 00 00 00')));
  });

  it('refuses variable data over its maximum with MIG_ARRAY_TOO_LARGE when encoding, MIG_BAD_ARGUMENTS when decoding', () => {
    const m = defineMessage({ id: 6, fields: { v: varArray(int32, 2), b: varBytes(3) } });
    expect(kr(() => m.encodeBody({ v: [1, 2, 3], b: new Uint8Array(0) }))).toBe(MIG_ARRAY_TOO_LARGE);
    expect(kr(() => m.encodeBody({ v: [], b: new Uint8Array(4) }))).toBe(MIG_ARRAY_TOO_LARGE);
    const body = m.encodeBody({ v: [1], b: new Uint8Array(0) });
    new DataView(body.buffer, body.byteOffset, body.byteLength).setUint32(8, 3, true);
    expect(kr(() => m.decode({ header: { msgh_bits: 0, msgh_id: 6 }, body }))).toBe(MIG_BAD_ARGUMENTS);
  });

  it('cuts strings as mig_strncpy does, at their first NUL and on a UTF-8 character boundary', () => {
    const m = defineMessage({ id: 7, fields: { s: cString(6), v: varString(4) } });
    const decode = (s: string, v: string) => m.decode({ header: { msgh_bits: 0, msgh_id: 7 }, body: m.encodeBody({ s, v }) });
    expect(decode('hello world', 'abcdef')).toEqual({ s: 'hello', v: 'abc' });
    expect(decode('ab\0cd', 'x\0y')).toEqual({ s: 'ab', v: 'x' });
    // 'é' is 2 bytes: 'aaaé' needs 5 bytes + NUL = 6; 'aaaaé' would split it.
    expect(decode('aaaé', '€')).toEqual({ s: 'aaaé', v: '€' });
    expect(decode('aaaaé', 'a€')).toEqual({ s: 'aaaa', v: 'a' });
  });

  it('requires a NUL inside a string field (MIG server check → MIG_BAD_ARGUMENTS)', () => {
    const m = defineMessage({ id: 8, fields: { s: cString(4) } });
    const body = m.encodeBody({ s: 'abc' });
    body[8 + 3] = 0x64;
    expect(kr(() => m.decode({ header: { msgh_bits: 0, msgh_id: 8 }, body }))).toBe(MIG_BAD_ARGUMENTS);
  });

  it('throws TypeError for values of the wrong JS type or shape', () => {
    const m = defineMessage({ id: 9, fields: { i: int32, u: uint64, b: bytes(2), a: array(int8, 2), p: port(MACH_MSG_TYPE_COPY_SEND) } });
    const good = { i: 1, u: 1n, b: new Uint8Array(2), a: [1, 2], p: 3 };
    const encode = (v: unknown) => () => m.encode(v as typeof good, { msgh_remote_port: 1 });
    expect(encode(good)).not.toThrow();
    expect(encode({ ...good, i: 2 ** 31 })).toThrow(TypeError);
    expect(encode({ ...good, i: 1.5 })).toThrow(TypeError);
    expect(encode({ ...good, u: 1 })).toThrow(TypeError);
    expect(encode({ ...good, b: new Uint8Array(3) })).toThrow(TypeError);
    expect(encode({ ...good, a: [1] })).toThrow(TypeError);
    expect(encode({ ...good, p: 'x' })).toThrow(TypeError);
    expect(() => port(15)).toThrow(TypeError);
    expect(() => struct({ p: port(19) } as never)).toThrow(TypeError);
    expect(() => varArray(varBytes(2) as never, 3)).toThrow(TypeError);
  });
});

describe('compiled schemas (fixed layouts of integers, booleans, cString and ports)', () => {
  const m = defineMessage({
    id: 4242,
    fields: { op: int32, flags: uint32, offset: int32, name: cString(128), port: port(MACH_MSG_TYPE_COPY_SEND) },
  });
  const value = { op: -7, flags: 0xfffffffe, offset: 1234567, name: 'com.example.service', port: 0x1503 };

  it('gives every message a body of its own, even when bodies share a slab', () => {
    const a = m.encode(value, { msgh_remote_port: 1 }).body!;
    const b = m.encode({ ...value, name: 'other' }, { msgh_remote_port: 1 }).body!;
    const before = toHex(b);
    a.fill(0xff);
    expect(toHex(b)).toBe(before);
    expect(a.byteLength).toBe(148);
    const received = asReceived(m.encode(value, { msgh_remote_port: 1 }));
    expect(m.decode(received)).toEqual(value);
  });

  it('decodes non-ASCII and invalid UTF-8 as the interpreted decoder does (TextDecoder, U+FFFD)', () => {
    const s = defineMessage({ id: 1, fields: { s: cString(8) } });
    const body = s.encodeBody({ s: 'é€' });
    expect(s.decode({ header: { msgh_bits: 0, msgh_id: 1 }, body })).toEqual({ s: 'é€' });
    body.set([0x61, 0xff, 0x62, 0], 8);
    expect(s.decode({ header: { msgh_bits: 0, msgh_id: 1 }, body })).toEqual({ s: 'a\ufffdb' });
  });

  it('reads ASCII names of every length (one-call, chunked and fallback paths) as the interpreted decoder does', () => {
    const spec = { id: 3, fields: { s: cString(128), n: int32 } };
    const compiled = defineMessage(spec);
    const interpreted = defineInterpretedMessage(spec);
    const header = { msgh_bits: 0, msgh_id: 3 };
    for (let len = 0; len <= 127; len++) {
      const s = Array.from({ length: len }, (_, i) => String.fromCharCode(0x21 + ((i * 7 + len) % 94))).join('');
      const body = compiled.encodeBody({ s, n: len });
      expect(compiled.decode({ header, body })).toEqual({ s, n: len });
      expect(interpreted.decode({ header, body })).toEqual({ s, n: len });
      if (len > 0) {
        // A byte over 0x7f anywhere in the text takes the UTF-8 path.
        const bad = body.slice();
        bad[8 + (len >> 1)] = 0xc3;
        expect(compiled.decode({ header, body: bad })).toEqual(interpreted.decode({ header, body: bad }));
      }
    }
    // No NUL inside the field: the same MIG_BAD_ARGUMENTS from both.
    const full = compiled.encodeBody({ s: '', n: 0 });
    full.fill(0x41, 8, 8 + 128);
    expect(() => compiled.decode({ header, body: full })).toThrow(/not NUL-terminated/);
    expect(() => interpreted.decode({ header, body: full })).toThrow(/not NUL-terminated/);
  });

  it('reads cString(n) fields around the unrolled length, full or not terminated, as the interpreted decoder does', () => {
    for (let n = 1; n <= 36; n++) {
      const spec = { id: 4, fields: { a: cString(n), b: int32 } };
      const compiled = defineMessage(spec);
      const interpreted = defineInterpretedMessage(spec);
      const header = { msgh_bits: 0, msgh_id: 4 };
      for (let len = 0; len < n; len++) {
        const body = compiled.encodeBody({ a: 'x'.repeat(len), b: -1 });
        expect(compiled.decode({ header, body })).toEqual({ a: 'x'.repeat(len), b: -1 });
        expect(interpreted.decode({ header, body })).toEqual({ a: 'x'.repeat(len), b: -1 });
      }
      // The field's bytes all set, the NUL only in the padding or the next field.
      const body = compiled.encodeBody({ a: '', b: 0 });
      body.fill(0x79, 8, 8 + n);
      const got = (s: typeof compiled) => {
        try {
          return s.decode({ header, body });
        } catch (e) {
          return (e as Error).message;
        }
      };
      expect(got(compiled)).toEqual(got(interpreted));
      expect(got(compiled)).toMatch(/not NUL-terminated/);
    }
  });

  it('keeps keys that are awkward in source code as they are', () => {
    const keys = ["it's", 'a"b', 'line\nbreak', '\u2028', '0', 'constructor', ''];
    const s = defineMessage({ id: 2, fields: Object.fromEntries(keys.map((k) => [k, int16])) });
    const v = Object.fromEntries(keys.map((k, i) => [k, 1 - i]));
    const got = s.decode({ header: { msgh_bits: 0, msgh_id: 2 }, body: s.encodeBody(v) });
    expect(got).toEqual(v);
    expect(Object.keys(got)).toEqual(Object.keys(v));
  });
});
