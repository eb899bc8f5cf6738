/**
 * Message: a received Mach message that owns the rights it carries (reply right,
 * voucher, port descriptors, OOL port arrays) until you take them, and releases the
 * rest on close() / `using` — the JS form of mach_msg_destroy.
 * @module
 */
import './dispose.js';
import {
  MACH_MSG_GUARDED_PORT_DESCRIPTOR,
  MACH_MSG_OOL_DESCRIPTOR,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_OOL_VOLATILE_DESCRIPTOR,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_MSG_TYPE_PORT_RECEIVE,
  MACH_MSG_TYPE_PORT_SEND,
  MACH_MSG_TYPE_PORT_SEND_ONCE,
  MACH_MSGH_BITS_REMOTE,
  MACH_MSGH_BITS_VOUCHER,
  MACH_PORT_DEAD,
  MACH_PORT_NULL,
  MACH_SEND_INVALID_DEST,
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
} from '../constants.js';
import { MachError } from '../errors.js';
import type { AuditToken, MachApi, MachMessage, MachMsgTrailer, ReceivedMessage } from '../types.js';
import type { Right } from './base.js';
import { hexName, notOpenError, releaseRight, track, untrack, type RightKind, type Slot } from './internal.js';
import { adoptRight, type ReceiveRight, type SendOnceRight, type SendRight } from './rights.js';
import { sendThrough, type OutgoingMessage, type SendOptions } from './send.js';
import { PortTransfer, type TransferSource } from './transfer.js';

/** What a carried right is: a right the message owns, a dead name (the port died in flight), or nothing. */
export type CarriedKind = 'receive' | 'send' | 'send-once' | 'dead' | 'null';

/** A right carried by a received message, as seen through {@link Message.ports} and friends. */
export interface CarriedRight {
  /** The name in the receiving task (MACH_PORT_DEAD / MACH_PORT_NULL when no right arrived). */
  readonly name: number;
  /** The received disposition (MACH_MSG_TYPE_PORT_RECEIVE / PORT_SEND / PORT_SEND_ONCE, or what the kernel wrote). */
  readonly disposition: number;
  readonly kind: CarriedKind;
  /** True once taken out of the message (or sent on), or released by close(). */
  readonly taken: boolean;
}

interface Carried {
  name: number;
  disposition: number;
  kind: CarriedKind;
  /** Present iff the message owns a right here. */
  slot?: Slot;
}

function kindOf(name: number, disposition: number): CarriedKind {
  if (name === MACH_PORT_NULL) return 'null';
  if (name === MACH_PORT_DEAD) return 'dead';
  if (disposition === MACH_MSG_TYPE_PORT_RECEIVE) return 'receive';
  if (disposition === MACH_MSG_TYPE_PORT_SEND) return 'send';
  if (disposition === MACH_MSG_TYPE_PORT_SEND_ONCE) return 'send-once';
  return 'null';
}

/** A carried right the message owns, seen as a transfer source (for reply() and move*()). */
class CarriedSource implements TransferSource {
  constructor(
    readonly api: MachApi,
    private readonly slot: Slot,
    private readonly label: string,
  ) {}
  live(where: string): number {
    if (this.slot.state !== 'open') throw notOpenError(where, this.slot.state);
    return this.slot.name;
  }
  markGone(state: 'moved' | 'consumed'): void {
    if (this.slot.state === 'open') this.slot.state = state;
  }
  rename(name: number): void {
    this.slot.name = name;
  }
  toString(): string {
    return `${this.label}(${hexName(this.slot.name)})`;
  }
}

const decoder = new TextDecoder();

/**
 * A received message. Read it through the accessors; take the rights you keep with
 * {@link take} / {@link takeReply} (ownership moves to the returned object), send them
 * on with {@link movePort} / {@link moveReply}, answer with {@link reply}, and close it
 * (or declare it with `using`) to release everything not taken.
 */
