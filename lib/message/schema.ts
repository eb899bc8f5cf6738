/**
 * Message schemas: `defineMessage({ id, fields })` describes a message once, compiles
 * it to a layout plan, and encodes values to MachMessages / decodes received messages
 * to values, with the value types inferred from the fields.
 *
 * Where this follows MIG exactly (bootstrap_cmds migcom; reference §4.1):
 * - port, polyPort, ool and oolPorts fields become descriptors, in field order, and
 *   make the message COMPLEX;
 * - the other fields are inline data after the descriptors, preceded by the 8-byte NDR
 *   record when there is any inline data (MIG omits NDR from messages without simple
 *   arguments); ool and oolPorts fields put their count word at their place among the
 *   inline data;
 * - every top-level inline field is padded to 4 bytes; variable arrays are a count
 *   word and the elements, trimmed, so later fields move; c_string[n] is n bytes,
 *   c_string[*:n] an unused offset word, a count word including the NUL, the bytes;
 *   boolean is boolean_t (4 bytes);
 * - decoding answers as MIG's generated type check does: COMPLEX bit, descriptor count,
 *   message size, an inline count above its maximum, a string without NUL →
 *   MIG_BAD_ARGUMENTS; descriptor type, disposition, OOL size or count ≠ its count word
 *   → MIG_TYPE_ERROR; encoding more elements than a maximum → MIG_ARRAY_TOO_LARGE.
 *   The NDR record is not checked (nor is it by XNU, or by MIG between little-endian
 *   peers).
 * This package's own design: structs with named members laid out as C under
 * `#pragma pack(4)` (MIG passes structs as arrays of ints; the bytes are the same);
 * fixed arrays and bytes that must have exactly their length; strings as UTF-8, cut on
 * a character boundary; 64-bit integers as bigints; the msgh_id check in decode
 * (MIG_BAD_ID, the server answer for an id it does not know); the `ndr` override.
 *
 * Encoding compiles nothing per call: fixed offsets are precomputed, one body buffer is
 * allocated per message (carved from a shared slab when small, see slab.ts; or none
 * with `encodeBody(value, out)`), and fields write straight into it. A server loop can
 * allocate nothing at all: `encode(value, header, reuse)` refills a message an earlier
 * encode returned (MIG's reply buffer, rewritten per request), and `decode(message,
 * into)` writes the fields into one object kept across requests. A message whose
 * fields all have a fixed size and a built-in kind (integers, booleans, cString(n),
 * port(disposition)) is compiled once, here, into an encoder and decoder specialised to
 * it (compile.ts); other messages are interpreted field by field, with the same results.
 * @module
 */
import {
  MACH_MSG_BODY_SIZE,
  MACH_MSG_HEADER_SIZE,
  MACH_MSGH_BITS,
  MACH_MSGH_BITS_COMPLEX,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MIG_BAD_ID,
  NDR_RECORD,
} from '../constants.js';
import { MachError } from '../errors.js';
import type { MachMessage, MachMsgDescriptor, MachMsgHeader } from '../types.js';
import { checkU32, describe } from './argument-checks.js';
import { descriptorWireSize } from './descriptors.js';
import { badArguments, pad4, type DescriptorField, type Field, type InlineField, type InputOf, type OutputOf, type Reader, type Writer } from './fields/field.js';
import { compileSchema } from './compile.js';
import { layoutOf } from './fields/layout.js';
import { allocBytes } from './slab.js';
import { MAX_SEND_SIZE } from './wire.js';

/** The NDR record's bytes as two little-endian words. */
const NDR_WORD0 = new DataView(Uint8Array.from(NDR_RECORD).buffer).getUint32(0, true);
const NDR_WORD1 = new DataView(Uint8Array.from(NDR_RECORD).buffer).getUint32(4, true);

/** The fields of a message, in order. */
export type Fields = Record<string, Field>;

/** What encode accepts for a set of fields. */
export type SchemaInput<F extends Fields> = { [K in keyof F]: InputOf<F[K]> };
/** What decode returns for a set of fields. */
export type SchemaOutput<F extends Fields> = { [K in keyof F]: OutputOf<F[K]> };

