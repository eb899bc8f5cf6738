/**
 * Blocked threads. An emulated task never blocks the event loop: a mach_msg that would
 * block in XNU leaves a waiter on the port (or port set) and returns a pending promise.
 * A receive waiter is handed a message directly when one is posted (XNU's
 * ipc_mqueue_post hand-off), or sent away with an error (MACH_RCV_PORT_CHANGED when its
 * port or set goes away, xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_receive_results). A send
 * waiter holds its copied-in message until its port's queue has room, the port dies, or
 * the timeout / abort signal fires.
 * @module
 */
import { MACH_RCV_TOO_LARGE } from '../constants.js';
import type { MachMessage, ReceivedMessage } from '../types.js';
import type { Kmsg } from './kmsg.js';
import type { Port } from './port.js';
import type { PortSet } from './port-set.js';
import type { EmulatedTask } from './task.js';

/** The longest delay setTimeout honours (2^31 − 1 ms); mach_msg timeouts go up to 2^32 − 1 ms. */
const MAX_TIMER_DELAY = 0x7fffffff;

/** Something that holds one timer. */
interface TimerHolder {
  timer: ReturnType<typeof setTimeout> | null;
}

/**
 * Arm `holder.timer` to run `fire` after `ms` milliseconds, in steps for delays beyond
 * what setTimeout accepts (mach_msg_timeout_t is 32 bits of milliseconds, about 49 days).
 */
export function armTimer(holder: TimerHolder, ms: number, fire: () => void): void {
  if (ms <= MAX_TIMER_DELAY) {
    holder.timer = setTimeout(fire, ms);
    return;
  }
  holder.timer = setTimeout(() => armTimer(holder, ms - MAX_TIMER_DELAY, fire), MAX_TIMER_DELAY);
}

/**
 * What both kinds of blocked thread hold: a timeout, the caller's abort signal with our
 * listener on it, and whether the wait is settled.
 */
export abstract class Waiter implements TimerHolder {
  /** The timeout, when one runs. */
  timer: ReturnType<typeof setTimeout> | null = null;
  /** The caller's abort signal and our listener on it. */
  signal: AbortSignal | null = null;
  onAbort: (() => void) | null = null;
  /** Settled (handed a message, a result or an error); no longer on any queue. */
  done = false;
  /** The task's list of pending calls this waiter is on, and its neighbours there. */
  pendingList: PendingList<Waiter> | null = null;
  pendingPrev: Waiter | null = null;
  pendingNext: Waiter | null = null;

  /** Stop the timer and the abort listener. */
  disarm(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.signal !== null && this.onAbort !== null) this.signal.removeEventListener('abort', this.onAbort);
    this.signal = null;
    this.onAbort = null;
  }
}

/**
 * Keeping Node's event loop alive while a mach_msg is blocked. On Darwin a thread in
 * mach_msg stays blocked until a message, its timeout or an interrupt; the native
 * backend keeps the loop alive while a receive is pending (native/receive_loop.cc refs
 * its handle), so a program whose only work is `await mach_msg(RCV)` waits there rather
 * than ending. The emulator does the same: while any call of this thread's tasks is
 * blocked, one idle interval timer is ref'd. When the last blocked call ends the timer
 * is unref'd from a setImmediate, not at once: a ping-pong empties and refills the
 * blocked set on every message without leaving the microtask queue, and the loop can
 * only decide to exit between turns, so one check per turn is enough.
 */
let blockedCalls = 0;
let keepAlive: ReturnType<typeof setInterval> | null = null;
let releaseScheduled = false;

function keepLoopAlive(): void {
  if (keepAlive === null) keepAlive = setInterval(idle, MAX_TIMER_DELAY);
  else if (!keepAlive.hasRef()) keepAlive.ref();
}

function idle(): void {}

function releaseLoop(): void {
  releaseScheduled = false;
  if (blockedCalls === 0 && keepAlive !== null) keepAlive.unref();
}

