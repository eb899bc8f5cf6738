/**
 * Operations on the rights an entry holds (xnu:osfmk/ipc/ipc_right.c): lazy dead-name
 * conversion, user-reference changes, deallocation, destruction, copy-in and copy-out.
 * Each returns a kern_return_t and leaves the state exactly as XNU does on that path,
 * including on failure. Notifications are emitted after the state change, as XNU emits
 * them after dropping its locks.
 * @module
 */
import {
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_CAPABILITY,
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
  KERN_INVALID_VALUE,
  KERN_SUCCESS,
  kGUARD_EXC_DESTROY,
  kGUARD_EXC_IMMOVABLE,
  kGUARD_EXC_INCORRECT_GUARD,
  kGUARD_EXC_INVALID_RIGHT,
  kGUARD_EXC_INVALID_VALUE,
  MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE,
  MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_MSG_TYPE_PORT_RECEIVE,
  MACH_MSG_TYPE_PORT_SEND,
  MACH_MSG_TYPE_PORT_SEND_ONCE,
  MACH_PORT_RIGHT_DEAD_NAME,
  MACH_PORT_RIGHT_LABELH,
  MACH_PORT_RIGHT_PORT_SET,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_RIGHT_SEND_ONCE,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_PORT_OR_DEAD,
  MACH_PORT_TYPE_PORT_SET,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_PORT_TYPE_SEND_ONCE,
  MACH_PORT_UREFS_MAX,
} from '../constants.js';
import { Entry, IE_BITS_EX_RECEIVE, IE_BITS_TYPE_MASK, IE_PORT_RIGHTS, IE_SEND_RIGHTS } from './entry.js';
import { raiseGuard } from './guard.js';
import { notifyDeadName, notifyNoSenders, notifyPortDeleted, notifySendOnce, notifySendPossible } from './notify.js';
import { IP_DEAD, type Port, type PortRef } from './port.js';
import type { PortSet } from './port-set.js';
import type { Space } from './space.js';
import { urefsDecrement, urefsIncrement, urefsOverflow, urefsUnderflow } from './urefs.js';

/** Copy-in may produce IP_DEAD for a dead name (IPC_OBJECT_COPYIN_FLAGS_DEADOK). */
export const COPYIN_DEADOK = 0x1;
/** A send-once right to a dead port that was never inspected may still be moved (…_ALLOW_DEAD_SEND_ONCE). */
export const COPYIN_ALLOW_DEAD_SEND_ONCE = 0x2;
/** Destination and reply are the same name with two MOVE_SEND: take two urefs (…_DEST_EXTRA_MOVE). */
export const COPYIN_DEST_EXTRA_MOVE = 0x4;
/** Destination and reply are the same name, one of them COPY_SEND: make one more send right (…_DEST_EXTRA_COPY). */
export const COPYIN_DEST_EXTRA_COPY = 0x8;

/** What a copy-in produced: the right, and a send-once right owed a port-deleted notification. */
export class CopyinResult {
  /** The right taken (a port, IP_DEAD, or null). */
  port: PortRef = null;
  /** The send-once right of a dead-name request the copy-in cancelled. */
  deleted: Port | null = null;
}

/** The guarded-descriptor fields a MOVE_RECEIVE copy-in checks and updates. */
export interface GuardedCopyin {
  context: bigint;
  flags: number;
}

/** ipc_right_copyin_cleanup_destroy: send the port-deleted notification a copy-in owes. */
export function copyinCleanup(res: CopyinResult, name: number): void {
  const deleted = res.deleted;
  if (deleted !== null) {
    res.deleted = null;
    notifyPortDeleted(deleted, name);
  }
}

/** The port an entry holding port rights points to. */
function portOf(entry: Entry): Port {
  return entry.object as Port;
}

/**
 * ipc_right_check: if the entry's send or send-once right is for a dead port, convert it
 * to a dead name now (lazily, on first inspection) and return true. The conversion keeps
 * the user references and adds one when the name had a dead-name request, the reference
 * the dead-name notification carries (reference §0.7, S37).
 */