/** The header of a message to encode; msgh_id comes from the schema, COMPLEX from its fields. */
export interface MessageHeaderInit {
  msgh_remote_port: number;
  msgh_local_port?: number;
  msgh_voucher_port?: number;
  /**
   * Port dispositions and other bits. Defaults to MACH_MSGH_BITS(COPY_SEND,
   * MAKE_SEND_ONCE) with a local port, MACH_MSGH_BITS(COPY_SEND, 0) without. The COMPLEX
   * bit is set or cleared to match the schema.
   */
  msgh_bits?: number;
}

/** The parts of a message decode reads: a MachMessage or a ReceivedMessage. */
export interface MessageLike {
  header: Pick<MachMsgHeader, 'msgh_bits' | 'msgh_id'>;
  descriptors?: MachMsgDescriptor[];
  body?: Uint8Array;
}

/** What defineMessage takes. */
export interface MessageSpec<F extends Fields> {
  /** msgh_id. */
  id: number;
  fields: F;
  /** Whether inline data starts with the NDR record; default: when there is inline data (MIG's rule). */
  ndr?: boolean;
}

/** A compiled message schema. */
export interface MessageSchema<F extends Fields> {
  readonly id: number;
  readonly fields: F;
  /** True when the message carries descriptors (COMPLEX). */
  readonly complex: boolean;
  readonly descriptorCount: number;
  /** Whether the inline data starts with the NDR record. */
  readonly ndr: boolean;
  /** msgh_size of the smallest message (variable fields empty). */
  readonly minSize: number;
  /** msgh_size of the largest message (variable fields full; Infinity when a field is unbounded). */
  readonly maxSize: number;
  /** msgh_size when every message has the same size, else undefined. */
  readonly fixedSize: number | undefined;
  /** Byte length of the inline body (NDR included) for `value`. */
  bodySize(value: SchemaInput<F>): number;
  /**
   * Writes the inline body (NDR record and inline fields) for `value` into `out` (from
   * offset 0) when it has room, else into a new array; returns the body bytes. A new
   * array of up to 512 bytes is a view into a shared slab (as Node's small Buffers are
   * views into its pool): its bytes are its own, but `buffer` is not — read it through
   * byteOffset and byteLength, and copy it before transferring its buffer to a worker.
   */
  encodeBody(value: SchemaInput<F>, out?: Uint8Array): Uint8Array;
  /** The descriptors for `value`, in field order (empty for a simple message). */
  encodeDescriptors(value: SchemaInput<F>): MachMsgDescriptor[];
  /**
   * A MachMessage for `value` addressed by `header`; its body is allocated as by
   * encodeBody without `out`. Throws TypeError for values of the wrong shape, MachError
   * MIG_ARRAY_TOO_LARGE for variable data over its maximum.
   *
   * With `reuse`, a message an earlier call of this schema's encode returned, the
   * message is refilled in place and returned, as a MIG server refills its reply buffer:
   * header fields, the descriptor objects and every body byte (a string's bytes after
   * its terminator zeroed) are rewritten, to the same message a fresh encode gives;
   * the message, header, descriptors array, descriptor objects and body are the same
   * objects. For a schema compiled by defineMessage (fixed size, fields of the built-in
   * kinds integers, booleans, cString(n), port(disposition)) that allocates nothing.
   * Refilling needs a fixed-size schema and a message that still holds the header, body
   * (at its length), descriptors array and descriptor objects encode made, with no
   * msgh_size (mach_msg sets it, and replaces the descriptors, when it hands a failed
   * send's rights back into the message). Anything else given as `reuse` (another
   * schema's message, a received one, a copy, one whose body or descriptors were
   * replaced) is left alone and a new message returned, as without `reuse`. A value
   * that fails a check throws before anything is written: `reuse` is then unchanged.
   * Properties encode never sets, added to those objects by the caller, are kept.
   *
   * The message must not be in use. mach_msg reads the message only during the call:
   * the emulator copies the header rights, descriptors and body bytes in before it
   * returns or blocks, and the native backend encodes the message into its own send
   * buffer; but a send that blocks on a full queue and then times out or is aborted
   * writes the rights back into the message (pseudo-receive) when it gives up. So a
   * message may be refilled once mach_msg has returned, or its promise has settled.
   * A reused body keeps the 32 KiB slab it was carved from (see encodeBody) alive.
   */
  encode(value: SchemaInput<F>, header: MessageHeaderInit, reuse?: MachMessage): MachMessage;
  /**
   * The value a message carries. Throws MachError MIG_BAD_ID for another msgh_id,
   * MIG_BAD_ARGUMENTS for a wrong COMPLEX bit, descriptor count or size, MIG_TYPE_ERROR
   * for wrong descriptors.
   */
  decode(message: MessageLike): SchemaOutput<F>;
  /**
   * decode writing the fields into `into` (by assignment, in field order) and returning
   * it, instead of a new object: a server loop decodes every request into one object.
   * The same checks and errors as decode; every check runs before the first field is
   * written, so `into` is unchanged when decode throws. TypeError when `into` is not an
   * object. The strings and arrays a field decodes to are new values each time.
   */
  decode<T extends object>(message: MessageLike, into: T): T & SchemaOutput<F>;
}

