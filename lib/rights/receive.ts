/**
 * The receive path shared by ReceiveRight and PortSet: one receive as a promise of a
 * {@link Message}, and the async iteration that ends cleanly when the right or set is
 * closed or the signal aborts.
 * @module
 */
import {
  MACH_MSG_TRAILER_FORMAT_0,
  MACH_RCV_LARGE,
  MACH_RCV_MSG,
  MACH_RCV_TIMED_OUT,
  MACH_RCV_TIMEOUT,
  MACH_RCV_TRAILER_AUDIT,
  MACH_RCV_TRAILER_AV,
  MACH_RCV_TRAILER_CTX,
  MACH_RCV_TRAILER_ELEMENTS,
  MACH_RCV_TRAILER_NULL,
  MACH_RCV_TRAILER_SENDER,
  MACH_RCV_TRAILER_SEQNO,
  MACH_RCV_TRAILER_TYPE,
  REQUESTED_TRAILER_SIZE,
} from '../constants.js';
import { MachError } from '../errors.js';
import type { MachApi } from '../types.js';
import type { Right } from './base.js';
import { checkSignal, checkTimeout, optionsOf, throwIfAborted } from './internal.js';
import { Message } from './message.js';

/** Which trailer to ask for (MACH_RCV_TRAILER_ELEMENTS). */
export type TrailerKind = 'null' | 'seqno' | 'sender' | 'audit' | 'ctx' | 'av';

const TRAILERS: Record<TrailerKind, number> = {
  null: MACH_RCV_TRAILER_NULL,
  seqno: MACH_RCV_TRAILER_SEQNO,
  sender: MACH_RCV_TRAILER_SENDER,
  audit: MACH_RCV_TRAILER_AUDIT,
  ctx: MACH_RCV_TRAILER_CTX,
  av: MACH_RCV_TRAILER_AV,
};

/** Options of every receive. */
export interface ReceiveOptions {
  /** Give up after this many milliseconds (MACH_RCV_TIMEOUT; 0 = poll). Rejects with MACH_RCV_TIMED_OUT. */
  timeout?: number;
  /** Abort the wait; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The trailer to receive (default `'audit'`: seqno, sender and the audit token with the sender's pid). */
  trailer?: TrailerKind;
  /**
   * Largest message (bytes, without trailer) to accept. A larger one stays queued and
   * the receive rejects with MACH_RCV_TOO_LARGE, `details.size` telling the size needed
   * (MACH_RCV_LARGE). Default: no limit.
   */
  maxSize?: number;
}

/** The trailers a peek can read: mach_port_peek refuses any past the audit trailer. */
export type PeekTrailerKind = Exclude<TrailerKind, 'ctx' | 'av'>;

const PEEK_TRAILERS: Record<PeekTrailerKind, number> = {
  null: MACH_RCV_TRAILER_NULL,
  seqno: MACH_RCV_TRAILER_SEQNO,
  sender: MACH_RCV_TRAILER_SENDER,
  audit: MACH_RCV_TRAILER_AUDIT,
};

/** Options of {@link ReceiveRight.peek}. */
export interface PeekOptions {
  /**
   * The sequence number of the message to look at. 0 (the default) is the first queued
   * message, whatever its sequence number.
   */
  seqno?: number;
  /**
   * The trailer to read (default `'audit'`). `'ctx'` and `'av'` are refused: the kernel
   * does not let a peek read past the audit trailer.
   */
  trailer?: PeekTrailerKind;
}

