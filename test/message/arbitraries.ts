/**
 * Arbitraries and codec properties for machport/message, shared by the unit tests
 * (a short run) and the long fuzz mode (`npm run fuzz -- --runs N`), which asserts the
 * same properties with a larger run count through {@link assertCodecProperties}.
 * Properties check with node:assert so they run outside vitest too.
 */
import { deepStrictEqual, strictEqual } from 'node:assert';
import fc from 'fast-check';
import {
  MACH_MSG_GUARDED_PORT_DESCRIPTOR,
  MACH_MSG_OOL_DESCRIPTOR,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_OOL_VOLATILE_DESCRIPTOR,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSGH_BITS_COMPLEX,
  MACH_MSGH_BITS_USER,
  MACH_RCV_TRAILER_ELEMENTS,
  REQUESTED_TRAILER_SIZE,
} from '../../lib/constants.js';
import { MachError } from '../../lib/errors.js';
import {
  array,
  asReceived,
  boolean,
  bytes,
  cString,
  decodeMessage,
  decodeSendBuffer,
  defineMessage,
  encodeMessage,
  encodeTrailer,
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
  uint8,
  varArray,
  varBytes,
  varString,
  type EncodedMessage,
  type Field,
  type Fields,
  type FixedInlineField,
  type MessageHeaderInit,
  type MessageSchema,
  type OolResolver,
  type TrailerSize,
} from '../../lib/message/index.js';
import { defineInterpretedMessage } from '../../lib/message/schema.js';
import type { MachMessage, MachMsgDescriptor, MachMsgTrailer, ReceivedMessage } from '../../lib/types.js';

// ---------------------------------------------------------------------------
// Raw messages

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const byte = fc.integer({ min: 0, max: 0xff });
const int32Arb = fc.integer({ min: -0x80000000, max: 0x7fffffff });

/** Any descriptor the encoder can lay out (values need not be valid for the kernel). */
export const descriptorArb: fc.Arbitrary<MachMsgDescriptor> = fc.oneof(
  fc.record({ type: fc.constant(MACH_MSG_PORT_DESCRIPTOR as 0), name: u32, disposition: byte }),
  fc
    .record({
      type: fc.constantFrom(MACH_MSG_OOL_DESCRIPTOR as 1, MACH_MSG_OOL_VOLATILE_DESCRIPTOR as 3),
      data: fc.uint8Array({ maxLength: 24 }),
      deallocate: fc.boolean(),
      copy: byte,
      trim: fc.nat(24),
    })
    .map(({ trim, ...d }) => ({ ...d, size: Math.max(0, d.data.byteLength - trim) })),
  fc.record({
    type: fc.constant(MACH_MSG_OOL_PORTS_DESCRIPTOR as 2),
    names: fc.array(u32, { maxLength: 6 }),
    disposition: byte,
    deallocate: fc.boolean(),
    copy: byte,
  }),
  fc.record({
    type: fc.constant(MACH_MSG_GUARDED_PORT_DESCRIPTOR as 4),
    name: u32,
    disposition: byte,
    context: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    flags: fc.integer({ min: 0, max: 0xffff }),
  }),
);

/** A MachMessage whose COMPLEX bit agrees with the presence of descriptors and whose body is a multiple of 4. */
export const machMessageArb: fc.Arbitrary<MachMessage> = fc
  .record({
    bits: u32,
    remote: u32,
    local: u32,
    voucher: u32,
    id: int32Arb,
    descriptors: fc.option(fc.array(descriptorArb, { maxLength: 6 }), { nil: undefined }),
    words: fc.nat(12),
    fill: fc.uint8Array({ minLength: 48, maxLength: 48 }),
  })
  .map(({ bits, remote, local, voucher, id, descriptors, words, fill }) => {
    const msg: MachMessage = {
      header: {
        msgh_bits: (descriptors ? bits | MACH_MSGH_BITS_COMPLEX : bits & ~MACH_MSGH_BITS_COMPLEX) >>> 0,
        msgh_remote_port: remote,
        msgh_local_port: local,
        msgh_voucher_port: voucher,
        msgh_id: id,
      },
      body: fill.slice(0, 4 * words),
    };
    if (descriptors) msg.descriptors = descriptors;
    return msg;
  });

