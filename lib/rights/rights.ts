/**
 * The right classes: ReceiveRight, SendRight, SendOnceRight and PortSet. Each owns
 * exactly one right (one user reference for send and send-once rights) in one task and
 * releases exactly that on close() / `using`.
 * @module
 */
import {
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_NOTIFY_SEND_ONCE,
  MACH_PORT_LIMITS_INFO,
  MACH_PORT_LIMITS_INFO_COUNT,
  MACH_PORT_RECEIVE_STATUS,
  MACH_PORT_RECEIVE_STATUS_COUNT,
  MACH_PORT_RIGHT_PORT_SET,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_PORT_SET,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_PORT_TYPE_SEND_ONCE,
  MACH_PORT_STATUS_FLAG_GUARDED,
  MIG_SERVER_DIED,
  MPG_IMMOVABLE_RECEIVE,
  MPG_STRICT,
  MPO_CONTEXT_AS_GUARD,
  MPO_IMMOVABLE_RECEIVE,
  MPO_QLIMIT,
  MPO_STRICT,
  KERN_FAILURE,
  KERN_INVALID_RIGHT,
} from '../constants.js';
import { MachError } from '../errors.js';
import type { MachApi, MachMessage, mach_port_limits_t, mach_port_options_t, mach_port_status_t, PortPeekResult } from '../types.js';
import { INTERNAL, Right } from './base.js';
import { checkFlag, checkGuard, optionsOf, resolveApi, type RightKind, type RightOptions } from './internal.js';
import type { Message } from './message.js';
import { watchDeadName, watchNoSenders, type DeadNameEvent, type NoSendersEvent } from './notify.js';
import { iterateOn, peekArgs, receiveOn, tryReceiveOn, type IterateOptions, type PeekOptions, type ReceiveOptions } from './receive.js';
import { sendThrough, type OutgoingMessage, type SendOptions } from './send.js';
import { PortTransfer } from './transfer.js';

/** Check that `name` holds a right whose type has one of `bits`, before adopting it. */
function checkType(api: MachApi, where: string, name: number, bits: number, what: string): void {
  if (!Number.isInteger(name) || name <= 0 || name >= 0xffffffff) throw new TypeError(`${where}: name must be a valid port name`);
  const type = api.mach_port_type(api.mach_task_self(), name);
  if ((type & bits) === 0) {
    throw new MachError(KERN_INVALID_RIGHT, `${where}: name 0x${name.toString(16)} does not hold ${what} (type 0x${(type >>> 0).toString(16)})`);
  }
}

/** Options of {@link ReceiveRight.allocate}. */
export interface AllocateOptions extends RightOptions {
  /** Queue limit to set right away (the kernel default is 5, MACH_PORT_QLIMIT_DEFAULT). */
  qlimit?: number;
  /**
   * Create the port guarded with this 64-bit value (a bigint from 0 to 2^64 − 1):
   * mach_port_construct with MPO_CONTEXT_AS_GUARD. The object remembers the guard and
   * close() destroys the right with mach_port_destruct and it.
   */
  guard?: bigint;
  /** With `guard`: a strict guard (MPO_STRICT). The context cannot be changed and reads 0; swapGuard is refused. */
  strict?: boolean;
  /** With `guard`: the receive right can never be moved (MPO_IMMOVABLE_RECEIVE), even after unguard. */
  immovable?: boolean;
}

/** Options of {@link ReceiveRight.from}. */
export interface ReceiveFromOptions extends RightOptions {
  /** The guard of an already guarded receive right, so that close() can destroy it (mach_port_destruct). */
  guard?: bigint;
}

/** Options of {@link ReceiveRight.guard}. */
export interface GuardOptions {
  /** A strict guard (MPG_STRICT): the context cannot be changed and reads 0; swapGuard is refused. */
  strict?: boolean;
  /**
   * Make the receive right immovable for good (MPG_IMMOVABLE_RECEIVE, through
   * mach_port_guard_with_flags): unguarding does not make it movable again.
   */
  immovable?: boolean;
}

