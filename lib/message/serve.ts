/**
 * A MIG-style server loop: `serve(api, receiveRight, handlers, { signal })` receives
 * requests on a receive right (or port set), dispatches each by msgh_id to the routine
 * handler that answers it, and sends the reply through the request's reply right —
 * libsyscall's mach_msg_server with MIG's generated demux (xnu:libsyscall/mach/
 * mach_msg.c:mach_msg_server_once; bootstrap_cmds migcom server.c).
 *
 * Per request:
 * - no handler for the id → a mig_reply_error_t with MIG_BAD_ID (unless `fallback`
 *   is given);
 * - a malformed request → MIG_BAD_ARGUMENTS (size, COMPLEX bit, descriptor count) or
 *   MIG_TYPE_ERROR (descriptor kinds), as MIG's type check answers;
 * - a handler that throws MachError(kr) → RetCode kr; MachError(MIG_NO_REPLY) → no
 *   reply, and the handler keeps every right; any other exception → KERN_FAILURE and
 *   `onError`;
 * - rights the request carried in descriptors are released (mach_msg_destroy style)
 *   unless the handler took them with ctx.take / ctx.takeAll;
 * - a reply right that no reply consumes (simpleroutines, or after a send failure) is
 *   released unless taken with ctx.takeReply — destroying a send-once reply right is
 *   what tells a waiting MIG client MIG_SERVER_DIED.
 * Requests are handled one at a time, in arrival order, as mach_msg_server does; a
 * handler that waits on a call to the same server deadlocks, as it would in C.
 * @module
 */
import {
  KERN_FAILURE,
  MACH_MSGH_BITS_REMOTE,
  MACH_PORT_VALID,
  MACH_RCV_LARGE,
  MACH_RCV_MSG,
  MACH_RCV_TOO_LARGE,
  MACH_RCV_TRAILER_AUDIT,
  MACH_RCV_TRAILER_ELEMENTS,
  MACH_RCV_TRAILER_TYPE,
  MACH_MSG_TRAILER_FORMAT_0,
  MAX_TRAILER_SIZE,
  MIG_BAD_ID,
  MIG_NO_REPLY,
  REQUESTED_TRAILER_SIZE,
} from '../constants.js';
import { MachError } from '../errors.js';
import type { MachApi, MachMessage, ReceivedMessage } from '../types.js';
import { checkU32, describe } from './argument-checks.js';
import type { PortRight } from './fields/ports.js';
import { replyErrorMessage } from './mig.js';
import { destroyMessage, releaseDescriptorRights, releaseRight } from './rights.js';
import { sendReply, type RoutineHandler, type ServeContext } from './routine.js';
import { MAX_SEND_SIZE } from './wire.js';

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Stops serving: the pending receive is cancelled and serve resolves. */
  signal?: AbortSignal;
  /** Told about handler exceptions that are not MachErrors (the client gets KERN_FAILURE) and failed reply sends. */
  onError?(error: unknown, request: ReceivedMessage): void;
  /**
   * Handles messages no handler's id matches (notifications, for instance). Without it
   * they get a MIG_BAD_ID reply. Rights are released after it as after a handler.
   */
  fallback?(message: ReceivedMessage, ctx: ServeContext): void | Promise<void>;
}

/** The receive option serve uses: format-0 audit trailer, so handlers see the sender's audit token. */
const RECEIVE_OPTION =
  MACH_RCV_MSG | MACH_RCV_LARGE | MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) | MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT);
const TRAILER_SIZE = REQUESTED_TRAILER_SIZE(RECEIVE_OPTION);
const LARGEST_BUFFER = MAX_SEND_SIZE + MAX_TRAILER_SIZE;

/**
 * Serves `handlers` (from routine.implement) on `receiveRight` until `options.signal`
 * aborts; resolves then. Rejects with the receive's MachError if receiving fails for
 * another reason (e.g. MACH_RCV_INVALID_NAME, MACH_RCV_PORT_CHANGED when the right is
 * destroyed).
 */