export function rightCheck(space: Space, port: Port, entry: Entry, allowDeadSendOnce: boolean): boolean {
  if (
    port.active ||
    (allowDeadSendOnce && entry.request === null && (entry.bits & MACH_PORT_TYPE_SEND_ONCE) !== 0)
  ) {
    return false;
  }
  if ((entry.bits & MACH_PORT_TYPE_SEND) !== 0) {
    port.srights--;
    space.hashDelete(port);
  } else {
    port.sorights--;
  }
  entry.bits = (entry.bits & ~IE_BITS_TYPE_MASK) | MACH_PORT_TYPE_DEAD_NAME;
  const req = entry.request;
  if (req !== null) {
    if (req.type() !== 0) entry.urefs = urefsIncrement(entry.urefs);
    entry.request = null;
  }
  entry.object = null;
  return true;
}

/** ipc_right_reverse: the entry holding send or receive rights for a live `port` in `space`. */
export function rightReverse(space: Space, port: Port): Entry | undefined {
  if (port.receiver === space) return space.lookup(port.receiverName);
  return space.hashGet(port);
}

/** ipc_right_request_cancel: drop the entry's request; returns its send-once right. */
function requestCancel(port: Port, entry: Entry): Port | null {
  const req = entry.request;
  if (req === null) return null;
  entry.request = null;
  return port.requestCancel(req);
}

/** Result of ipc_right_request_alloc: kern_return_t and the displaced send-once right. */
export interface RequestAllocResult {
  kr: number;
  previous: Port | null;
}

/**
 * ipc_right_request_alloc: register (or, with notify null, cancel) a dead-name or
 * send-possible request on a name, returning the previously registered send-once right.
 * Send-possible requests with sync set fire at once when sending is possible; on a dead
 * name they fire a dead-name notification at once (reference S85–S89).
 */
export function rightRequestAlloc(
  space: Space,
  name: number,
  sendPossible: boolean,
  armed: boolean,
  notify: Port | null,
): RequestAllocResult {
  const entry = space.lookup(name);
  if (entry === undefined) return { kr: KERN_INVALID_NAME, previous: null };
  if (notify === null && entry.request === null) return { kr: KERN_SUCCESS, previous: null };
  if ((entry.bits & IE_PORT_RIGHTS) !== 0) {
    const port = portOf(entry);
    if (!rightCheck(space, port, entry, false)) {
      const previous = requestCancel(port, entry);
      if (notify === null) return { kr: KERN_SUCCESS, previous };
      if (
        sendPossible &&
        armed &&
        ((entry.bits & MACH_PORT_TYPE_SEND_ONCE) !== 0 || port.inKernel || !port.full())
      ) {
        notifySendPossible(notify, name);
        return { kr: KERN_SUCCESS, previous };
      }
      entry.request = port.requestAlloc(space, name, notify, sendPossible, sendPossible && armed);
      return { kr: KERN_SUCCESS, previous };
    }
  }
  if (sendPossible && notify !== null && (entry.bits & MACH_PORT_TYPE_DEAD_NAME) !== 0) {
    entry.urefs = urefsIncrement(entry.urefs);
    notifyDeadName(notify, name);
    return { kr: KERN_SUCCESS, previous: null };
  }
  return { kr: (entry.bits & MACH_PORT_TYPE_PORT_OR_DEAD) !== 0 ? KERN_INVALID_ARGUMENT : KERN_INVALID_RIGHT, previous: null };
}

/** What ipc_right_info reports: type bits (with request bits) and user references. */
export interface RightInfo {
  type: number;
  urefs: number;
}

/** ipc_right_info: the name's type and urefs, converting a dead port's right first. */
export function rightInfo(space: Space, entry: Entry): RightInfo {
  let type = 0;
  const bits = entry.bits;
  if ((bits & MACH_PORT_TYPE_RECEIVE) !== 0) {
    if (entry.request !== null) type |= entry.request.type();
  } else if ((bits & IE_SEND_RIGHTS) !== 0) {
    if (!rightCheck(space, portOf(entry), entry, false) && entry.request !== null) type |= entry.request.type();
  }
  return { type: (type | entry.type) >>> 0, urefs: entry.urefs };
}

/**
 * ipc_right_destroy: mach_port_destroy of a name — every right under it goes at once.
 * A guarded receive right refuses with KERN_INVALID_RIGHT and a fatal DESTROY guard.
 */
