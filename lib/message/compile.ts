/**
 * The schema compiler: for a message whose fields all have a fixed size and a layout
 * the compiler knows (integers, booleans, cString(n), port(disposition) — see
 * fields/layout.ts), `defineMessage` generates, once, an encoder and a decoder
 * specialised to that message: every offset a constant, every field read and written
 * by name, the decoded value built by one object literal with the fields in order.
 * Generated code gives V8 monomorphic property accesses and one object shape per
 * schema, which a loop over field objects cannot (its calls and keyed accesses see every
 * field kind and key, and the value object is built key by key).
 *
 * The generated functions do what the interpreted ones in schema.ts do, check for check
 * and error for error (a test compares both on random schemas, values and malformed
 * messages): when a value fails a check, the field's own method is called to throw the
 * same TypeError. Keys enter the source only as JSON string literals. Where code
 * generation is disabled (`--disallow-code-generation-from-strings`), compileSchema
 * returns undefined and the schema stays interpreted.
 *
 * The encoder refills a message it made when given one as `reuse` (see
 * MessageSchema.encode): the message's private fields say it is this schema's and hold
 * the objects to check it still has; every value is checked before the first write;
 * the body is rewritten through 32-bit word views of it, every byte of it. The decoder
 * writes into a caller's object when given one, after every check.
 * @module
 */
import { MACH_MSGH_BITS_COMPLEX, MIG_BAD_ID, NDR_RECORD } from '../constants.js';
import { MachError } from '../errors.js';
import type { MachMessage } from '../types.js';
import { checkU32, describe } from './argument-checks.js';
import { badArguments, pad4, type DescriptorField, type Field } from './fields/field.js';
import { layoutOf, type FieldLayout } from './fields/layout.js';
import { asciiString, readCString, writeUtf8 } from './fields/strings.js';
import { allocBytes } from './slab.js';

/** What the compiler needs to know about a schema (computed by defineMessage). */
export interface SchemaPlan {
  id: number;
  entries: Array<[string, Field]>;
  ndr: boolean;
  complex: boolean;
  /** Default msgh_bits for a header without them, from its local port. */
  defaultBits: (local: number) => number;
}

/** The functions compiled for one schema. */
export interface CompiledSchema {
  /** Byte length of the inline body, the same for every value. */
  bodySize: number;
  /** Writes the inline body at offset 0 of `bytes` (bodySize bytes); `zeroed` says they are all 0 already, so padding need not be written. */
  writeBody(value: unknown, bytes: Uint8Array, zeroed: boolean): void;
  /** schema.encode: refills `reuse` when it is a message this encode made and can take the value (see MessageSchema.encode). */
  encode(value: unknown, header: unknown, reuse?: unknown): MachMessage;
  /** schema.decode: into a new object, or into `into`. */
  decode(message: unknown, into?: object): Record<string, unknown>;
}

/** The value check for a number field, as an expression over the local `x` that is true for a bad value. */
function intCheck(layout: Extract<FieldLayout, { kind: 'int' }>, x: string): string {
  if (layout.size === 4) return layout.signed ? `typeof ${x} !== 'number' || (${x} | 0) !== ${x}` : `typeof ${x} !== 'number' || ${x} >>> 0 !== ${x}`;
  const bits = layout.size * 8;
  const min = layout.signed ? -(2 ** (bits - 1)) : 0;
  const max = layout.signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  return `typeof ${x} !== 'number' || (${x} | 0) !== ${x} || ${x} < ${min} || ${x} > ${max}`;
}

function intRead(layout: Extract<FieldLayout, { kind: 'int' }>, o: number): string {
  switch (layout.size) {
    case 1:
      return layout.signed ? `(b[${o}] << 24) >> 24` : `b[${o}]`;
    case 2:
      return layout.signed ? `((b[${o}] | (b[${o + 1}] << 8)) << 16) >> 16` : `(b[${o}] | (b[${o + 1}] << 8))`;
    default: {
      const word = `b[${o}] | (b[${o + 1}] << 8) | (b[${o + 2}] << 16) | (b[${o + 3}] << 24)`;
      return layout.signed ? `(${word})` : `((${word}) >>> 0)`;
    }
  }
}