/** Check a queue limit (JS input) before any Mach call. */
function checkQlimit(where: string, value: unknown): asserts value is number {
  if (!Number.isInteger(value) || (value as number) < 0) throw new TypeError(`${where}: qlimit must be a non-negative integer`);
}

/** Options of {@link ReceiveRight.requestNoSenders}. */
export interface NoSendersOptions {
  /**
   * The request fires once no send rights exist and the make-send count is at least
   * `sync` (default 1: after at least one send right was made, when the last one goes).
   * 0 fires at once if there are no senders now.
   */
  sync?: number;
  /** Cancel the request; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A right object of the given kind, owning `name` in `api`'s task (a receive right guarded with `guard`). Internal: no checks. */
export function adoptRight(kind: RightKind, api: MachApi, name: number, guard?: bigint): Right {
  switch (kind) {
    case 'receive':
      return new ReceiveRight(INTERNAL, api, name, guard);
    case 'send':
      return new SendRight(INTERNAL, api, name);
    case 'send-once':
      return new SendOnceRight(INTERNAL, api, name);
    case 'port-set':
      return new PortSet(INTERNAL, api, name);
  }
}

/**
 * A receive right: the one end that can receive. Make send rights to hand out with
 * {@link makeSendRight} (an owned object) or {@link makeSend} (a transfer for a
 * message); receive with {@link receive} or `for await (const msg of right)`.
 */
export class ReceiveRight extends Right implements AsyncIterable<Message> {
  #noSenders: Promise<NoSendersEvent> | undefined;

  /** @internal Use {@link ReceiveRight.allocate} or {@link ReceiveRight.from}. */
  constructor(key: typeof INTERNAL, api: MachApi, name: number, guard?: bigint) {
    super(key, api, name, 'receive');
    if (guard !== undefined) this.slot.guard = guard;
  }

  /**
   * A new port, owned by the returned object: mach_port_allocate(RECEIVE), then the queue
   * limit if given. With `guard`, mach_port_construct instead, in one call: the port is
   * created guarded (MPO_CONTEXT_AS_GUARD, plus MPO_STRICT / MPO_IMMOVABLE_RECEIVE /
   * MPO_QLIMIT as asked), and close() destroys it with mach_port_destruct and the guard.
   */
  static allocate(opts: AllocateOptions = {}): ReceiveRight {
    const where = 'ReceiveRight.allocate';
    const api = resolveApi(optionsOf(where, opts).api);
    if (opts.qlimit !== undefined) checkQlimit(where, opts.qlimit);
    const strict = checkFlag(where, 'strict', opts.strict);
    const immovable = checkFlag(where, 'immovable', opts.immovable);
    if (opts.guard !== undefined) {
      const guard = checkGuard(where, 'guard', opts.guard);
      const options: mach_port_options_t = { flags: MPO_CONTEXT_AS_GUARD | (strict ? MPO_STRICT : 0) | (immovable ? MPO_IMMOVABLE_RECEIVE : 0) };
      if (opts.qlimit !== undefined) {
        options.flags |= MPO_QLIMIT;
        options.mpl = { mpl_qlimit: opts.qlimit };
      }
      return new ReceiveRight(INTERNAL, api, api.mach_port_construct(api.mach_task_self(), options, guard), guard);
    }
    if (strict || immovable) throw new TypeError(`${where}: strict and immovable apply to a guarded port: give a guard too`);
    const name = api.mach_port_allocate(api.mach_task_self(), MACH_PORT_RIGHT_RECEIVE);
    const right = new ReceiveRight(INTERNAL, api, name);
    if (opts.qlimit !== undefined) {
      try {
        right.qlimit = opts.qlimit;
      } catch (err) {
        right.close();
        throw err;
      }
    }
    return right;
  }

  /**
   * Adopt the receive right already held under `name`: the object now owns (and will
   * release) it. For a guarded right pass its `guard`, which close() then presents to
   * mach_port_destruct; it is not checked here (the kernel hides a strict guard).
   */
  static from(name: number, opts: ReceiveFromOptions = {}): ReceiveRight {
    const where = 'ReceiveRight.from';
    const api = resolveApi(optionsOf(where, opts).api);
    const guard = opts.guard === undefined ? undefined : checkGuard(where, 'guard', opts.guard);
    checkType(api, where, name, MACH_PORT_TYPE_RECEIVE, 'a receive right');
    return new ReceiveRight(INTERNAL, api, name, guard);
  }