/** The trailer_type and seqno arguments of mach_port_peek for `opts`. */
export function peekArgs(where: string, opts: PeekOptions): { trailerType: number; seqno: number } {
  optionsOf(where, opts);
  const trailer = opts.trailer ?? 'audit';
  const elements = typeof trailer === 'string' && Object.hasOwn(PEEK_TRAILERS, trailer) ? PEEK_TRAILERS[trailer] : undefined;
  if (elements === undefined) throw new TypeError(`${where}: trailer must be one of ${Object.keys(PEEK_TRAILERS).join(', ')}`);
  const seqno = opts.seqno ?? 0;
  if (!Number.isInteger(seqno) || seqno < 0 || seqno > 0xffffffff) throw new TypeError(`${where}: seqno must be an integer from 0 to 2^32 - 1`);
  return { trailerType: MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) | MACH_RCV_TRAILER_ELEMENTS(elements), seqno };
}

/** Options of async iteration: as a receive, without the per-message timeout. */
export type IterateOptions = Omit<ReceiveOptions, 'timeout'>;

/** The mach_msg option and receive size for `opts`. */
function receiveArgs(where: string, opts: ReceiveOptions): { option: number; rcvSize: number | undefined } {
  optionsOf(where, opts);
  checkTimeout(where, opts.timeout);
  checkSignal(where, opts.signal);
  const trailer = opts.trailer ?? 'audit';
  // Own keys only: 'constructor' or 'toString' must not read Object.prototype's.
  const elements = typeof trailer === 'string' && Object.hasOwn(TRAILERS, trailer) ? TRAILERS[trailer] : undefined;
  if (elements === undefined) throw new TypeError(`${where}: trailer must be one of ${Object.keys(TRAILERS).join(', ')}`);
  let option = MACH_RCV_MSG | MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) | MACH_RCV_TRAILER_ELEMENTS(elements);
  if (opts.timeout !== undefined) option |= MACH_RCV_TIMEOUT;
  let rcvSize: number | undefined;
  if (opts.maxSize !== undefined) {
    if (!Number.isInteger(opts.maxSize) || opts.maxSize < 24) throw new TypeError(`${where}: maxSize must be an integer of at least 24 (the header)`);
    option |= MACH_RCV_LARGE;
    rcvSize = opts.maxSize + REQUESTED_TRAILER_SIZE(option);
  }
  return { option, rcvSize };
}

/** Receive one message on `name` (a receive right or port set) of `api`'s task. */
export async function receiveOn(api: MachApi, name: number, where: string, opts: ReceiveOptions = {}): Promise<Message> {
  const { option, rcvSize } = receiveArgs(where, opts);
  throwIfAborted(opts.signal);
  const raw = await api.mach_msg(undefined, option, name, opts.timeout ?? 0, rcvSize, opts.signal ? { signal: opts.signal } : undefined);
  if (raw === undefined) throw new MachError(MACH_RCV_TIMED_OUT, `${where}: the backend returned no message`);
  return new Message(api, raw);
}

/** Receive, or resolve undefined when nothing is queued (a 0 ms poll). */
export async function tryReceiveOn(api: MachApi, name: number, where: string, opts: Omit<ReceiveOptions, 'timeout'> = {}): Promise<Message | undefined> {
  try {
    return await receiveOn(api, name, where, { ...opts, timeout: 0 });
  } catch (err) {
    if (err instanceof MachError && err.kr === MACH_RCV_TIMED_OUT) return undefined;
    throw err;
  }
}

/**
 * Messages from `owner` until it is closed or moved away, or `signal` aborts; either
 * ends the loop without an error. Every yielded Message is the caller's to close
 * (`for await (using msg of right)` does it).
 */
export async function* iterateOn(owner: Right, where: string, opts: IterateOptions = {}): AsyncGenerator<Message, void, undefined> {
  receiveArgs(where, opts);
  const { signal } = opts;
  for (;;) {
    if (owner.closed || signal?.aborted) return;
    let msg: Message;
    try {
      msg = await receiveOn(owner.api, owner.live(where), where, opts);
    } catch (err) {
      // Closing the right (MACH_RCV_PORT_CHANGED / INVALID_NAME) or aborting ends the loop.
      if (owner.closed || signal?.aborted) return;
      throw err;
    }
    yield msg;
  }
}