/** Little-endian uint64/int64 bytes of `x` (already range-checked) at `o`. */
function write64(b: Uint8Array, o: number, x: bigint): void {
  const u = BigInt.asUintN(64, x);
  const lo = Number(u & 0xffffffffn);
  const hi = Number(u >> 32n);
  b[o] = lo;
  b[o + 1] = lo >> 8;
  b[o + 2] = lo >> 16;
  b[o + 3] = lo >>> 24;
  b[o + 4] = hi;
  b[o + 5] = hi >> 8;
  b[o + 6] = hi >> 16;
  b[o + 7] = hi >>> 24;
}

function read64(b: Uint8Array, o: number, signed: boolean): bigint {
  const lo = (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
  const hi = (b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16) | (b[o + 7]! << 24)) >>> 0;
  const u = (BigInt(hi) << 32n) | BigInt(lo);
  return signed ? BigInt.asIntN(64, u) : u;
}

/** Each field with its layout, or undefined when some field has none (or a key the generated literal cannot carry). */
function layoutsOf(entries: Array<[string, Field]>): FieldLayout[] | undefined {
  const out: FieldLayout[] = [];
  for (const [key, field] of entries) {
    const layout = layoutOf(field);
    // An object literal's "__proto__": sets the prototype instead of defining a key.
    if (layout === undefined || key === '__proto__') return undefined;
    out.push(layout);
  }
  return out;
}

let codegen: boolean | undefined;

/** Bytes of a cString field read by unrolled code before the reader falls back to a loop. */
const UNROLLED_ASCII_MAX = 32;

type CStringReader = (bytes: Uint8Array, start: number, end: number, where: string) => string;
/** Readers by min(field length, UNROLLED_ASCII_MAX + 1): shared by every schema. */
const cStringReaders = new Map<number, CStringReader>();

/**
 * readCString (fields/strings.ts) for a compiled decoder's cString(length) field, with
 * the same results and errors, generated once per field length (longer fields share
 * one). The first up to UNROLLED_ASCII_MAX bytes are read by straight-line code, each
 * byte loaded once into a local; at the NUL, ASCII text becomes one String.fromCharCode
 * call with exactly those locals as arguments: one flat string, where the interpreted
 * reader scans in a loop, loads every byte again and builds pieces of 16 and 8 joined by
 * a cons string (for a 19-character name ~32 ns instead of ~53). Longer text continues
 * with the loop and is built as readCString builds it; no NUL inside the field, or
 * non-ASCII text, goes to readCString itself, which throws or decodes as usual.
 */
function cStringReader(length: number): CStringReader {
  const unrolled = Math.min(length, UNROLLED_ASCII_MAX + 1);
  let reader = cStringReaders.get(unrolled);
  if (reader === undefined) {
    const steps: string[] = [];
    for (let k = 0; k < Math.min(unrolled, UNROLLED_ASCII_MAX); k++) {
      const args = Array.from({ length: k }, (_, j) => `c${j}`).join(', ');
      steps.push(`const c${k} = b[s + ${k}]; if (c${k} === 0) return h < 0x80 ? fcc(${args}) : readCString(b, s, end, where); h |= c${k};`);
    }
    const rest =
      unrolled > UNROLLED_ASCII_MAX
        ? `let i = s + ${UNROLLED_ASCII_MAX};
           for (; i < end; i++) {
             const c = b[i];
             if (c === 0) break;
             h |= c;
           }
           return i >= end || h >= 0x80 ? readCString(b, s, end, where) : asciiString(b, s, i);`
        : 'return readCString(b, s, end, where);';
    const src = `"use strict";
      return function readCStringUnrolled(b, s, end, where) {
        let h = 0;
        ${steps.join('\n')}
        ${rest}
      };`;
    reader = new Function('fcc', 'readCString', 'asciiString', src)(String.fromCharCode, readCString, asciiString) as CStringReader;
    cStringReaders.set(unrolled, reader);
  }
  return reader;
}