  /** bootstrap_check_in: the receive right of a service declared to launchd (or the emulated launchd). */
  static checkIn(serviceName: string, opts: RightOptions = {}): ReceiveRight {
    const api = resolveApi(optionsOf('ReceiveRight.checkIn', opts).api);
    return new ReceiveRight(INTERNAL, api, api.bootstrap_check_in(api.bootstrap_port, serviceName));
  }

  /** A new send right to this port (insert_right MAKE_SEND), owned by the returned object; bumps the make-send count. */
  makeSendRight(): SendRight {
    const name = this.live('makeSendRight');
    this.api.mach_port_insert_right(this.task, name, name, MACH_MSG_TYPE_MAKE_SEND);
    return new SendRight(INTERNAL, this.api, name);
  }

  /** A new send-once right to this port (extract_right MAKE_SEND_ONCE), under its own name. */
  makeSendOnceRight(): SendOnceRight {
    const name = this.live('makeSendOnceRight');
    const { poly } = this.api.mach_port_extract_right(this.task, name, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    return new SendOnceRight(INTERNAL, this.api, poly);
  }

  /** For a message: make a send right for the receiver (MAKE_SEND). This object keeps its receive right. */
  makeSend(): PortTransfer {
    this.live('makeSend');
    return new PortTransfer(this, MACH_MSG_TYPE_MAKE_SEND);
  }

  /** For a message: make a send-once right for the receiver (MAKE_SEND_ONCE), typically as `reply`. */
  makeSendOnce(): PortTransfer {
    this.live('makeSendOnce');
    return new PortTransfer(this, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  }

  /** For a message: move the receive right itself (MOVE_RECEIVE). Once the send succeeds this object is `'moved'`. */
  moveReceive(): PortTransfer {
    this.live('moveReceive');
    return new PortTransfer(this, MACH_MSG_TYPE_MOVE_RECEIVE);
  }

  /** The queue limit (mach_port_limits_t.mpl_qlimit). Setting it calls mach_port_set_attributes. */
  get qlimit(): number {
    const info = this.api.mach_port_get_attributes(this.task, this.live('qlimit'), MACH_PORT_LIMITS_INFO, MACH_PORT_LIMITS_INFO_COUNT);
    return (info as mach_port_limits_t).mpl_qlimit;
  }
  set qlimit(value: number) {
    checkQlimit('ReceiveRight.qlimit', value);
    const limits: mach_port_limits_t = { mpl_qlimit: value };
    this.api.mach_port_set_attributes(this.task, this.live('qlimit'), MACH_PORT_LIMITS_INFO, limits);
  }

  /** mach_port_get_attributes(MACH_PORT_RECEIVE_STATUS): seqno, mscount, qlimit, msgcount, … */
  status(): mach_port_status_t {
    return this.api.mach_port_get_attributes(this.task, this.live('status'), MACH_PORT_RECEIVE_STATUS, MACH_PORT_RECEIVE_STATUS_COUNT) as mach_port_status_t;
  }

  /**
   * True when the port is guarded (MACH_PORT_STATUS_FLAG_GUARDED in the receive status),
   * as the kernel says, whoever set the guard.
   */
  get guarded(): boolean {
    return (this.status().mps_flags & MACH_PORT_STATUS_FLAG_GUARDED) !== 0;
  }

  /**
   * The port's context (mach_port_get_context), which on a guarded port is its guard.
   * A strictly guarded port's context reads 0n: the kernel does not reveal a strict guard.
   */
  get context(): bigint {
    return this.api.mach_port_get_context(this.task, this.live('context'));
  }

  /**
   * Guard the port with `guard` (a bigint from 0 to 2^64 − 1): mach_port_guard, or
   * mach_port_guard_with_flags when `immovable` is set. The port must be unguarded with
   * context 0, else the kernel's MachError (KERN_INVALID_ARGUMENT, a MachGuardError
   * where XNU raises a fatal guard exception). From then on close() destroys the right
   * with mach_port_destruct and this guard.
   */
  guard(guard: bigint, opts: GuardOptions = {}): void {
    const where = 'ReceiveRight.guard';
    checkGuard(where, 'guard', guard);
    optionsOf(where, opts);
    const strict = checkFlag(where, 'strict', opts.strict);
    const immovable = checkFlag(where, 'immovable', opts.immovable);
    const name = this.live('guard');
    if (immovable) this.api.mach_port_guard_with_flags(this.task, name, guard, MPG_IMMOVABLE_RECEIVE | (strict ? MPG_STRICT : 0));
    else this.api.mach_port_guard(this.task, name, guard, strict);
    this.slot.guard = guard;
  }

  /**
   * Remove the port's guard (mach_port_unguard), presenting `guard`, by default the one
   * this object knows (set by {@link allocate}, {@link from}, {@link guard} or
   * {@link swapGuard}). A wrong guard, or an unguarded port, is the kernel's
   * KERN_INVALID_ARGUMENT (a MachGuardError) and leaves the object as it was. An
   * immovable receive right stays immovable.
   */
  unguard(guard?: bigint): void {
    const presented = this.#presented('unguard', 'guard', guard);
    this.api.mach_port_unguard(this.task, this.slot.name, presented);
    delete this.slot.guard;
  }

  /**
   * Replace the guard with `newGuard` (mach_port_swap_guard), presenting `oldGuard`, by
   * default the one this object knows. Refused with KERN_INVALID_ARGUMENT (a
   * MachGuardError) on an unguarded or strictly guarded port or for a wrong old guard;
   * the object keeps its guard then.
   */
  swapGuard(newGuard: bigint, oldGuard?: bigint): void {
    checkGuard('ReceiveRight.swapGuard', 'newGuard', newGuard);
    const presented = this.#presented('swapGuard', 'oldGuard', oldGuard);
    this.api.mach_port_swap_guard(this.task, this.slot.name, presented, newGuard);
    this.slot.guard = newGuard;
  }

  /**
   * @internal A failed send that moved this right handed it back: the kernel dropped the
   * guard when it took the right in, so forget it when the port is no longer guarded.
   */
  afterFailedSend(): void {
    if (this.slot.state !== 'open' || this.slot.guard === undefined) return;
    try {
      if (!this.guarded) delete this.slot.guard;
    } catch (err) {
      // The task is gone or the name no longer holds the right: nothing left to know.
      if (!(err instanceof MachError)) throw err;
    }
  }

  /** The guard to present: the one given, else the one this object knows (TypeError when none). */
  #presented(method: string, what: string, given: bigint | undefined): bigint {
    const where = `ReceiveRight.${method}`;
    if (given !== undefined) checkGuard(where, what, given);
    this.live(method);
    const guard = given ?? this.slot.guard;
    if (guard === undefined) throw new TypeError(`${where}: this object knows no guard for the port; pass ${what}`);
    return guard;
  }

  /**
   * The number of send rights to this port in existence (mach_port_get_srights). A task's
   * send right counts once, however many user references it has; rights in queued
   * messages count too. `status().mps_srights` only says whether there are any.
   */
  get srights(): number {
    return this.api.mach_port_get_srights(this.task, this.live('srights'));
  }

  /**
   * mach_port_peek: the sequence number, size, id and trailer of a queued message, which
   * stays queued (the queue and the port's sequence number are left as they were). The
   * first queued message, or the one with `seqno`; `undefined` when the queue is empty or
   * holds no message with that sequence number (the kernel's KERN_FAILURE). Other errors
   * throw MachError. `msg_size` is the size the kernel holds the message at, not the size
   * a receive reports: 8 more (the kernel header), and 4 more per port descriptor.
   */
  peek(opts: PeekOptions = {}): PortPeekResult | undefined {
    const { trailerType, seqno } = peekArgs('ReceiveRight.peek', opts);
    try {
      return this.api.mach_port_peek(this.task, this.live('peek'), trailerType, seqno);
    } catch (err) {
      if (err instanceof MachError && err.kr === KERN_FAILURE) return undefined;
      throw err;
    }
  }

  /** Receive one message. Rejects with MACH_RCV_TIMED_OUT after `timeout`, with the signal's reason on abort. */
  receive(opts: ReceiveOptions = {}): Promise<Message> {
    return receiveOn(this.api, this.live('receive'), 'ReceiveRight.receive', opts);
  }

  /** Receive a message if one is queued, else resolve undefined (never waits). */
  tryReceive(opts: Omit<ReceiveOptions, 'timeout'> = {}): Promise<Message | undefined> {
    return tryReceiveOn(this.api, this.live('tryReceive'), 'ReceiveRight.tryReceive', opts);
  }

  /** Messages until the right is closed / moved or `signal` aborts (both end the loop quietly). */
  messages(opts: IterateOptions = {}): AsyncGenerator<Message, void, undefined> {
    return iterateOn(this, 'ReceiveRight.messages', opts);
  }

  /** `for await (using msg of receiveRight)`: same as {@link messages} with no options. */
  [Symbol.asyncIterator](): AsyncGenerator<Message, void, undefined> {
    return this.messages();
  }

  /**
   * Resolve when no send rights to this port remain (MACH_NOTIFY_NO_SENDERS). The
   * request is armed before this returns. A second call while one is pending returns
   * the same promise. Resolves `{ event: 'cancelled' }` if the receive right is
   * destroyed first. Moving the receive right away does not cancel the request
   * (as in XNU): the notification still comes here.
   */
  requestNoSenders(opts: NoSendersOptions = {}): Promise<NoSendersEvent> {
    optionsOf('ReceiveRight.requestNoSenders', opts);
    const name = this.live('requestNoSenders');
    if (this.#noSenders) return this.#noSenders;
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason);
    const sync = opts.sync ?? 1;
    if (!Number.isInteger(sync) || sync < 0) throw new TypeError('ReceiveRight.requestNoSenders: sync must be a non-negative integer');
    const p = watchNoSenders(this.api, name, sync, opts.signal);
    const forget = () => {
      if (this.#noSenders === p) this.#noSenders = undefined;
    };
    p.then(forget, forget);
    this.#noSenders = p;
    return p;
  }
}

/** Options of {@link SendRight.request}. */
export type RequestOptions = SendOptions & Omit<ReceiveOptions, 'signal' | 'timeout'>;

/**
 * A send right: owns one user reference of a send right. {@link send} keeps the right
 * (COPY_SEND); {@link copy} makes another reference; {@link moveSend} hands it over in
 * a message.
 */
export class SendRight extends Right {
  /** @internal Use {@link SendRight.from}, {@link ReceiveRight.makeSendRight} or {@link SendRight.lookUp}. */
  constructor(key: typeof INTERNAL, api: MachApi, name: number) {
    super(key, api, name, 'send');
  }

  /**
   * Adopt one user reference of the send right (or dead name) under `name`: the object
   * will release exactly that reference.
   */
  static from(name: number, opts: RightOptions = {}): SendRight {
    const api = resolveApi(optionsOf('SendRight.from', opts).api);
    checkType(api, 'SendRight.from', name, MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DEAD_NAME, 'a send right');
    return new SendRight(INTERNAL, api, name);
  }

  /** bootstrap_look_up: a send right to a service registered with launchd (or the emulated launchd). */
  static lookUp(serviceName: string, opts: RightOptions = {}): SendRight {
    const api = resolveApi(optionsOf('SendRight.lookUp', opts).api);
    return new SendRight(INTERNAL, api, api.bootstrap_look_up(api.bootstrap_port, serviceName));
  }

  /**
   * Send a message to the port (destination COPY_SEND: this right is kept). Resolves
   * once the kernel queued it; waits while the queue is full unless `timeout` is given.
   * Rights the message moves leave their objects only when the send succeeds.
   */
  send(message: OutgoingMessage | MachMessage, opts?: SendOptions): Promise<void> {
    this.live('send');
    return sendThrough(this.api, 'SendRight.send', new PortTransfer(this, MACH_MSG_TYPE_COPY_SEND), message, opts);
  }

  /**
   * RPC: send `message` with a fresh one-shot reply port (MAKE_SEND_ONCE) and resolve
   * with the reply. `timeout` covers the send and the wait for the reply together. If
   * the server destroys the reply right without answering, rejects with MIG_SERVER_DIED.
   */
  async request(message: Omit<OutgoingMessage, 'reply'>, opts: RequestOptions = {}): Promise<Message> {
    this.live('request');
    if (typeof message !== 'object' || message === null || 'header' in message || 'reply' in message) {
      throw new TypeError('SendRight.request: pass an OutgoingMessage without `reply` (the reply port is made for you)');
    }
    const deadline = opts.timeout !== undefined ? Date.now() + opts.timeout : undefined;
    const replyPort = ReceiveRight.allocate({ api: this.api });
    try {
      await this.send({ ...message, reply: replyPort.makeSendOnce() }, { timeout: opts.timeout, signal: opts.signal, kobjectCall: opts.kobjectCall });
      const remaining = deadline !== undefined ? Math.max(0, deadline - Date.now()) : undefined;
      const reply = await replyPort.receive({ timeout: remaining, signal: opts.signal, trailer: opts.trailer, maxSize: opts.maxSize });
      if (reply.id === MACH_NOTIFY_SEND_ONCE && reply.size === 24 && !reply.hasReply) {
        reply.close();
        throw new MachError(MIG_SERVER_DIED, 'SendRight.request');
      }
      return reply;
    } finally {
      replyPort.close();
    }
  }

  /** Another user reference of this send right (mod_refs +1), as its own object. Throws on a dead name. */
  copy(): SendRight {
    const name = this.live('copy');
    this.api.mach_port_mod_refs(this.task, name, MACH_PORT_RIGHT_SEND, 1);
    return new SendRight(INTERNAL, this.api, name);
  }

  /** For a message: copy the right (COPY_SEND); this object keeps its reference. */
  copySend(): PortTransfer {
    this.live('copySend');
    return new PortTransfer(this, MACH_MSG_TYPE_COPY_SEND);
  }

  /** For a message: move this object's reference (MOVE_SEND); once the send succeeds the object is `'moved'`. */
  moveSend(): PortTransfer {
    this.live('moveSend');
    return new PortTransfer(this, MACH_MSG_TYPE_MOVE_SEND);
  }

  /** True when the port died and the name became a dead name. */
  get dead(): boolean {
    return (this.api.mach_port_type(this.task, this.live('dead')) & MACH_PORT_TYPE_DEAD_NAME) !== 0;
  }

  /**
   * Resolve when the port dies (MACH_NOTIFY_DEAD_NAME) — at once if it already has —
   * or with `'port-deleted'` when the name stops holding rights first. The request is
   * per name: copies of this right share it.
   */
  requestDeadName(opts: { signal?: AbortSignal } = {}): Promise<DeadNameEvent> {
    optionsOf('SendRight.requestDeadName', opts);
    const name = this.live('requestDeadName');
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason);
    if (this.dead) return Promise.resolve({ event: 'dead-name', name });
    return watchDeadName(this.api, name, opts.signal);
  }
}

/**
 * A send-once right: exactly one message can go through it. {@link send} uses it up;
 * close() destroys it unused, and the receiver then gets MACH_NOTIFY_SEND_ONCE.
 */
export class SendOnceRight extends Right {
  /** @internal Use {@link SendOnceRight.from} or {@link ReceiveRight.makeSendOnceRight}. */
  constructor(key: typeof INTERNAL, api: MachApi, name: number) {
    super(key, api, name, 'send-once');
  }

