import { describe, expect, it } from 'vitest';
import {
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  MACH_MSGH_BITS_COMPLEX,
  MIG_REPLY_MISMATCH,
  MIG_SERVER_DIED,
  MIG_TYPE_ERROR,
} from '../../lib/constants.js';
import { MachError } from '../../lib/errors.js';
import {
  decodeMessage,
  defineRoutine,
  encodeMessage,
  int32,
  MIG_REPLY_ERROR_SIZE,
  ool,
  replyErrorMessage,
  struct,
  uint32,
  uint64,
  varArray,
} from '../../lib/message/index.js';
import type { ReceivedMessage } from '../../lib/types.js';
import { hex, toHex } from './hex.js';
import { kr } from './kr.js';

/** host_info as mach_host.defs declares it: routine 0 of subsystem 200. */
const host_info = defineRoutine({
  subsystem: 200,
  id: 0,
  name: 'host_info',
  request: { flavor: int32, host_info_outCnt: uint32 },
  reply: { host_info_out: varArray(int32, 68) },
});

describe('MIG host_info (reference §4.4)', () => {
  it('encodes the 40-byte request byte for byte', () => {
    const msg = host_info.encodeRequest({ flavor: 1, host_info_outCnt: 12 }, 0x103, 0x1407);
    const { bytes } = encodeMessage(msg);
    expect(toHex(bytes)).toBe(
      toHex(
        hex(`
          13 15 00 00  28 00 00 00  03 01 00 00  07 14 00 00  00 00 00 00  c8 00 00 00
          00 00 00 00 01 00 00 00
          01 00 00 00
          0c 00 00 00`),
      ),
    );
    expect(host_info.msgh_id).toBe(200);
    expect(host_info.reply_id).toBe(300);
  });

  it('decodes the 88-byte reply with its trailer', () => {
    const reply = hex(`
      00 12 00 00  58 00 00 00  00 00 00 00  07 14 00 00  00 00 00 00  2c 01 00 00
      00 00 00 00 01 00 00 00
      00 00 00 00
      0c 00 00 00
      0a 00 00 00  0a 00 00 00  00 00 00 80  0c 00 00 01  02 00 00 00  00 00 00 00
      0a 00 00 00  0a 00 00 00  0a 00 00 00  0a 00 00 00
      00 00 00 00 04 00 00 00
      00 00 00 00  08 00 00 00`);
    const received = decodeMessage(reply, 0);
    expect(received.size).toBe(88);
    const { host_info_out } = host_info.decodeReply(received);
    expect(host_info_out).toHaveLength(12);
    expect(host_info_out.slice(0, 4)).toEqual([10, 10, -0x80000000, 0x0100000c]);
    // The same words read as host_basic_info, as the caller of host_info casts them.
    const basic = struct({
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
    const body = received.body.subarray(16);
    const info = basic.read({ view: new DataView(body.buffer, body.byteOffset, body.byteLength), bytes: body, pos: 0, end: body.byteLength }, 'info');
    expect(info).toMatchObject({ memory_size: 0x80000000, cpu_type: 0x0100000c, cpu_subtype: 2, max_mem: 0x400000000n });
  });

  it('reads an error reply as MachError(RetCode)', () => {
    const error = decodeMessage(
      hex(`00 12 00 00  24 00 00 00  00 00 00 00  07 14 00 00  00 00 00 00  2c 01 00 00
           00 00 00 00 01 00 00 00  04 00 00 00  00 00 00 00 08 00 00 00`),
      0,
    );
    expect(kr(() => host_info.decodeReply(error))).toBe(KERN_INVALID_ARGUMENT);
  });
});

/** A received version of a reply message (names unchanged). */
function received(msg: { header: ReceivedMessage['header'] | object; descriptors?: unknown[]; body?: Uint8Array }): ReceivedMessage {
  const enc = encodeMessage(msg as never);
  const withTrailer = new Uint8Array(enc.size + 8);
  withTrailer.set(enc.bytes);
  withTrailer[enc.size + 4] = 8;
  return decodeMessage(withTrailer, 0);
}

describe('MIG client reply checks (migcom WriteCheckIdentity)', () => {
  const simple = defineRoutine({ subsystem: 500, id: 1, request: {}, reply: { x: int32 } });
  const complex = defineRoutine({ subsystem: 500, id: 2, request: {}, reply: { data: ool() } });
  const header = (id: number, bits = 0x12) => ({ msgh_bits: bits, msgh_remote_port: 0, msgh_local_port: 0x1407, msgh_id: id });

  it('reads id 71 (MACH_NOTIFY_SEND_ONCE) as MIG_SERVER_DIED and another id as MIG_REPLY_MISMATCH', () => {
    expect(kr(() => simple.decodeReply(received({ header: header(71) })))).toBe(MIG_SERVER_DIED);
    expect(kr(() => simple.decodeReply(received({ header: header(602) })))).toBe(MIG_REPLY_MISMATCH);
  });

  it('reads a 36-byte mig_reply_error_t as MachError(RetCode), for simple and complex replies', () => {
    const error = received(replyErrorMessage(0, 18, 501, KERN_FAILURE) as never);
    expect(error.size).toBe(MIG_REPLY_ERROR_SIZE);
    expect(kr(() => simple.decodeReply(error))).toBe(KERN_FAILURE);
    const complexError = received(replyErrorMessage(0, 18, 502, KERN_FAILURE) as never);
    expect(kr(() => complex.decodeReply(complexError))).toBe(KERN_FAILURE);
  });

  it('reads wrong sizes, COMPLEX bits and descriptors as MIG_TYPE_ERROR', () => {
    const ok = replyErrorMessage(0, 18, 501, 0);
    expect(kr(() => simple.decodeReply(received(ok as never)))).toBe(MIG_TYPE_ERROR);
    expect(kr(() => simple.decodeReply(received({ header: header(601, 0x80000012), descriptors: [], body: new Uint8Array(16) })))).toBe(MIG_TYPE_ERROR);
    expect(kr(() => complex.decodeReply(received({ header: header(602), body: new Uint8Array(12) })))).toBe(MIG_TYPE_ERROR);
    const wrongDescriptor = received({
      header: header(602, 0x80000012),
      descriptors: [{ type: 0, name: 5, disposition: 17 }],
      body: hex('00 00 00 00 01 00 00 00 00 00 00 00'),
    });
    expect(kr(() => complex.decodeReply(wrongDescriptor))).toBe(MIG_TYPE_ERROR);
  });

  it('reads a full-size reply with RetCode ≠ 0 as MachError(RetCode) and RetCode 0 as the value', () => {
    const body = hex('00 00 00 00 01 00 00 00 | 05 00 00 00 | 2a 00 00 00');
    expect(kr(() => simple.decodeReply(received({ header: header(601), body })))).toBe(KERN_FAILURE);
    body[8] = 0;
    expect(simple.decodeReply(received({ header: header(601), body }))).toEqual({ x: 42 });
  });

  it('writes a simple reply as NDR, RetCode 0, fields; a complex one without RetCode', () => {
    const reply = simple.encodeReply({ x: 7 }, { name: 0x1407, disposition: 18 });
    expect(reply.header).toMatchObject({ msgh_bits: 0x12, msgh_remote_port: 0x1407, msgh_id: 601 });
    expect(toHex(reply.body!)).toBe(toHex(hex('00 00 00 00 01 00 00 00 | 00 00 00 00 | 07 00 00 00')));
    const creply = complex.encodeReply({ data: Uint8Array.of(1) }, { name: 0x1407, disposition: 18 });
    expect(creply.header.msgh_bits).toBe((MACH_MSGH_BITS_COMPLEX | 0x12) >>> 0);
    expect(toHex(creply.body!)).toBe(toHex(hex('00 00 00 00 01 00 00 00 | 01 00 00 00')));
  });
});