export class Message implements Disposable {
  /** The message exactly as mach_msg returned it. */
  readonly raw: ReceivedMessage;
  readonly #api: MachApi;
  readonly #reply: Carried | undefined;
  readonly #voucher: Carried | undefined;
  readonly #ports: Carried[] = [];
  readonly #oolPorts: Carried[][] = [];
  #ool: Uint8Array[] = [];
  #closed = false;

  /**
   * Wrap a ReceivedMessage from `api`'s mach_msg. The Message takes ownership of every
   * right in it: build one only from a message nobody else will destroy.
   */
  constructor(api: MachApi, raw: ReceivedMessage) {
    this.#api = api;
    this.raw = raw;
    const slots: Slot[] = [];
    const carry = (name: number, disposition: number): Carried => {
      const c: Carried = { name: name >>> 0, disposition, kind: kindOf(name >>> 0, disposition) };
      if (c.kind === 'receive' || c.kind === 'send' || c.kind === 'send-once') {
        c.slot = { api, name: c.name, kind: c.kind, state: 'open', owner: 'Message' };
        slots.push(c.slot);
      }
      return c;
    };
    const h = raw.header;
    const remoteDisp = MACH_MSGH_BITS_REMOTE(h.msgh_bits);
    if (remoteDisp !== 0 || h.msgh_remote_port !== MACH_PORT_NULL) this.#reply = carry(h.msgh_remote_port, remoteDisp);
    const voucherDisp = MACH_MSGH_BITS_VOUCHER(h.msgh_bits);
    if (voucherDisp !== 0 && h.msgh_voucher_port !== MACH_PORT_NULL) this.#voucher = carry(h.msgh_voucher_port, voucherDisp);
    for (const d of raw.descriptors ?? []) {
      switch (d.type) {
        case MACH_MSG_PORT_DESCRIPTOR:
        case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
          this.#ports.push(carry(d.name, d.disposition));
          break;
        case MACH_MSG_OOL_PORTS_DESCRIPTOR:
          this.#oolPorts.push(d.names.map((n) => carry(n, d.disposition)));
          break;
        case MACH_MSG_OOL_DESCRIPTOR:
        case MACH_MSG_OOL_VOLATILE_DESCRIPTOR:
          this.#ool.push(d.data);
          break;
      }
    }
    if (slots.length > 0) track(this, slots, `Message (id ${h.msgh_id})`);
  }

  /** msgh_id. */
  get id(): number {
    return this.raw.header.msgh_id;
  }
  /** msgh_bits as received (remote = the reply right's type, local = the destination's). */
  get bits(): number {
    return this.raw.header.msgh_bits;
  }
  /** The inline bytes after the descriptors (padded by Mach to a multiple of 4). */
  get body(): Uint8Array {
    return this.raw.body;
  }
  /** The body decoded as UTF-8, without the NUL padding Mach adds to reach a multiple of 4 bytes. */
  text(): string {
    const b = this.raw.body;
    let end = b.byteLength;
    while (end > 0 && b[end - 1] === 0) end--;
    return decoder.decode(b.subarray(0, end));
  }
  /** msgh_size as Darwin reports it (without trailer). */
  get size(): number {
    return this.raw.size;
  }
  /** The receive trailer. */
  get trailer(): MachMsgTrailer {
    return this.raw.trailer;
  }
  /** The message's sequence number on its port. */
  get seqno(): number {
    return this.raw.trailer.seqno;
  }
  /** The sender's audit token (all zeros for kernel messages; ask for the 'audit' trailer, the default). */
  get audit(): AuditToken {
    return this.raw.trailer.audit;
  }
  /** The name of the receive right the message arrived on (useful when receiving from a set). Not owned by the message. */
  get localPort(): number {
    return this.raw.header.msgh_local_port;
  }
  /** True when the message came with a live reply right. */
  get hasReply(): boolean {
    return this.#reply?.slot !== undefined;
  }
  /** The reply right (msgh_remote_port as received), or undefined when none came. */
  get replyPort(): CarriedRight | undefined {
    return this.#reply ? this.#view(this.#reply) : undefined;
  }
  /** Rights carried in port descriptors, in descriptor order. */
  get ports(): readonly CarriedRight[] {
    return this.#ports.map((c) => this.#view(c));
  }
  /** Rights carried in OOL-ports descriptors, one array per descriptor. */
  get oolPorts(): readonly (readonly CarriedRight[])[] {
    return this.#oolPorts.map((g) => g.map((c) => this.#view(c)));
  }
  /** Out-of-line memory regions, in descriptor order. Plain Uint8Arrays you may keep; emptied by close(). */
  get ool(): readonly Uint8Array[] {
    return this.#ool;
  }
  /** True once close() ran. */
  get closed(): boolean {
    return this.#closed;
  }