  /** Adopt the send-once right under `name`. */
  static from(name: number, opts: RightOptions = {}): SendOnceRight {
    const api = resolveApi(optionsOf('SendOnceRight.from', opts).api);
    checkType(api, 'SendOnceRight.from', name, MACH_PORT_TYPE_SEND_ONCE | MACH_PORT_TYPE_DEAD_NAME, 'a send-once right');
    return new SendOnceRight(INTERNAL, api, name);
  }

  /** Send the one message (destination MOVE_SEND_ONCE). On success the object is `'consumed'`. */
  send(message: OutgoingMessage | MachMessage, opts?: SendOptions): Promise<void> {
    this.live('send');
    return sendThrough(this.api, 'SendOnceRight.send', new PortTransfer(this, MACH_MSG_TYPE_MOVE_SEND_ONCE), message, opts);
  }

  /** For a message: move this send-once right (MOVE_SEND_ONCE), e.g. to pass a reply right on. */
  moveSendOnce(): PortTransfer {
    this.live('moveSendOnce');
    return new PortTransfer(this, MACH_MSG_TYPE_MOVE_SEND_ONCE);
  }
}

/** A port set: receive from many receive rights at once. Membership does not transfer ownership. */
export class PortSet extends Right implements AsyncIterable<Message> {
  /** @internal Use {@link PortSet.allocate} or {@link PortSet.from}. */
  constructor(key: typeof INTERNAL, api: MachApi, name: number) {
    super(key, api, name, 'port-set');
  }