/** Whether this host stores a Uint32Array's words little-endian, as the wire is. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** The NDR record's bytes as two little-endian words. */
const NDR_WORD0 = new DataView(Uint8Array.from(NDR_RECORD).buffer).getUint32(0, true);
const NDR_WORD1 = new DataView(Uint8Array.from(NDR_RECORD).buffer).getUint32(4, true);

/** Padding words up to which a string's tail is zeroed by unrolled stores; longer tails by Uint32Array fill. */
const UNROLLED_ZERO_WORDS = 64;

/**
 * Source writing the cString(length) local `x` at body offset `o` through the word view
 * `w` (and `b`, the body's bytes), as writeUtf8 plus zero-filling to the padded length:
 * ASCII text without NUL (the test: every character ORed below 0x80, every character
 * minus one non-negative) four characters to a word, the last word holding the rest,
 * the terminator and zeros, then every later word of the field zeroed (straight-line
 * stores entered by a switch on the first word, for fields up to UNROLLED_ZERO_WORDS
 * words). Other text goes to writeUtf8 and fill, from the start of the field.
 */
function cStringWords(x: string, o: number, length: number): string {
  const first = o / 4;
  const end = (o + pad4(length)) / 4;
  const zero =
    end - first <= UNROLLED_ZERO_WORDS
      ? `switch (j) { ${Array.from({ length: end - first }, (_, k) => `case ${first + k}: w[${first + k}] = 0;`).join(' ')} }`
      : `if (j < ${end}) w.fill(0, j, ${end});`;
  return `{
    const s = ${x};
    const e = s.length < ${length - 1} ? s.length : ${length - 1};
    let k = 0;
    let j = ${first};
    let hi = 0;
    let z = 0;
    for (; k + 4 <= e; k += 4) {
      const c0 = s.charCodeAt(k), c1 = s.charCodeAt(k + 1), c2 = s.charCodeAt(k + 2), c3 = s.charCodeAt(k + 3);
      hi |= c0 | c1 | c2 | c3;
      z |= (c0 - 1) | (c1 - 1) | (c2 - 1) | (c3 - 1);
      w[j++] = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
    }
    let t = 0;
    switch (e - k) {
      case 3: { const c = s.charCodeAt(k + 2); hi |= c; z |= c - 1; t = c << 16; }
      case 2: { const c = s.charCodeAt(k + 1); hi |= c; z |= c - 1; t |= c << 8; }
      case 1: { const c = s.charCodeAt(k); hi |= c; z |= c - 1; t |= c; }
    }
    if (hi < 0x80 && z >= 0) {
      w[j++] = t;
      ${zero}
    } else {
      const n = writeUtf8(b, ${o}, s, ${length - 1});
      b.fill(0, ${o} + n, ${o + pad4(length)});
    }
  }`;
}

/** cString fields per schema read by inlined code; later ones call the shared reader (the inlined code grows with the square of the unrolled length). */
const INLINED_STRING_READS = 2;

/**
 * Source reading a cString(length) field at body offset `o` into the local `v`: what
 * cStringReader's function does, with the same results and errors, inlined into the
 * decoder: no call (the reader is too large for V8 to inline it), and every load at a
 * constant index (~7 ns less for a 19-character name).
 */