function callsUnblocked(n: number): void {
  blockedCalls -= n;
  if (blockedCalls === 0 && !releaseScheduled) {
    releaseScheduled = true;
    setImmediate(releaseLoop);
  }
}

/**
 * A task's blocked calls, in the order they blocked (task termination settles them in
 * that order). A doubly-linked list through the waiters themselves: a mach_msg that
 * blocks joins and leaves it without allocating or hashing, which a Set costs on
 * every blocked receive of a ping-pong. The part of the Set interface the task uses:
 * add, delete (of a member or not), size, clear, iteration.
 */
export class PendingList<W extends Waiter> {
  private head: W | null = null;
  private tail: W | null = null;
  private count = 0;

  /** Waiters on the list. */
  get size(): number {
    return this.count;
  }

  /** Append `w` (no-op when it is on the list already). */
  add(w: W): void {
    if (w.pendingList !== null) return;
    w.pendingList = this as PendingList<Waiter>;
    w.pendingPrev = this.tail;
    w.pendingNext = null;
    if (this.tail === null) this.head = w;
    else this.tail.pendingNext = w;
    this.tail = w;
    this.count++;
    if (blockedCalls++ === 0) keepLoopAlive();
  }

  /** Remove `w` if it is on this list; true if it was. */
  delete(w: W): boolean {
    if (w.pendingList !== (this as PendingList<Waiter>)) return false;
    const prev = w.pendingPrev as W | null;
    const next = w.pendingNext as W | null;
    if (prev === null) this.head = next;
    else prev.pendingNext = next;
    if (next === null) this.tail = prev;
    else next.pendingPrev = prev;
    w.pendingList = null;
    w.pendingPrev = null;
    w.pendingNext = null;
    this.count--;
    callsUnblocked(1);
    return true;
  }

  /** Remove every waiter. */
  clear(): void {
    let w = this.head;
    while (w !== null) {
      const next = w.pendingNext as W | null;
      w.pendingList = null;
      w.pendingPrev = null;
      w.pendingNext = null;
      w = next;
    }
    this.head = null;
    this.tail = null;
    if (this.count > 0) callsUnblocked(this.count);
    this.count = 0;
  }

  /** The waiters in the order they were added. */
  *[Symbol.iterator](): IterableIterator<W> {
    for (let w = this.head; w !== null; w = w.pendingNext as W | null) yield w;
  }
}

/** Take `w` off a port's or set's list of waiters, if it is still on it. */
function removeWaiter<W>(list: W[] | null, w: W): void {
  if (list === null) return;
  const i = list.indexOf(w);
  if (i >= 0) list.splice(i, 1);
}

/** A thread blocked in mach_msg's receive half. */
export class RcvWaiter extends Waiter {
  /** The receiving task. */
  task!: EmulatedTask;
  /** The mach_msg options (MACH_RCV_LARGE, trailer elements, …). */
  option = 0;
  /** The receive buffer size. */
  rcvSize = 0;
  /** The trailer size the options ask for. */
  trailerSize = 0;
  /** The port or port set received on. */
  object!: Port | PortSet;
  /** Settles the caller's promise with a message. */
  resolve!: (msg: ReceivedMessage) => void;
  /** Settles the caller's promise with an error. */
  reject!: (err: unknown) => void;
  /** The message handed over, if any. */
  kmsg: Kmsg | null = null;
  /** The port the message came from. */
  port: Port | null = null;
  /** The sequence number the message was received with. */
  seqno = 0;
  /** The context of the port at hand-off (for the trailer). */
  context = 0n;
  /** MACH_MSG_SUCCESS, MACH_RCV_TOO_LARGE or the error the receive ends with. */
  state = 0;
  /** The needed size, for MACH_RCV_TOO_LARGE. */
  msize = 0;
  /** No timer or abort listener was ever armed: once settled, nothing else refers to it. */
  recyclable = true;

