/**
 * Message queues (xnu:osfmk/ipc/ipc_mqueue.c): posting a message to a port (handing it
 * straight to a waiting receiver or queuing it, FIFO), the queue limit with blocked
 * senders, and picking the next message for a receive on a port or a port set.
 * @module
 */
import {
  MACH_MSG_TYPE_PORT_SEND_ONCE,
  MACH_MSGH_BITS_REMOTE,
  MACH_RCV_LARGE,
  MACH_RCV_TOO_LARGE,
  MACH_SEND_NO_BUFFER,
  MACH_SEND_TIMED_OUT,
  MACH_SEND_TIMEOUT,
  MACH_MSG_SUCCESS,
} from '../constants.js';
import { Kmsg, MACH_MSGH_BITS_CIRCULAR } from './kmsg.js';
import { IP_VALID, type Port } from './port.js';
import type { PortSet } from './port-set.js';
import type { RcvWaiter } from './waiter.js';

/** Internal option: ignore the queue limit (MACH_SEND_ALWAYS, kernel sends). */
export const MACH_SEND_ALWAYS = 0x00010000;
/** ipc_mqueue_send result meaning "the sender must wait". */
export const SEND_WOULD_BLOCK = -1;

/** The next receiver waiting for `port`: on the port itself first, then on its sets. */
function takeWaiter(port: Port): RcvWaiter | null {
  const own = port.rcvWaiters;
  if (own !== null && own.length > 0) return own.shift()!;
  const psets = port.psets;
  for (let i = 0; i < psets.length; i++) {
    const list = psets[i]!.rcvWaiters;
    if (list !== null && list.length > 0) return list.shift()!;
  }
  return null;
}

/**
 * ipc_mqueue_post: deliver `kmsg` to `port`. A waiting receiver whose buffer is big
 * enough is handed the message directly (the queue was empty, so FIFO holds); one that
 * asked for MACH_RCV_LARGE and is too small is released with the size and the next is
 * tried; one too small without MACH_RCV_LARGE takes the message anyway and will destroy
 * it. Otherwise the message is queued and the port's sets learn it has messages.
 */
export function mqueuePost(port: Port, kmsg: Kmsg): void {
  if (!port.active) {
    port.kernel.destroyKmsg(kmsg);
    return;
  }
  for (;;) {
    const w = takeWaiter(port);
    if (w === null) break;
    const needed = kmsg.size + w.trailerSize;
    if (w.rcvSize < needed) {
      if ((w.option & MACH_RCV_LARGE) !== 0) {
        w.failTooLarge(port, kmsg.size);
        continue;
      }
      w.deliver(kmsg, port, takeSeqno(port), MACH_RCV_TOO_LARGE);
      return;
    }
    w.deliver(kmsg, port, takeSeqno(port), MACH_MSG_SUCCESS);
    return;
  }
  port.enqueue(kmsg);
  const psets = port.psets;
  for (let i = 0; i < psets.length; i++) psets[i]!.prepost.add(port);
}

/** The port's next sequence number (32-bit, wrapping). */
export function takeSeqno(port: Port): number {
  const seqno = port.seqno;
  port.seqno = (seqno + 1) >>> 0;
  return seqno;
}

/**
 * ipc_mqueue_send_locked: queue a user message unless the queue is full. Send-once
 * destinations and MACH_SEND_ALWAYS ignore the limit (up to the kernel's 65 534). A full
 * queue gives MACH_SEND_TIMED_OUT for a zero timeout, MACH_SEND_NO_BUFFER at the kernel
 * limit, and SEND_WOULD_BLOCK otherwise (the caller parks the sender).
 */
export function mqueueSend(port: Port, kmsg: Kmsg, option: number, timeout: number): number {
  if (
    !port.full() ||
    (!port.fullKernel() &&
      ((option & MACH_SEND_ALWAYS) !== 0 || MACH_MSGH_BITS_REMOTE(kmsg.bits) === MACH_MSG_TYPE_PORT_SEND_ONCE))
  ) {
    mqueuePost(port, kmsg);
    return MACH_MSG_SUCCESS;
  }
  if ((option & MACH_SEND_TIMEOUT) !== 0 && timeout === 0) return MACH_SEND_TIMED_OUT;
  if (port.fullKernel()) return MACH_SEND_NO_BUFFER;
  return SEND_WOULD_BLOCK;
}