interface Slot {
  key: string;
  field: Field;
  /** The field's index in the schema. */
  index: number;
  /** True for the inline count word of a counted descriptor field. */
  isCount: boolean;
  /** Offset from the start of the body when every earlier slot is fixed, else -1. */
  offset: number;
  /** Padded size of a fixed slot, -1 for a variable one. */
  fixedSize: number;
}

function checkFields(fields: unknown): Array<[string, Field]> {
  if (typeof fields !== 'object' || fields === null) throw new TypeError(`fields must be an object, got ${describe(fields)}`);
  const entries = Object.entries(fields as Record<string, unknown>);
  for (const [key, f] of entries) {
    const kind = (f as Field | null)?.kind;
    if (kind !== 'inline' && kind !== 'descriptor') throw new TypeError(`field ${key} is not a field kind (int32, port(…), …)`);
  }
  return entries as Array<[string, Field]>;
}

/** Defines a message: `defineMessage({ id: 1000, fields: { name: cString(128), port: port(MACH_MSG_TYPE_MAKE_SEND) } })`. */
export function defineMessage<const F extends Fields>(spec: MessageSpec<F>): MessageSchema<F> {
  return buildSchema(spec, true);
}

/**
 * defineMessage without the compiled encoder and decoder: every schema interpreted field
 * by field. For tests, which check that both give the same bytes, values and errors.
 */
export function defineInterpretedMessage<const F extends Fields>(spec: MessageSpec<F>): MessageSchema<F> {
  return buildSchema(spec, false);
}

function defaultBits(local: number): number {
  return MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, local !== 0 ? MACH_MSG_TYPE_MAKE_SEND_ONCE : 0);
}

