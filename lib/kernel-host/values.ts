/**
 * The value encoding of frame payloads: a small tagged binary format for the JS values a
 * MachApi call takes and returns (numbers, bigints, strings, byte arrays, arrays, plain
 * objects). Arguments travel as the caller wrote them, wrong types included, so the
 * kernel's task checks them exactly as an in-process task would (same TypeError, same
 * MachError). Object keys that Mach structures use are sent as one byte ({@link KEYS}).
 *
 * | tag | value | encoding after the tag |
 * |---|---|---|
 * | 0x00 | undefined | — |
 * | 0x01 | null | — |
 * | 0x02 / 0x03 | false / true | — |
 * | 0x04 | integer 0 … 2³²−1 | u32 |
 * | 0x05 | integer −2³¹ … −1 | i32 |
 * | 0x06 | any other number | f64 |
 * | 0x07 | bigint | u8 sign (0 / 1), u8 byte count n, n bytes of magnitude |
 * | 0x08 | string | u32 byte length, UTF-8 |
 * | 0x09 | Uint8Array (and Buffer) | u32 length, bytes |
 * | 0x0a | array | u32 count, values (holes as undefined) |
 * | 0x0b | object | u32 count, then per own enumerable property: key, value |
 * | 0x0c | function | string tag + name (the receiver gets a stand-in function) |
 * | 0x0d | symbol | string tag + description (the receiver gets a new symbol) |
 * | 0x0e | other typed array / ArrayBuffer | u8 kind, u32 byte length, bytes |
 *
 * A key is one byte: 1…254 index {@link KEYS} (index + 1); 0 is followed by a string.
 * Values nest at most {@link MAX_DEPTH} deep (deeper, or cyclic, values are a TypeError
 * on the sending side).
 * @module
 */

/** Tags. */
const T_UNDEFINED = 0x00;
const T_NULL = 0x01;
const T_FALSE = 0x02;
const T_TRUE = 0x03;
const T_U32 = 0x04;
const T_I32 = 0x05;
const T_F64 = 0x06;
const T_BIGINT = 0x07;
const T_STRING = 0x08;
const T_BYTES = 0x09;
const T_ARRAY = 0x0a;
const T_OBJECT = 0x0b;
const T_FUNCTION = 0x0c;
const T_SYMBOL = 0x0d;
const T_TYPED = 0x0e;

/** The deepest nesting a value may have. */
export const MAX_DEPTH = 32;

/**
 * The keys sent as one byte (their index + 1). Part of the protocol: new keys are only
 * ever appended.
 */
export const KEYS: readonly string[] = [
  // MachMessage, header, descriptors
  'header', 'descriptors', 'body', 'msgh_bits', 'msgh_size', 'msgh_remote_port', 'msgh_local_port',
  'msgh_voucher_port', 'msgh_id', 'type', 'name', 'disposition', 'data', 'deallocate', 'copy', 'size',
  'address', 'names', 'count', 'context', 'flags',
  // ReceivedMessage, trailer
  'trailer', 'msgh_trailer_type', 'msgh_trailer_size', 'seqno', 'sender', 'audit', 'ad', 'labels', 'uid',
  'gid', 'auid', 'euid', 'egid', 'ruid', 'rgid', 'pid', 'asid', 'pidversion',
  // attributes and results
  'mpl_qlimit', 'mps_pset', 'mps_seqno', 'mps_mscount', 'mps_qlimit', 'mps_msgcount', 'mps_sorights',
  'mps_srights', 'mps_pdrequest', 'mps_nsrequest', 'mps_flags', 'mpie_status', 'mpie_boost_cnt', 'mpl',
  'poly', 'polyPoly', 'object_type', 'object_addr', 'types', 'signal', 'kobjectCall',
  // host_info, host_statistics64, task_info
  'max_cpus', 'avail_cpus', 'memory_size', 'cpu_type', 'cpu_subtype', 'cpu_threadtype', 'physical_cpu',
  'physical_cpu_max', 'logical_cpu', 'logical_cpu_max', 'max_mem', 'free_count', 'active_count',
  'inactive_count', 'wire_count', 'zero_fill_count', 'reactivations', 'pageins', 'pageouts', 'faults',
  'cow_faults', 'lookups', 'hits', 'purges', 'purgeable_count', 'speculative_count', 'decompressions',
  'compressions', 'swapins', 'swapouts', 'compressor_page_count', 'throttled_count', 'external_page_count',
  'internal_page_count', 'total_uncompressed_pages_in_compressor', 'virtual_size', 'resident_size',
  'resident_size_max', 'user_time', 'system_time', 'seconds', 'microseconds', 'policy', 'suspend_count',
  // errors
  'kind', 'kr', 'message', 'details', 'reason', 'portName', 'localPort', 'rewrite', 'descriptorsReplaced',
  // spaceInfo
  'urefs', 'portId', 'receiver', 'portDead', 'inTransit', 'inKernel', 'msgcount', 'qlimit', 'mscount',
  'srights', 'sorights', 'nsrequest', 'pdrequest', 'members', 'dnrequest', 'kobjectType', 'kobjectTask',
  'label',
  // sessions and tasks
  'handle', 'self', 'bootstrap', 'realm', 'guardPolicy', 'op', 'title', 'error', 'requestInDetails',
];