  #view(c: Carried): CarriedRight {
    return {
      name: c.slot ? c.slot.name : c.name,
      disposition: c.disposition,
      kind: c.kind,
      taken: c.slot ? c.slot.state !== 'open' : false,
    };
  }

  /** The owned carried right at `c`, or throw. */
  #owned(where: string, c: Carried | undefined, what: string): Slot {
    if (this.#closed) throw new MachError(KERN_INVALID_NAME, `${where}: the message was closed`, { state: 'closed' });
    if (c === undefined) throw new RangeError(`${where}: the message has no ${what}`);
    if (c.slot === undefined) {
      throw new MachError(KERN_INVALID_RIGHT, `${where}: ${what} carries no right (${c.kind === 'dead' ? 'the port died in flight' : 'MACH_PORT_NULL'})`, { kind: c.kind });
    }
    if (c.slot.state !== 'open') throw notOpenError(`${where} (${what})`, c.slot.state);
    return c.slot;
  }

  #adopt(slot: Slot): Right {
    slot.state = 'moved';
    return adoptRight(slot.kind, this.#api, slot.name);
  }

  #expect<K extends RightKind>(where: string, slot: Slot, kind: K, what: string): void {
    if (slot.kind !== kind) {
      throw new MachError(KERN_INVALID_RIGHT, `${where}: ${what} is a ${slot.kind} right, not a ${kind} right`, { kind: slot.kind });
    }
  }

  /** Take the right of port descriptor `index`; the returned object owns it from now on. */
  take(index: number): SendRight | SendOnceRight | ReceiveRight {
    return this.#adopt(this.#owned('Message.take', this.#ports[index], `port descriptor ${index}`)) as SendRight | SendOnceRight | ReceiveRight;
  }
  /** Take port descriptor `index`, which must be a send right. */
  takeSend(index: number): SendRight {
    const slot = this.#owned('Message.takeSend', this.#ports[index], `port descriptor ${index}`);
    this.#expect('Message.takeSend', slot, 'send', `port descriptor ${index}`);
    return this.#adopt(slot) as SendRight;
  }
  /** Take port descriptor `index`, which must be a send-once right. */
  takeSendOnce(index: number): SendOnceRight {
    const slot = this.#owned('Message.takeSendOnce', this.#ports[index], `port descriptor ${index}`);
    this.#expect('Message.takeSendOnce', slot, 'send-once', `port descriptor ${index}`);
    return this.#adopt(slot) as SendOnceRight;
  }
  /** Take port descriptor `index`, which must be a receive right. */
  takeReceive(index: number): ReceiveRight {
    const slot = this.#owned('Message.takeReceive', this.#ports[index], `port descriptor ${index}`);
    this.#expect('Message.takeReceive', slot, 'receive', `port descriptor ${index}`);
    return this.#adopt(slot) as ReceiveRight;
  }
  /** Take the rights of OOL-ports descriptor `index` (entries that carry no right are skipped). */
  takeOolPorts(index: number): Array<SendRight | SendOnceRight | ReceiveRight> {
    if (this.#closed) throw new MachError(KERN_INVALID_NAME, 'Message.takeOolPorts: the message was closed', { state: 'closed' });
    const group = this.#oolPorts[index];
    if (group === undefined) throw new RangeError(`Message.takeOolPorts: the message has no OOL-ports descriptor ${index}`);
    const out: Array<SendRight | SendOnceRight | ReceiveRight> = [];
    for (const c of group) {
      if (c.slot && c.slot.state === 'open') out.push(this.#adopt(c.slot) as SendRight | SendOnceRight | ReceiveRight);
    }
    return out;
  }
  /** Take the reply right (a SendOnceRight, or a SendRight when the sender gave a send right), or undefined when none came. */
  takeReply(): SendOnceRight | SendRight | undefined {
    if (this.#reply?.slot === undefined && !this.#closed) return undefined;
    return this.#adopt(this.#owned('Message.takeReply', this.#reply, 'reply right')) as SendOnceRight | SendRight;
  }

  /** A MOVE transfer of port descriptor `index`'s right, to forward it in another message without taking it first. */
  movePort(index: number): PortTransfer {
    const slot = this.#owned('Message.movePort', this.#ports[index], `port descriptor ${index}`);
    return new PortTransfer(new CarriedSource(this.#api, slot, `Message.ports[${index}]`), moveOf(slot.kind));
  }
  /** A MOVE transfer of the reply right, e.g. to hand the request on to another server. */
  moveReply(): PortTransfer {
    const slot = this.#owned('Message.moveReply', this.#reply, 'reply right');
    return new PortTransfer(new CarriedSource(this.#api, slot, 'Message.replyPort'), moveOf(slot.kind));
  }

  /**
   * Send a reply through the message's reply right: a send-once reply right is used
   * up (MOVE_SEND_ONCE), a send right is copied (COPY_SEND) and stays with the message.
   * The reply's id defaults to this message's id + 100 (MIG's convention).
   */
  async reply(out: OutgoingMessage | MachMessage = {}, opts?: SendOptions): Promise<void> {
    const where = 'Message.reply';
    if (this.#reply?.kind === 'dead') throw new MachError(MACH_SEND_INVALID_DEST, `${where}: the reply port died`);
    if (this.#reply?.slot === undefined && !this.#closed) {
      throw new MachError(MACH_SEND_INVALID_DEST, `${where}: the message carries no reply right`);
    }
    const slot = this.#owned(where, this.#reply, 'reply right');
    const dest = new PortTransfer(
      new CarriedSource(this.#api, slot, 'Message.replyPort'),
      slot.kind === 'send-once' ? MACH_MSG_TYPE_MOVE_SEND_ONCE : MACH_MSG_TYPE_COPY_SEND,
    );
    const message = typeof out === 'object' && out !== null && !('header' in out) && out.id === undefined ? { ...out, id: this.id + 100 } : out;
    await sendThrough(this.#api, where, dest, message, opts);
  }

  /**
   * Release every right the message still owns (reply right, voucher, descriptors'
   * rights), as mach_msg_destroy does, and drop the OOL regions. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    untrack(this);
    this.#ool = [];
    let first: unknown;
    const all = [this.#reply, this.#voucher, ...this.#ports, ...this.#oolPorts.flat()];
    for (const c of all) {
      const slot = c?.slot;
      if (!slot || slot.state !== 'open') continue;
      slot.state = 'closed';
      try {
        releaseRight(slot.api, slot.name, slot.kind);
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }

  /** Same as {@link close}, for `using` declarations. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** The msgh_id and size without trailer, e.g. `Message(id 1000, 64 bytes)`, with `, closed` once closed. */
  toString(): string {
    return `Message(id ${this.id}, ${this.raw.size} bytes${this.#closed ? ', closed' : ''})`;
  }

  /** What console.log and util.inspect show: same as {@link toString}. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function moveOf(kind: RightKind): number {
  switch (kind) {
    case 'receive':
      return MACH_MSG_TYPE_MOVE_RECEIVE;
    case 'send':
      return MACH_MSG_TYPE_MOVE_SEND;
    default:
      return MACH_MSG_TYPE_MOVE_SEND_ONCE;
  }
}
