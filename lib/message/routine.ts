/**
 * Typed MIG routines: `defineRoutine({ subsystem, id, request, reply })` is what a MIG
 * `routine` in a .defs file gives C: a client call that sends the request with a
 * send-once reply right and waits for the reply, and the pieces a server needs
 * (decode the request, encode the reply). `defineSimpleRoutine` is MIG's
 * `simpleroutine`: a one-way message.
 *
 * msgh_id = subsystem + id (MIG numbers routines from the subsystem base); the reply's
 * is that + 100. The request carries the request fields with MIG's layout (see
 * schema.ts). A reply without descriptors carries RetCode after NDR and then the reply
 * fields; a reply with descriptors carries no RetCode (reference §4.1).
 *
 * The client checks the reply as MIG's generated stub does (migcom user.c,
 * WriteCheckIdentity): id 71 instead of the reply id → MIG_SERVER_DIED (the server
 * destroyed the reply right and the kernel sent MACH_NOTIFY_SEND_ONCE); any other id →
 * MIG_REPLY_MISMATCH; a 36-byte mig_reply_error_t with RetCode ≠ 0 → MachError(RetCode);
 * a wrong size, COMPLEX bit or descriptor → MIG_TYPE_ERROR; RetCode ≠ 0 →
 * MachError(RetCode).
 * @module
 */
import {
  KERN_SUCCESS,
  MACH_MSGH_BITS,
  MACH_MSGH_BITS_COMPLEX,
  MACH_MSGH_BITS_REMOTE,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_NOTIFY_SEND_ONCE,
  MACH_RCV_MSG,
  MACH_RCV_TIMEOUT,
  MACH_SEND_MSG,
  MACH_SEND_TIMEOUT,
  MIG_REPLY_MISMATCH,
  MIG_SERVER_DIED,
  MIG_TYPE_ERROR,
  MACH_MSG_TRAILER_MINIMUM_SIZE,
} from '../constants.js';
import { MachError } from '../errors.js';
import type { MachApi, MachMessage, MachMsgControl, MachMsgTrailer, ReceivedMessage } from '../types.js';
import { checkU32, describe } from './argument-checks.js';
import { int32 } from './fields/integers.js';
import type { Field } from './fields/field.js';
import { MIG_REPLY_ERROR_SIZE, replyErrorCode, replyErrorMessage, replyId } from './mig.js';
import { destroyMessage } from './rights.js';
import { discardReplyPort, returnReplyPort, takeReplyPort } from './reply-ports.js';
import { defineMessage, type Fields, type MessageSchema, type SchemaInput, type SchemaOutput } from './schema.js';
import type { PortRight } from './fields/ports.js';

/** Options of a routine call. */
export interface CallOptions {
  /** Receive timeout in ms (MACH_RCV_TIMEOUT); the call then rejects with MACH_RCV_TIMED_OUT. */
  timeout?: number;
  /** Cancels the call; it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** A receive right to get the reply on, kept by the caller (default: one from the task's pool). */
  replyPort?: number;
  /** Send as a kernel-object call, as libSystem's stubs do for task and host ports (see MachMsgControl). */
  kobjectCall?: boolean;
}

/** What a handler sees besides the request value. */
export interface ServeContext {
  /** The task serving. */
  readonly api: MachApi;
  /** The request as received. */
  readonly message: ReceivedMessage;
  /** The request's trailer (serve asks for the audit trailer: sender, pid, …). */
  readonly trailer: MachMsgTrailer;
  /** Aborted when serving stops. */
  readonly signal: AbortSignal;
  /** Keeps the right(s) named `name` that the request carried: serve will not release them. */
  take(name: number): void;
  /** Keeps every right the request carried. */
  takeAll(): void;
  /**
   * Takes the reply right: serve sends no reply and does not release it. Answer later
   * with routine.reply / routine.replyError (or release it, which the client sees as
   * MIG_SERVER_DIED).
   */
  takeReply(): PortRight;
}

