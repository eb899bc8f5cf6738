/**
 * C string fields, UTF-8 encoded and NUL-terminated.
 *
 * - `cString(n)`: a fixed `char[n]` (MIG `c_string[n]`, as `name_t` = c_string[128] in
 *   bootstrap.defs and `string_t` = c_string[512]). Always n bytes, zero-filled after
 *   the terminator.
 * - `varString(max)`: MIG's variable `c_string[*:max]`: an offset word MIG never uses
 *   (always 0), a count word that includes the NUL, then the characters, padded to 4
 *   (bootstrap_cmds migcom WriteFieldDeclPrim, "NDR encoded VarString").
 *
 * Encoding follows MIG's mig_strncpy: the string stops at its first NUL and is cut to
 * fit (n − 1 or max − 1 bytes plus the terminator); unlike a byte copy, the cut never
 * splits a UTF-8 sequence. Decoding requires a NUL inside the field, as MIG's server
 * check does (memchr for the terminator → MIG_BAD_ARGUMENTS), and returns the text
 * before it; invalid UTF-8 decodes to U+FFFD.
 * @module
 */
import { describe } from '../argument-checks.js';
import { badArguments, need, type InlineField, type Reader, type Writer } from './field.js';
import { withLayout } from './layout.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

function checkString(value: unknown, where: string, description: string): string {
  if (typeof value !== 'string') throw new TypeError(`${where} (${description}) must be a string, got ${describe(value)}`);
  return value;
}

/**
 * Writes the UTF-8 bytes of `s` (up to its first NUL, at most `limit` bytes, whole
 * characters only) at `pos`; returns the number written. ASCII is written directly;
 * anything else goes through TextEncoder.encodeInto, which never writes a partial
 * character.
 */
export function writeUtf8(bytes: Uint8Array, pos: number, s: string, limit: number): number {
  const end = s.length < limit ? s.length : limit;
  let i = 0;
  // One unsigned compare per character: (c - 1) >>> 0 is below 0x7f only for 1..0x7f.
  while (i < end) {
    const c = s.charCodeAt(i);
    if ((c - 1) >>> 0 >= 0x7f) break;
    bytes[pos + i++] = c;
  }
  // Up to here every character was ASCII, one byte each: i bytes written.
  if (i === end || s.charCodeAt(i) === 0) return i;
  const nul = s.indexOf('\0', i);
  const rest = nul < 0 ? s.slice(i) : s.slice(i, nul);
  return i + encoder.encodeInto(rest, bytes.subarray(pos + i, pos + limit)).written;
}

/** The UTF-8 length of `s` up to its first NUL, capped at `limit` on a character boundary. */
function utf8Length(s: string, limit: number): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) break;
    let len: number;
    if (c < 0x80) len = 1;
    else if (c < 0x800) len = 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      len = 4;
      i++;
    } else len = 3;
    if (n + len > limit) break;
    n += len;
  }
  return n;
}

/**
 * The text before the first NUL in bytes[start, end); MIG_BAD_ARGUMENTS when there is
 * none. The scan for the NUL also tells whether every byte is ASCII; ASCII text (the
 * usual service or file name) is built without TextDecoder, whose call and the
 * subarray it needs cost more than the characters; anything else is decoded as UTF-8.
 */
export function readCString(bytes: Uint8Array, start: number, end: number, where: string): string {
  let i = start;
  let high = 0;
  for (; i < end; i++) {
    const c = bytes[i]!;
    if (c === 0) break;
    high |= c;
  }
  if (i >= end) throw badArguments(where, 'string is not NUL-terminated inside its field');
  return high < 0x80 ? asciiString(bytes, start, i) : decoder.decode(bytes.subarray(start, i));
}

const fromCharCode = String.fromCharCode;

/**
 * bytes[start, end), all below 0x80, as a string: sixteen, then eight characters per
 * String.fromCharCode call (calls with a fixed argument count, which V8 compiles
 * without an arguments array), then the rest in one call. Longer text becomes a
 * concatenation of the pieces (a cons string, flattened by V8 when first indexed).
 */