export const trailerArb: fc.Arbitrary<MachMsgTrailer> = fc.record({
  msgh_trailer_type: fc.constant(0),
  msgh_trailer_size: fc.constant(0),
  seqno: u32,
  sender: fc.record({ uid: u32, gid: u32 }),
  audit: fc.record({ auid: u32, euid: u32, egid: u32, ruid: u32, rgid: u32, pid: u32, asid: u32, pidversion: u32 }),
  context: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
});

/** The received-buffer form of an encoded message: real-looking OOL addresses patched in, a trailer appended, and a resolver for them. */
export function asReceiveBuffer(encoded: EncodedMessage, trailer: MachMsgTrailer, trailerSize: TrailerSize): { bytes: Uint8Array; resolve: OolResolver } {
  const bytes = new Uint8Array(encoded.size + trailerSize);
  bytes.set(encoded.bytes);
  const view = new DataView(bytes.buffer);
  const memory = new Map<bigint, Uint8Array | number[]>();
  let next = 0x1_0000_0000n;
  for (const { descriptorOffset, data } of encoded.ool) {
    view.setBigUint64(descriptorOffset, next, true);
    memory.set(next, data.slice());
    next += 0x1000n;
  }
  for (const { descriptorOffset, names } of encoded.oolPorts) {
    view.setBigUint64(descriptorOffset, next, true);
    memory.set(next, Array.from(names));
    next += 0x1000n;
  }
  encodeTrailer(trailer, trailerSize, bytes, encoded.size);
  const resolve: OolResolver = {
    ool(address, size) {
      const data = memory.get(address);
      if (!(data instanceof Uint8Array) || data.byteLength !== size) throw new Error(`no OOL region of ${size} bytes at ${address}`);
      return data;
    },
    oolPorts(address, count) {
      const names = memory.get(address);
      if (!Array.isArray(names) || names.length !== count) throw new Error(`no OOL-ports array of ${count} at ${address}`);
      return names;
    },
  };
  return { bytes, resolve };
}

/** What decodeMessage should return for a descriptor of `msg` (address as patched by asReceiveBuffer, or 0n). */
function expectedDescriptor(d: MachMsgDescriptor, address: bigint | undefined): MachMsgDescriptor {
  switch (d.type) {
    case MACH_MSG_PORT_DESCRIPTOR:
      return { type: d.type, name: d.name, disposition: d.disposition };
    case MACH_MSG_OOL_PORTS_DESCRIPTOR:
      return { type: d.type, names: [...d.names], disposition: d.disposition, deallocate: d.deallocate === true, copy: d.copy ?? 0, address: address ?? 0n, count: d.names.length };
    case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
      return { type: d.type, name: d.name, disposition: d.disposition, context: BigInt.asUintN(64, d.context), flags: d.flags };
    default: {
      const size = d.size ?? d.data.byteLength;
      return { type: d.type, data: d.data.slice(0, size), deallocate: d.deallocate === true, copy: d.copy ?? 1, size, address: address ?? 0n };
    }
  }
}

// ---------------------------------------------------------------------------
// Random schemas

/** A field described as data, so a schema and an arbitrary for its values can both be built from it. */
export type FieldSpec =
  | { kind: 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'boolean' }
  | { kind: 'bytes'; n: number }
  | { kind: 'cString'; n: number }
  | { kind: 'array'; element: FieldSpec; n: number }
  | { kind: 'struct'; members: FieldSpec[] }
  | { kind: 'varBytes'; max: number }
  | { kind: 'varString'; max: number }
  | { kind: 'varArray'; element: FieldSpec; max: number }
  | { kind: 'port'; disposition: number }
  | { kind: 'polyPort' }
  | { kind: 'ool'; max: number | undefined }
  | { kind: 'oolPorts'; disposition: number; max: number | undefined };