/** What a handler returns: the reply fields (nothing when there are none). */
export type ReplyValue<Rep extends Fields> = {} extends SchemaInput<Rep> ? SchemaInput<Rep> | void : SchemaInput<Rep>;

/** A routine's server side bound to a handler, for {@link serve}. */
export interface RoutineHandler {
  /** The request msgh_id it answers. */
  readonly msgh_id: number;
  /** The largest request (msgh_size) it accepts. */
  readonly maxRequestSize: number;
  /** True for a simpleroutine (no reply is sent). */
  readonly simple: boolean;
  /**
   * Decodes the request (MachError MIG_BAD_ARGUMENTS / MIG_TYPE_ERROR when malformed)
   * and runs the handler; resolves with the handler's reply value.
   */
  handle(message: ReceivedMessage, ctx: ServeContext): Promise<unknown>;
  /** The reply message for a value `handle` resolved with (undefined for a simpleroutine). */
  encodeReply(value: unknown, replyRight: PortRight): MachMessage | undefined;
}

/** What defineRoutine takes. */
export interface RoutineSpec<Req extends Fields, Rep extends Fields> {
  /** The subsystem's base msgh_id. */
  subsystem: number;
  /** The routine's number in the subsystem (msgh_id = subsystem + id). */
  id: number;
  request: Req;
  reply: Rep;
  /** A name for error messages. */
  name?: string;
}

/** A typed MIG routine. */
export interface Routine<Req extends Fields, Rep extends Fields> {
  readonly name: string;
  /** The request's msgh_id. */
  readonly msgh_id: number;
  /** The reply's msgh_id (msgh_id + 100). */
  readonly reply_id: number;
  /** The request's schema. */
  readonly requestSchema: MessageSchema<Req>;
  /** The reply's schema (with a leading RetCode field when the reply is simple). */
  readonly replySchema: MessageSchema<Fields>;
  /** The request message for `args`, to `port` with reply port `replyPort`. */
  encodeRequest(args: SchemaInput<Req>, port: number, replyPort: number): MachMessage;
  /** The reply value of a received reply, checked as a MIG client stub checks it (throws MachError). */
  decodeReply(message: ReceivedMessage): SchemaOutput<Rep>;
  /** The reply message for `value`, through `replyRight`. */
  encodeReply(value: ReplyValue<Rep>, replyRight: PortRight): MachMessage;
  /**
   * Calls the routine on `port` from `api`'s task: sends the request with a
   * MAKE_SEND_ONCE reply right and MACH_SEND_MSG|MACH_RCV_MSG, resolves with the reply.
   * Rejects with mach_msg's errors (MACH_SEND_INVALID_DEST, MACH_RCV_TIMED_OUT …), the
   * MIG errors above, or MachError(RetCode).
   */
  call(api: MachApi, port: number, args: SchemaInput<Req>, options?: CallOptions): Promise<SchemaOutput<Rep>>;
  /** The server side of the routine with `handler`; a thrown MachError's kr is sent as RetCode. */
  implement(handler: (request: SchemaOutput<Req>, ctx: ServeContext) => ReplyValue<Rep> | Promise<ReplyValue<Rep>>): RoutineHandler;
  /** Sends a (deferred) reply through a right taken with ctx.takeReply(). */
  reply(api: MachApi, replyRight: PortRight, value: ReplyValue<Rep>): Promise<void>;
  /** Sends a mig_reply_error_t with `retCode` through a right taken with ctx.takeReply(). */
  replyError(api: MachApi, replyRight: PortRight, retCode: number): Promise<void>;
}

/** What defineSimpleRoutine takes. */
export interface SimpleRoutineSpec<Req extends Fields> {
  subsystem: number;
  id: number;
  request: Req;
  name?: string;
}

