import { deepStrictEqual, notStrictEqual, strictEqual } from 'node:assert';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSGH_BITS,
  MACH_RCV_MSG,
  MACH_SEND_MSG,
  MACH_SEND_TIMED_OUT,
  MACH_SEND_TIMEOUT,
  MPO_INSERT_SEND_RIGHT,
  MPO_QLIMIT,
} from '../../lib/constants.js';
import { Kernel } from '../../lib/emulator/index.js';
import { asReceived, boolean, cString, defineMessage, encodeMessage, int32, int8, port, uint16, type MessageHeaderInit, type MessageSchema } from '../../lib/message/index.js';
import { defineInterpretedMessage, type Fields } from '../../lib/message/schema.js';
import type { MachMessage } from '../../lib/types.js';
import {
  buildField,
  compiledSpecArb,
  fixedSpecArb,
  keyArb,
  maybeBadValueArb,
  mutate,
  mutationArb,
  outcome,
  sendDisposition,
  valueArb,
  type FieldSpec,
} from './arbitraries.js';
import { MachError } from '../../lib/errors.js';

/**
 * encode(value, header, reuse) and decode(message, into): a message refilled in place
 * is the message a fresh encode gives, byte for byte and field for field; a value
 * decoded into an object is the value decode returns; compiled and interpreted schemas
 * agree on both, errors included; and anything but an untouched message of the same
 * schema is left alone.
 */

const RUNS = 400;

const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** Fields of every kind a fixed-size message can hold, and now and then a variable one (never reused). */
const reuseSpecArb: fc.Arbitrary<FieldSpec> = fc.oneof(
  { weight: 4, arbitrary: compiledSpecArb },
  { weight: 3, arbitrary: fixedSpecArb },
  { weight: 1, arbitrary: sendDisposition.map((disposition) => ({ kind: 'port' as const, disposition })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'polyPort' as const }) },
  { weight: 1, arbitrary: fc.option(fc.integer({ min: 0, max: 16 }), { nil: undefined }).map((max) => ({ kind: 'ool' as const, max })) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('oolPorts' as const), disposition: sendDisposition, max: fc.constant(4) }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }).map((max) => ({ kind: 'varString' as const, max })) },
);

/** A value for `spec` whose strings, at the top level, are often as long as the field allows: stale bytes a refill must clear. */
function longValueArb(spec: FieldSpec): fc.Arbitrary<unknown> {
  if (spec.kind === 'cString') {
    // Longest ASCII, cut ASCII (encode keeps n − 1 bytes), longest two-byte UTF-8, and ASCII with a NUL inside (encode stops there).
    const long = ['~'.repeat(spec.n - 1), 'abcdefghij'.repeat(1 + (spec.n >> 3)), 'é'.repeat((spec.n - 1) >> 1), `${'x'.repeat(spec.n >> 1)}\0${'y'.repeat(spec.n)}`];
    return fc.oneof(valueArb(spec), fc.constantFrom(...long));
  }
  return valueArb(spec);
}

const headerArb = fc.record(
  { msgh_remote_port: u32, msgh_local_port: fc.option(u32, { nil: undefined }), msgh_voucher_port: fc.option(u32, { nil: undefined }), msgh_bits: fc.option(u32, { nil: undefined }) },
  { requiredKeys: ['msgh_remote_port'] },
) as fc.Arbitrary<MessageHeaderInit>;

/** A random schema (as a spec, so it can be defined both ways) with two values and two headers. */
const caseArb = fc
  .record({
    id: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    ndr: fc.option(fc.boolean(), { nil: undefined }),
    fields: fc.uniqueArray(fc.tuple(keyArb, reuseSpecArb), { maxLength: 7, selector: ([k]) => k }),
  })
  .chain(({ id, ndr, fields }) =>
    fc.record({
      id: fc.constant(id),
      ndr: fc.constant(ndr),
      fields: fc.constant(fields),
      first: fc.tuple(...fields.map(([, spec]) => longValueArb(spec))),
      second: fc.tuple(...fields.map(([, spec]) => valueArb(spec))),
      bad: fc.tuple(...fields.map(([, spec]) => maybeBadValueArb(spec))),
      h1: headerArb,
      h2: headerArb,
      badRemote: fc.constantFrom(undefined, -1, 2 ** 33, 0.5, '1'),
    }),
  )
  .map(({ id, ndr, fields, first, second, bad, h1, h2, badRemote }) => {
    const spec = { id, ndr, fields: Object.fromEntries(fields.map(([k, s]) => [k, buildField(s)])) };
    const value = (vs: unknown[]) => Object.fromEntries(fields.map(([k], i) => [k, vs[i]]));
    const badHeader = (badRemote === undefined ? h2 : { ...h2, msgh_remote_port: badRemote }) as MessageHeaderInit;
    return { spec, first: value(first), second: value(second), bad: value(bad), h1, h2, badHeader };
  });