const KEY_INDEX = new Map<string, number>(KEYS.map((k, i) => [k, i + 1]));
if (KEYS.length > 254) throw new Error('kernel-host: too many well-known keys');

/** Typed-array kinds of T_TYPED. */
const TYPED_KINDS: Array<[string, new (b: ArrayBuffer) => ArrayBufferView]> = [
  ['ArrayBuffer', ArrayBuffer as never],
  ['Int8Array', Int8Array],
  ['Uint8ClampedArray', Uint8ClampedArray],
  ['Int16Array', Int16Array],
  ['Uint16Array', Uint16Array],
  ['Int32Array', Int32Array],
  ['Uint32Array', Uint32Array],
  ['Float32Array', Float32Array],
  ['Float64Array', Float64Array],
  ['BigInt64Array', BigInt64Array],
  ['BigUint64Array', BigUint64Array],
  ['DataView', DataView as never],
];

/** A growable output buffer. */
export class Writer {
  buf: Buffer;
  pos: number;

  /** A writer whose first `start` bytes are reserved (for a frame header). */
  constructor(initial = 256, start = 0) {
    this.buf = Buffer.allocUnsafe(Math.max(initial, start + 16));
    this.pos = start;
  }

  /** Make room for n more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Append one byte. */
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  /** Append a u16, little endian. */
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.pos);
    this.pos += 2;
  }

  /** Append a u32, little endian (`v >>> 0`: negative values wrap). */
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  /** Append an i32, little endian. */
  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v, this.pos);
    this.pos += 4;
  }

  /** Append an f64, little endian. */
  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** Append raw bytes (no length prefix). */
  bytes(b: Uint8Array): void {
    this.ensure(b.byteLength);
    this.buf.set(b, this.pos);
    this.pos += b.byteLength;
  }

  /** u32 byte length, then UTF-8. */
  string(s: string): void {
    const max = s.length * 3;
    this.ensure(4 + max);
    const n = this.buf.write(s, this.pos + 4, 'utf8');
    this.buf.writeUInt32LE(n, this.pos);
    this.pos += 4 + n;
  }

  /** The bytes written so far (a view of the buffer). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Thrown for payloads that do not decode. */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

/** A cursor over received bytes. */
export class Reader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new DecodeError(`payload truncated: need ${n} bytes at offset ${this.pos} of ${this.end}`);
  }

  /** Read one byte. Throws {@link DecodeError} past the end. */
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  /** Read a u16, little endian. Throws {@link DecodeError} past the end. */
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  /** Read a u32, little endian. Throws {@link DecodeError} past the end. */
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Read an i32, little endian. Throws {@link DecodeError} past the end. */
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Read an f64, little endian. Throws {@link DecodeError} past the end. */
  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** n bytes, copied. */
  bytes(n: number): Uint8Array<ArrayBuffer> {
    this.need(n);
    const out = new Uint8Array(n);
    const buf = this.buf;
    const pos = this.pos;
    // Message bodies are mostly small: a loop beats making a view to copy from.
    if (n <= 128) for (let i = 0; i < n; i++) out[i] = buf[pos + i]!;
    else out.set(buf.subarray(pos, pos + n));
    this.pos = pos + n;
    return out;
  }

  /**
   * Read a u32 byte length, then that many bytes of UTF-8 (invalid sequences become
   * U+FFFD). Throws {@link DecodeError} past the end.
   */
  string(): string {
    const n = this.u32();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** Whether every byte has been read. */
  get done(): boolean {
    return this.pos === this.end;
  }
}

