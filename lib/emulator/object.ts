/**
 * Rights between a space and the kernel (xnu:osfmk/ipc/ipc_object.c): copy-in of a named
 * right, copy-out of a right to a fresh or coalesced name, copy-out under a chosen name
 * (mach_port_insert_right), and destruction of a right the kernel holds.
 * @module
 */
import {
  KERN_INVALID_CAPABILITY,
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
  KERN_INVALID_TASK,
  KERN_NAME_EXISTS,
  KERN_NO_SPACE,
  KERN_RIGHT_EXISTS,
  KERN_SUCCESS,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_PORT_NONE,
  MACH_MSG_TYPE_PORT_RECEIVE,
  MACH_MSG_TYPE_PORT_SEND,
  MACH_MSG_TYPE_PORT_SEND_ONCE,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
} from '../constants.js';
import { IE_PORT_RIGHTS } from './entry.js';
import { notifySendOnce } from './notify.js';
import type { Port } from './port.js';
import {
  COPYIN_DEADOK,
  copyinCleanup,
  CopyinResult,
  type GuardedCopyin,
  type GuardedCopyout,
  rightCopyin,
  rightCopyout,
  rightReverse,
} from './right.js';
import type { Space } from './space.js';

/**
 * ipc_object_copyin_type: the type a disposition becomes once copied in
 * (MOVE_RECEIVE → PORT_RECEIVE; MOVE/COPY/MAKE_SEND → PORT_SEND; MOVE/MAKE_SEND_ONCE →
 * PORT_SEND_ONCE; anything else → 0).
 */
export function copyinType(msgtName: number): number {
  switch (msgtName) {
    case MACH_MSG_TYPE_MOVE_RECEIVE:
      return MACH_MSG_TYPE_PORT_RECEIVE;
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
      return MACH_MSG_TYPE_PORT_SEND_ONCE;
    case MACH_MSG_TYPE_MOVE_SEND:
    case MACH_MSG_TYPE_MAKE_SEND:
    case MACH_MSG_TYPE_COPY_SEND:
      return MACH_MSG_TYPE_PORT_SEND;
    default:
      return MACH_MSG_TYPE_PORT_NONE;
  }
}

/**
 * ipc_object_copyin: look `name` up and copy its right in with `msgtName`. Dead names
 * are allowed (IP_DEAD). Sends the port-deleted notification a moved name owes.
 */
export function objectCopyin(space: Space, name: number, msgtName: number, res: CopyinResult, gdesc: GuardedCopyin | null): number {
  if (!space.active) return KERN_INVALID_TASK;
  const entry = space.lookup(name);
  if (entry === undefined) return KERN_INVALID_NAME;
  const kr = rightCopyin(space, name, msgtName, COPYIN_DEADOK, entry, res, gdesc);
  copyinCleanup(res, name);
  return kr;
}

/**
 * ipc_object_destroy: release a right the kernel holds — a send right (maybe firing
 * no-senders), a send-once right (a send-once notification), or a receive right (the
 * port is destroyed).
 */
export function objectDestroy(port: Port, msgtName: number): void {
  switch (msgtName) {
    case MACH_MSG_TYPE_PORT_SEND:
      port.releaseSend();
      return;
    case MACH_MSG_TYPE_PORT_SEND_ONCE:
      notifySendOnce(port);
      return;
    case MACH_MSG_TYPE_PORT_RECEIVE:
      port.releaseReceive();
      return;
    default:
      return;
  }
}

/** ipc_object_destroy_dest: release a message's destination right. */
export function objectDestroyDest(port: Port, msgtName: number): void {
  if (msgtName === MACH_MSG_TYPE_PORT_SEND) port.releaseSend();
  else if (msgtName === MACH_MSG_TYPE_PORT_SEND_ONCE) notifySendOnce(port);
}

/**
 * ipc_object_copyout: give `space` a right the kernel holds. Send and receive rights
 * coalesce with the space's existing name for the port (reference S77); send-once
 * rights always get a fresh name. Returns the name, or — because no valid name is below
 * 0x100 (index 0 is never used) — a kern_return_t below 0x100 on failure, in which case
 * the right was destroyed: KERN_INVALID_CAPABILITY for a dead port, KERN_NO_SPACE for a
 * full table, KERN_INVALID_TASK for a dead space.
 */
