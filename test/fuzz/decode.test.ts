/**
 * Fuzz (a): hostile bytes into machport/message's decoders, and decoded send buffers
 * into the emulated kernel.
 * - the codec's never-crash properties (test/message/arbitraries.ts): random and mutated
 *   send buffers into decodeSendBuffer, received buffers into decodeMessage, mutated
 *   bodies into schema decoders — the outcome is a value or a MachError, nothing else;
 * - structured hostile buffers: a plausible header with lying sizes, descriptor counts
 *   and descriptors of every type byte, truncated or padded — both decoders again, plus
 *   sanity of what they return (no descriptor or body larger than the buffer, OOL reads
 *   only through the resolver and only for what the buffer claims);
 * - mutated encodings of random messages built from a live world's names, decoded with
 *   decodeSendBuffer and sent with mach_msg: then the usual world checks (invariants,
 *   teardown leaves nothing).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { MachError } from '../../lib/errors.js';
import { decodeMessage, decodeSendBuffer, encodeMessage, type OolResolver } from '../../lib/message/index.js';
import type { MachMessage, MachMsgDescriptor } from '../../lib/types.js';
import { mutate, mutationArb, receiveBufferNeverCrashes, schemaDecodeNeverCrashes, sendBufferNeverCrashes } from '../message/arbitraries.js';
import { fuzz, timeoutFor } from './config.js';
import { C, msgSpecArb, optionArb, orderArb, pickArb, buildMessage, tick, u32Arb, withWorld } from './world.js';

// ---------------------------------------------------------------------------
// Structured hostile buffers

interface RawDesc {
  type: number;
  words: [number, number, number, number];
}

const rawDescArb: fc.Arbitrary<RawDesc> = fc.record({
  type: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: fc.integer({ min: 5, max: 255 }) }),
  words: fc.tuple(
    fc.oneof(fc.constant(0), fc.constant(0x103), u32Arb),
    fc.oneof(fc.constant(0), fc.constant(1), u32Arb),
    fc.oneof(fc.integer({ min: 0, max: 0xffffff }), fc.constantFrom(0x10_0000, 0x11_0000, 0x01_0100, 0x00_0001)),
    fc.oneof(fc.integer({ min: 0, max: 64 }), fc.constantFrom(0xffffffff, 0x7fffffff, 16384, 16383), u32Arb),
  ),
});

const structuredArb = fc
  .record({
    complex: fc.boolean(),
    bits: u32Arb,
    sizeField: fc.oneof(fc.constant(-1), u32Arb),
    remote: u32Arb,
    local: u32Arb,
    id: u32Arb,
    count: fc.oneof({ weight: 6, arbitrary: fc.constant(-1) }, { weight: 2, arbitrary: fc.nat(12) }, { weight: 1, arbitrary: u32Arb }),
    descs: fc.array(rawDescArb, { maxLength: 8 }),
    body: fc.uint8Array({ maxLength: 40 }),
    cut: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: -24, max: 24 }) }),
    sendDelta: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -16, max: 16 }) }, { weight: 1, arbitrary: u32Arb }),
    option: fc.integer({ min: 0, max: 15 }).map((e) => C.MACH_RCV_TRAILER_ELEMENTS(e)),
  })
  .map((r) => {
    const descBytes = r.complex ? 4 + r.descs.reduce((s, d) => s + (d.type === 0 ? 12 : 16), 0) : 0;
    const full = 24 + descBytes + r.body.byteLength;
    const bytes = new Uint8Array(Math.max(0, full + r.cut));
    const view = new DataView(new ArrayBuffer(full + 68));
    const bits = r.complex ? (r.bits | C.MACH_MSGH_BITS_COMPLEX) >>> 0 : (r.bits & ~C.MACH_MSGH_BITS_COMPLEX) >>> 0;
    view.setUint32(0, bits, true);
    view.setUint32(4, r.sizeField === -1 ? full : r.sizeField, true);
    view.setUint32(8, r.remote, true);
    view.setUint32(12, r.local, true);
    view.setUint32(20, r.id, true);
    let pos = 24;
    if (r.complex) {
      view.setUint32(pos, r.count === -1 ? r.descs.length : r.count, true);
      pos += 4;
      for (const d of r.descs) {
        const size = d.type === 0 ? 12 : 16;
        view.setUint32(pos, d.words[0], true);
        view.setUint32(pos + 4, d.words[1], true);
        view.setUint32(pos + 8, (d.words[2] & 0xffffff) | (d.type << 24), true);
        if (size === 16) view.setUint32(pos + 12, d.words[3], true);
        pos += size;
      }
    }
    new Uint8Array(view.buffer).set(r.body, pos);
    bytes.set(new Uint8Array(view.buffer).subarray(0, bytes.byteLength));
    const sendSize = r.sendDelta > 0xffff ? r.sendDelta : Math.max(0, bytes.byteLength + r.sendDelta);
    return { bytes, sendSize, option: r.option };
  });

/** A resolver that answers with zeros (bounded) and records what it was asked. */
function recordingResolver(asked: Array<{ kind: string; n: number }>): OolResolver {
  return {
    ool(_address, size) {
      asked.push({ kind: 'ool', n: size });
      return new Uint8Array(Math.min(size, 64));
    },
    oolPorts(_address, count) {
      asked.push({ kind: 'ports', n: count });
      return new Array<number>(Math.min(count, 64)).fill(0);
    },
  };
}