const scalarKinds = ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'boolean'] as const;
export const sendDisposition = fc.integer({ min: 16, max: 21 });

export const fixedSpecArb: fc.Arbitrary<FieldSpec> = fc.letrec<{ fixed: FieldSpec }>((tie) => ({
  fixed: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...scalarKinds).map((kind) => ({ kind })),
    fc.integer({ min: 0, max: 9 }).map((n) => ({ kind: 'bytes' as const, n })),
    fc.integer({ min: 1, max: 12 }).map((n) => ({ kind: 'cString' as const, n })),
    fc.record({ kind: fc.constant('array' as const), element: tie('fixed'), n: fc.integer({ min: 0, max: 4 }) }),
    fc.record({ kind: fc.constant('struct' as const), members: fc.array(tie('fixed'), { minLength: 1, maxLength: 4 }) }),
  ),
})).fixed;

/** A top-level field: any fixed kind, a variable inline kind, or a descriptor kind. */
export const topSpecArb: fc.Arbitrary<FieldSpec> = fc.oneof(
  { weight: 4, arbitrary: fixedSpecArb },
  fc.integer({ min: 0, max: 16 }).map((max) => ({ kind: 'varBytes' as const, max })),
  fc.integer({ min: 1, max: 16 }).map((max) => ({ kind: 'varString' as const, max })),
  fc.record({ kind: fc.constant('varArray' as const), element: fixedSpecArb, max: fc.integer({ min: 0, max: 5 }) }),
  sendDisposition.map((disposition) => ({ kind: 'port' as const, disposition })),
  fc.constant({ kind: 'polyPort' as const }),
  fc.option(fc.integer({ min: 0, max: 32 }), { nil: undefined }).map((max) => ({ kind: 'ool' as const, max })),
  fc.record({ kind: fc.constant('oolPorts' as const), disposition: sendDisposition, max: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }) }),
);

const scalarFields = { int8, uint8, int16, uint16, int32, uint32, int64, uint64, boolean } as const;

/** The schema field a spec describes. */
export function buildField(spec: FieldSpec): Field {
  switch (spec.kind) {
    case 'bytes':
      return bytes(spec.n);
    case 'cString':
      return cString(spec.n);
    case 'array':
      return array(buildField(spec.element) as FixedInlineField, spec.n);
    case 'struct':
      return struct(Object.fromEntries(spec.members.map((m, i) => [`m${i}`, buildField(m) as FixedInlineField])));
    case 'varBytes':
      return varBytes(spec.max);
    case 'varString':
      return varString(spec.max);
    case 'varArray':
      return varArray(buildField(spec.element) as FixedInlineField, spec.max);
    case 'port':
      return port(spec.disposition);
    case 'polyPort':
      return polyPort();
    case 'ool':
      return ool(spec.max === undefined ? {} : { max: spec.max });
    case 'oolPorts':
      return oolPorts(spec.disposition, spec.max === undefined ? {} : { max: spec.max });
    default:
      return scalarFields[spec.kind];
  }
}

