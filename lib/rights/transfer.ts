/**
 * PortTransfer: "put this right in the message with this disposition". Made by the
 * right classes (`sendRight.moveSend()`, `receiveRight.makeSendOnce()`, …) or by
 * {@link portTransfer} for a raw name, and consumed by the message builder.
 * @module
 */
import {
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
} from '../constants.js';
import type { MachApi } from '../types.js';

const DISPOSITION_NAMES: Record<number, string> = {
  [MACH_MSG_TYPE_MOVE_RECEIVE]: 'MOVE_RECEIVE',
  [MACH_MSG_TYPE_MOVE_SEND]: 'MOVE_SEND',
  [MACH_MSG_TYPE_MOVE_SEND_ONCE]: 'MOVE_SEND_ONCE',
  [MACH_MSG_TYPE_COPY_SEND]: 'COPY_SEND',
  [MACH_MSG_TYPE_MAKE_SEND]: 'MAKE_SEND',
  [MACH_MSG_TYPE_MAKE_SEND_ONCE]: 'MAKE_SEND_ONCE',
};

/** True for the MOVE_* dispositions, which take the right out of the sender's space. */
export function isMoveDisposition(d: number): boolean {
  return d === MACH_MSG_TYPE_MOVE_RECEIVE || d === MACH_MSG_TYPE_MOVE_SEND || d === MACH_MSG_TYPE_MOVE_SEND_ONCE;
}

/** Anything a transfer can take a right from: a right object, or a right a received Message carries. */
export interface TransferSource {
  readonly api: MachApi;
  /** The current name, or throw when the right is no longer owned. */
  live(where: string): number;
  /** The right left (sent away, or consumed by the kernel). */
  markGone(state: 'moved' | 'consumed'): void;
  /** The kernel handed the right back under another name. */
  rename(name: number): void;
  /**
   * A send that carried this right with a MOVE disposition failed, and the source still
   * owns its right: bring what the object knows about it up to date (a receive right the
   * kernel took in and handed back has lost its guard).
   */
  afterFailedSend?(): void;
  toString(): string;
}

/**
 * One right to carry in a message. A MOVE transfer made by an object hands that
 * object's right over when (and only when) the send succeeds; COPY and MAKE transfers
 * leave the source as it was.
 */
export class PortTransfer {
  /** The object the right comes from, when it came from one. */
  readonly source: TransferSource | undefined;
  /** The MACH_MSG_TYPE_* disposition. */
  readonly disposition: number;
  readonly #rawName: number;

  /** @internal Use the right classes' methods or {@link portTransfer}. */
  constructor(source: TransferSource | undefined, disposition: number, rawName = 0) {
    this.source = source;
    this.disposition = disposition;
    this.#rawName = rawName;
  }

  /** True when a successful send takes the source's right away. */
  get moves(): boolean {
    return this.source !== undefined && isMoveDisposition(this.disposition);
  }

  /** The name this transfer puts in the message (read when the message is built). */
  resolveName(where: string): number {
    return this.source ? this.source.live(where) : this.#rawName;
  }

  /** The disposition and where the right comes from: `PortTransfer(MOVE_SEND SendRight(0x1103))`, or the raw name in decimal. */
  toString(): string {
    const d = DISPOSITION_NAMES[this.disposition] ?? String(this.disposition);
    return `PortTransfer(${d} ${this.source ? this.source.toString() : this.#rawName})`;
  }
}

/**
 * A transfer of a raw name you manage yourself (no object tracks it):
 * `portTransfer(name, MACH_MSG_TYPE_COPY_SEND)`.
 */
export function portTransfer(name: number, disposition: number): PortTransfer {
  if (!Number.isInteger(name) || name < 0 || name > 0xffffffff) throw new TypeError('portTransfer: name must be a uint32');
  if (!Number.isInteger(disposition)) throw new TypeError('portTransfer: disposition must be a MACH_MSG_TYPE_* value');
  return new PortTransfer(undefined, disposition, name);
}
