/**
 * The integer_t word arrays MIG carries for "info" out-parameters (host_info_t,
 * host_info64_t, task_info_t are `array[*:N] of integer_t`): how C structs travel as
 * 32-bit little-endian words, and how each C field type maps onto them.
 *
 * Every info struct is declared under `#pragma pack(4)` (xnu:osfmk/mach/task_info.h,
 * host_info.h) or has only naturally aligned fields (xnu:osfmk/mach/vm_statistics.h), so a
 * 64-bit field is two consecutive words, low word first, at any word offset.
 * @module
 */
import { MIG_TYPE_ERROR } from '../constants.js';
import { MachError } from '../errors.js';

/** One field of an info struct: its C name and C type, in declaration order. */
export type InfoField =
  | readonly [name: string, type: 'integer_t']
  | readonly [name: string, type: 'natural_t']
  | readonly [name: string, type: 'uint64_t']
  | readonly [name: string, type: 'time_value_t'];

/** A C struct carried as integer_t words: its name and fields. */
export interface InfoLayout {
  readonly struct: string;
  readonly fields: readonly InfoField[];
}

/** time_value_t (xnu:osfmk/mach/time_value.h): seconds and microseconds, two integer_t. */
export interface time_value_t {
  seconds: number;
  microseconds: number;
}

const WORDS_OF: Record<InfoField[1], number> = { integer_t: 1, natural_t: 1, uint64_t: 2, time_value_t: 2 };

/** The size of a layout in integer_t words (its `*_COUNT`). */
export function wordCount(layout: InfoLayout, fieldCount: number = layout.fields.length): number {
  let n = 0;
  for (let i = 0; i < fieldCount; i++) n += WORDS_OF[layout.fields[i]![1]];
  return n;
}

/** Accept words as MIG or libSystem hands them: an Int32Array, a Uint32Array or plain numbers. */
export function toWords(words: Int32Array | Uint32Array | readonly number[]): Int32Array {
  if (words instanceof Int32Array) return words;
  if (!(words instanceof Uint32Array) && !Array.isArray(words)) {
    throw new TypeError('info words must be an Int32Array, a Uint32Array or an array of numbers');
  }
  const out = new Int32Array(words.length);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (typeof w !== 'number' || !Number.isFinite(w)) throw new TypeError(`info word ${i} is not a finite number`);
    out[i] = w;
  }
  return out;
}

/**
 * Decode the first `fieldCount` fields of a layout from words. Fields past `fieldCount`
 * (those a kernel did not fill for an older count) read as zero.
 * Fewer words than those fields need is a malformed reply: MachError(MIG_TYPE_ERROR).
 */
export function decodeInfo(
  layout: InfoLayout,
  input: Int32Array | Uint32Array | readonly number[],
  fieldCount: number = layout.fields.length,
): Record<string, number | bigint | time_value_t> {
  const words = toWords(input);
  const need = wordCount(layout, fieldCount);
  if (words.length < need) {
    throw new MachError(MIG_TYPE_ERROR, `${layout.struct}: ${words.length} words, ${need} needed`);
  }
  const out: Record<string, number | bigint | time_value_t> = {};
  let at = 0;
  layout.fields.forEach(([name, type], i) => {
    const filled = i < fieldCount;
    const w = (k: number): number => (filled ? words[at + k]! : 0);
    switch (type) {
      case 'integer_t':
        out[name] = w(0) | 0;
        break;
      case 'natural_t':
        out[name] = w(0) >>> 0;
        break;
      case 'uint64_t':
        out[name] = (BigInt(w(1) >>> 0) << 32n) | BigInt(w(0) >>> 0);
        break;
      case 'time_value_t':
        out[name] = { seconds: w(0) | 0, microseconds: w(1) | 0 };
        break;
    }
    at += WORDS_OF[type];
  });
  return out;
}

/** The low 32 bits of a JS number or bigint, as C's conversion to a 32-bit type does. */
function word32(v: unknown, what: string): number {
  if (typeof v === 'bigint') return Number(BigInt.asIntN(32, v));
  if (typeof v === 'number' && Number.isFinite(v)) return Number(BigInt.asIntN(32, BigInt(Math.trunc(v))));
  throw new TypeError(`${what} must be a finite number`);
}

/** A 64-bit unsigned value from a JS number or bigint, wrapped as C's conversion to uint64_t does. */
function word64(v: unknown, what: string): bigint {
  if (typeof v === 'bigint') return BigInt.asUintN(64, v);
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt.asUintN(64, BigInt(Math.trunc(v)));
  throw new TypeError(`${what} must be a finite number or a bigint`);
}

/** Encode a struct object into integer_t words (the full layout; missing fields are errors). */
export function encodeInfo(layout: InfoLayout, info: object): Int32Array {
  if (info === null || typeof info !== 'object') throw new TypeError(`${layout.struct} must be an object`);
  const src = info as Record<string, unknown>;
  const words = new Int32Array(wordCount(layout));
  let at = 0;
  for (const [name, type] of layout.fields) {
    const what = `${layout.struct}.${name}`;
    const v = src[name];
    switch (type) {
      case 'integer_t':
      case 'natural_t':
        words[at] = word32(v, what);
        break;
      case 'uint64_t': {
        const big = word64(v, what);
        words[at] = Number(BigInt.asIntN(32, big));
        words[at + 1] = Number(BigInt.asIntN(32, big >> 32n));
        break;
      }
      case 'time_value_t': {
        if (v === null || typeof v !== 'object') throw new TypeError(`${what} must be { seconds, microseconds }`);
        const t = v as Record<string, unknown>;
        words[at] = word32(t.seconds, `${what}.seconds`);
        words[at + 1] = word32(t.microseconds, `${what}.microseconds`);
        break;
      }
    }
    at += WORDS_OF[type];
  }
  return words;
}

/** Read `count` little-endian integer_t words from bytes at `offset` (as a reply carries them). */
export function wordsFromBytes(bytes: Uint8Array, offset: number, count: number): Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, true);
  return out;
}

/** Lay integer_t words out as little-endian bytes. */
export function bytesFromWords(words: Int32Array): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setInt32(4 * i, w, true));
  return out;
}