const encoder = new TextEncoder();
/** Strings without NUL whose UTF-8 form takes at most `limit` bytes (they round-trip exactly). */
function stringArb(limit: number): fc.Arbitrary<string> {
  return fc
    .string({ unit: fc.oneof(fc.constantFrom('a', 'Z', '/', '.'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: limit })
    .filter((s) => !s.includes('\0') && encoder.encode(s).byteLength <= limit);
}

/** Values a spec's field accepts (and decodes back to themselves). */
export function valueArb(spec: FieldSpec): fc.Arbitrary<unknown> {
  switch (spec.kind) {
    case 'int8':
      return fc.integer({ min: -0x80, max: 0x7f });
    case 'uint8':
      return fc.integer({ min: 0, max: 0xff });
    case 'int16':
      return fc.integer({ min: -0x8000, max: 0x7fff });
    case 'uint16':
      return fc.integer({ min: 0, max: 0xffff });
    case 'int32':
      return int32Arb;
    case 'uint32':
      return u32;
    case 'int64':
      return fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
    case 'uint64':
      return fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    case 'boolean':
      return fc.boolean();
    case 'bytes':
      return fc.uint8Array({ minLength: spec.n, maxLength: spec.n });
    case 'cString':
      return stringArb(spec.n - 1);
    case 'array':
      return fc.array(valueArb(spec.element), { minLength: spec.n, maxLength: spec.n });
    case 'struct':
      return fc.record(Object.fromEntries(spec.members.map((m, i) => [`m${i}`, valueArb(m)])), { noNullPrototype: true });
    case 'varBytes':
      return fc.uint8Array({ maxLength: spec.max });
    case 'varString':
      return stringArb(spec.max - 1);
    case 'varArray':
      return fc.array(valueArb(spec.element), { maxLength: spec.max });
    case 'port':
      return u32;
    case 'polyPort':
      // Dispositions that survive delivery unchanged (MOVE_* equal their PORT_* types).
      return fc.record({ name: u32, disposition: fc.constantFrom(16, 17, 18) }, { noNullPrototype: true });
    case 'ool':
      return fc.uint8Array({ maxLength: spec.max ?? 32 });
    case 'oolPorts':
      return fc.array(u32, { maxLength: spec.max ?? 8 });
  }
}

/** A random schema with a value for it. */
export const schemaAndValueArb: fc.Arbitrary<{ schema: MessageSchema<Fields>; value: Record<string, unknown> }> = fc
  .record({ id: int32Arb, specs: fc.array(topSpecArb, { maxLength: 7 }) })
  .chain(({ id, specs }) => {
    const fields = Object.fromEntries(specs.map((s, i) => [`f${i}`, buildField(s)]));
    const schema = defineMessage({ id, fields });
    return fc
      .record(Object.fromEntries(specs.map((s, i) => [`f${i}`, valueArb(s)])), { noNullPrototype: true })
      .map((value) => ({ schema, value }));
  });

// ---------------------------------------------------------------------------
// Mutations

/** Overwrites at random positions, and possibly a truncation or an extension. */
export const mutationArb = fc.record({
  writes: fc.array(fc.record({ at: fc.nat(), value: byte }), { maxLength: 6 }),
  resize: fc.oneof(fc.constant(0), fc.integer({ min: -16, max: 16 })),
});

export function mutate(bytes: Uint8Array, m: { writes: Array<{ at: number; value: number }>; resize: number }): Uint8Array {
  const out = new Uint8Array(Math.max(0, bytes.byteLength + m.resize));
  out.set(bytes.subarray(0, out.byteLength));
  for (const w of m.writes) if (out.byteLength > 0) out[w.at % out.byteLength] = w.value;
  return out;
}

/** Runs `fn`; a MachError is an accepted outcome, anything else thrown fails the property. */
function onlyMachError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof MachError)) throw e;
  }
}

/** A resolver that answers every request with zeros, bounded so hostile sizes cannot exhaust memory. */
const boundedResolver: OolResolver = {
  ool: (_address, size) => new Uint8Array(Math.min(size, 64)),
  oolPorts: (_address, count) => new Array<number>(Math.min(count, 64)).fill(0),
};

const trailerOption = fc.integer({ min: 0, max: 15 }).map((e) => MACH_RCV_TRAILER_ELEMENTS(e));

// ---------------------------------------------------------------------------
// Properties