export function rightDestroy(space: Space, name: number, entry: Entry, checkGuard: boolean, guard: bigint): number {
  const type = entry.type;
  if (type === MACH_PORT_TYPE_DEAD_NAME) {
    space.dealloc(entry);
    return KERN_SUCCESS;
  }
  if (type === MACH_PORT_TYPE_PORT_SET) return destroyPortSet(space, entry);
  const port = portOf(entry);
  if (!port.active) {
    // A right for a dead port not converted yet: just drop the name.
    if ((type & MACH_PORT_TYPE_SEND) !== 0) space.hashDelete(port);
    entry.request = null;
    space.dealloc(entry);
    return KERN_SUCCESS;
  }
  if ((type & MACH_PORT_TYPE_RECEIVE) !== 0 && checkGuard && port.guarded && guard !== port.context) {
    raiseGuard(space.kernel, name, kGUARD_EXC_DESTROY);
    return KERN_INVALID_RIGHT;
  }
  if ((type & MACH_PORT_TYPE_SEND) !== 0) space.hashDelete(port);
  const request = requestCancel(port, entry);
  space.dealloc(entry);
  // ipc_notify_no_senders_prepare before the receive right goes, emit after: destroying
  // a send+receive name holding the last send right sends NO_SENDERS after the port died.
  let ns: Port | null = null;
  let nsCount = 0;
  if ((type & MACH_PORT_TYPE_SEND) !== 0) {
    port.srights--;
    if (port.srights === 0) {
      ns = port.nsrequest;
      port.nsrequest = null;
      nsCount = port.mscount;
    }
  }
  if ((type & MACH_PORT_TYPE_RECEIVE) !== 0) port.destroy();
  else if ((type & MACH_PORT_TYPE_SEND_ONCE) !== 0) notifySendOnce(port);
  if (ns !== null) notifyNoSenders(ns, nsCount);
  if (request !== null) notifyPortDeleted(request, name);
  return KERN_SUCCESS;
}

/** Free a port-set name and destroy the set (ipc_right_destroy, _dealloc and _delta alike). */
function destroyPortSet(space: Space, entry: Entry): number {
  const pset = entry.object as PortSet;
  space.dealloc(entry);
  pset.destroy();
  return KERN_SUCCESS;
}

/**
 * Release the live send-once right under `name` (ipc_right_dealloc and ipc_right_delta
 * alike): free the entry, send the send-once notification, then a port-deleted
 * notification to a request registered on the name.
 */
function releaseSendOnce(space: Space, name: number, entry: Entry, port: Port): number {
  const request = requestCancel(port, entry);
  space.dealloc(entry);
  notifySendOnce(port);
  if (request !== null) notifyPortDeleted(request, name);
  return KERN_SUCCESS;
}

/**
 * Take the last send reference off `entry` (ipc_right_delta and ipc_right_copyin's
 * MOVE_SEND alike): a name that also holds the receive right keeps it with no send bits
 * and no urefs; otherwise the name is freed. Returns the cancelled request, if any, for
 * the caller to notify. The caller accounts for srights.
 */
function takeLastSend(space: Space, port: Port, entry: Entry): Port | null {
  if ((entry.bits & MACH_PORT_TYPE_RECEIVE) !== 0) {
    entry.bits &= ~MACH_PORT_TYPE_SEND;
    entry.urefs = 0;
    return null;
  }
  const request = requestCancel(port, entry);
  space.hashDelete(port);
  space.dealloc(entry);
  return request;
}

/** Drop one dead-name reference (the dead_name: label of ipc_right_dealloc). */
function deallocDeadName(space: Space, entry: Entry): number {
  if (entry.urefs === 1) space.dealloc(entry);
  else entry.urefs = urefsDecrement(entry.urefs);
  return KERN_SUCCESS;
}

/**
 * ipc_right_dealloc: mach_port_deallocate — release one user reference of a send,
 * send-once or dead-name right, or destroy a port set. A receive-only name fails with
 * KERN_INVALID_RIGHT and an optional INVALID_RIGHT guard (reference S27–S31).
 */
