/**
 * Kernel notifications (xnu:osfmk/ipc/ipc_notify.c and the MIG `notify` subsystem,
 * xnu:osfmk/mach/notify.defs). Each is a real message sent by the kernel through the
 * registered send-once right, bypassing queue limits, with the layout of §1.12 of the
 * reference: header bits (remote PORT_SEND_ONCE) → received as 0x1200, an NDR record and
 * the name or make-send count as inline body, and the kernel's trailer.
 * @module
 */
import {
  MACH_MSG_TYPE_PORT_RECEIVE,
  MACH_MSG_TYPE_PORT_SEND_ONCE,
  MACH_MSGH_BITS_COMPLEX,
  MACH_NOTIFY_DEAD_NAME,
  MACH_NOTIFY_NO_SENDERS,
  MACH_NOTIFY_PORT_DELETED,
  MACH_NOTIFY_PORT_DESTROYED,
  MACH_NOTIFY_SEND_ONCE,
  MACH_NOTIFY_SEND_POSSIBLE,
} from '../constants.js';
import { KERNEL_SENDER, Kmsg, MACH_MSGH_BITS_CIRCULAR } from './kmsg.js';
import { kernelSend } from './mqueue.js';
import type { Port } from './port.js';

const EMPTY: Uint8Array = new Uint8Array(0);

/** NDR record (8 bytes) followed by one 32-bit little-endian word. */
function ndrWord(value: number): Uint8Array {
  const b = new Uint8Array(12);
  b[4] = 1; // int_rep: little endian
  b[8] = value & 0xff;
  b[9] = (value >>> 8) & 0xff;
  b[10] = (value >>> 16) & 0xff;
  b[11] = (value >>> 24) & 0xff;
  return b;
}

/** A kernel message to `notify` through the send-once right the caller hands over. */
function sendNotification(notify: Port, id: number, body: Uint8Array): void {
  kernelSend(new Kmsg(MACH_MSG_TYPE_PORT_SEND_ONCE, notify, null, 0, id, null, body, KERNEL_SENDER));
}

/** mach_notify_no_senders: MACH_NOTIFY_NO_SENDERS (70) carrying the make-send count. */
export function notifyNoSenders(notify: Port, mscount: number): void {
  sendNotification(notify, MACH_NOTIFY_NO_SENDERS, ndrWord(mscount));
}

/** mach_notify_dead_name: MACH_NOTIFY_DEAD_NAME (72) carrying the now-dead name. */
export function notifyDeadName(notify: Port, name: number): void {
  sendNotification(notify, MACH_NOTIFY_DEAD_NAME, ndrWord(name));
}

/** mach_notify_port_deleted: MACH_NOTIFY_PORT_DELETED (65), the name went away before the port died. */
export function notifyPortDeleted(notify: Port, name: number): void {
  sendNotification(notify, MACH_NOTIFY_PORT_DELETED, ndrWord(name));
}

/** mach_notify_send_possible: MACH_NOTIFY_SEND_POSSIBLE (66) for the name. */
export function notifySendPossible(notify: Port, name: number): void {
  sendNotification(notify, MACH_NOTIFY_SEND_POSSIBLE, ndrWord(name));
}

/**
 * ipc_notify_send_once_and_unlock: a send-once right is destroyed unused. Its port's
 * receiver gets MACH_NOTIFY_SEND_ONCE (71, a bare 24-byte message) unless the port is
 * dead, a kernel object, or at the kernel's queue limit, in which case the right is just
 * released (reference S90).
 */
export function notifySendOnce(port: Port): void {
  if (!port.active || port.inKernel || port.fullKernel()) {
    port.releaseSendOnce();
    return;
  }
  sendNotification(port, MACH_NOTIFY_SEND_ONCE, EMPTY);
}

/**
 * mach_notify_port_destroyed: MACH_NOTIFY_PORT_DESTROYED (69), a complex message whose
 * port descriptor carries the receive right of the port that would have died (S84).
 */
export function notifyPortDestroyed(notify: Port, port: Port): void {
  let bits = MACH_MSG_TYPE_PORT_SEND_ONCE | MACH_MSGH_BITS_COMPLEX;
  // ipc_kmsg_copyin_port_from_kernel: a receive right sent by the kernel may close a loop.
  if (!notify.inKernel && port.checkCircularity(notify)) bits |= MACH_MSGH_BITS_CIRCULAR;
  const kmsg = new Kmsg(
    bits >>> 0,
    notify,
    null,
    0,
    MACH_NOTIFY_PORT_DESTROYED,
    [{ type: 0, port, disposition: MACH_MSG_TYPE_PORT_RECEIVE }],
    EMPTY,
    KERNEL_SENDER,
  );
  kernelSend(kmsg);
}