function cStringReadInline(v: string, o: number, length: number, where: string): string {
  const unrolled = Math.min(length, UNROLLED_ASCII_MAX);
  const end = o + length;
  const steps: string[] = [];
  for (let k = 0; k < unrolled; k++) {
    const args = Array.from({ length: k }, (_, j) => `c${j}`).join(', ');
    const found = k === 0 ? `${v} = ''` : `${v} = h < 0x80 ? fcc(${args}) : readCString(b, ${o}, ${end}, ${where})`;
    steps.push(`const c${k} = b[${o + k}]; if (c${k} === 0) { ${found}; break r; } h |= c${k};`);
  }
  const rest =
    length > UNROLLED_ASCII_MAX
      ? `let i = ${o + UNROLLED_ASCII_MAX};
         for (; i < ${end}; i++) {
           const c = b[i];
           if (c === 0) break;
           h |= c;
         }
         ${v} = i >= ${end} || h >= 0x80 ? readCString(b, ${o}, ${end}, ${where}) : asciiString(b, ${o}, i);`
      : `${v} = readCString(b, ${o}, ${end}, ${where});`;
  return `let ${v};
    r: {
      let h = 0;
      ${steps.join('\n')}
      ${rest}
    }`;
}

function codegenAllowed(): boolean {
  if (codegen === undefined) {
    try {
      codegen = new Function('return 1')() === 1;
    } catch {
      codegen = false;
    }
  }
  return codegen;
}