export async function serve(
  api: MachApi,
  receiveRight: number,
  handlers: Iterable<RoutineHandler>,
  options: ServeOptions = {},
): Promise<void> {
  checkU32(receiveRight, 'receiveRight');
  if (handlers === null || typeof (handlers as Iterable<RoutineHandler>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`handlers must be an iterable of routine handlers, got ${describe(handlers)}`);
  }
  const table = new Map<number, RoutineHandler>();
  let largest = 0;
  for (const h of handlers) {
    if (typeof h !== 'object' || h === null || typeof h.handle !== 'function') {
      throw new TypeError('handlers must come from routine.implement(…)');
    }
    if (table.has(h.msgh_id)) throw new TypeError(`two handlers for msgh_id ${h.msgh_id}`);
    table.set(h.msgh_id, h);
    largest = Math.max(largest, Number.isFinite(h.maxRequestSize) ? h.maxRequestSize : 0x10000);
  }
  const signal = options.signal;
  const ctxSignal = signal ?? new AbortController().signal;
  const control = signal ? { signal } : undefined;
  let rcvSize = Math.min(largest + TRAILER_SIZE, LARGEST_BUFFER);
  for (;;) {
    if (signal?.aborted) return;
    let message: ReceivedMessage | undefined;
    try {
      message = await api.mach_msg(undefined, RECEIVE_OPTION, receiveRight, 0, rcvSize, control);
    } catch (e) {
      if (signal?.aborted) return;
      if (e instanceof MachError && e.kr === MACH_RCV_TOO_LARGE && rcvSize < LARGEST_BUFFER) {
        // MACH_RCV_LARGE left the message queued and reported its size; grow and retry,
        // as mach_msg_server does.
        const needed = typeof e.details.size === 'number' ? e.details.size + TRAILER_SIZE : 0;
        rcvSize = Math.min(Math.max(needed, rcvSize * 2), LARGEST_BUFFER);
        continue;
      }
      throw e;
    }
    if (message !== undefined) await dispatch(api, table, message, options, ctxSignal);
  }
}

/** Handles one request: decode, run, release, reply. */
async function dispatch(
  api: MachApi,
  table: ReadonlyMap<number, RoutineHandler>,
  message: ReceivedMessage,
  options: ServeOptions,
  signal: AbortSignal,
): Promise<void> {
  const id = message.header.msgh_id;
  const replyRight: PortRight = { name: message.header.msgh_remote_port, disposition: MACH_MSGH_BITS_REMOTE(message.header.msgh_bits) };
  const taken = new Set<number>();
  let keepAll = false;
  let replyTaken = false;
  const ctx: ServeContext = {
    api,
    message,
    trailer: message.trailer,
    signal,
    take(name: number) {
      taken.add(name);
    },
    takeAll() {
      keepAll = true;
    },
    takeReply() {
      replyTaken = true;
      return { ...replyRight };
    },
  };
  const handler = table.get(id);
  let reply: MachMessage | undefined;
  try {
    if (handler !== undefined) {
      const value = await handler.handle(message, ctx);
      if (!handler.simple && !replyTaken) reply = handler.encodeReply(value, replyRight);
    } else if (options.fallback !== undefined) {
      await options.fallback(message, ctx);
    } else {
      throw new MachError(MIG_BAD_ID, `no handler for msgh_id ${id}`);
    }
  } catch (e) {
    let kr = KERN_FAILURE;
    if (e instanceof MachError) kr = e.kr;
    else options.onError?.(e, message);
    if (kr === MIG_NO_REPLY) {
      keepAll = true;
      replyTaken = true;
    } else if (!replyTaken && handler?.simple !== true) {
      reply = replyErrorMessage(replyRight.name, replyRight.disposition, id, kr);
    }
  }
  if (!keepAll) releaseDescriptorRights(api, message.descriptors, taken);
  if (replyTaken) return;
  if (reply !== undefined && MACH_PORT_VALID(replyRight.name)) {
    try {
      await sendReply(api, reply);
    } catch (e) {
      options.onError?.(e, message);
    }
    return;
  }
  if (reply !== undefined) destroyMessage(api, reply);
  releaseRight(api, replyRight.name, replyRight.disposition);
}