export function rightDealloc(space: Space, name: number, entry: Entry): number {
  switch (entry.type) {
    case MACH_PORT_TYPE_PORT_SET:
      return destroyPortSet(space, entry);
    case MACH_PORT_TYPE_DEAD_NAME:
      return deallocDeadName(space, entry);
    case MACH_PORT_TYPE_SEND_ONCE: {
      const port = portOf(entry);
      if (rightCheck(space, port, entry, false)) return deallocDeadName(space, entry);
      return releaseSendOnce(space, name, entry, port);
    }
    case MACH_PORT_TYPE_SEND: {
      const port = portOf(entry);
      if (rightCheck(space, port, entry, false)) return deallocDeadName(space, entry);
      if (entry.urefs === 1) {
        port.srights--;
        const request = requestCancel(port, entry);
        space.hashDelete(port);
        space.dealloc(entry);
        if (port.srights === 0) port.emitNoSenders();
        if (request !== null) notifyPortDeleted(request, name);
      } else {
        entry.urefs = urefsDecrement(entry.urefs);
      }
      return KERN_SUCCESS;
    }
    case MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE: {
      const port = portOf(entry);
      if (entry.urefs === 1) {
        port.srights--;
        entry.bits &= ~MACH_PORT_TYPE_SEND;
        entry.urefs = 0;
        if (port.srights === 0) port.emitNoSenders();
      } else {
        entry.urefs = urefsDecrement(entry.urefs);
      }
      return KERN_SUCCESS;
    }
    default:
      raiseGuard(space.kernel, name, kGUARD_EXC_INVALID_RIGHT);
      return KERN_INVALID_RIGHT;
  }
}

/**
 * The receive right of `entry` is going away (mod_refs(RECEIVE, −1), mach_port_destruct).
 * Remaining send urefs stay as a send right when a port-destroyed request will carry the
 * receive right elsewhere, and otherwise become a dead name at once, with one more uref
 * when the name had a dead-name request (reference S32).
 */
function dropReceive(space: Space, name: number, entry: Entry, port: Port): void {
  let request: Port | null = null;
  if ((entry.bits & MACH_PORT_TYPE_SEND) !== 0) {
    if (port.pdrequest !== null) {
      entry.bits = (entry.bits & ~MACH_PORT_TYPE_RECEIVE) | IE_BITS_EX_RECEIVE;
      space.hashSet(port, entry);
    } else {
      entry.bits = (entry.bits & ~IE_BITS_TYPE_MASK) | MACH_PORT_TYPE_DEAD_NAME | IE_BITS_EX_RECEIVE;
      if (entry.request !== null) {
        // The request stays registered on the port: its dead-name notification goes
        // out when the port is destroyed below, and the name gains its reference now.
        entry.request = null;
        entry.urefs = urefsIncrement(entry.urefs);
      }
      entry.object = null;
    }
  } else {
    request = requestCancel(port, entry);
    space.dealloc(entry);
  }
  port.destroy();
  if (request !== null) notifyPortDeleted(request, name);
}

/**
 * ipc_right_delta: mach_port_mod_refs. Saturation rules as in S20, errors as in
 * S21–S24; misuse raises the optional INVALID_RIGHT / INVALID_VALUE guards, destroying a
 * guarded receive right the fatal DESTROY guard.
 */