// ---------------------------------------------------------------------------
// Encoding

/** Encode one value. Throws TypeError for values nested deeper than MAX_DEPTH (cycles). */
export function writeValue(w: Writer, v: unknown, depth = 0): void {
  switch (typeof v) {
    case 'undefined':
      w.u8(T_UNDEFINED);
      return;
    case 'boolean':
      w.u8(v ? T_TRUE : T_FALSE);
      return;
    case 'number':
      // v >>> 0 === v holds for the integers 0 … 2³²−1 and for −0 (−0 >>> 0 is +0, and
      // +0 === −0); 1 / v > 0 leaves −0 to the f64 encoding.
      if (v >>> 0 === v && (v !== 0 || 1 / v > 0)) {
        w.ensure(5);
        const b = w.buf;
        const p = w.pos;
        b[p] = T_U32;
        b[p + 1] = v;
        b[p + 2] = v >>> 8;
        b[p + 3] = v >>> 16;
        b[p + 4] = v >>> 24;
        w.pos = p + 5;
      } else if (Number.isInteger(v) && v < 0 && v >= -0x80000000) {
        w.u8(T_I32);
        w.i32(v);
      } else {
        w.u8(T_F64);
        w.f64(v);
      }
      return;
    case 'bigint': {
      if (v === 0n) {
        // Trailer contexts: the common bigint, no byte loop.
        w.ensure(3);
        w.buf[w.pos] = T_BIGINT;
        w.buf[w.pos + 1] = 0;
        w.buf[w.pos + 2] = 0;
        w.pos += 3;
        return;
      }
      w.u8(T_BIGINT);
      const neg = v < 0n;
      let m = neg ? -v : v;
      const bytes: number[] = [];
      while (m > 0n) {
        bytes.push(Number(m & 0xffn));
        m >>= 8n;
      }
      if (bytes.length > 255) throw new TypeError('kernel-host: bigint too large to send');
      w.u8(neg ? 1 : 0);
      w.u8(bytes.length);
      for (const b of bytes) w.u8(b);
      return;
    }
    case 'string':
      w.u8(T_STRING);
      w.string(v);
      return;
    case 'function':
      w.u8(T_FUNCTION);
      w.string(v.name);
      return;
    case 'symbol':
      w.u8(T_SYMBOL);
      w.string(v.description ?? '');
      return;
    case 'object':
      break;
  }
  if (v === null) {
    w.u8(T_NULL);
    return;
  }
  if (depth >= MAX_DEPTH) throw new TypeError(`kernel-host: value nested more than ${MAX_DEPTH} deep (or cyclic) cannot be sent`);
  // Headers, trailers, audit tokens: plain objects skip the byte-array and typed-array
  // checks below, which none of them can pass (an array is the one exotic object whose
  // prototype may be Object.prototype and still take another path).
  if (Object.getPrototypeOf(v) === Object.prototype && !Array.isArray(v)) {
    writeObject(w, v as Record<string, unknown>, depth);
    return;
  }
  if (v instanceof Uint8Array) {
    w.ensure(5 + v.byteLength);
    w.buf[w.pos] = T_BYTES;
    w.buf.writeUInt32LE(v.byteLength, w.pos + 1);
    w.pos += 5;
    w.buf.set(v, w.pos);
    w.pos += v.byteLength;
    return;
  }
  if (Array.isArray(v)) {
    w.u8(T_ARRAY);
    w.u32(v.length);
    for (let i = 0; i < v.length; i++) writeValue(w, v[i], depth + 1);
    return;
  }
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
    const ctor = (v as object).constructor?.name;
    const kind = TYPED_KINDS.findIndex(([n]) => n === ctor);
    if (kind >= 0) {
      const bytes = v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      w.u8(T_TYPED);
      w.u8(kind);
      w.u32(bytes.byteLength);
      w.bytes(bytes);
      return;
    }
  }
  writeObject(w, v as Record<string, unknown>, depth);
}