export function asciiString(b: Uint8Array, start: number, end: number): string {
  let s = '';
  let j = start;
  for (; j + 16 <= end; j += 16) {
    s += fromCharCode(
      b[j]!, b[j + 1]!, b[j + 2]!, b[j + 3]!, b[j + 4]!, b[j + 5]!, b[j + 6]!, b[j + 7]!,
      b[j + 8]!, b[j + 9]!, b[j + 10]!, b[j + 11]!, b[j + 12]!, b[j + 13]!, b[j + 14]!, b[j + 15]!,
    );
  }
  if (j + 8 <= end) {
    s += fromCharCode(b[j]!, b[j + 1]!, b[j + 2]!, b[j + 3]!, b[j + 4]!, b[j + 5]!, b[j + 6]!, b[j + 7]!);
    j += 8;
  }
  switch (end - j) {
    case 0:
      return s;
    case 1:
      return s + fromCharCode(b[j]!);
    case 2:
      return s + fromCharCode(b[j]!, b[j + 1]!);
    case 3:
      return s + fromCharCode(b[j]!, b[j + 1]!, b[j + 2]!);
    case 4:
      return s + fromCharCode(b[j]!, b[j + 1]!, b[j + 2]!, b[j + 3]!);
    case 5:
      return s + fromCharCode(b[j]!, b[j + 1]!, b[j + 2]!, b[j + 3]!, b[j + 4]!);
    case 6:
      return s + fromCharCode(b[j]!, b[j + 1]!, b[j + 2]!, b[j + 3]!, b[j + 4]!, b[j + 5]!);
    default:
      return s + fromCharCode(b[j]!, b[j + 1]!, b[j + 2]!, b[j + 3]!, b[j + 4]!, b[j + 5]!, b[j + 6]!);
  }
}

function checkCapacity(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new TypeError(`${what} must be a positive uint32, got ${describe(n)}`);
}

/** A fixed `char[length]` holding a NUL-terminated string (MIG c_string[length]). */
export function cString(length: number): InlineField<string> & { readonly size: number } {
  checkCapacity(length, 'cString(length)');
  const description = `cString(${length})`;
  const field = Object.freeze({
    kind: 'inline' as const,
    description,
    align: 1,
    size: length,
    sizeOf(value: string, where: string): number {
      checkString(value, where, description);
      return length;
    },
    write(w: Writer, value: string, where: string): void {
      const n = writeUtf8(w.bytes, w.pos, checkString(value, where, description), length - 1);
      w.bytes.fill(0, w.pos + n, w.pos + length);
      w.pos += length;
    },
    read(r: Reader, where: string): string {
      need(r, length, where);
      const s = readCString(r.bytes, r.pos, r.pos + length, where);
      r.pos += length;
      return s;
    },
  });
  return withLayout(field, { kind: 'cString', length });
}

/** A counted NUL-terminated string of at most `max` bytes with its terminator (MIG c_string[*:max]). */
export function varString(max: number): InlineField<string> {
  checkCapacity(max, 'varString(max)');
  const description = `varString(${max})`;
  return Object.freeze({
    kind: 'inline' as const,
    description,
    align: 4,
    size: undefined,
    bounds: { min: 9, max: 8 + max },
    sizeOf(value: string, where: string): number {
      return 8 + utf8Length(checkString(value, where, description), max - 1) + 1;
    },
    write(w: Writer, value: string, where: string): void {
      const n = writeUtf8(w.bytes, w.pos + 8, checkString(value, where, description), max - 1);
      w.view.setUint32(w.pos, 0, true);
      w.view.setUint32(w.pos + 4, n + 1, true);
      w.bytes[w.pos + 8 + n] = 0;
      w.pos += 8 + n + 1;
    },
    read(r: Reader, where: string): string {
      need(r, 8, where);
      const count = r.view.getUint32(r.pos + 4, true);
      if (count > max) throw badArguments(where, `count ${count} exceeds ${description}`);
      r.pos += 8;
      need(r, count, where);
      const s = readCString(r.bytes, r.pos, r.pos + count, where);
      r.pos += count;
      return s;
    },
  });
}