export function rightDelta(space: Space, name: number, entry: Entry, right: number, delta: number): number {
  const kernel = space.kernel;
  const bits = entry.bits;
  switch (right) {
    case MACH_PORT_RIGHT_PORT_SET: {
      if ((bits & MACH_PORT_TYPE_PORT_SET) === 0) {
        raiseGuard(kernel, name, kGUARD_EXC_INVALID_RIGHT);
        return KERN_INVALID_RIGHT;
      }
      if (delta === 0) return KERN_SUCCESS;
      if (delta !== -1) return invalidValue(space, name);
      return destroyPortSet(space, entry);
    }
    case MACH_PORT_RIGHT_RECEIVE: {
      if ((bits & MACH_PORT_TYPE_RECEIVE) === 0) {
        if ((bits & IE_BITS_EX_RECEIVE) === 0) raiseGuard(kernel, name, kGUARD_EXC_INVALID_RIGHT);
        return KERN_INVALID_RIGHT;
      }
      if (delta === 0) return KERN_SUCCESS;
      if (delta !== -1) return invalidValue(space, name);
      const port = portOf(entry);
      if (port.guarded) {
        raiseGuard(kernel, name, kGUARD_EXC_DESTROY);
        return KERN_INVALID_RIGHT;
      }
      dropReceive(space, name, entry, port);
      return KERN_SUCCESS;
    }
    case MACH_PORT_RIGHT_SEND_ONCE: {
      if ((bits & MACH_PORT_TYPE_SEND_ONCE) === 0) return KERN_INVALID_RIGHT;
      const port = portOf(entry);
      if (rightCheck(space, port, entry, false)) {
        raiseGuard(kernel, name, kGUARD_EXC_INVALID_RIGHT);
        return KERN_INVALID_RIGHT;
      }
      if (delta > 0 || delta < -1) return invalidValue(space, name);
      if (delta === 0) return KERN_SUCCESS;
      return releaseSendOnce(space, name, entry, port);
    }
    case MACH_PORT_RIGHT_DEAD_NAME: {
      if ((bits & IE_SEND_RIGHTS) !== 0) {
        if (!rightCheck(space, portOf(entry), entry, false)) {
          raiseGuard(kernel, name, kGUARD_EXC_INVALID_RIGHT);
          return KERN_INVALID_RIGHT;
        }
      } else if ((bits & MACH_PORT_TYPE_DEAD_NAME) === 0) {
        raiseGuard(kernel, name, kGUARD_EXC_INVALID_RIGHT);
        return KERN_INVALID_RIGHT;
      }
      return applyUrefsDelta(space, name, entry, delta, null);
    }
    case MACH_PORT_RIGHT_SEND: {
      if ((bits & MACH_PORT_TYPE_SEND) === 0) {
        // XNU spares the guard for dead names and for AppleEvents' habit of adding one
        // send right to a receive right (delta +1) without checking first.
        if ((bits & MACH_PORT_TYPE_DEAD_NAME) === 0 && ((bits & MACH_PORT_TYPE_RECEIVE) === 0 || delta !== 1)) {
          raiseGuard(kernel, name, kGUARD_EXC_INVALID_RIGHT);
        }
        return KERN_INVALID_RIGHT;
      }
      const port = portOf(entry);
      if (rightCheck(space, port, entry, false)) return KERN_INVALID_RIGHT;
      return applyUrefsDelta(space, name, entry, delta, port);
    }
    case MACH_PORT_RIGHT_LABELH:
      return KERN_INVALID_RIGHT;
    default:
      return KERN_INVALID_VALUE;
  }
}

/** The invalid_value: exit of ipc_right_delta (optional INVALID_VALUE guard). */
function invalidValue(space: Space, name: number): number {
  raiseGuard(space.kernel, name, kGUARD_EXC_INVALID_VALUE);
  return KERN_INVALID_VALUE;
}

/**
 * The shared user-reference arithmetic of ipc_right_delta for send rights (port set) and
 * dead names (port null): saturation at MACH_PORT_UREFS_MAX, underflow → INVALID_VALUE.
 */
function applyUrefsDelta(space: Space, name: number, entry: Entry, delta: number, port: Port | null): number {
  if (delta > MACH_PORT_UREFS_MAX || delta < -MACH_PORT_UREFS_MAX) return invalidValue(space, name);
  const urefs = entry.urefs;
  if (urefs === MACH_PORT_UREFS_MAX) {
    // Pegged: only a delta removing all references at once changes anything.
    if (delta !== -MACH_PORT_UREFS_MAX) delta = 0;
  } else {
    if (urefsUnderflow(urefs, delta)) return invalidValue(space, name);
    if (urefsOverflow(urefs, delta)) delta = MACH_PORT_UREFS_MAX - urefs;
  }
  if (urefs + delta === 0) {
    if (port === null) {
      space.dealloc(entry);
      return KERN_SUCCESS;
    }
    port.srights--;
    const request = takeLastSend(space, port, entry);
    if (port.srights === 0) port.emitNoSenders();
    if (request !== null) notifyPortDeleted(request, name);
  } else if (delta !== 0) {
    entry.urefs = urefs + delta;
  }
  return KERN_SUCCESS;
}

/**
 * ipc_right_destruct: mach_port_destruct — drop `srdelta` send references, then destroy
 * the receive right, checking the guard (a mismatch is KERN_INVALID_ARGUMENT with a
 * fatal DESTROY guard).
 */
