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
  MIG_SERVER_DIED,
  KERN_FAILURE,
  KERN_INVALID_RIGHT,
} from '../constants.js';
import { MachError } from '../errors.js';
import type { MachApi, MachMessage, mach_port_limits_t, mach_port_status_t, PortPeekResult } from '../types.js';
import { INTERNAL, Right } from './base.js';
import { optionsOf, resolveApi, type RightKind, type RightOptions } from './internal.js';
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

/** A right object of the given kind, owning `name` in `api`'s task. Internal: no checks. */
export function adoptRight(kind: RightKind, api: MachApi, name: number): Right {
  switch (kind) {
    case 'receive':
      return new ReceiveRight(INTERNAL, api, name);
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
  constructor(key: typeof INTERNAL, api: MachApi, name: number) {
    super(key, api, name, 'receive');
  }

  /** mach_port_allocate(RECEIVE): a new port, owned by the returned object. */
  static allocate(opts: AllocateOptions = {}): ReceiveRight {
    const api = resolveApi(optionsOf('ReceiveRight.allocate', opts).api);
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

  /** Adopt the receive right already held under `name`: the object now owns (and will release) it. */
  static from(name: number, opts: RightOptions = {}): ReceiveRight {
    const api = resolveApi(optionsOf('ReceiveRight.from', opts).api);
    checkType(api, 'ReceiveRight.from', name, MACH_PORT_TYPE_RECEIVE, 'a receive right');
    return new ReceiveRight(INTERNAL, api, name);
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
    if (!Number.isInteger(value) || value < 0) throw new TypeError('ReceiveRight.qlimit: must be a non-negative integer');
    const limits: mach_port_limits_t = { mpl_qlimit: value };
    this.api.mach_port_set_attributes(this.task, this.live('qlimit'), MACH_PORT_LIMITS_INFO, limits);
  }

  /** mach_port_get_attributes(MACH_PORT_RECEIVE_STATUS): seqno, mscount, qlimit, msgcount, … */
  status(): mach_port_status_t {
    return this.api.mach_port_get_attributes(this.task, this.live('status'), MACH_PORT_RECEIVE_STATUS, MACH_PORT_RECEIVE_STATUS_COUNT) as mach_port_status_t;
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