/** The compiled encoder and decoder for `plan`, or undefined when it has a field the compiler does not lay out. */
export function compileSchema(plan: SchemaPlan): CompiledSchema | undefined {
  const layouts = layoutsOf(plan.entries);
  if (layouts === undefined || !codegenAllowed()) return undefined;
  const { id, entries, ndr, complex } = plan;
  const keys = entries.map(([key]) => key);
  const fields = entries.map(([, field]) => field);
  const lit = (k: string): string => JSON.stringify(k);

  // Inline offsets: NDR first, then each inline field padded to 4, in field order.
  const offsets: number[] = [];
  let size = ndr ? NDR_RECORD.length : 0;
  for (const layout of layouts) {
    offsets.push(size);
    if (layout.kind === 'port') continue;
    size += layout.kind === 'int' ? 4 : layout.kind === 'boolean' ? 4 : layout.kind === 'int64' ? 8 : pad4(layout.length);
  }
  const bodySize = size;
  const descriptorIndexes = layouts.flatMap((l, i) => (l.kind === 'port' ? [i] : []));

  // Per inline field: `check` reads the value into a local (x<i>) and throws for a bad
  // one; `write` stores it. The encoders run every check before the first write, so a
  // value that fails leaves a reused message as it was. `zeroed` is a constant at each
  // use: true for fresh slab bytes (the padding writes fold away), false for a reused
  // body or encodeBody's `out`.
  const check: string[] = [];
  const write: string[] = [];
  if (ndr) for (let k = 0; k < NDR_RECORD.length; k++) write.push(`b[${k}] = ${NDR_RECORD[k]};`);
  layouts.forEach((layout, i) => {
    const o = offsets[i]!;
    const x = `x${i}`;
    const get = `const ${x} = value[${lit(keys[i]!)}];`;
    switch (layout.kind) {
      case 'port':
        return;
      case 'int': {
        check.push(get, `if (${intCheck(layout, x)}) fail(${i}, ${x});`);
        for (let k = 0; k < layout.size; k++) write.push(k === 0 ? `b[${o}] = ${x};` : `b[${o + k}] = ${x} >> ${8 * k};`);
        if (layout.size < 4) write.push(`if (!zeroed) { ${[1, 2, 3].filter((k) => k >= layout.size).map((k) => `b[${o + k}] = 0;`).join(' ')} }`);
        return;
      }
      case 'boolean':
        check.push(get, `if (typeof ${x} !== 'boolean') fail(${i}, ${x});`);
        write.push(`b[${o}] = ${x} ? 1 : 0;`, `if (!zeroed) { b[${o + 1}] = 0; b[${o + 2}] = 0; b[${o + 3}] = 0; }`);
        return;
      case 'int64': {
        const [min, max] = layout.signed ? ['-0x8000000000000000n', '0x7fffffffffffffffn'] : ['0n', '0xffffffffffffffffn'];
        check.push(get, `if (typeof ${x} !== 'bigint' || ${x} < ${min} || ${x} > ${max}) fail(${i}, ${x});`);
        write.push(`write64(b, ${o}, ${x});`);
        return;
      }
      case 'cString':
        check.push(get, `if (typeof ${x} !== 'string') fail(${i}, ${x});`);
        // A reused body still holds the last value's bytes: everything after the new
        // terminator up to the padded end is zeroed, as MIG's zero-filling strncpy does.
        write.push(`n = writeUtf8(b, ${o}, ${x}, ${layout.length - 1});`, `if (!zeroed) b.fill(0, ${o} + n, ${o + pad4(layout.length)});`);
        return;
    }
  });

  // The reuse path writes the body as 32-bit words through a Uint32Array view of it
  // (made on the first refill, kept with the message): a word store per integer, four
  // ASCII characters per store, and the padding after a string zeroed word by word,
  // where bytes would take four times the stores and TypedArray fill a builtin call
  // (~15 ns). Every inline offset and padded size is a multiple of 4, so are the words.
  // Little-endian hosts only (a Uint32Array stores in host order); elsewhere the reuse
  // path writes bytes as the fresh one does.
  const wordWrite: string[] = [];
  if (ndr) wordWrite.push(`w[0] = ${NDR_WORD0}; w[1] = ${NDR_WORD1};`);
  layouts.forEach((layout, i) => {
    const o = offsets[i]!;
    const x = `x${i}`;
    switch (layout.kind) {
      case 'port':
        return;
      case 'int':
        wordWrite.push(`w[${o / 4}] = ${layout.size === 4 ? x : `${x} & ${layout.size === 1 ? 0xff : 0xffff}`};`);
        return;
      case 'boolean':
        wordWrite.push(`w[${o / 4}] = ${x} ? 1 : 0;`);
        return;
      case 'int64':
        wordWrite.push(`write64(b, ${o}, ${x});`);
        return;
      case 'cString':
        wordWrite.push(cStringWords(x, o, layout.length));
        return;
    }
  });

  const descriptors = descriptorIndexes.map((i, d) => {
    const layout = layouts[i] as Extract<FieldLayout, { kind: 'port' }>;
    return { i, d, layout, name: `n${d}` };
  });

  // checkU32 inline: a number passes when it is a uint32 or an int32 (x >>> 0 or x | 0
  // gives it back); anything else goes to checkU32 itself, which throws its TypeError.
  // typeof first: >>> on an object would call its valueOf.
  const u32 = (name: string, get: string, what: string): string =>
    `let ${name} = ${get}; if (typeof ${name} !== 'number' || (${name} >>> 0 !== ${name} && (${name} | 0) !== ${name})) ${name} = checkU32(${name}, ${lit(what)}); ${name} >>>= 0;`;
  const [bitsLocal, bitsNoLocal] = [plan.defaultBits(1), plan.defaultBits(0)];
  const complexBits = (e: string): string => (complex ? `(${e} | ${MACH_MSGH_BITS_COMPLEX}) >>> 0` : `(${e} & ${~MACH_MSGH_BITS_COMPLEX}) >>> 0`);
  const dsCount = descriptors.length;
  const privates = ['#h', '#b', ...(complex ? ['#ds'] : []), ...descriptors.map(({ d }) => `#d${d}`)];
  // #w, the body's word view, is made on the first refill (not part of ctorArgs).
  const ctorArgs = ['h', 'b', ...(complex ? ['ds'] : []), ...descriptors.map(({ d }) => `d${d}`)];

  // The message encode returns carries private fields (never enumerable, never copied
  // by spread or structuredClone, invisible to deep equality) holding the header, body,
  // descriptors array and descriptor objects it was built with: a message passed back as
  // `reuse` is refilled only when it has them (so came from this schema's encode) and
  // still holds those very objects, with no msgh_size (which mach_msg adds when it
  // rewrites a message after a failed send; it also replaces the descriptors array).
  // Stamp adds them to a plain object literal (a base constructor returning its
  // argument), so the message stays a plain object as before.
  const reusable = [
    'reuse !== undefined && typeof reuse === \'object\' && reuse !== null && #h in reuse',
    '(rh = reuse.header) === reuse.#h',
    '(rb = reuse.body) === reuse.#b',
    `rb.length === ${bodySize}`,
    'rh.msgh_size === undefined',
    complex ? '(rds = reuse.descriptors) === reuse.#ds' : 'reuse.descriptors === undefined',
    ...(complex ? [`rds.length === ${dsCount}`] : []),
    ...descriptors.map(({ d }) => `rds[${d}] === reuse.#d${d}`),
  ].join(' && ');

  const encodeSrc = `
    if (typeof header !== 'object' || header === null) throw new TypeError('header must be an object, got ' + describe(header));
    ${u32('local', 'header.msgh_local_port ?? 0', 'msgh_local_port')}
    const hb = header.msgh_bits;
    let bits;
    if (hb !== undefined) { ${u32('hbits', 'hb', 'msgh_bits')} bits = hbits; } else bits = local !== 0 ? ${bitsLocal} : ${bitsNoLocal};
    if (typeof value !== 'object' || value === null) throw new TypeError('message value must be an object, got ' + describe(value));
    ${descriptors.map(({ i, name }) => u32(name, `value[${lit(keys[i]!)}]`, keys[i]!)).join('\n')}
    let rh, rb, rds;
    const own = ${reusable};
    ${check.join('\n')}
    ${u32('remote', 'header.msgh_remote_port', 'msgh_remote_port')}
    ${u32('voucher', 'header.msgh_voucher_port ?? 0', 'msgh_voucher_port')}
    let n;
    if (own) {
      rh.msgh_bits = ${complexBits('bits')};
      rh.msgh_remote_port = remote;
      rh.msgh_local_port = local;
      rh.msgh_voucher_port = voucher;
      rh.msgh_id = ${id};
      ${descriptors.map(({ d, name, layout }) => `{ const d = rds[${d}]; d.type = 0; d.name = ${name}; d.disposition = ${layout.disposition}; }`).join('\n')}
      const b = rb;
      ${
        LITTLE_ENDIAN
          ? `let w = reuse.#w; if (w === undefined) reuse.#w = w = new Uint32Array(b.buffer, b.byteOffset, ${bodySize / 4});\n${wordWrite.join('\n')}`
          : `const zeroed = false;\n${write.join('\n')}`
      }
      return reuse;
    }
    const b = ${bodySize === 0 ? 'new Uint8Array(0)' : `allocBytes(${bodySize})`};
    { const zeroed = true; ${write.join('\n')} }
    const h = { msgh_bits: ${complexBits('bits')}, msgh_remote_port: remote, msgh_local_port: local, msgh_voucher_port: voucher, msgh_id: ${id} };
    ${descriptors.map(({ d, name, layout }) => `const d${d} = { type: 0, name: ${name}, disposition: ${layout.disposition} };`).join('\n')}
    ${complex ? `const ds = [${descriptors.map(({ d }) => `d${d}`).join(', ')}];` : ''}
    return new Stamp({ header: h, body: b${complex ? ', descriptors: ds' : ''} }, ${ctorArgs.join(', ')});`;

  const reads: string[] = [];
  let inlinedStrings = 0;
  const values: string[] = [];
  const assigns: string[] = [];
  layouts.forEach((layout, i) => {
    const o = offsets[i]!;
    const v = `v${i}`;
    values.push(`${lit(keys[i]!)}: ${v}`);
    assigns.push(`into[${lit(keys[i]!)}] = ${v};`);
    switch (layout.kind) {
      case 'port':
        return;
      case 'int':
        reads.push(`const ${v} = ${intRead(layout, o)};`);
        return;
      case 'boolean':
        reads.push(`const ${v} = (b[${o}] | b[${o + 1}] | b[${o + 2}] | b[${o + 3}]) !== 0;`);
        return;
      case 'int64':
        reads.push(`const ${v} = read64(b, ${o}, ${layout.signed});`);
        return;
      case 'cString':
        reads.push(
          inlinedStrings++ < INLINED_STRING_READS
            ? cStringReadInline(v, o, layout.length, lit(keys[i]!))
            : `const ${v} = R[${i}](b, ${o}, ${o + layout.length}, ${lit(keys[i]!)});`,
        );
        return;
    }
  });
  for (const { i, d, layout } of descriptors) {
    reads.push(
      `const d${d} = ds[${d}];`,
      `const v${i} = d${d}.type === 0 && d${d}.disposition === ${layout.received} ? d${d}.name : F[${i}].fromDescriptor(d${d}, 0, ${lit(keys[i]!)});`,
    );
  }

  // b.length, not b.byteLength (the same number for a Uint8Array): Node 20's V8 compiles
  // byteLength to a generic property-load call (~9 ns), length to an inline field load.
  const decodeSrc = `
    if (into !== undefined && (typeof into !== 'object' || into === null)) throw new TypeError('decode into must be an object, got ' + describe(into));
    if (typeof message !== 'object' || message === null || typeof message.header !== 'object' || message.header === null) {
      throw new TypeError('decode takes a message, got ' + describe(message));
    }
    const h = message.header;
    if (h.msgh_id !== ${id}) throw new MachError(MIG_BAD_ID, 'expected msgh_id ${id}, got ' + h.msgh_id);
    const isComplex = (h.msgh_bits & ${MACH_MSGH_BITS_COMPLEX}) !== 0;
    const ds = message.descriptors ?? EMPTY;
    if (isComplex !== ${complex}) throw badArguments('message', ${lit(complex ? 'expected a complex message' : 'expected a simple message')});
    if (ds.length !== ${descriptors.length}) throw badArguments('message', 'expected ${descriptors.length} descriptors, got ' + ds.length);
    const b = message.body ?? EMPTY_BYTES;
    if (!(b instanceof Uint8Array)) throw new TypeError('message.body must be a Uint8Array, got ' + describe(b));
    if (b.length !== ${bodySize}) throw badArguments('message', 'inline data of ' + b.length + ' bytes, expected ${bodySize}');
    ${reads.join('\n')}
    if (into === undefined) return { ${values.join(', ')} };
    ${assigns.join('\n')}
    return into;`;

  const fail = (i: number, value: unknown): never => {
    const field = fields[i]!;
    if (field.kind === 'inline') field.sizeOf(value, keys[i]!);
    else (field as DescriptorField<unknown>).toDescriptor(value, keys[i]!);
    throw new TypeError(`${keys[i]} (${field.description}): invalid value ${describe(value)}`);
  };
  const env = {
    F: fields,
    fail,
    describe,
    checkU32,
    allocBytes,
    writeUtf8,
    R: layouts.map((layout) => (layout.kind === 'cString' ? cStringReader(layout.length) : undefined)),
    fcc: String.fromCharCode,
    readCString,
    asciiString,
    write64,
    read64,
    MachError,
    MIG_BAD_ID,
    badArguments,
    EMPTY: Object.freeze([]) as readonly unknown[],
    EMPTY_BYTES: new Uint8Array(0),
  };
  const names = Object.keys(env);
  const src = `"use strict";
    class Own { constructor(o) { return o; } }
    class Stamp extends Own {
      ${privates.join('; ')}; #w;
      constructor(o, ${ctorArgs.join(', ')}) {
        super(o);
        ${privates.map((f, k) => `this.${f} = ${ctorArgs[k]};`).join(' ')}
      }
      static encode(value, header, reuse) { ${encodeSrc} }
    }
    function writeBody(value, b, zeroed) { let n; ${check.join('\n')} ${write.join('\n')} }
    function decode(message, into) { ${decodeSrc} }
    return { writeBody, encode: Stamp.encode, decode };`;
  const made = new Function(...names, src)(...names.map((k) => env[k as keyof typeof env])) as Omit<CompiledSchema, 'bodySize'>;
  return { bodySize, ...made };
}