/** encodeMessage then decodeMessage (and decodeSendBuffer) give back the message. */
export const wireRoundTrip = fc.property(machMessageArb, trailerArb, trailerOption, (msg, trailer, option) => {
  const encoded = encodeMessage(msg);
  strictEqual(encoded.bytes.byteLength, encoded.size);
  const trailerSize = REQUESTED_TRAILER_SIZE(option) as TrailerSize;
  const { bytes, resolve } = asReceiveBuffer(encoded, trailer, trailerSize);
  const received = decodeMessage(bytes, option, resolve);
  const addresses: Array<bigint | undefined> = [];
  let next = 0x1_0000_0000n;
  const oolAddress = new Map<number, bigint>();
  for (const r of [...encoded.ool, ...encoded.oolPorts]) {
    oolAddress.set(r.descriptorOffset, next);
    next += 0x1000n;
  }
  let offset = 28;
  for (const d of msg.descriptors ?? []) {
    addresses.push(oolAddress.get(offset));
    offset += d.type === MACH_MSG_PORT_DESCRIPTOR ? 12 : 16;
  }
  const descriptors = (msg.descriptors ?? []).map((d, i) => expectedDescriptor(d, addresses[i]));
  const header = {
    msgh_bits: msg.header.msgh_bits >>> 0,
    msgh_size: encoded.size,
    msgh_remote_port: msg.header.msgh_remote_port,
    msgh_local_port: msg.header.msgh_local_port ?? 0,
    msgh_voucher_port: msg.header.msgh_voucher_port ?? 0,
    msgh_id: msg.header.msgh_id | 0,
  };
  deepStrictEqual(received.header, header);
  deepStrictEqual(received.descriptors, descriptors);
  deepStrictEqual(received.body, msg.body ?? new Uint8Array(0));
  strictEqual(received.trailer.msgh_trailer_size, trailerSize);
  if (trailerSize >= 12) strictEqual(received.trailer.seqno, trailer.seqno);

  // The kernel's copy-in view of the same bytes: bits reduced to the user mask, no OOL
  // data. Random descriptors may carry options the kernel refuses (MachError).
  let sent: MachMessage | undefined;
  onlyMachError(() => (sent = decodeSendBuffer(encoded.bytes, encoded.size)));
  if (sent !== undefined) {
    deepStrictEqual(sent.header, { ...header, msgh_bits: (header.msgh_bits & MACH_MSGH_BITS_USER) >>> 0 });
    strictEqual(sent.descriptors?.length, msg.descriptors?.length);
    deepStrictEqual(sent.body, received.body);
  }
});

/** schema.encode, delivery and schema.decode give back the value, through the wire codec too. */
export const schemaRoundTrip = fc.property(schemaAndValueArb, u32, u32, ({ schema, value }, remote, local) => {
  const msg = schema.encode(value, { msgh_remote_port: remote, msgh_local_port: local });
  deepStrictEqual(schema.decode(asReceived(msg)), value);
  const delivered = asReceived(msg);
  const encoded = encodeMessage(delivered);
  const size = encoded.size;
  if (schema.fixedSize !== undefined) strictEqual(size, schema.fixedSize);
  strictEqual(size >= schema.minSize && size <= schema.maxSize, true);
  const { bytes, resolve } = asReceiveBuffer(encoded, delivered.trailer, 8);
  const received: ReceivedMessage = decodeMessage(bytes, 0, resolve);
  deepStrictEqual(schema.decode(received), value);
});

/** decodeSendBuffer on random and mutated bytes returns or throws MachError, nothing else. */
export const sendBufferNeverCrashes = fc.property(
  fc.oneof(
    fc.uint8Array({ maxLength: 160 }).map((bytes) => ({ bytes, sendSize: bytes.byteLength })),
    fc.record({ bytes: fc.uint8Array({ maxLength: 160 }), sendSize: fc.oneof(fc.nat(200), u32) }),
    fc.tuple(machMessageArb, mutationArb, fc.integer({ min: -8, max: 8 })).map(([msg, m, delta]) => {
      const bytes = mutate(encodeMessage(msg).bytes, m);
      return { bytes, sendSize: Math.max(0, bytes.byteLength + delta) };
    }),
  ),
  ({ bytes, sendSize }) => onlyMachError(() => decodeSendBuffer(bytes, sendSize)),
);