export function rightDestruct(space: Space, name: number, entry: Entry, srdelta: number, guard: bigint): number {
  const kernel = space.kernel;
  const bits = entry.bits;
  if ((bits & MACH_PORT_TYPE_RECEIVE) === 0) {
    if ((bits & IE_BITS_EX_RECEIVE) === 0) raiseGuard(kernel, name, kGUARD_EXC_INVALID_RIGHT);
    return KERN_INVALID_RIGHT;
  }
  if (srdelta !== 0 && (bits & MACH_PORT_TYPE_SEND) === 0) {
    raiseGuard(kernel, name, kGUARD_EXC_INVALID_RIGHT);
    return KERN_INVALID_RIGHT;
  }
  if (srdelta > 0) return invalidValue(space, name);
  const port = portOf(entry);
  if (port.guarded && guard !== port.context) {
    raiseGuard(kernel, name, kGUARD_EXC_DESTROY);
    return KERN_INVALID_ARGUMENT;
  }
  let nsFire = false;
  if (srdelta !== 0) {
    const urefs = entry.urefs;
    if (urefsUnderflow(urefs, srdelta)) return invalidValue(space, name);
    if (urefs === MACH_PORT_UREFS_MAX && srdelta !== -MACH_PORT_UREFS_MAX) srdelta = 0;
    if (urefs + srdelta === 0) {
      port.srights--;
      nsFire = port.srights === 0;
      entry.bits &= ~MACH_PORT_TYPE_SEND;
      entry.urefs = 0;
    } else {
      entry.urefs = urefs + srdelta;
    }
  }
  if (nsFire) port.emitNoSenders();
  dropReceive(space, name, entry, port);
  return KERN_SUCCESS;
}

/**
 * ipc_right_terminate: clean up one entry of a terminating space. Receive rights are
 * destroyed (or sent to their port-destroyed request), send rights released, send-once
 * rights produce send-once notifications, and a dead-name request on the name turns into
 * a port-deleted notification when its notify port is still alive (reference S99).
 */
export function rightTerminate(space: Space, entry: Entry): void {
  const type = entry.type;
  const name = entry.name;
  if (type === MACH_PORT_TYPE_DEAD_NAME || type === 0) return;
  if (type === MACH_PORT_TYPE_PORT_SET) {
    (entry.object as PortSet).destroy();
    return;
  }
  const port = portOf(entry);
  entry.object = null;
  if (!port.active) {
    entry.request = null;
    return;
  }
  const request = requestCancel(port, entry);
  let ns: Port | null = null;
  let nsCount = 0;
  if ((type & MACH_PORT_TYPE_SEND) !== 0) {
    port.srights--;
    space.hashDelete(port);
    if (port.srights === 0) {
      ns = port.nsrequest;
      port.nsrequest = null;
      nsCount = port.mscount;
    }
  }
  if ((type & MACH_PORT_TYPE_RECEIVE) !== 0) port.destroy();
  else if ((type & MACH_PORT_TYPE_SEND_ONCE) !== 0) notifySendOnce(port);
  // Notifications to a port that died meanwhile (typically a receive right of this same
  // space) are swallowed rather than sent.
  if (ns !== null) {
    if (ns.active) notifyNoSenders(ns, nsCount);
    else ns.releaseSendOnce();
  }
  if (request !== null) {
    if (request.active) notifyPortDeleted(request, name);
    else request.releaseSendOnce();
  }
}

/**
 * ipc_right_copyin_check_reply: would copying in the reply right with `replyType`
 * succeed? Dead ports pass (the receiver sees MACH_PORT_DEAD, reference S68).
 */
export function rightCopyinCheckReply(replyEntry: Entry, replyType: number): boolean {
  const bits = replyEntry.bits;
  switch (replyType) {
    case MACH_MSG_TYPE_MAKE_SEND:
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
      return (bits & MACH_PORT_TYPE_RECEIVE) !== 0;
    case MACH_MSG_TYPE_COPY_SEND:
    case MACH_MSG_TYPE_MOVE_SEND:
    case MACH_MSG_TYPE_MOVE_SEND_ONCE: {
      if ((bits & MACH_PORT_TYPE_DEAD_NAME) !== 0) return true;
      if ((bits & IE_SEND_RIGHTS) === 0) return false;
      if (!portOf(replyEntry).active) return true;
      if (replyType === MACH_MSG_TYPE_MOVE_SEND_ONCE) return (bits & MACH_PORT_TYPE_SEND_ONCE) !== 0;
      return (bits & MACH_PORT_TYPE_SEND) !== 0;
    }
    default:
      return false;
  }
}