type Schema = MessageSchema<Fields>;
type Value = Record<string, unknown>;

/** Both ways of defining a spec. */
function bothSchemas(spec: { id: number; ndr?: boolean | undefined; fields: Fields }): Array<[string, Schema]> {
  return [
    ['compiled', defineMessage(spec)],
    ['interpreted', defineInterpretedMessage(spec)],
  ];
}

/** A deep copy of what a message holds (descriptor payloads by reference), to see that it did not change. */
function snapshot(m: MachMessage): unknown {
  return { header: { ...m.header }, body: m.body === undefined ? undefined : Uint8Array.from(m.body), descriptors: m.descriptors?.map((d) => ({ ...d })) };
}

/** The message's objects, to check they are the ones refilled. */
function parts(m: MachMessage): unknown[] {
  return [m, m.header, m.body, m.descriptors, ...(m.descriptors ?? [])];
}

describe('encode with reuse', () => {
  it('refills a message to the same message, and the same bytes, as a fresh encode (random schemas, longer strings before)', () => {
    fc.assert(
      fc.property(caseArb, ({ spec, first, second, h1, h2 }) => {
        for (const [, schema] of bothSchemas(spec)) {
          const msg = schema.encode(first as never, h1);
          const before = parts(msg);
          const fresh = schema.encode(second as never, h2);
          const got = schema.encode(second as never, h2, msg);
          deepStrictEqual(got, fresh);
          deepStrictEqual(encodeMessage(got).bytes, encodeMessage(fresh).bytes);
          if (schema.fixedSize !== undefined) deepStrictEqual(parts(got), before);
          else notStrictEqual(got, msg);
          // And once more, back to the first value (strings growing again).
          deepStrictEqual(schema.encode(first as never, h1, got), schema.encode(first as never, h1));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('gives the same results and errors compiled and interpreted, and leaves the message unchanged on an error', () => {
    fc.assert(
      fc.property(caseArb, ({ spec, first, bad, h1, badHeader: header }) => {
        const [[, compiled], [, interpreted]] = bothSchemas(spec);
        const mc = compiled.encode(first as never, h1);
        const mi = interpreted.encode(first as never, h1);
        const before = snapshot(mc);
        const rc = outcome(() => compiled.encode(bad as never, header, mc));
        const ri = outcome(() => interpreted.encode(bad as never, header, mi));
        deepStrictEqual(rc, ri);
        deepStrictEqual(rc, outcome(() => compiled.encode(bad as never, header)));
        if (rc.error !== undefined) {
          deepStrictEqual(snapshot(mc), before);
          deepStrictEqual(snapshot(mi), before);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('falls back to a new message for anything but an untouched message of this schema, and leaves it alone', () => {
    const mutations: Array<[string, (m: MachMessage, other: MachMessage) => unknown]> = [
      ['another schema instance', (_m, other) => other],
      ['a spread copy', (m) => ({ ...m })],
      ['a structured clone', (m) => structuredClone(m)],
      ['as received', (m) => asReceived(m)],
      ['body replaced', (m) => Object.assign(m, { body: Uint8Array.from(m.body ?? []) })],
      ['header replaced', (m) => Object.assign(m, { header: { ...m.header } })],
      ['msgh_size set (a pseudo-receive)', (m) => Object.assign(m.header, { msgh_size: 100 }) && m],
      ['descriptors replaced', (m) => Object.assign(m, { descriptors: m.descriptors?.map((d) => ({ ...d })) })],
      ['descriptors added', (m) => Object.assign(m, { descriptors: [...(m.descriptors ?? []), { type: 0, name: 1, disposition: 17 }] })],
      ['a descriptor pushed', (m) => (m.descriptors?.push({ type: 0, name: 1, disposition: 17 }), m)],
      ['a descriptor object replaced', (m) => (m.descriptors?.length ? (m.descriptors[0] = { ...m.descriptors[0]! }) : m.descriptors?.push({ type: 0, name: 1, disposition: 17 }), m)],
      ['a descriptor removed', (m) => (m.descriptors?.pop(), m)],
      ['null', () => null],
      ['a number', () => 5],
      ['an empty object', () => ({})],
    ];
    fc.assert(
      fc.property(caseArb, fc.constantFrom(...mutations), ({ spec, first, second, h1, h2 }, [what, mutation]) => {
        const schemas = bothSchemas(spec);
        for (const [way, schema] of schemas) {
          const msg = schema.encode(first as never, h1);
          // Those two change nothing in a message without descriptors, which is then reused.
          if (msg.descriptors === undefined && (what === 'descriptors replaced' || what === 'a descriptor pushed' || what === 'a descriptor object replaced' || what === 'a descriptor removed')) continue;
          // An empty descriptors array has nothing to pop.
          if (what === 'a descriptor removed' && msg.descriptors?.length === 0) continue;
          const other = (way === 'compiled' ? defineMessage(spec) : defineInterpretedMessage(spec)).encode(first as never, h1);
          const foreign = mutation(msg, other) as MachMessage;
          const before = typeof foreign === 'object' && foreign !== null ? snapshot(foreign) : foreign;
          const got = schema.encode(second as never, h2, foreign);
          notStrictEqual(got, foreign, `${way}: ${what}`);
          deepStrictEqual(got, schema.encode(second as never, h2));
          deepStrictEqual(typeof foreign === 'object' && foreign !== null ? snapshot(foreign) : foreign, before);
        }
      }),
      { numRuns: RUNS },
    );
  });

  const schema = defineMessage({
    id: 4242,
    fields: { op: int32, name: cString(128), port: port(MACH_MSG_TYPE_MOVE_SEND) },
  });

  it('returns the same message, header, descriptors and body objects', () => {
    const msg = schema.encode({ op: 1, name: 'a much longer name than the next one', port: 5 }, { msgh_remote_port: 7 });
    const { header, body, descriptors } = msg;
    const descriptor = descriptors![0];
    const again = schema.encode({ op: 2, name: 'short', port: 6 }, { msgh_remote_port: 8, msgh_local_port: 9 }, msg);
    expect(again).toBe(msg);
    expect(again.header).toBe(header);
    expect(again.body).toBe(body);
    expect(again.descriptors).toBe(descriptors);
    expect(again.descriptors![0]).toBe(descriptor);
    expect(again).toStrictEqual(schema.encode({ op: 2, name: 'short', port: 6 }, { msgh_remote_port: 8, msgh_local_port: 9 }));
    // The bytes after "short" and its NUL are zero again, to the end of the 128 bytes.
    expect(body!.subarray(8 + 4 + 5, 8 + 4 + 128).every((b) => b === 0)).toBe(true);
    expect(Object.getPrototypeOf(again)).toBe(Object.prototype);
    expect(Object.keys(again)).toEqual(['header', 'body', 'descriptors']);
  });

  it('refills large and odd-sized strings (a tail zeroed by fill past 64 words, a body of its own buffer) and small integers', () => {
    for (const n of [1, 2, 3, 4, 5, 255, 256, 257, 300, 1021]) {
      const spec = { id: 5, fields: { a: int8, s: cString(n), b: uint16, t: cString(7), c: boolean } };
      for (const [, schema] of bothSchemas(spec as never)) {
        const values = [
          { a: -1, s: 'z'.repeat(n + 2), b: 0xffff, t: 'seven77', c: true },
          { a: 2, s: 'ab', b: 1, t: '', c: false },
          { a: -128, s: 'é'.repeat(n), b: 0x8000, t: 'ü\0x', c: true },
          { a: 0, s: '', b: 0, t: 'x', c: false },
        ];
        let msg = schema.encode(values[0] as never, { msgh_remote_port: 1 });
        const body = msg.body;
        for (const v of [...values, ...values.reverse()]) {
          msg = schema.encode(v as never, { msgh_remote_port: 1 }, msg);
          expect(msg.body).toBe(body);
          expect(msg).toStrictEqual(schema.encode(v as never, { msgh_remote_port: 1 }));
        }
      }
    }
  });

  it('keeps a message a plain object: JSON, spread and deep equality see only its fields', () => {
    const msg = schema.encode({ op: 1, name: 'x', port: 5 }, { msgh_remote_port: 7 });
    expect(Object.getOwnPropertySymbols(msg)).toEqual([]);
    expect(JSON.parse(JSON.stringify(msg)).header).toEqual(msg.header);
    expect({ ...msg }).toStrictEqual(msg);
  });

  it('on the emulator: a message refilled after mach_msg returned leaves the queued one as sent; after a pseudo-receive it is not reused', async () => {
    const simple = defineMessage({ id: 77, fields: { op: int32, name: cString(32) } });
    const kernel = new Kernel();
    const task = kernel.createTask({ name: 't' });
    const self = task.mach_task_self();
    const p = task.mach_port_construct(self, { flags: MPO_INSERT_SEND_RIGHT | MPO_QLIMIT, mpl: { mpl_qlimit: 1 } }, 0n);
    const header = { msgh_remote_port: p, msgh_bits: MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) };
    const msg = simple.encode({ op: 1, name: 'first, the longer name' }, header);
    await task.mach_msg(msg, MACH_SEND_MSG);
    expect(simple.encode({ op: 2, name: 'second' }, header, msg)).toBe(msg);
    const received = await task.mach_msg(undefined, MACH_RCV_MSG, p, 0, 256);
    expect(simple.decode(received!)).toEqual({ op: 1, name: 'first, the longer name' });
    await task.mach_msg(msg, MACH_SEND_MSG);
    expect(simple.encode({ op: 3, name: 'third' }, header, msg)).toBe(msg);
    // The queue is full: the send times out and hands the right back into msg.
    const failed = await task.mach_msg(msg, MACH_SEND_MSG | MACH_SEND_TIMEOUT, 0, 0).then(() => undefined, (e: unknown) => e);
    expect(failed).toBeInstanceOf(MachError);
    expect((failed as MachError).kr).toBe(MACH_SEND_TIMED_OUT);
    expect(msg.header.msgh_size).toBeDefined();
    const next = simple.encode({ op: 4, name: 'fourth' }, header, msg);
    expect(next).not.toBe(msg);
    expect(next).toStrictEqual(simple.encode({ op: 4, name: 'fourth' }, header));
    expect(simple.decode((await task.mach_msg(undefined, MACH_RCV_MSG, p, 0, 256))!)).toEqual({ op: 2, name: 'second' });
    kernel.checkInvariants();
  });
});

describe('decode into', () => {
  it('writes what decode returns into the object and returns it; the same errors, and the object unchanged, for bad messages', () => {
    fc.assert(
      fc.property(caseArb, mutationArb, fc.boolean(), fc.boolean(), ({ spec, first, second, h1 }, mutation, flipId, stale) => {
        const results: unknown[] = [];
        for (const [, schema] of bothSchemas(spec)) {
          const received = asReceived(schema.encode(first as never, h1));
          const bad = { header: { ...received.header, msgh_id: flipId ? (received.header.msgh_id ^ 1) | 0 : received.header.msgh_id }, descriptors: received.descriptors, body: mutate(received.body, mutation) };
          for (const message of [received, bad]) {
            const into: Value = stale ? { ...second, extra: 1 } : {};
            const before = { ...into };
            const plain = outcome(() => schema.decode(message));
            const got = outcome(() => schema.decode(message, into));
            if (plain.error !== undefined) {
              deepStrictEqual(got, plain);
              deepStrictEqual(into, before);
            } else {
              strictEqual(got.value, into);
              deepStrictEqual({ ...into }, { ...before, ...(plain.value as Value) });
            }
            results.push(plain, got.error ?? { ...(got.value as Value) });
          }
        }
        // Compiled and interpreted agree.
        deepStrictEqual(results.slice(0, results.length / 2), results.slice(results.length / 2));
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses an `into` that is not an object, as both decoders do', () => {
    const spec = { id: 1, fields: { a: int32 } };
    for (const [, schema] of bothSchemas(spec)) {
      const msg = schema.encode({ a: 1 }, { msgh_remote_port: 1 });
      for (const into of [null, 5, 'x']) {
        expect(() => schema.decode(msg, into as never)).toThrow(TypeError);
        expect(outcome(() => schema.decode(msg, into as never))).toEqual(outcome(() => defineInterpretedMessage(spec).decode(msg, into as never)));
      }
    }
  });

  it('defines a "__proto__" field as an own property instead of setting the prototype', () => {
    const schema = defineMessage({ id: 1, fields: { ['__proto__']: int32 } as Fields });
    const msg = schema.encode({ ['__proto__']: 3 } as never, { msgh_remote_port: 1 });
    const into = {};
    schema.decode(msg, into);
    expect(Object.getPrototypeOf(into)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(into, '__proto__')?.value).toBe(3);
  });

  it('decodes a message into one object over and over (a server loop)', () => {
    const schema = defineMessage({ id: 9, fields: { op: int32, name: cString(16), port: port(MACH_MSG_TYPE_MOVE_SEND) } });
    let msg = schema.encode({ op: 0, name: 'n0', port: 1 }, { msgh_remote_port: 2 });
    const into = schema.decode(msg);
    for (let i = 1; i < 50; i++) {
      msg = schema.encode({ op: i, name: `n${i}`, port: i + 1 }, { msgh_remote_port: 2 }, msg);
      expect(schema.decode(msg, into)).toBe(into);
      expect(into).toEqual({ op: i, name: `n${i}`, port: i + 1 });
    }
  });
});