/** decodeMessage on random and mutated bytes returns or throws MachError, nothing else. */
export const receiveBufferNeverCrashes = fc.property(
  fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.tuple(machMessageArb, trailerArb, mutationArb).map(([msg, trailer, m]) => {
      const { bytes } = asReceiveBuffer(encodeMessage(msg), trailer, 68);
      return mutate(bytes, m);
    }),
  ),
  trailerOption,
  fc.boolean(),
  (bytes, option, withResolver) => onlyMachError(() => decodeMessage(bytes, option, withResolver ? boundedResolver : undefined)),
);

/** schema.decode of mutated messages returns or throws MachError, nothing else. */
export const schemaDecodeNeverCrashes = fc.property(
  schemaAndValueArb,
  mutationArb,
  fc.nat(8),
  fc.boolean(),
  ({ schema, value }, m, dropDescriptor, flipComplex) => {
    const received = asReceived(schema.encode(value, { msgh_remote_port: 1, msgh_local_port: 2 }));
    const descriptors = received.descriptors.filter((_, i) => i !== dropDescriptor || flipComplex);
    const bits = flipComplex ? (received.header.msgh_bits ^ MACH_MSGH_BITS_COMPLEX) >>> 0 : received.header.msgh_bits;
    onlyMachError(() => schema.decode({ header: { ...received.header, msgh_bits: bits }, descriptors, body: mutate(received.body, m) }));
  },
);

/** A field spec of a kind the schema compiler lays out itself (scalars, cString(n), port(d)). */
export const compiledSpecArb: fc.Arbitrary<FieldSpec> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...scalarKinds).map((kind) => ({ kind })) },
  { weight: 2, arbitrary: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant(128)).map((n) => ({ kind: 'cString' as const, n })) },
  { weight: 1, arbitrary: sendDisposition.map((disposition) => ({ kind: 'port' as const, disposition })) },
);

/** Keys, some of which are awkward inside generated source. */
export const keyArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'name', 'port', 'x1', '0', '7', 'constructor', 'toString', "it's", 'a"b', 'a\\b', 'line\nbreak', '\u2028', 'é', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);

/** A value for `spec`, or now and then one of the wrong type or range. */
export function maybeBadValueArb(spec: FieldSpec): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 8, arbitrary: valueArb(spec) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, -1, 0.5, 2 ** 32, -(2 ** 31) - 1, 2 ** 31, NaN, '1', 1n, -1n, 2n ** 64n, true, {}, 'x\0y', 'ü'.repeat(70)) },
  );
}

/** The outcome of `fn`: its result, or the error it threw as [class, message, kr]. */
export function outcome(fn: () => unknown): { value?: unknown; error?: [string, string, number | undefined] } {
  try {
    return { value: fn() };
  } catch (e) {
    const err = e as Error & { kr?: number };
    return { error: [err.constructor.name, err.message, err.kr] };
  }
}

/**
 * The compiled encoder and decoder (defineMessage) give the same bytes, values and
 * errors as the interpreted ones (defineInterpretedMessage), for valid and invalid
 * values and for mutated messages.
 */