  /** mach_port_allocate(PORT_SET). */
  static allocate(opts: RightOptions = {}): PortSet {
    const api = resolveApi(optionsOf('PortSet.allocate', opts).api);
    return new PortSet(INTERNAL, api, api.mach_port_allocate(api.mach_task_self(), MACH_PORT_RIGHT_PORT_SET));
  }

  /** Adopt the port set under `name`. */
  static from(name: number, opts: RightOptions = {}): PortSet {
    const api = resolveApi(optionsOf('PortSet.from', opts).api);
    checkType(api, 'PortSet.from', name, MACH_PORT_TYPE_PORT_SET, 'a port set');
    return new PortSet(INTERNAL, api, name);
  }

  #member(where: string, right: ReceiveRight | number): number {
    if (typeof right === 'number') return right;
    if (!(right instanceof ReceiveRight)) throw new TypeError(`PortSet.${where}: expected a ReceiveRight or a name`);
    if (right.api !== this.api) throw new TypeError(`PortSet.${where}: the receive right belongs to another task`);
    return right.live(`PortSet.${where}`);
  }

  /** mach_port_insert_member: add a receive right (it may be in other sets too). */
  add(right: ReceiveRight | number): this {
    const name = this.#member('add', right);
    this.api.mach_port_insert_member(this.task, name, this.live('add'));
    return this;
  }