/** Options of a simpleroutine send. */
export interface SendOptions {
  /** Send timeout in ms (MACH_SEND_TIMEOUT); rejects with MACH_SEND_TIMED_OUT. */
  timeout?: number;
  signal?: AbortSignal;
  kobjectCall?: boolean;
}

/** A typed MIG simpleroutine: a one-way request. */
export interface SimpleRoutine<Req extends Fields> {
  readonly name: string;
  readonly msgh_id: number;
  readonly requestSchema: MessageSchema<Req>;
  /** The request message for `args`, to `port`. */
  encodeRequest(args: SchemaInput<Req>, port: number): MachMessage;
  /** Sends the request to `port` (MACH_SEND_MSG, COPY_SEND, no reply port). */
  send(api: MachApi, port: number, args: SchemaInput<Req>, options?: SendOptions): Promise<void>;
  /** The server side with `handler`; no reply is sent. */
  implement(handler: (request: SchemaOutput<Req>, ctx: ServeContext) => void | Promise<void>): RoutineHandler;
}

function checkSpec(spec: { subsystem: unknown; id: unknown }): number {
  const subsystem = spec.subsystem;
  const id = spec.id;
  if (typeof subsystem !== 'number' || !Number.isInteger(subsystem)) throw new TypeError(`subsystem must be an integer, got ${describe(subsystem)}`);
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new TypeError(`id must be a non-negative integer, got ${describe(id)}`);
  return subsystem + id;
}

function control(options: { signal?: AbortSignal; kobjectCall?: boolean }): MachMsgControl | undefined {
  if (options.signal === undefined && options.kobjectCall === undefined) return undefined;
  const c: MachMsgControl = {};
  if (options.signal !== undefined) c.signal = options.signal;
  if (options.kobjectCall !== undefined) c.kobjectCall = options.kobjectCall;
  return c;
}

/** Rethrows a decode failure of a reply as MIG_TYPE_ERROR (a MIG client reports every layout problem so). */
function asTypeError(e: unknown, name: string): never {
  if (e instanceof MachError) throw new MachError(MIG_TYPE_ERROR, `${name} reply: ${e.message}`);
  throw e;
}

