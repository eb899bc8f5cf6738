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
abstract class Waiter implements TimerHolder {
  /** The timeout, when one runs. */
  timer: ReturnType<typeof setTimeout> | null = null;
  /** The caller's abort signal and our listener on it. */
  signal: AbortSignal | null = null;
  onAbort: (() => void) | null = null;
  /** Settled (handed a message, a result or an error); no longer on any queue. */
  done = false;

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

/** Take `w` off a port's or set's list of waiters, if it is still on it. */
function removeWaiter<W>(list: W[] | null, w: W): void {
  if (list === null) return;
  const i = list.indexOf(w);
  if (i >= 0) list.splice(i, 1);
}

/** A thread blocked in mach_msg's receive half. */
export class RcvWaiter extends Waiter {
  /** The receiving task. */
  readonly task: EmulatedTask;
  /** The mach_msg options (MACH_RCV_LARGE, trailer elements, …). */
  readonly option: number;
  /** The receive buffer size. */
  readonly rcvSize: number;
  /** The trailer size the options ask for. */
  readonly trailerSize: number;
  /** The port or port set received on. */
  readonly object: Port | PortSet;
  /** Settles the caller's promise with a message. */
  readonly resolve: (msg: ReceivedMessage) => void;
  /** Settles the caller's promise with an error. */
  readonly reject: (err: unknown) => void;
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

  /** A waiter for `task` receiving on `object`. */
  constructor(
    task: EmulatedTask,
    object: Port | PortSet,
    option: number,
    rcvSize: number,
    trailerSize: number,
    resolve: (msg: ReceivedMessage) => void,
    reject: (err: unknown) => void,
  ) {
    super();
    this.task = task;
    this.object = object;
    this.option = option;
    this.rcvSize = rcvSize;
    this.trailerSize = trailerSize;
    this.resolve = resolve;
    this.reject = reject;
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