function onlyMachError(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (e) {
    if (e instanceof MachError) return undefined;
    throw e;
  }
}

const structured = fc.property(structuredArb, fc.boolean(), ({ bytes, sendSize, option }, withResolver) => {
  const sent = onlyMachError(() => decodeSendBuffer(bytes, sendSize)) as MachMessage | undefined;
  if (sent !== undefined) {
    if (sent.header.msgh_size !== sendSize) throw new Error(`decodeSendBuffer reports msgh_size ${sent.header.msgh_size} for send size ${sendSize}`);
    if ((sent.header.msgh_bits & ~C.MACH_MSGH_BITS_USER) !== 0) throw new Error('decodeSendBuffer kept bits outside MACH_MSGH_BITS_USER');
    const n = sent.descriptors?.length ?? 0;
    if (n > Math.floor((sendSize - 28) / 12) && n > 0) throw new Error(`${n} descriptors from ${sendSize} bytes`);
    if ((sent.body?.byteLength ?? 0) > sendSize - 24) throw new Error('a body larger than the buffer');
  }
  const asked: Array<{ kind: string; n: number }> = [];
  const received = onlyMachError(() => decodeMessage(bytes, option, withResolver ? recordingResolver(asked) : undefined)) as
    | { descriptors: MachMsgDescriptor[]; body: Uint8Array; size: number }
    | undefined;
  if (received !== undefined) {
    if (received.body.byteLength > bytes.byteLength) throw new Error('decodeMessage returned a body larger than the buffer');
    if (received.descriptors.length * 12 > bytes.byteLength) throw new Error(`decodeMessage returned ${received.descriptors.length} descriptors from ${bytes.byteLength} bytes`);
    if (!withResolver && asked.length > 0) throw new Error('OOL memory read without a resolver');
    const claimed = received.descriptors.filter((d) => d.type === 1 || d.type === 2 || d.type === 3).length;
    if (asked.length > claimed) throw new Error(`the resolver was asked ${asked.length} times for ${claimed} OOL descriptors`);
  }
  return true;
});

// ---------------------------------------------------------------------------
// Decoded buffers into the kernel

const intoKernel = fc.asyncProperty(
  fc.array(
    fc.record({ task: fc.nat(2), spec: msgSpecArb, mutation: fc.option(mutationArb, { freq: 2 }), sizeDelta: fc.oneof(fc.constant(0), fc.integer({ min: -8, max: 8 })), option: optionArb, rcv: pickArb, ports: fc.array(pickArb, { maxLength: 6 }) }),
    { minLength: 1, maxLength: 5 },
  ),
  orderArb,
  async (steps, order) => {
    await withWorld(async (w) => {
      for (const [n, s] of steps.entries()) {
        const t = w.tasks[s.task]!;
        let encoded: Uint8Array;
        try {
          encoded = encodeMessage(buildMessage(w, t, s.spec)).bytes;
        } catch (e) {
          if (e instanceof TypeError || e instanceof MachError) continue;
          throw e;
        }
        const bytes = s.mutation === null ? encoded : mutate(encoded, s.mutation);
        const msg = onlyMachError(() => decodeSendBuffer(bytes, Math.max(0, bytes.byteLength + s.sizeDelta))) as MachMessage | undefined;
        if (msg === undefined) continue;
        // The kernel would read OOL memory from the sender's address space: give it some.
        for (const d of msg.descriptors ?? []) {
          if (d.type === 1 || d.type === 3) d.data = new Uint8Array(Math.min(d.size ?? 0, 256));
          else if (d.type === 2) d.names = s.ports.slice(0, Math.min(d.count ?? 0, 6)).map((p) => w.pick(t, p));
        }
        const option = (s.option | C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT) >>> 0;
        w.outcomes.track(`step ${n} decoded send by ${t.name}`, t.mach_msg(msg, option, w.pick(t, s.rcv), 0, 4096));
        await tick();
        w.outcomes.check();
        w.k.checkInvariants();
      }
    }, order);
  },
);

describe('fuzz: bytes into the decoders and the kernel', () => {
  it('decodeSendBuffer: random and mutated send buffers → value or MachError', async () => {
    await fuzz('decode.sendBuffer', sendBufferNeverCrashes as unknown as fc.IProperty<[unknown]>);
  }, timeoutFor());

  it('decodeMessage: random and mutated received buffers → value or MachError', async () => {
    await fuzz('decode.receiveBuffer', receiveBufferNeverCrashes as unknown as fc.IProperty<[unknown]>);
  }, timeoutFor());

  it('schema decoders: mutated bodies and descriptor lists → value or MachError', async () => {
    await fuzz('decode.schema', schemaDecodeNeverCrashes as unknown as fc.IProperty<[unknown]>);
  }, timeoutFor());

  it('structured hostile buffers: lying sizes and counts, every descriptor type byte', async () => {
    await fuzz('decode.structured', structured);
  }, timeoutFor());

  it('mutated encodings of live messages, decoded and sent with mach_msg', async () => {
    await fuzz('decode.intoKernel', intoKernel);
  }, timeoutFor());
});
