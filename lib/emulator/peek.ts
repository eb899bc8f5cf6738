/**
 * mach_port_peek: what a receive right's queue holds at a sequence number, read without
 * dequeuing anything (xnu:osfmk/ipc/mach_port.c:mach_port_peek,
 * xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_peek_locked). The queue, the port's sequence
 * number and the message are left exactly as they were.
 * @module
 */
import {
  GET_RCV_ELEMENTS,
  KERN_FAILURE,
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
  KERN_INVALID_VALUE,
  kGUARD_EXC_INVALID_NAME,
  kGUARD_EXC_INVALID_RIGHT,
  kGUARD_EXC_INVALID_VALUE,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_TRAILER_MINIMUM_SIZE,
  MACH_PORT_VALID,
  MACH_RCV_TRAILER_AUDIT,
  REQUESTED_TRAILER_SIZE,
} from '../constants.js';
import type { PortPeekResult } from '../types.js';
import { raiseGuard } from './guard.js';
import type { Kmsg } from './kmsg.js';
import { type KrValue, translateReceive } from './mach-port.js';
import type { Space } from './space.js';
import { buildTrailer } from './trailer.js';

/** sizeof(mach_msg_header_t) - sizeof(mach_msg_user_header_t): the kernel header holds pointers. */
const USER_HEADER_SIZE_DELTA = 8;
/** KERNEL_DESC_SIZE - sizeof(mach_msg_user_port_descriptor_t): 16 against 12; the other 64-bit user descriptors are 16 already. */
const PORT_DESC_SIZE_DELTA = 4;

/**
 * The message's msgh_size as the kernel stores it: the copied-in header and descriptors
 * are inflated to their kernel sizes (xnu:osfmk/ipc/ipc_kmsg.c:
 * ipc_kmsg_get_and_inflate_from_user), which ipc_kmsg_copyout_size undoes on receive.
 * Messages the kernel builds (notifications, replies) are in kernel layout from the start,
 * so the same relation holds for them.
 */
function kernelMsgSize(kmsg: Kmsg): number {
  let size = kmsg.size + USER_HEADER_SIZE_DELTA;
  const descs = kmsg.descs;
  if (descs !== null) {
    for (let i = 0; i < descs.length; i++) if (descs[i]!.type === MACH_MSG_PORT_DESCRIPTOR) size += PORT_DESC_SIZE_DELTA;
  }
  return size;
}

/**
 * mach_port_peek on `space`. Seqno 0 asks for the first queued message; any other value
 * must fall in [port seqno, port seqno + msgcount) (32-bit arithmetic, as
 * ipc_mqueue_peek_locked computes it), else KERN_FAILURE, as for an empty queue.
 */
export function portPeek(space: Space, name: number, trailerType: number, seqno: number): KrValue<PortPeekResult | null> {
  if (!MACH_PORT_VALID(name)) return { kr: KERN_INVALID_RIGHT, value: null };
  // Nothing past the audit trailer: the context would leak the receiver's pointer.
  if (GET_RCV_ELEMENTS(trailerType) > MACH_RCV_TRAILER_AUDIT) {
    raiseGuard(space.kernel, name, kGUARD_EXC_INVALID_VALUE);
    return { kr: KERN_INVALID_VALUE, value: null };
  }
  const trailerSize = REQUESTED_TRAILER_SIZE(trailerType);
  const port = translateReceive(space, name);
  if (typeof port === 'number') {
    raiseGuard(space.kernel, name, port === KERN_INVALID_NAME ? kGUARD_EXC_INVALID_NAME : kGUARD_EXC_INVALID_RIGHT);
    return { kr: port, value: null };
  }
  let want = seqno >>> 0;
  let offset: number;
  if (want === 0) {
    want = port.seqno;
    offset = 0;
  } else if (want >= port.seqno && want < ((port.seqno + port.msgcount) >>> 0)) {
    offset = want - port.seqno;
  } else {
    return { kr: KERN_FAILURE, value: null };
  }
  let kmsg = port.head;
  while (offset-- > 0 && kmsg !== null) kmsg = kmsg.next;
  if (kmsg === null) return { kr: KERN_FAILURE, value: null };
  // The trailer stored with a queued message (ipc_kmsg_init_trailer_and_sign): the
  // sender's tokens and the minimum size; mach_port_peek writes the seqno into it and
  // copies out the requested size. No context: it is only filled in on receive.
  const trailer = buildTrailer(trailerType, want, kmsg.sender, 0n);
  trailer.msgh_trailer_size = MACH_MSG_TRAILER_MINIMUM_SIZE;
  return { kr: 0, value: { seqno: want, msg_size: kernelMsgSize(kmsg), msg_id: kmsg.id | 0, trailer, trailer_size: trailerSize } };
}