export const compiledMatchesInterpreted = fc.property(
  fc
    .record({
      id: int32Arb,
      ndr: fc.option(fc.boolean(), { nil: undefined }),
      fields: fc.uniqueArray(fc.tuple(keyArb, compiledSpecArb), { maxLength: 7, selector: ([k]) => k }),
    })
    .chain(({ id, ndr, fields }) =>
      fc.record({
        id: fc.constant(id),
        ndr: fc.constant(ndr),
        fields: fc.constant(fields),
        value: fc.tuple(...fields.map(([, spec]) => maybeBadValueArb(spec))),
        header: fc.record({ msgh_remote_port: fc.oneof(u32, fc.constant(-1), fc.constant(2 ** 33)), msgh_local_port: fc.option(u32, { nil: undefined }), msgh_bits: fc.option(u32, { nil: undefined }) }, { requiredKeys: ['msgh_remote_port'] }),
        mutation: mutationArb,
        dropDescriptor: fc.nat(8),
        flipComplex: fc.boolean(),
        descriptorPatch: fc.option(fc.record({ at: fc.nat(8), type: fc.nat(4), disposition: fc.integer({ min: 16, max: 21 }) }), { nil: undefined }),
        otherId: fc.boolean(),
      }),
    ),
  ({ id, ndr, fields, value: values, header, mutation, dropDescriptor, flipComplex, descriptorPatch, otherId }) => {
    const spec = { id, ndr, fields: Object.fromEntries(fields.map(([k, s]) => [k, buildField(s)])) };
    const compiled = defineMessage(spec);
    const interpreted = defineInterpretedMessage(spec);
    const value = Object.fromEntries(fields.map(([k], i) => [k, values[i]]));

    const encoded = outcome(() => compiled.encode(value, header as MessageHeaderInit));
    deepStrictEqual(encoded, outcome(() => interpreted.encode(value, header as MessageHeaderInit)));
    const garbage = () => new Uint8Array(compiled.maxSize).fill(0xa5);
    deepStrictEqual(outcome(() => compiled.encodeBody(value, garbage())), outcome(() => interpreted.encodeBody(value, garbage())));
    if (encoded.value === undefined) return;

    const received = asReceived(encoded.value as MachMessage);
    deepStrictEqual(outcome(() => compiled.decode(received)), outcome(() => interpreted.decode(received)));
    const descriptors = received.descriptors.filter((_, i) => i !== dropDescriptor || flipComplex).map((d) => ({ ...d }));
    if (descriptorPatch !== undefined && descriptors.length > 0) {
      const d = descriptors[descriptorPatch.at % descriptors.length] as { type: number; disposition?: number };
      d.type = descriptorPatch.type;
      d.disposition = descriptorPatch.disposition;
    }
    const bits = flipComplex ? (received.header.msgh_bits ^ MACH_MSGH_BITS_COMPLEX) >>> 0 : received.header.msgh_bits;
    const mutated = {
      header: { ...received.header, msgh_bits: bits, msgh_id: otherId ? (id ^ 1) | 0 : id },
      descriptors: descriptors as MachMsgDescriptor[],
      body: mutate(received.body, mutation),
    };
    deepStrictEqual(outcome(() => compiled.decode(mutated)), outcome(() => interpreted.decode(mutated)));
  },
);

/** The codec properties and the share of a run each gets. */
export const codecProperties = {
  wireRoundTrip: { property: wireRoundTrip, share: 0.3 },
  schemaRoundTrip: { property: schemaRoundTrip, share: 0.2 },
  sendBufferNeverCrashes: { property: sendBufferNeverCrashes, share: 0.2 },
  receiveBufferNeverCrashes: { property: receiveBufferNeverCrashes, share: 0.2 },
  schemaDecodeNeverCrashes: { property: schemaDecodeNeverCrashes, share: 0.1 },
  compiledMatchesInterpreted: { property: compiledMatchesInterpreted, share: 0.1 },
} as const;

/** Asserts every codec property, `runs` cases in total split by share (the fuzz mode's entry point). */
export function assertCodecProperties(options: { runs: number; seed?: number }): void {
  for (const { property, share } of Object.values(codecProperties)) {
    const params: fc.Parameters<unknown> = { numRuns: Math.max(1, Math.ceil(options.runs * share)) };
    if (options.seed !== undefined) params.seed = options.seed;
    fc.assert(property as fc.IProperty<unknown>, params);
  }
}
