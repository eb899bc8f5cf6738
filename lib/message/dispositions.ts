/**
 * What a disposition becomes in transit: the kernel converts the sender's
 * disposition to the type the receiver sees (xnu:osfmk/ipc/ipc_object.c:
 * ipc_object_copyin_type; reference §1.4): MOVE_RECEIVE → PORT_RECEIVE; MOVE_SEND,
 * COPY_SEND, MAKE_SEND → PORT_SEND; MOVE_SEND_ONCE, MAKE_SEND_ONCE → PORT_SEND_ONCE;
 * anything else → 0.
 * @module
 */
import {
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_MSG_TYPE_PORT_RECEIVE,
  MACH_MSG_TYPE_PORT_SEND,
  MACH_MSG_TYPE_PORT_SEND_ONCE,
} from '../constants.js';

/** ipc_object_copyin_type: the received type of a sent disposition (0 for one that carries no right). */
export function copyinType(disposition: number): number {
  switch (disposition) {
    case MACH_MSG_TYPE_MOVE_RECEIVE:
      return MACH_MSG_TYPE_PORT_RECEIVE;
    case MACH_MSG_TYPE_MOVE_SEND:
    case MACH_MSG_TYPE_COPY_SEND:
    case MACH_MSG_TYPE_MAKE_SEND:
      return MACH_MSG_TYPE_PORT_SEND;
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
      return MACH_MSG_TYPE_PORT_SEND_ONCE;
    default:
      return 0;
  }
}

/** True for the six dispositions a sender can put on a right (MOVE_RECEIVE … MAKE_SEND_ONCE, 16..21). */
export function isSendDisposition(disposition: number): boolean {
  return Number.isInteger(disposition) && disposition >= MACH_MSG_TYPE_MOVE_RECEIVE && disposition <= MACH_MSG_TYPE_MAKE_SEND_ONCE;
}