/**
 * ipc_mqueue_release_msgcount: a message left the queue. Blocked senders take the free
 * slots (in arrival order; XNU prefers the highest priority, all ours are equal), and an
 * emptied queue stops being advertised to its sets.
 */
export function mqueueReleaseMsgcount(port: Port): void {
  const senders = port.sendWaiters;
  while (senders !== null && senders.length > 0 && !port.full() && port.active) {
    const s = senders.shift()!;
    s.done = true;
    s.disarm();
    mqueuePost(port, s.kmsg);
    // In XNU the woken sender posts its own message, and it counts for the sender's task.
    s.task.messagesSent++;
    s.resolve();
  }
  if (port.msgcount === 0) {
    const psets = port.psets;
    for (let i = 0; i < psets.length; i++) psets[i]!.prepost.delete(port);
  }
}

/** ipc_mqueue_set_qlimit_locked: a raised limit lets blocked senders through. */
export function mqueueSetQlimit(port: Port, qlimit: number): void {
  port.qlimit = qlimit;
  mqueueReleaseMsgcount(port);
}

/**
 * The member of `pset` to receive from next: the oldest one with messages (stale entries
 * of emptied or departed ports are dropped on the way).
 */
export function psetFirstPrepost(pset: PortSet): Port | null {
  for (const port of pset.prepost) {
    if (port.msgcount > 0 && port.active && pset.members.has(port)) return port;
    pset.prepost.delete(port);
  }
  return null;
}

/**
 * ipc_mqueue_add_locked: `port` joined `pset`. If the port has messages and receivers
 * wait on the set, they are served now (reference S56); otherwise the set learns the port
 * has messages.
 */
export function mqueueAddToSet(port: Port, pset: PortSet): void {
  while (port.head !== null) {
    const list = pset.rcvWaiters;
    if (list === null || list.length === 0) {
      pset.prepost.add(port);
      return;
    }
    const w = list.shift()!;
    const kmsg = port.head;
    const needed = kmsg.size + w.trailerSize;
    let state = MACH_MSG_SUCCESS;
    if (w.rcvSize < needed) {
      if ((w.option & MACH_RCV_LARGE) !== 0) {
        w.failTooLarge(port, kmsg.size);
        continue;
      }
      state = MACH_RCV_TOO_LARGE;
    }
    port.dequeue();
    const seqno = takeSeqno(port);
    mqueueReleaseMsgcount(port);
    w.deliver(kmsg, port, seqno, state);
  }
}

/**
 * mach_msg_send_from_kernel (MACH_SEND_KERNEL_DEFAULT): a message the kernel sends, such
 * as a notification. A message closing a receive-right loop, or addressed to a dead port
 * or to a kernel object, is destroyed; otherwise it is queued ignoring the queue limit,
 * unless the queue is at the kernel's absolute limit.
 */
export function kernelSend(kmsg: Kmsg): void {
  const dest = kmsg.dest;
  if (!IP_VALID(dest)) return;
  const kernel = dest.kernel;
  if ((kmsg.bits & MACH_MSGH_BITS_CIRCULAR) !== 0) {
    kernel.destroyKmsg(kmsg);
    return;
  }
  if (!dest.active || dest.inKernel) {
    // Pretend it was delivered and destroyed (the destination right goes with it).
    kernel.destroyKmsg(kmsg);
    return;
  }
  if (mqueueSend(dest, kmsg, MACH_SEND_ALWAYS, 0) !== MACH_MSG_SUCCESS) {
    kernel.destroyKmsg(kmsg);
    return;
  }
  // ipc_mqueue_post counts every post for current_task(): a notification counts for the
  // task whose call generated it (none when the kernel acts on its own: a timer, a reap).
  const caller = kernel.caller;
  if (caller !== null) caller.messagesSent++;
}