/**
 * ipc_right_copyin: take a right out of an entry for a message or a kernel call.
 * MOVE_RECEIVE pulls the port out of its space (clearing mscount, seqno, guard, sets);
 * MOVE_SEND of the last uref frees the name; dead ports' rights become IP_DEAD when
 * `flags` has COPYIN_DEADOK. Returns KERN_INVALID_RIGHT for a wrong right and
 * KERN_INVALID_CAPABILITY (with a fatal IMMOVABLE guard) for an immovable receive right.
 */
export function rightCopyin(
  space: Space,
  name: number,
  msgtName: number,
  flags: number,
  entry: Entry,
  res: CopyinResult,
  gdesc: GuardedCopyin | null,
): number {
  res.port = null;
  res.deleted = null;
  const moves = (flags & COPYIN_DEST_EXTRA_MOVE) !== 0 ? 2 : 1;
  const deadok = (flags & COPYIN_DEADOK) !== 0;
  let bits = entry.bits;
  switch (msgtName) {
    case MACH_MSG_TYPE_MAKE_SEND: {
      if ((bits & MACH_PORT_TYPE_RECEIVE) === 0) return KERN_INVALID_RIGHT;
      const port = portOf(entry);
      port.makeSend();
      res.port = port;
      return KERN_SUCCESS;
    }
    case MACH_MSG_TYPE_MAKE_SEND_ONCE: {
      if ((bits & MACH_PORT_TYPE_RECEIVE) === 0) return KERN_INVALID_RIGHT;
      const port = portOf(entry);
      port.makeSendOnce();
      res.port = port;
      return KERN_SUCCESS;
    }
    case MACH_MSG_TYPE_MOVE_RECEIVE: {
      if ((bits & MACH_PORT_TYPE_RECEIVE) === 0) return KERN_INVALID_RIGHT;
      const port = portOf(entry);
      if (port.kobjectType !== 0 || port.immovableReceive) {
        raiseGuard(space.kernel, name, kGUARD_EXC_IMMOVABLE);
        return KERN_INVALID_CAPABILITY;
      }
      if (gdesc !== null) {
        const ok =
          ((gdesc.flags & MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND) !== 0 && !port.guarded && gdesc.context === 0n) ||
          (port.guarded && port.context === gdesc.context);
        if (!ok) {
          raiseGuard(space.kernel, name, kGUARD_EXC_INCORRECT_GUARD);
          return KERN_INVALID_ARGUMENT;
        }
        // Cleared again at copy-out when the receiver takes it immovable.
        gdesc.flags |= MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND;
      }
      let request: Port | null = null;
      if ((bits & MACH_PORT_TYPE_SEND) !== 0) {
        entry.bits = (bits & ~MACH_PORT_TYPE_RECEIVE) | IE_BITS_EX_RECEIVE;
        space.hashSet(port, entry);
      } else {
        request = requestCancel(port, entry);
        space.dealloc(entry);
      }
      port.clearReceiver(false);
      res.port = port;
      res.deleted = request;
      return KERN_SUCCESS;
    }
    case MACH_MSG_TYPE_COPY_SEND: {
      if ((bits & MACH_PORT_TYPE_DEAD_NAME) !== 0) return deadok ? copyDead(res) : KERN_INVALID_RIGHT;
      if ((bits & IE_SEND_RIGHTS) === 0) return KERN_INVALID_RIGHT;
      const port = portOf(entry);
      if (rightCheck(space, port, entry, false)) return deadok ? copyDead(res) : KERN_INVALID_RIGHT;
      if ((bits & MACH_PORT_TYPE_SEND) === 0) return KERN_INVALID_RIGHT;
      port.copySend();
      if ((flags & COPYIN_DEST_EXTRA_COPY) !== 0) port.copySend();
      res.port = port;
      return KERN_SUCCESS;
    }
    case MACH_MSG_TYPE_MOVE_SEND: {
      if ((bits & MACH_PORT_TYPE_DEAD_NAME) !== 0) return moveDead(space, entry, res, moves, deadok);
      if ((bits & IE_SEND_RIGHTS) === 0) return KERN_INVALID_RIGHT;
      const port = portOf(entry);
      if (rightCheck(space, port, entry, false)) return moveDead(space, entry, res, moves, deadok);
      if ((bits & MACH_PORT_TYPE_SEND) === 0 || entry.urefs < moves) return KERN_INVALID_RIGHT;
      let request: Port | null = null;
      if (entry.urefs === moves) {
        // The entry's own send right moves into the message.
        request = takeLastSend(space, port, entry);
      } else {
        port.copySend();
        if (entry.urefs < MACH_PORT_UREFS_MAX) entry.urefs -= moves;
      }
      if ((flags & (COPYIN_DEST_EXTRA_COPY | COPYIN_DEST_EXTRA_MOVE)) !== 0) port.copySend();
      res.port = port;
      res.deleted = request;
      return KERN_SUCCESS;
    }
    case MACH_MSG_TYPE_MOVE_SEND_ONCE: {
      if ((bits & MACH_PORT_TYPE_DEAD_NAME) !== 0) return moveDead(space, entry, res, moves, deadok);
      if ((bits & IE_SEND_RIGHTS) === 0) return KERN_INVALID_RIGHT;
      const port = portOf(entry);
      if (rightCheck(space, port, entry, (flags & COPYIN_ALLOW_DEAD_SEND_ONCE) !== 0)) {
        return moveDead(space, entry, res, moves, deadok);
      }
      bits = entry.bits;
      if ((bits & MACH_PORT_TYPE_SEND_ONCE) === 0) return KERN_INVALID_RIGHT;
      const request = requestCancel(port, entry);
      space.dealloc(entry);
      res.port = port;
      res.deleted = request;
      return KERN_SUCCESS;
    }
    default:
      return KERN_INVALID_RIGHT;
  }
}