/** Defines a MIG routine (see the module comment). */
export function defineRoutine<const Req extends Fields, const Rep extends Fields>(spec: RoutineSpec<Req, Rep>): Routine<Req, Rep> {
  if (typeof spec !== 'object' || spec === null) throw new TypeError(`defineRoutine takes { subsystem, id, request, reply }, got ${describe(spec)}`);
  const msgh_id = checkSpec(spec);
  const name = spec.name ?? `routine ${msgh_id}`;
  const request = defineMessage({ id: msgh_id, fields: spec.request });
  const reply_id = replyId(msgh_id);
  const replyFields = spec.reply;
  if (typeof replyFields !== 'object' || replyFields === null) throw new TypeError(`reply must be an object of fields, got ${describe(replyFields)}`);
  const complexReply = Object.values(replyFields).some((f: Field) => f?.kind === 'descriptor');
  if (!complexReply && 'RetCode' in replyFields) throw new TypeError('a simple reply has its own RetCode field; do not declare one');
  const reply: MessageSchema<Fields> = complexReply
    ? defineMessage({ id: reply_id, fields: replyFields })
    : defineMessage({ id: reply_id, fields: { RetCode: int32, ...replyFields } });
  // The receive buffer MIG sizes for a call: the largest reply plus the minimum trailer.
  const rcvSize = Math.max(Number.isFinite(reply.maxSize) ? reply.maxSize : 0x10000, MIG_REPLY_ERROR_SIZE) + MACH_MSG_TRAILER_MINIMUM_SIZE;

  const encodeRequest = (args: SchemaInput<Req>, port: number, replyPort: number): MachMessage =>
    request.encode(args, {
      msgh_remote_port: port,
      msgh_local_port: replyPort,
      msgh_bits: MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, replyPort !== 0 ? MACH_MSG_TYPE_MAKE_SEND_ONCE : 0),
    });

  const decodeReply = (message: ReceivedMessage): SchemaOutput<Rep> => {
    const id = message.header.msgh_id;
    if (id !== reply_id) {
      if (id === MACH_NOTIFY_SEND_ONCE) throw new MachError(MIG_SERVER_DIED, name);
      throw new MachError(MIG_REPLY_MISMATCH, `${name}: reply id ${id}, expected ${reply_id}`);
    }
    const isComplex = (message.header.msgh_bits & MACH_MSGH_BITS_COMPLEX) !== 0;
    const errorCode = replyErrorCode(message);
    if (complexReply) {
      if (!isComplex) {
        if (errorCode !== undefined && errorCode !== KERN_SUCCESS) throw new MachError(errorCode, name);
        throw new MachError(MIG_TYPE_ERROR, `${name}: expected a complex reply`);
      }
      try {
        return reply.decode(message) as SchemaOutput<Rep>;
      } catch (e) {
        return asTypeError(e, name);
      }
    }
    if (isComplex) throw new MachError(MIG_TYPE_ERROR, `${name}: expected a simple reply`);
    let value: Record<string, unknown>;
    try {
      value = reply.decode(message) as Record<string, unknown>;
    } catch (e) {
      if (errorCode !== undefined && errorCode !== KERN_SUCCESS) throw new MachError(errorCode, name);
      return asTypeError(e, name);
    }
    const { RetCode, ...rest } = value;
    if (RetCode !== KERN_SUCCESS) throw new MachError(RetCode as number, name);
    return rest as SchemaOutput<Rep>;
  };

  const encodeReply = (value: ReplyValue<Rep>, replyRight: PortRight): MachMessage => {
    const v = (value ?? {}) as Record<string, unknown>;
    const fields = complexReply ? v : { RetCode: KERN_SUCCESS, ...v };
    return reply.encode(fields as SchemaInput<Fields>, {
      msgh_remote_port: replyRight.name,
      msgh_bits: MACH_MSGH_BITS(replyRight.disposition, 0),
    });
  };

  const routine: Routine<Req, Rep> = {
    name,
    msgh_id,
    reply_id,
    requestSchema: request,
    replySchema: reply,
    encodeRequest,
    decodeReply,
    encodeReply,
    async call(api, port, args, options = {}) {
      if (typeof api !== 'object' || api === null || typeof api.mach_msg !== 'function') {
        throw new TypeError(`${name}: api must be a MachApi (a task of a backend), got ${describe(api)}`);
      }
      if (typeof options !== 'object' || options === null) throw new TypeError(`${name}: options must be an object`);
      checkU32(port, 'port');
      const own = options.replyPort === undefined;
      const replyPort = own ? takeReplyPort(api) : checkU32(options.replyPort, 'replyPort');
      let message: MachMessage;
      try {
        message = encodeRequest(args, port, replyPort);
      } catch (e) {
        if (own) returnReplyPort(api, replyPort);
        throw e;
      }
      let option = MACH_SEND_MSG | MACH_RCV_MSG;
      if (options.timeout !== undefined) option |= MACH_RCV_TIMEOUT;
      let received: ReceivedMessage | undefined;
      try {
        received = await api.mach_msg(message, option, replyPort, options.timeout ?? 0, rcvSize, control(options));
      } catch (e) {
        if (own) discardReplyPort(api, replyPort);
        throw e;
      }
      if (received === undefined) {
        if (own) discardReplyPort(api, replyPort);
        throw new MachError(MIG_TYPE_ERROR, `${name}: no reply`);
      }
      try {
        const value = decodeReply(received);
        if (own) returnReplyPort(api, replyPort);
        return value;
      } catch (e) {
        // A reply that is not the routine's may still hold rights; release them as
        // mach_msg_destroy would. A RetCode error reply holds none.
        destroyMessage(api, received);
        if (own) {
          if (received.header.msgh_id === reply_id) returnReplyPort(api, replyPort);
          else discardReplyPort(api, replyPort);
        }
        throw e;
      }
    },
    implement(handler) {
      if (typeof handler !== 'function') throw new TypeError(`implement takes a function, got ${describe(handler)}`);
      return Object.freeze({
        msgh_id,
        maxRequestSize: request.maxSize,
        simple: false,
        async handle(message: ReceivedMessage, ctx: ServeContext): Promise<unknown> {
          return handler(request.decode(message), ctx);
        },
        encodeReply(value: unknown, replyRight: PortRight): MachMessage {
          return encodeReply(value as ReplyValue<Rep>, replyRight);
        },
      });
    },
    async reply(api, replyRight, value) {
      await sendReply(api, encodeReply(value, replyRight));
    },
    async replyError(api, replyRight, retCode) {
      await sendReply(api, replyErrorMessage(replyRight.name, replyRight.disposition, msgh_id, retCode));
    },
  };
  return Object.freeze(routine);
}