export function objectCopyout(space: Space, port: Port, msgtName: number, gdesc: GuardedCopyout | null): number {
  if (!space.active) {
    objectDestroy(port, msgtName);
    return KERN_INVALID_TASK;
  }
  if (!port.active) {
    objectDestroy(port, msgtName);
    return KERN_INVALID_CAPABILITY;
  }
  let entry = msgtName !== MACH_MSG_TYPE_PORT_SEND_ONCE ? rightReverse(space, port) : undefined;
  if (entry === undefined) {
    const claimed = space.claim(port);
    if (typeof claimed === 'number') {
      objectDestroy(port, msgtName);
      return claimed === KERN_INVALID_TASK ? KERN_INVALID_TASK : KERN_NO_SPACE;
    }
    entry = claimed;
  }
  rightCopyout(space, port, msgtName, entry, gdesc);
  return entry.name;
}

/**
 * ipc_object_copyout_name: give `space` a right under the caller-chosen `name`
 * (mach_port_insert_right). The reverse look-up runs first: a space that already names
 * the port elsewhere gets KERN_RIGHT_EXISTS (reference S12, S13); an occupied name gets
 * KERN_NAME_EXISTS. On failure the right is still the caller's.
 */
export function objectCopyoutName(space: Space, port: Port, msgtName: number, name: number): number {
  const allocated = space.allocName(name);
  if (typeof allocated === 'number') return allocated;
  const entry = allocated;
  const fresh = entry.bits === 0;
  if (!port.active) {
    if (fresh) space.dealloc(entry);
    return KERN_INVALID_CAPABILITY;
  }
  if (msgtName !== MACH_MSG_TYPE_PORT_SEND_ONCE) {
    const existing = rightReverse(space, port);
    if (existing !== undefined) {
      if (existing !== entry) {
        if (fresh) space.dealloc(entry);
        return KERN_RIGHT_EXISTS;
      }
      rightCopyout(space, port, msgtName, entry, null);
      return KERN_SUCCESS;
    }
  }
  if (!fresh) return KERN_NAME_EXISTS;
  entry.object = port;
  rightCopyout(space, port, msgtName, entry, null);
  return KERN_SUCCESS;
}

/**
 * ipc_object_insert_send_right: the insert_right fast path when name == poly and the
 * disposition is MAKE_SEND or COPY_SEND — add a send reference under the same name.
 */
export function objectInsertSendRight(space: Space, name: number, msgtName: number): number {
  if (!space.active) return KERN_INVALID_TASK;
  const entry = space.lookup(name);
  if (entry === undefined) return KERN_INVALID_NAME;
  if (entry.object === null) return KERN_INVALID_CAPABILITY;
  if ((entry.bits & IE_PORT_RIGHTS) === 0) return KERN_INVALID_RIGHT;
  const port = entry.object as Port;
  if (!port.active) return KERN_INVALID_CAPABILITY;
  if (msgtName === MACH_MSG_TYPE_MAKE_SEND) {
    if ((entry.bits & MACH_PORT_TYPE_RECEIVE) === 0) return KERN_INVALID_RIGHT;
    port.mscount = (port.mscount + 1) >>> 0;
    if ((entry.bits & MACH_PORT_TYPE_SEND) === 0) {
      port.srights++;
      entry.bits |= MACH_PORT_TYPE_SEND;
    }
    if (entry.urefs < 0xffff) entry.urefs++;
    return KERN_SUCCESS;
  }
  if ((entry.bits & MACH_PORT_TYPE_SEND) === 0) return KERN_INVALID_RIGHT;
  if (entry.urefs < 0xffff) entry.urefs++;
  return KERN_SUCCESS;
}

/**
 * ipc_object_copyin_from_kernel: the kernel makes or copies a right it owns the receive
 * right (or a send right) for, to put in a message it sends.
 */
export function objectCopyinFromKernel(port: Port, msgtName: number): void {
  switch (msgtName) {
    case MACH_MSG_TYPE_MAKE_SEND:
      if (port.active) port.mscount = (port.mscount + 1) >>> 0;
      port.srights++;
      return;
    case MACH_MSG_TYPE_COPY_SEND:
      port.srights++;
      return;
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
      port.sorights++;
      return;
    default:
      return;
  }
}