/** The copy_dead: exit of ipc_right_copyin. */
function copyDead(res: CopyinResult): number {
  res.port = IP_DEAD;
  return KERN_SUCCESS;
}

/** The move_dead: exit of ipc_right_copyin: take `moves` dead-name references. */
function moveDead(space: Space, entry: Entry, res: CopyinResult, moves: number, deadok: boolean): number {
  if (!deadok || entry.urefs < moves) return KERN_INVALID_RIGHT;
  if (entry.urefs === moves) space.dealloc(entry);
  else if (entry.urefs < MACH_PORT_UREFS_MAX) entry.urefs -= moves;
  res.port = IP_DEAD;
  return KERN_SUCCESS;
}

/** Guarded receive right copy-out: the descriptor fields the receiver is told. */
export interface GuardedCopyout {
  flags: number;
  context: bigint;
  /** A pseudo-receive (a failed send handing the right back): guarded but left movable. */
  pseudo?: boolean;
}

/**
 * ipc_right_copyout: put a right (already counted on the port) into `entry`, which is a
 * fresh entry or the space's existing send/receive entry for the port. A send right
 * landing on an entry that already holds send merges (srights −1, urefs +1, pegged
 * urefs stay pegged); a receive right makes the port live in this space.
 */
export function rightCopyout(space: Space, port: Port, msgtName: number, entry: Entry, gdesc: GuardedCopyout | null): void {
  const bits = entry.bits;
  switch (msgtName) {
    case MACH_MSG_TYPE_PORT_SEND_ONCE:
      entry.bits = bits | MACH_PORT_TYPE_SEND_ONCE;
      entry.urefs = 1;
      return;
    case MACH_MSG_TYPE_PORT_SEND:
      if ((bits & MACH_PORT_TYPE_SEND) !== 0) {
        port.srights--;
      } else if ((bits & MACH_PORT_TYPE_RECEIVE) === 0) {
        space.hashSet(port, entry);
      }
      entry.bits = bits | MACH_PORT_TYPE_SEND;
      entry.urefs = urefsIncrement(entry.urefs);
      return;
    case MACH_MSG_TYPE_PORT_RECEIVE: {
      port.receiver = space;
      port.receiverName = entry.name;
      port.destination = null;
      port.heldReceive = false;
      if (gdesc !== null && (gdesc.flags & MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE) !== 0) {
        // MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE: the receiver gets the port guarded and
        // immovable, guarded by its receive buffer's address.
        port.guarded = true;
        port.strictGuard = false;
        if (gdesc.pseudo !== true) port.immovableReceive = true;
        port.context = space.task !== null ? space.task.receiveBufferAddress : 0n;
        gdesc.context = port.context;
        gdesc.flags &= ~MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND;
      }
      entry.bits = bits | MACH_PORT_TYPE_RECEIVE;
      if ((bits & MACH_PORT_TYPE_SEND) !== 0) space.hashDelete(port);
      return;
    }
    default:
      return;
  }
}

