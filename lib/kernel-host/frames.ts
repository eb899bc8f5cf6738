/**
 * Frames: building them (header + payload) and cutting a byte stream into them.
 * @module
 */
import { HEADER_SIZE } from './protocol.js';
import { Reader, Writer, writeValue } from './values.js';

/** A received frame's header fields and the frame's bytes. */
export interface Frame {
  type: number;
  flags: number;
  task: number;
  seq: number;
  /** The whole frame (header included). */
  bytes: Buffer;
}

/**
 * Frames are built in one reused scratch writer and copied out at their final size:
 * a received message's reply frame outgrew a fresh writer's first buffer and was
 * allocated twice. The scratch is taken while a frame is being built (encoding may run
 * a caller's getters, which may build frames of their own: those get a writer of their
 * own), and not kept once it has grown past SCRATCH_KEEP (a large message's frame is
 * handed over as it is, without the copy).
 */
let scratch: Writer | null = null;
const SCRATCH_KEEP = 64 * 1024;

/** A writer for one frame: the header is reserved, fill the payload, then {@link endFrame}. */
export function beginFrame(type: number, flags: number, task: number, seq: number, initial = 128): Writer {
  let w = scratch;
  if (w !== null) {
    scratch = null;
    w.pos = HEADER_SIZE;
  } else {
    w = new Writer(Math.max(initial, 1024), HEADER_SIZE);
  }
  const b = w.buf;
  b[4] = type;
  b[5] = flags;
  b[6] = 0;
  b[7] = 0;
  b.writeUInt32LE(task >>> 0, 8);
  b.writeUInt32LE(seq >>> 0, 12);
  return w;
}

/** Write the frame length and return the frame (a buffer of its own; the writer is done with). */
export function endFrame(w: Writer): Buffer {
  w.buf.writeUInt32LE(w.pos, 0);
  if (w.buf.length > SCRATCH_KEEP) return w.finish();
  const out = Buffer.allocUnsafe(w.pos);
  w.buf.copy(out, 0, 0, w.pos);
  scratch = w;
  return out;
}

/** A frame whose payload is one value. */
export function valueFrame(type: number, flags: number, task: number, seq: number, value: unknown): Buffer {
  const w = beginFrame(type, flags, task, seq);
  writeValue(w, value);
  return endFrame(w);
}

/** Rewrite the sequence number of a built frame. */
export function setSeq(frame: Buffer, seq: number): void {
  frame.writeUInt32LE(seq >>> 0, 12);
}

/** Parse the header of a complete frame. */
export function parseFrame(bytes: Buffer): Frame {
  return {
    type: bytes[4]!,
    flags: bytes[5]!,
    task: bytes.readUInt32LE(8),
    seq: bytes.readUInt32LE(12),
    bytes,
  };
}

/** A reader over a frame's payload. */
export function payload(frame: Frame): Reader {
  return new Reader(frame.bytes, HEADER_SIZE, frame.bytes.length);
}

/** Thrown by {@link FrameCutter} for a stream that cannot be framed. */
export class FramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FramingError';
  }
}

/**
 * Cuts a byte stream into frames. Chunks are kept until a whole frame is there; a frame
 * inside one chunk is a view of it (no copy). A length below the header size or above
 * `maxFrame` cannot be resynchronised: push() throws FramingError.
 *
 * With `reusedChunks`, the caller's chunk is a read buffer it will overwrite after
 * push() returns: frames handed out are still views (the consumer must be done with
 * them when `onFrame` returns), and the bytes of an incomplete frame are copied.
 */
export class FrameCutter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly maxFrame: number;
  private readonly reusedChunks: boolean;

  constructor(maxFrame: number, options: { reusedChunks?: boolean } = {}) {
    this.maxFrame = maxFrame;
    this.reusedChunks = options.reusedChunks === true;
  }

  private keep(chunk: Buffer): Buffer {
    return this.reusedChunks ? Buffer.from(chunk) : chunk;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pending(): number {
    return this.buffered;
  }

  /** Add a chunk; calls `onFrame` for each complete frame. */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    if (this.buffered === 0) {
      // Fast path: frames straight out of the chunk.
      let pos = 0;
      while (chunk.length - pos >= 4) {
        const len = chunk.readUInt32LE(pos);
        this.check(len);
        if (chunk.length - pos < len) break;
        onFrame(chunk.subarray(pos, pos + len));
        pos += len;
      }
      if (pos < chunk.length) {
        this.chunks.push(this.keep(pos === 0 ? chunk : chunk.subarray(pos)));
        this.buffered = chunk.length - pos;
      }
      return;
    }
    this.chunks.push(this.keep(chunk));
    this.buffered += chunk.length;
    for (;;) {
      if (this.buffered < 4) return;
      const len = this.peekLength();
      this.check(len);
      if (this.buffered < len) return;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      this.chunks = [];
      this.buffered = 0;
      onFrame(all.subarray(0, len));
      if (all.length > len) {
        // The rest goes through the fast path again.
        this.push(all.subarray(len), onFrame);
        return;
      }
      return;
    }
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readUInt32LE(0);
    const head = Buffer.concat(this.chunks, Math.min(this.buffered, 4));
    return head.readUInt32LE(0);
  }

  private check(len: number): void {
    if (len < HEADER_SIZE) throw new FramingError(`frame length ${len} is below the ${HEADER_SIZE}-byte header`);
    if (len > this.maxFrame) throw new FramingError(`frame length ${len} exceeds the ${this.maxFrame}-byte limit`);
  }
}
