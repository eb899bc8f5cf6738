/**
 * MIG's wire conventions, as the kernel's servers and libSystem's user stubs apply them:
 * the NDR record, reading a request body, writing a reply body, mig_reply_error_t, and the
 * checks a user stub makes on a reply. All little endian, packed to 4 bytes
 * (xnu:osfmk/mach/message.h pack(4); xnu:osfmk/mach/mig_errors.h).
 * @module
 */
import {
  MACH_MSGH_BITS_COMPLEX,
  MACH_NOTIFY_SEND_ONCE,
  MIG_REPLY_ID_OFFSET,
  MIG_REPLY_MISMATCH,
  MIG_SERVER_DIED,
  MIG_TYPE_ERROR,
  NDR_RECORD,
} from '../../constants.js';
import { MachError } from '../../errors.js';
import type { ReceivedMessage } from '../../types.js';

/** The 8 bytes of NDR_record (xnu:osfmk/mach/ndr.h): little-endian integers, ASCII, IEEE floats. */
export const NDR_RECORD_BYTES: Uint8Array = Uint8Array.from(NDR_RECORD);

/** sizeof(mach_msg_header_t). */
export const MACH_MSG_HEADER_SIZE = 24;
/** sizeof(mig_reply_error_t): header, NDR, RetCode. */
export const MIG_REPLY_ERROR_SIZE = 36;

/**
 * A request body that does not have the routine's exact layout. Servers answer it with
 * MIG_BAD_ARGUMENTS, as MIG's generated checks do (msgh_size must equal sizeof(Request)).
 */
export class MigBadArguments extends Error {
  constructor(what: string) {
    super(what);
    this.name = 'MigBadArguments';
  }
}

/** Reads a request body (the bytes after header and descriptors) field by field. */
export class MigReader {
  private readonly view: DataView;
  private at = 0;

  /** `expected` is the exact body length the routine's Request struct has. */
  constructor(
    private readonly bytes: Uint8Array,
    expected: number,
    withNdr = true,
  ) {
    if (bytes.byteLength !== expected) {
      throw new MigBadArguments(`request body is ${bytes.byteLength} bytes, ${expected} expected`);
    }
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // The kernel does not check the NDR record (NDR conversion is compiled out), so neither do we.
    if (withNdr) this.at = 8;
  }

  /** A natural_t / unsigned 32-bit argument. */
  u32(): number {
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }

  /** An integer_t / signed 32-bit argument. */
  i32(): number {
    const v = this.view.getInt32(this.at, true);
    this.at += 4;
    return v;
  }

  /** A 64-bit argument. */
  u64(): bigint {
    const v = this.view.getBigUint64(this.at, true);
    this.at += 8;
    return v;
  }

  /** `n` raw bytes. */
  bytesOf(n: number): Uint8Array {
    const v = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }

  /**
   * A fixed-size c_string[n] (e.g. launchd's name_t, c_string[128]): the bytes up to the first
   * NUL. A field without a NUL is not a C string: MigBadArguments.
   */
  cString(n: number): Uint8Array {
    const field = this.bytesOf(n);
    const end = field.indexOf(0);
    if (end < 0) throw new MigBadArguments(`c_string[${n}] without a terminating NUL`);
    return field.subarray(0, end);
  }
}

/** Builds a reply or request body field by field. */
export class MigWriter {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  private at = 0;

  /** Make room for `n` more bytes. */
  private reserve(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Append NDR_record. */
  ndr(): this {
    return this.bytes(NDR_RECORD_BYTES);
  }

  /** Append a 32-bit value (signed or unsigned; the low 32 bits are written). */
  u32(v: number): this {
    this.reserve(4);
    this.view.setUint32(this.at, v >>> 0, true);
    this.at += 4;
    return this;
  }

  /** Append a 64-bit value. */
  u64(v: bigint): this {
    this.reserve(8);
    this.view.setBigUint64(this.at, BigInt.asUintN(64, v), true);
    this.at += 8;
    return this;
  }

  /** Append raw bytes. */
  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
    return this;
  }

  /** Append integer_t words. */
  words(w: Int32Array): this {
    for (const x of w) this.u32(x);
    return this;
  }

  /**
   * Append a fixed-size c_string[n] as MIG user stubs fill it (mig_strncpy,
   * xnu:libsyscall/mach/mig_strncpy.c): at most n − 1 bytes, then NUL, zero-padded.
   */
  cString(s: Uint8Array, n: number): this {
    const field = new Uint8Array(n);
    field.set(s.subarray(0, n - 1));
    return this.bytes(field);
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.at);
  }
}

/** The body of mig_reply_error_t: NDR and RetCode (36 bytes with the header). */
export function migReplyErrorBody(retCode: number): Uint8Array {
  return new MigWriter().ndr().u32(retCode).finish();
}

/** Server side: a routine whose Request is the bare header (no NDR, no arguments) must have an empty body. */
export function requireEmptyBody(body: Uint8Array): void {
  if (body.byteLength !== 0) throw new MigBadArguments(`request body is ${body.byteLength} bytes, 0 expected`);
}

/**
 * The checks a MIG user stub makes on a non-complex reply (`__MIG_check__Reply__*_t`):
 * - id ≠ request id + 100 → MIG_SERVER_DIED if it is MACH_NOTIFY_SEND_ONCE (the server
 *   dropped the reply right), else MIG_REPLY_MISMATCH;
 * - COMPLEX set, or a size outside [minSize, maxSize] that is not a 36-byte error reply with
 *   RetCode ≠ 0 → MIG_TYPE_ERROR;
 * - RetCode ≠ 0 → that code.
 * Throws MachError with the code; returns a view of the body on success.
 */
export function checkSimpleReply(reply: ReceivedMessage, requestId: number, minSize: number, maxSize: number, context: string): DataView {
  const id = reply.header.msgh_id;
  if (id !== requestId + MIG_REPLY_ID_OFFSET) {
    throw new MachError(id === MACH_NOTIFY_SEND_ONCE ? MIG_SERVER_DIED : MIG_REPLY_MISMATCH, context);
  }
  const size = reply.size;
  const body = reply.body;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const retCode = body.byteLength >= 12 ? view.getInt32(8, true) : 0;
  const complex = (reply.header.msgh_bits & MACH_MSGH_BITS_COMPLEX) !== 0;
  const sizeOk = size >= minSize && size <= maxSize;
  if (complex || (!sizeOk && (size !== MIG_REPLY_ERROR_SIZE || retCode === 0))) {
    throw new MachError(MIG_TYPE_ERROR, context);
  }
  if (retCode !== 0) throw new MachError(retCode, context);
  return view;
}
