/**
 * The handshake: HELLO (client → kernel) and WELCOME / REFUSE (kernel → client).
 *
 * HELLO payload: u32 magic 'MKHP', u16 protocol version, u8 role, u8 0, 16-byte session
 * id, then a value `{ pid, title }` (the client process, for logs).
 * WELCOME payload: u16 protocol version, u16 0, 16-byte kernel id, then a value
 * `{ pid, maxFrame }` (the kernel process and its frame limit).
 * REFUSE payload: a value `{ message, version }`.
 * @module
 */
import { beginFrame, endFrame, payload, valueFrame, type Frame } from './frames.js';
import { F, HELLO_MAGIC, PROTOCOL_VERSION } from './protocol.js';
import { DecodeError, readValue, writeValue } from './values.js';

/** A decoded HELLO. */
export interface Hello {
  version: number;
  role: number;
  sessionId: string;
  pid: number;
  title: string;
}

/** A decoded WELCOME. */
export interface Welcome {
  version: number;
  kernelId: string;
  pid: number;
  maxFrame: number;
}

/** Build a HELLO frame. */
export function helloFrame(role: number, sessionId: Buffer, pid: number, title: string, version = PROTOCOL_VERSION): Buffer {
  const w = beginFrame(F.HELLO, 0, 0, 0);
  w.u32(HELLO_MAGIC);
  w.u16(version);
  w.u8(role);
  w.u8(0);
  w.bytes(sessionId);
  writeValue(w, { pid, title });
  return endFrame(w);
}

/** Decode a HELLO frame (DecodeError when it is not one). */
export function parseHello(frame: Frame): Hello {
  if (frame.type !== F.HELLO) throw new DecodeError(`expected HELLO, got frame type 0x${frame.type.toString(16)}`);
  const r = payload(frame);
  if (r.u32() !== HELLO_MAGIC) throw new DecodeError('HELLO magic is not MKHP');
  const version = r.u16();
  const role = r.u8();
  r.u8();
  const sessionId = Buffer.from(r.bytes(16)).toString('hex');
  const info = readValue(r) as Record<string, unknown> | null;
  const pid = typeof info?.pid === 'number' ? info.pid : 0;
  const title = typeof info?.title === 'string' ? info.title.slice(0, 64) : '';
  return { version, role, sessionId, pid, title };
}

/** Build a WELCOME frame. */
export function welcomeFrame(kernelId: Buffer, maxFrame: number): Buffer {
  const w = beginFrame(F.WELCOME, 0, 0, 0);
  w.u16(PROTOCOL_VERSION);
  w.u16(0);
  w.bytes(kernelId);
  writeValue(w, { pid: process.pid, maxFrame });
  return endFrame(w);
}

/** Decode a WELCOME frame. */
export function parseWelcome(frame: Frame): Welcome {
  const r = payload(frame);
  const version = r.u16();
  r.u16();
  const kernelId = Buffer.from(r.bytes(16)).toString('hex');
  const info = readValue(r) as Record<string, unknown> | null;
  return {
    version,
    kernelId,
    pid: typeof info?.pid === 'number' ? info.pid : 0,
    maxFrame: typeof info?.maxFrame === 'number' ? info.maxFrame : 0,
  };
}

/** Build a REFUSE frame. */
export function refuseFrame(message: string): Buffer {
  return valueFrame(F.REFUSE, 0, 0, 0, { message, version: PROTOCOL_VERSION });
}

/** The message of a REFUSE or PROTOCOL_ERROR frame. */
export function reasonOf(frame: Frame): string {
  try {
    const v = readValue(payload(frame)) as Record<string, unknown> | null;
    if (typeof v?.message === 'string') return v.message;
  } catch {
    // fall through
  }
  return 'no reason given';
}