/** Defines a MIG simpleroutine (a request without reply). */
export function defineSimpleRoutine<const Req extends Fields>(spec: SimpleRoutineSpec<Req>): SimpleRoutine<Req> {
  if (typeof spec !== 'object' || spec === null) throw new TypeError(`defineSimpleRoutine takes { subsystem, id, request }, got ${describe(spec)}`);
  const msgh_id = checkSpec(spec);
  const name = spec.name ?? `simpleroutine ${msgh_id}`;
  const request = defineMessage({ id: msgh_id, fields: spec.request });
  const encodeRequest = (args: SchemaInput<Req>, port: number): MachMessage =>
    request.encode(args, { msgh_remote_port: port, msgh_bits: MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) });
  return Object.freeze({
    name,
    msgh_id,
    requestSchema: request,
    encodeRequest,
    async send(api: MachApi, port: number, args: SchemaInput<Req>, options: SendOptions = {}): Promise<void> {
      const message = encodeRequest(args, checkU32(port, 'port'));
      let option = MACH_SEND_MSG;
      if (options.timeout !== undefined) option |= MACH_SEND_TIMEOUT;
      await api.mach_msg(message, option, 0, options.timeout ?? 0, 0, control(options));
    },
    implement(handler: (request: SchemaOutput<Req>, ctx: ServeContext) => void | Promise<void>): RoutineHandler {
      if (typeof handler !== 'function') throw new TypeError(`implement takes a function, got ${describe(handler)}`);
      return Object.freeze({
        msgh_id,
        maxRequestSize: request.maxSize,
        simple: true,
        async handle(message: ReceivedMessage, ctx: ServeContext): Promise<unknown> {
          await handler(request.decode(message), ctx);
          return undefined;
        },
        encodeReply(): undefined {
          return undefined;
        },
      });
    },
  });
}

/** The disposition that moves a received reply right back: its received type (PORT_SEND_ONCE = MOVE_SEND_ONCE, PORT_SEND = MOVE_SEND). */
export function replyDisposition(message: ReceivedMessage): number {
  return MACH_MSGH_BITS_REMOTE(message.header.msgh_bits);
}

/**
 * Sends a reply as libsyscall's mach_msg_server does: plainly through a send-once
 * right (it cannot block), with a zero MACH_SEND_TIMEOUT through a send right (a client
 * that does not receive must not stall the server). If the send fails, the reply's
 * rights are released (mach_msg_server_consume_unsent_message) and the error rethrown.
 */
export async function sendReply(api: MachApi, reply: MachMessage): Promise<void> {
  const sendOnce = MACH_MSGH_BITS_REMOTE(reply.header.msgh_bits) === MACH_MSG_TYPE_MOVE_SEND_ONCE;
  try {
    await api.mach_msg(reply, sendOnce ? MACH_SEND_MSG : MACH_SEND_MSG | MACH_SEND_TIMEOUT, 0, 0);
  } catch (e) {
    destroyMessage(api, reply);
    throw e;
  }
}