  /**
   * Set the waiter up for `task` receiving on `object`: a new waiter, or a settled one
   * nothing refers to any more (see recycleReceiveWaiter in mach-msg.ts), every field
   * of its last receive reset.
   */
  start(
    task: EmulatedTask,
    object: Port | PortSet,
    option: number,
    rcvSize: number,
    trailerSize: number,
    resolve: (msg: ReceivedMessage) => void,
    reject: (err: unknown) => void,
  ): void {
    this.timer = null;
    this.signal = null;
    this.onAbort = null;
    this.done = false;
    this.task = task;
    this.object = object;
    this.option = option;
    this.rcvSize = rcvSize;
    this.trailerSize = trailerSize;
    this.resolve = resolve;
    this.reject = reject;
    this.kmsg = null;
    this.port = null;
    this.seqno = 0;
    this.context = 0n;
    this.state = 0;
    this.msize = 0;
    this.recyclable = true;
  }

  /** Remove this waiter from its port's or set's list (timeout, abort). */
  unlink(): void {
    removeWaiter(this.object.rcvWaiters, this);
  }

  /** Settle with `state` and no message; the kernel finishes it after the current operation. */
  fail(state: number): void {
    if (this.done) return;
    this.done = true;
    this.disarm();
    this.state = state;
    this.task.kernel.deferDelivery(this);
  }

  /**
   * The message queued on `port` needs more than the buffer and the receive has
   * MACH_RCV_LARGE: settle with MACH_RCV_TOO_LARGE and its `size`, the message staying queued.
   */
  failTooLarge(port: Port, size: number): void {
    this.msize = size;
    this.port = port;
    this.fail(MACH_RCV_TOO_LARGE);
  }

  /** Hand over a message (state MACH_MSG_SUCCESS or MACH_RCV_TOO_LARGE without RCV_LARGE). */
  deliver(kmsg: Kmsg, port: Port, seqno: number, state: number): void {
    this.done = true;
    this.disarm();
    this.kmsg = kmsg;
    this.port = port;
    this.seqno = seqno;
    this.context = port.context;
    this.state = state;
    this.task.kernel.deferDelivery(this);
  }
}

/** Send `state` to every waiter of a list (already detached from its object). */
export function failReceiveWaiters(waiters: RcvWaiter[], state: number): void {
  for (const w of waiters) w.fail(state);
}

/** A thread blocked in mach_msg's send half on a full queue. */
export class SendWaiter extends Waiter {
  /** The sending task. */
  readonly task: EmulatedTask;
  /** The copied-in message. */
  readonly kmsg: Kmsg;
  /** The destination port whose queue is full. */
  readonly port: Port;
  /** The caller's message object (rewritten in place by a pseudo-receive). */
  readonly msg: MachMessage;
  /** The mach_msg options. */
  readonly option: number;
  /** Settles the send (success). */
  readonly resolve: () => void;
  /** Settles the send with an error. */
  readonly reject: (err: unknown) => void;

  /** A blocked send of `kmsg` to `port` by `task`. */
  constructor(
    task: EmulatedTask,
    kmsg: Kmsg,
    port: Port,
    msg: MachMessage,
    option: number,
    resolve: () => void,
    reject: (err: unknown) => void,
  ) {
    super();
    this.task = task;
    this.kmsg = kmsg;
    this.port = port;
    this.msg = msg;
    this.option = option;
    this.resolve = resolve;
    this.reject = reject;
  }

  /** Remove this waiter from its port's list. */
  unlink(): void {
    removeWaiter(this.port.sendWaiters, this);
  }

  /**
   * The port died while we waited: XNU reports MACH_SEND_INVALID_DEST internally and
   * turns it into success with the message destroyed (xnu:osfmk/ipc/ipc_kmsg.c:
   * ipc_kmsg_send; reference S40).
   */
  releaseDestroyed(): void {
    if (this.done) return;
    this.done = true;
    this.disarm();
    this.kmsg.dest = null;
    this.task.kernel.destroyKmsg(this.kmsg);
    this.resolve();
  }
}