function buildSchema<const F extends Fields>(spec: MessageSpec<F>, compile: boolean): MessageSchema<F> {
  if (typeof spec !== 'object' || spec === null) throw new TypeError(`defineMessage takes { id, fields }, got ${describe(spec)}`);
  const id = spec.id;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < -0x80000000 || id > 0x7fffffff) {
    throw new TypeError(`id must be an int32 msgh_id, got ${describe(id)}`);
  }
  const entries = checkFields(spec.fields);
  const descriptorFields: Array<{ key: string; field: DescriptorField<unknown> }> = [];
  const slots: Slot[] = [];
  for (let index = 0; index < entries.length; index++) {
    const [key, field] = entries[index]!;
    if (field.kind === 'descriptor') {
      descriptorFields.push({ key, field });
      if (field.counted) slots.push({ key, field, index, isCount: true, offset: -1, fixedSize: 4 });
    } else {
      slots.push({ key, field, index, isCount: false, offset: -1, fixedSize: field.size === undefined ? -1 : pad4(field.size) });
    }
  }
  const template: Record<string, undefined> = {};
  for (const [key] of entries) Object.defineProperty(template, key, { value: undefined, writable: true, enumerable: true, configurable: true });
  const ndr = spec.ndr ?? slots.length > 0;
  const ndrSize = ndr ? NDR_RECORD.length : 0;
  let offset = ndrSize;
  let minInline = ndrSize;
  let maxInline = ndrSize;
  for (const slot of slots) {
    slot.offset = offset;
    if (slot.fixedSize >= 0) {
      if (offset >= 0) offset += slot.fixedSize;
      minInline += slot.fixedSize;
      maxInline += slot.fixedSize;
    } else {
      offset = -1;
      const { min, max } = variableBounds(slot.field as InlineField<unknown>);
      minInline += min;
      maxInline += max;
    }
  }
  const complex = descriptorFields.length > 0;
  let descriptorBytes = 0;
  for (const { field } of descriptorFields) descriptorBytes += descriptorWireSize(field.descriptorType);
  const prefix = MACH_MSG_HEADER_SIZE + (complex ? MACH_MSG_BODY_SIZE + descriptorBytes : 0);
  const fixedInline = offset >= 0 ? offset : undefined;
  const minSize = prefix + minInline;
  const maxSize = prefix + maxInline;
  const fields = spec.fields;
  const compiled = compile && fixedInline !== undefined ? compileSchema({ id, entries, ndr, complex, defaultBits }) : undefined;

  const bodySize = (value: SchemaInput<F>): number => {
    if (typeof value !== 'object' || value === null) throw new TypeError(`message value must be an object, got ${describe(value)}`);
    if (fixedInline !== undefined) return fixedInline;
    const v = value as Record<string, unknown>;
    let size = ndrSize;
    for (const slot of slots) {
      size += slot.fixedSize >= 0 ? slot.fixedSize : pad4((slot.field as InlineField<unknown>).sizeOf(v[slot.key], slot.key));
    }
    return size;
  };

  const writeBody = (value: SchemaInput<F>, bytes: Uint8Array): void => {
    const v = value as Record<string, unknown>;
    const w: Writer = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes, pos: 0 };
    if (ndr) {
      // NDR_record as two little-endian words: 00 00 00 00 | 01 00 00 00.
      w.view.setUint32(0, NDR_WORD0, true);
      w.view.setUint32(4, NDR_WORD1, true);
    }
    let pos = ndrSize;
    for (const slot of slots) {
      if (slot.offset >= 0) pos = slot.offset;
      if (slot.isCount) {
        const f = slot.field as DescriptorField<unknown>;
        w.view.setUint32(pos, f.count(v[slot.key]), true);
        pos += 4;
        continue;
      }
      w.pos = pos;
      (slot.field as InlineField<unknown>).write(w, v[slot.key], slot.key);
      pos = w.pos;
      while ((pos & 3) !== 0) bytes[pos++] = 0;
    }
  };

  const encodeDescriptors = (value: SchemaInput<F>): MachMsgDescriptor[] => {
    const v = value as Record<string, unknown>;
    const out: MachMsgDescriptor[] = new Array(descriptorFields.length);
    for (let i = 0; i < descriptorFields.length; i++) {
      const { key, field } = descriptorFields[i]!;
      out[i] = field.toDescriptor(v[key], key);
    }
    return out;
  };

  const schema: MessageSchema<F> = {
    id,
    fields,
    complex,
    descriptorCount: descriptorFields.length,
    ndr,
    minSize,
    maxSize,
    fixedSize: fixedInline !== undefined ? prefix + fixedInline : undefined,
    bodySize,
    encodeBody(value, out) {
      const size = bodySize(value);
      if (out !== undefined && out instanceof Uint8Array && out.byteLength >= size) {
        const bytes = out.subarray(0, size);
        if (compiled !== undefined) compiled.writeBody(value, bytes, false);
        else writeBody(value, bytes);
        return bytes;
      }
      const bytes = allocBytes(size);
      if (compiled !== undefined) compiled.writeBody(value, bytes, true);
      else writeBody(value, bytes);
      return bytes;
    },
    encodeDescriptors(value) {
      if (typeof value !== 'object' || value === null) throw new TypeError(`message value must be an object, got ${describe(value)}`);
      return encodeDescriptors(value);
    },
    encode: compiled !== undefined ? (compiled.encode as MessageSchema<F>['encode']) : interpretedEncode,
    decode: compiled !== undefined ? (compiled.decode as MessageSchema<F>['decode']) : interpretedDecode,
  };

  /**
   * The messages this schema's interpreted encode made carry, as private fields, the
   * header, body, descriptors array and descriptor objects they were built with (see
   * compile.ts for the compiled encoder's own): what a message passed as `reuse` must
   * still hold to be refilled. Only fixed-size schemas are stamped.
   */
  class Stamped extends Own {
    #h: unknown;
    #b: unknown;
    #ds: unknown;
    #dl: readonly MachMsgDescriptor[] | undefined;
    constructor(m: MachMessage) {
      super(m);
      this.#h = m.header;
      this.#b = m.body;
      this.#ds = m.descriptors;
      this.#dl = m.descriptors === undefined ? undefined : [...m.descriptors];
    }
    /** Whether `m` is this encode's message, untouched, for descriptors like `fresh`. */
    static reusable(m: unknown, fresh: readonly MachMsgDescriptor[] | undefined): m is MachMessage {
      if (typeof m !== 'object' || m === null || !(#h in m)) return false;
      const msg = m as unknown as MachMessage;
      const h = msg.header;
      const b = msg.body;
      if (h !== m.#h || b !== m.#b || b === undefined || b.length !== fixedInline || h.msgh_size !== undefined) return false;
      const ds = msg.descriptors;
      if (ds !== m.#ds) return false;
      if (fresh === undefined || ds === undefined) return ds === undefined && fresh === undefined;
      const dl = m.#dl!;
      if (ds.length !== dl.length || ds.length !== fresh.length) return false;
      for (let i = 0; i < ds.length; i++) {
        if (ds[i] !== dl[i]) return false;
        // A port(disposition) descriptor is refilled as the compiled encoder refills it;
        // another kind only when it still has exactly the keys a fresh one has.
        if (layoutOf(descriptorFields[i]!.field) === undefined && !sameKeys(ds[i]!, fresh[i]!)) return false;
      }
      return true;
    }
  }

  function interpretedEncode(value: SchemaInput<F>, header: MessageHeaderInit, reuse?: MachMessage): MachMessage {
    if (typeof header !== 'object' || header === null) throw new TypeError(`header must be an object, got ${describe(header)}`);
    const local = checkU32(header.msgh_local_port ?? 0, 'msgh_local_port');
    const hb = header.msgh_bits;
    const bits = hb !== undefined ? checkU32(hb, 'msgh_bits') : defaultBits(local);
    const descriptors = complex ? schema.encodeDescriptors(value) : undefined;
    const msgh_bits = (complex ? bits | MACH_MSGH_BITS_COMPLEX : bits & ~MACH_MSGH_BITS_COMPLEX) >>> 0;
    if (fixedInline !== undefined && reuse !== undefined && Stamped.reusable(reuse, descriptors)) {
      // Into scratch bytes first: a value that fails a check leaves `reuse` unchanged.
      const scratch = new Uint8Array(fixedInline);
      schema.encodeBody(value, scratch);
      const remote = checkU32(header.msgh_remote_port, 'msgh_remote_port');
      const voucher = checkU32(header.msgh_voucher_port ?? 0, 'msgh_voucher_port');
      const h = reuse.header;
      h.msgh_bits = msgh_bits;
      h.msgh_remote_port = remote;
      h.msgh_local_port = local;
      h.msgh_voucher_port = voucher;
      h.msgh_id = id;
      if (descriptors !== undefined) {
        const ds = reuse.descriptors!;
        for (let i = 0; i < ds.length; i++) {
          const d = ds[i] as unknown as Record<string, unknown>;
          const fresh = descriptors[i] as unknown as Record<string, unknown>;
          for (const key of Object.keys(fresh)) d[key] = fresh[key];
        }
      }
      reuse.body!.set(scratch);
      return reuse;
    }
    const body = schema.encodeBody(value);
    const message: MachMessage = {
      header: {
        msgh_bits,
        msgh_remote_port: checkU32(header.msgh_remote_port, 'msgh_remote_port'),
        msgh_local_port: local,
        msgh_voucher_port: checkU32(header.msgh_voucher_port ?? 0, 'msgh_voucher_port'),
        msgh_id: id,
      },
      body,
    };
    if (descriptors !== undefined) message.descriptors = descriptors;
    // Stamped's constructor returns `message` itself, with the private fields added.
    if (fixedInline !== undefined) new Stamped(message);
    return message;
  }

  function interpretedDecode(message: MessageLike, into?: object): SchemaOutput<F> {
    if (into !== undefined && (typeof into !== 'object' || into === null)) throw new TypeError(`decode into must be an object, got ${describe(into)}`);
    if (typeof message !== 'object' || message === null || typeof message.header !== 'object' || message.header === null) {
      throw new TypeError(`decode takes a message, got ${describe(message)}`);
    }
    if (message.header.msgh_id !== id) throw new MachError(MIG_BAD_ID, `expected msgh_id ${id}, got ${message.header.msgh_id}`);
    const isComplex = (message.header.msgh_bits & MACH_MSGH_BITS_COMPLEX) !== 0;
    const descriptors = message.descriptors ?? [];
    if (isComplex !== complex) throw badArguments('message', complex ? 'expected a complex message' : 'expected a simple message');
    if (descriptors.length !== descriptorFields.length) {
      throw badArguments('message', `expected ${descriptorFields.length} descriptors, got ${descriptors.length}`);
    }
    const body = message.body ?? new Uint8Array(0);
    if (!(body instanceof Uint8Array)) throw new TypeError(`message.body must be a Uint8Array, got ${describe(body)}`);
    const length = body.byteLength;
    if (length < minInline || length > maxInline || length % 4 !== 0) {
      throw badArguments('message', `inline data of ${length} bytes, expected ${minInline === maxInline ? minInline : `${minInline}..${maxInline}`}`);
    }
    const r: Reader = { view: new DataView(body.buffer, body.byteOffset, length), bytes: body, pos: ndrSize, end: length };
    // Every value by field index (count words first, for the descriptors that need them),
    // before anything is written: a message that fails a check leaves `into` unchanged.
    const values: unknown[] = new Array(entries.length);
    for (const slot of slots) {
      if (slot.offset >= 0) r.pos = slot.offset;
      if (slot.isCount) {
        if (r.pos + 4 > length) throw badArguments(slot.key, 'count word missing');
        values[slot.index] = r.view.getUint32(r.pos, true);
        r.pos += 4;
        continue;
      }
      values[slot.index] = (slot.field as InlineField<unknown>).read(r, slot.key);
      r.pos = pad4(r.pos);
    }
    if (r.pos !== length) throw badArguments('message', `inline data of ${length} bytes, fields use ${r.pos}`);
    let d = 0;
    for (let i = 0; i < entries.length; i++) {
      const [key, field] = entries[i]!;
      if (field.kind === 'descriptor') values[i] = field.fromDescriptor(descriptors[d++]!, field.counted ? (values[i] as number) : 0, key);
    }
    // A copy of a template holding every key in field order, so filling it in changes no
    // shape; or the caller's object, by assignment ("__proto__" defined as an own key, as
    // in the template, rather than setting the prototype).
    const out = (into ?? { ...template }) as Record<string, unknown>;
    for (let i = 0; i < entries.length; i++) {
      const key = entries[i]![0];
      if (key === '__proto__' && into !== undefined) Object.defineProperty(out, key, { value: values[i], writable: true, enumerable: true, configurable: true });
      else out[key] = values[i];
    }
    return out as SchemaOutput<F>;
  }
  return Object.freeze(schema);
}

/** A base whose constructor returns its argument: a subclass's private fields are then added to that object, which keeps its prototype. */
class Own {
  constructor(o: object) {
    return o as Own;
  }
}

/** Whether two objects have the same own enumerable keys in the same order. */
function sameKeys(a: object, b: object): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return false;
  return true;
}

/** The smallest and largest padded size of a variable inline field. */
function variableBounds(field: InlineField<unknown>): { min: number; max: number } {
  const bounds = field.bounds ?? { min: 0, max: MAX_SEND_SIZE };
  return { min: pad4(bounds.min), max: pad4(bounds.max) };
}