  /** mach_port_extract_member: take a receive right out of this set. */
  remove(right: ReceiveRight | number): this {
    const name = this.#member('remove', right);
    this.api.mach_port_extract_member(this.task, name, this.live('remove'));
    return this;
  }

  /** mach_port_move_member: make this set the receive right's only set. */
  move(right: ReceiveRight | number): this {
    const name = this.#member('move', right);
    this.api.mach_port_move_member(this.task, name, this.live('move'));
    return this;
  }

  /** The member names (mach_port_get_set_status), ascending. */
  members(): number[] {
    return this.api.mach_port_get_set_status(this.task, this.live('members'));
  }

  /** True when `right` is a member. */
  has(right: ReceiveRight | number): boolean {
    return this.members().includes(this.#member('has', right));
  }

  /** Receive one message from any member; `msg.localPort` names the member it came to. */
  receive(opts: ReceiveOptions = {}): Promise<Message> {
    return receiveOn(this.api, this.live('receive'), 'PortSet.receive', opts);
  }

  /** Receive a message if one is queued on any member, else resolve undefined. */
  tryReceive(opts: Omit<ReceiveOptions, 'timeout'> = {}): Promise<Message | undefined> {
    return tryReceiveOn(this.api, this.live('tryReceive'), 'PortSet.tryReceive', opts);
  }

  /** Messages from all members until the set is closed or `signal` aborts. */
  messages(opts: IterateOptions = {}): AsyncGenerator<Message, void, undefined> {
    return iterateOn(this, 'PortSet.messages', opts);
  }

  /** `for await (using msg of portSet)`: same as {@link messages} with no options. */
  [Symbol.asyncIterator](): AsyncGenerator<Message, void, undefined> {
    return this.messages();
  }
}