/** An object: its own enumerable string-keyed properties, in Object.keys order. */
function writeObject(w: Writer, o: Record<string, unknown>, depth: number): void {
  const keys = Object.keys(o);
  w.u8(T_OBJECT);
  w.u32(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const id = KEY_INDEX.get(k);
    if (id !== undefined) w.u8(id);
    else {
      w.u8(0);
      w.string(k);
    }
    writeValue(w, o[k], depth + 1);
  }
}

// ---------------------------------------------------------------------------
// Decoding

/** Decode one value. Throws DecodeError on malformed input. */
export function readValue(r: Reader, depth = 0): unknown {
  const tag = r.u8();
  switch (tag) {
    case T_UNDEFINED:
      return undefined;
    case T_NULL:
      return null;
    case T_FALSE:
      return false;
    case T_TRUE:
      return true;
    case T_U32:
      return r.u32();
    case T_I32:
      return r.i32();
    case T_F64:
      return r.f64();
    case T_BIGINT: {
      const neg = r.u8();
      const n = r.u8();
      let m = 0n;
      for (let i = 0; i < n; i++) m |= BigInt(r.u8()) << BigInt(8 * i);
      return neg === 1 ? -m : m;
    }
    case T_STRING:
      return r.string();
    case T_FUNCTION: {
      const name = r.string();
      const f = function () {};
      Object.defineProperty(f, 'name', { value: name });
      return f;
    }
    case T_SYMBOL:
      return Symbol(r.string());
    case T_BYTES:
      return r.bytes(r.u32());
  }
  if (depth >= MAX_DEPTH) throw new DecodeError(`value nested more than ${MAX_DEPTH} deep`);
  switch (tag) {
    case T_ARRAY: {
      const n = r.u32();
      if (n > r.end - r.pos) throw new DecodeError(`array of ${n} elements in ${r.end - r.pos} bytes`);
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = readValue(r, depth + 1);
      return out;
    }
    case T_OBJECT: {
      const n = r.u32();
      if (n > r.end - r.pos) throw new DecodeError(`object of ${n} properties in ${r.end - r.pos} bytes`);
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const id = r.u8();
        let key: string;
        if (id === 0) key = r.string();
        else {
          const k = KEYS[id - 1];
          if (k === undefined) throw new DecodeError(`unknown key index ${id}`);
          key = k;
        }
        if (key === '__proto__') {
          Object.defineProperty(out, key, { value: readValue(r, depth + 1), enumerable: true, writable: true, configurable: true });
        } else {
          out[key] = readValue(r, depth + 1);
        }
      }
      return out;
    }
    case T_TYPED: {
      const kind = r.u8();
      const entry = TYPED_KINDS[kind];
      if (entry === undefined) throw new DecodeError(`unknown typed-array kind ${kind}`);
      const bytes = r.bytes(r.u32());
      const [name, Ctor] = entry;
      if (name === 'ArrayBuffer') return bytes.buffer;
      const per = (Ctor as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
      if (bytes.byteLength % per !== 0) throw new DecodeError(`${name} of ${bytes.byteLength} bytes`);
      return new Ctor(bytes.buffer);
    }
    default:
      throw new DecodeError(`unknown value tag 0x${tag.toString(16)}`);
  }
}

/** Encode a value on its own. */
export function encodeValue(v: unknown): Buffer {
  const w = new Writer();
  writeValue(w, v);
  return w.finish();
}

/** Decode a value that fills `buf` exactly. */
export function decodeValue(buf: Buffer): unknown {
  const r = new Reader(buf);
  const v = readValue(r);
  if (!r.done) throw new DecodeError(`${r.end - r.pos} bytes after the value`);
  return v;
}
