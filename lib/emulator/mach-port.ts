/**
 * The kernel's mach_port_* routines on a space (xnu:osfmk/ipc/mach_port.c and
 * mach_debug.c). They return kern_return_t values (and raise guard exceptions on the
 * calling task as XNU does); EmulatedTask turns them into the MachApi calls, and the
 * task-port MIG server can call them for raw requests.
 * @module
 */
import {
  IKOT_NONE,
  KERN_ALREADY_IN_SET,
  KERN_DENIED,
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_CAPABILITY,
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
  KERN_INVALID_VALUE,
  KERN_NAME_EXISTS,
  KERN_NOT_IN_SET,
  KERN_SUCCESS,
  kGUARD_EXC_INCORRECT_GUARD,
  kGUARD_EXC_INVALID_ARGUMENT,
  kGUARD_EXC_INVALID_NAME,
  kGUARD_EXC_INVALID_RIGHT,
  kGUARD_EXC_KERN_FAILURE,
  kGUARD_EXC_SET_CONTEXT,
  kGUARD_EXC_UNGUARDED,
  MACH_MSG_TYPE_PORT_ANY,
  MACH_MSG_TYPE_PORT_ANY_RIGHT,
  MACH_NOTIFY_DEAD_NAME,
  MACH_NOTIFY_NO_SENDERS,
  MACH_NOTIFY_PORT_DESTROYED,
  MACH_NOTIFY_SEND_POSSIBLE,
  MACH_PORT_DEAD,
  MACH_PORT_DENAP_RECEIVER,
  MACH_PORT_DNREQUESTS_SIZE,
  MACH_PORT_DNREQUESTS_SIZE_COUNT,
  MACH_PORT_IMPORTANCE_RECEIVER,
  MACH_PORT_INFO_EXT,
  MACH_PORT_INFO_EXT_COUNT,
  MACH_PORT_LIMITS_INFO,
  MACH_PORT_LIMITS_INFO_COUNT,
  MACH_PORT_NULL,
  MACH_PORT_QLIMIT_MAX,
  MACH_PORT_RECEIVE_STATUS,
  MACH_PORT_RECEIVE_STATUS_COUNT,
  MACH_PORT_RIGHT_DEAD_NAME,
  MACH_PORT_RIGHT_NUMBER,
  MACH_PORT_RIGHT_PORT_SET,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_RIGHT_SEND_ONCE,
  MACH_PORT_SERVICE_THROTTLED,
  MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE,
  MACH_PORT_STATUS_FLAG_GUARDED,
  MACH_PORT_STATUS_FLAG_IMP_DONATION,
  MACH_PORT_STATUS_FLAG_STRICT_GUARD,
  MACH_PORT_STATUS_FLAG_TEMPOWNER,
  MACH_PORT_TEMPOWNER,
  MACH_PORT_TYPE,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_PORT_SET,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND_RECEIVE,
  MACH_PORT_TYPE_SPREQUEST,
  MACH_PORT_TYPE_SPREQUEST_DELAYED,
  MACH_PORT_VALID,
  MPO_CONNECTION_PORT,
  MPO_CONTEXT_AS_GUARD,
  MPO_DENAP_RECEIVER,
  MPO_ENFORCE_REPLY_PORT_SEMANTICS,
  MPO_EXCEPTION_PORT,
  MPO_IMMOVABLE_RECEIVE,
  MPO_IMPORTANCE_RECEIVER,
  MPO_INSERT_SEND_RIGHT,
  MPO_PROVISIONAL_REPLY_PORT,
  MPO_QLIMIT,
  MPO_REPLY_PORT,
  MPO_SERVICE_PORT,
  MPG_IMMOVABLE_RECEIVE,
  MPG_STRICT,
  MPO_STRICT,
  MPO_TEMPOWNER,
  MPO_TG_BLOCK_TRACKING,
  MACH_PORT_TYPE_SEND,
} from '../constants.js';
import type { mach_port_info_ext_t, mach_port_status_t } from '../types.js';
import { Entry, IE_BITS_EX_RECEIVE, IE_BITS_TYPE_MASK, IE_SEND_RIGHTS } from './entry.js';
import { raiseGuard } from './guard.js';
import { mqueueAddToSet, mqueueSetQlimit } from './mqueue.js';
import { copyinType, objectCopyin, objectCopyoutName } from './object.js';
import { IP_DEAD, IP_VALID, Port, type PortRef } from './port.js';
import { PortSet } from './port-set.js';
import { CopyinResult, rightDealloc, rightDelta, rightDestroy, rightDestruct, rightInfo, rightRequestAlloc } from './right.js';
import type { Space } from './space.js';

/** A kern_return_t with a value. */
export interface KrValue<T> {
  kr: number;
  value: T;
}

function ok<T>(value: T): KrValue<T> {
  return { kr: KERN_SUCCESS, value };
}

function fail<T>(kr: number, value: T): KrValue<T> {
  return { kr, value };
}

/**
 * ipc_port_translate_receive (via ipc_right_lookup_read): the live port whose receive
 * right `name` denotes, or KERN_INVALID_NAME (no such name, a dead name, a dead port) /
 * KERN_INVALID_RIGHT (some other right).
 */
export function translateReceive(space: Space, name: number): Port | number {
  const entry = space.lookup(name);
  if (entry === undefined || entry.object === null) return KERN_INVALID_NAME;
  const obj = entry.object;
  if (!obj.active) return KERN_INVALID_NAME;
  if ((entry.bits & MACH_PORT_TYPE_RECEIVE) === 0) return KERN_INVALID_RIGHT;
  return obj as Port;
}

/** ipc_object_translate(PORT_SET): the live port set `name` denotes, or an error. */
function translatePset(space: Space, name: number): PortSet | number {
  const entry = space.lookup(name);
  if (entry === undefined || entry.object === null || !entry.object.active) return KERN_INVALID_NAME;
  if ((entry.bits & MACH_PORT_TYPE_PORT_SET) === 0) return KERN_INVALID_RIGHT;
  return entry.object as PortSet;
}

/**
 * ipc_object_translate_port_pset: a receive right and a port set of the same space, with
 * XNU's errors and guards (reference S50).
 */
function translatePortPset(space: Space, portName: number, psetName: number): { port: Port; pset: PortSet } | number {
  const pe = space.lookup(portName);
  if (pe === undefined) {
    raiseGuard(space.kernel, portName, kGUARD_EXC_INVALID_NAME);
    return KERN_INVALID_NAME;
  }
  const se = space.lookup(psetName);
  if (se === undefined) {
    raiseGuard(space.kernel, psetName, kGUARD_EXC_INVALID_NAME);
    return KERN_INVALID_NAME;
  }
  if ((pe.bits & MACH_PORT_TYPE_RECEIVE) === 0) {
    if ((pe.bits & IE_BITS_EX_RECEIVE) === 0) raiseGuard(space.kernel, portName, kGUARD_EXC_INVALID_RIGHT);
    return KERN_INVALID_RIGHT;
  }
  if ((se.bits & MACH_PORT_TYPE_PORT_SET) === 0) {
    raiseGuard(space.kernel, psetName, kGUARD_EXC_INVALID_RIGHT);
    return KERN_INVALID_RIGHT;
  }
  const port = pe.object as Port;
  const pset = se.object as PortSet;
  if (!port.active || !pset.active) return KERN_INVALID_NAME;
  return { port, pset };
}

/** A new port whose receive right `entry` (already claimed) holds. */
function newReceiveRight(space: Space, entry: Entry): Port {
  const port = new Port(space.kernel);
  port.receiver = space;
  port.receiverName = entry.name;
  entry.object = port;
  entry.bits = MACH_PORT_TYPE_RECEIVE;
  space.kernel.portCreated(port);
  return port;
}

/**
 * mach_port_allocate_full: a receive right, port set or dead name, under a fresh name or
 * (withName) the caller's. The name is ignored for dead names (reference S5).
 */
export function portAllocate(space: Space, right: number, withName: boolean, name: number): KrValue<number> {
  if (withName && !MACH_PORT_VALID(name)) return fail(KERN_INVALID_VALUE, 0);
  switch (right) {
    case MACH_PORT_RIGHT_RECEIVE:
    case MACH_PORT_RIGHT_PORT_SET: {
      let entry: Entry;
      if (withName) {
        const r = space.allocName(name);
        if (typeof r === 'number') return fail(r, 0);
        if (r.bits !== 0) return fail(KERN_NAME_EXISTS, 0);
        entry = r;
      } else {
        const r = space.claim(null);
        if (typeof r === 'number') return fail(r, 0);
        entry = r;
      }
      if (right === MACH_PORT_RIGHT_RECEIVE) newReceiveRight(space, entry);
      else {
        entry.object = new PortSet(space.kernel, space, entry.name);
        entry.bits = MACH_PORT_TYPE_PORT_SET;
      }
      return ok(entry.name);
    }
    case MACH_PORT_RIGHT_DEAD_NAME: {
      const r = space.claim(null);
      if (typeof r === 'number') return fail(r, 0);
      r.bits = MACH_PORT_TYPE_DEAD_NAME;
      r.urefs = 1;
      return ok(r.name);
    }
    default:
      return fail(KERN_INVALID_VALUE, 0);
  }
}

/** mach_port_destroy (reference S32, S33). */
export function portDestroy(space: Space, name: number): number {
  if (!MACH_PORT_VALID(name)) return KERN_SUCCESS;
  const entry = space.lookup(name);
  if (entry === undefined) {
    raiseGuard(space.kernel, name, kGUARD_EXC_INVALID_NAME);
    return KERN_INVALID_NAME;
  }
  return rightDestroy(space, name, entry, true, 0n);
}

/** mach_port_deallocate (reference S27–S31). */
export function portDeallocate(space: Space, name: number): number {
  if (!MACH_PORT_VALID(name)) return KERN_SUCCESS;
  const entry = space.lookup(name);
  if (entry === undefined) {
    raiseGuard(space.kernel, name, kGUARD_EXC_INVALID_NAME);
    return KERN_INVALID_NAME;
  }
  return rightDealloc(space, name, entry);
}

/** mach_port_get_refs (reference S25). */
export function portGetRefs(space: Space, name: number, right: number): KrValue<number> {
  if (right >>> 0 >= MACH_PORT_RIGHT_NUMBER) return fail(KERN_INVALID_VALUE, 0);
  if (!MACH_PORT_VALID(name)) {
    if (right === MACH_PORT_RIGHT_SEND || right === MACH_PORT_RIGHT_SEND_ONCE) return ok(1);
    return fail(KERN_INVALID_NAME, 0);
  }
  const entry = space.lookup(name);
  if (entry === undefined) return fail(KERN_INVALID_NAME, 0);
  const info = rightInfo(space, entry);
  if ((info.type & MACH_PORT_TYPE(right)) === 0) return ok(0);
  switch (right) {
    case MACH_PORT_RIGHT_SEND_ONCE:
    case MACH_PORT_RIGHT_PORT_SET:
    case MACH_PORT_RIGHT_RECEIVE:
      return ok(1);
    default:
      return ok(info.urefs);
  }
}

/** mach_port_mod_refs (reference S20–S26). */
export function portModRefs(space: Space, name: number, right: number, delta: number): number {
  if (right >>> 0 >= MACH_PORT_RIGHT_NUMBER) return KERN_INVALID_VALUE;
  if (!MACH_PORT_VALID(name)) {
    return right === MACH_PORT_RIGHT_SEND || right === MACH_PORT_RIGHT_SEND_ONCE ? KERN_SUCCESS : KERN_INVALID_NAME;
  }
  const entry = space.lookup(name);
  if (entry === undefined) {
    raiseGuard(space.kernel, name, kGUARD_EXC_INVALID_NAME);
    return KERN_INVALID_NAME;
  }
  return rightDelta(space, name, entry, right, delta);
}

/** mach_port_type: the converted type; send-possible bits are masked (reference S34). */
export function portType(space: Space, name: number): KrValue<number> {
  if (name === MACH_PORT_NULL) return fail(KERN_INVALID_NAME, 0);
  if (name === MACH_PORT_DEAD) return ok(MACH_PORT_TYPE_DEAD_NAME);
  const entry = space.lookup(name);
  if (entry === undefined) return fail(KERN_INVALID_NAME, 0);
  const info = rightInfo(space, entry);
  return ok((info.type & ~(MACH_PORT_TYPE_SPREQUEST | MACH_PORT_TYPE_SPREQUEST_DELAYED)) >>> 0);
}

/**
 * mach_port_names_helper: an entry's type as mach_port_names reports it — a right for a
 * dead port reads as a dead name without converting the entry (reference §0.7, S35).
 */
export function namesType(entry: Entry): number {
  let type = 0;
  let bits = entry.bits;
  const req = entry.request;
  if ((bits & MACH_PORT_TYPE_RECEIVE) !== 0) {
    if (req !== null) type |= req.type();
  } else if ((bits & IE_SEND_RIGHTS) !== 0) {
    const port = entry.object as Port;
    const reqtype = req !== null ? req.type() : 0;
    if (port.active) type |= reqtype;
    else bits = (bits & ~IE_BITS_TYPE_MASK) | MACH_PORT_TYPE_DEAD_NAME;
  }
  return (type | (bits & IE_BITS_TYPE_MASK)) >>> 0;
}

/**
 * mach_port_names: every name in use, in increasing index order, with its type
 * (xnu:osfmk/ipc/mach_port.c:mach_port_names walks the table by index the same way).
 *
 * One scan of the table straight into two Uint32Arrays of the exact size (no
 * intermediate list of entries): mach_port_name_array_t and mach_port_type_array_t are
 * arrays of natural_t in C. The arrays are fresh on every call and belong to the
 * caller. Typed arrays also keep 100,000 names at 400 KB an array, from memory the
 * allocator reuses, where a `number[]` of that size is a large object whose pages are
 * fresh memory on each call (bench names-scale).
 */
export function portNames(space: Space): { names: Uint32Array; types: Uint32Array } {
  const count = space.count;
  const names = new Uint32Array(count);
  const types = new Uint32Array(count);
  let k = 0;
  const end = space.tableSize;
  for (let i = 1; i < end && k < count; i++) {
    const e = space.entryAt(i);
    if (e === undefined) continue;
    names[k] = e.name;
    types[k] = namesType(e);
    k++;
  }
  return { names, types };
}

/** Unlink `port` from every set except `keep`. */
function unlinkAll(port: Port, keep: PortSet | null): void {
  for (const pset of port.psets.slice()) if (pset !== keep) pset.unlink(port);
}

/** mach_port_move_member: into exactly one set, or (after NULL) out of every set (S46–S50). */
export function portMoveMember(space: Space, member: number, after: number): number {
  if (!MACH_PORT_VALID(member)) return KERN_INVALID_RIGHT;
  if (after === MACH_PORT_DEAD) return KERN_INVALID_RIGHT;
  if (after !== MACH_PORT_NULL) {
    const r = translatePortPset(space, member, after);
    if (typeof r === 'number') return r;
    if (!r.pset.members.has(r.port)) {
      r.pset.addMember(r.port);
      mqueueAddToSet(r.port, r.pset);
    }
    unlinkAll(r.port, r.pset);
    return KERN_SUCCESS;
  }
  const port = translateReceive(space, member);
  if (typeof port === 'number') return port;
  const kr = port.psets.length === 0 ? KERN_NOT_IN_SET : KERN_SUCCESS;
  unlinkAll(port, null);
  return kr;
}

/** mach_port_insert_member: one more set membership (S48). */
export function portInsertMember(space: Space, name: number, psname: number): number {
  if (!MACH_PORT_VALID(name) || !MACH_PORT_VALID(psname)) return KERN_INVALID_RIGHT;
  const r = translatePortPset(space, name, psname);
  if (typeof r === 'number') return r;
  if (r.pset.members.has(r.port)) return KERN_ALREADY_IN_SET;
  r.pset.addMember(r.port);
  mqueueAddToSet(r.port, r.pset);
  return KERN_SUCCESS;
}

/** mach_port_extract_member (S48). */
export function portExtractMember(space: Space, name: number, psname: number): number {
  if (!MACH_PORT_VALID(name) || !MACH_PORT_VALID(psname)) return KERN_INVALID_RIGHT;
  const r = translatePortPset(space, name, psname);
  if (typeof r === 'number') return r;
  if (!r.pset.members.has(r.port)) return KERN_NOT_IN_SET;
  r.pset.unlink(r.port);
  return KERN_SUCCESS;
}

/** mach_port_get_set_status: the members' names, ascending. */
export function portGetSetStatus(space: Space, name: number): KrValue<number[]> {
  if (!MACH_PORT_VALID(name)) return fail(KERN_INVALID_RIGHT, []);
  const pset = translatePset(space, name);
  if (typeof pset === 'number') return fail(pset, []);
  const names: number[] = [];
  for (const port of pset.members) names.push(port.receiverName);
  names.sort((a, b) => a - b);
  return ok(names);
}

/**
 * mach_port_request_notification on a space, with the send-once right `notify` already
 * copied in. Returns the previously registered send-once right (for the caller to copy
 * out) (reference S79–S89).
 */
export function portRequestNotification(space: Space, name: number, id: number, sync: number, notify: PortRef): KrValue<Port | null> {
  if (notify === IP_DEAD) return fail(KERN_INVALID_CAPABILITY, null);
  const n = IP_VALID(notify) ? notify : null;
  switch (id) {
    case MACH_NOTIFY_PORT_DESTROYED: {
      if (sync !== 0) return fail(KERN_INVALID_VALUE, null);
      if (!MACH_PORT_VALID(name)) return fail(KERN_INVALID_RIGHT, null);
      const port = translateReceive(space, name);
      if (typeof port === 'number') return fail(port, null);
      if (port.kobjectType !== IKOT_NONE || port.inKernel) {
        raiseGuard(space.kernel, name, kGUARD_EXC_INVALID_RIGHT);
        return fail(KERN_INVALID_RIGHT, null);
      }
      if (port.pdrequest !== null) {
        raiseGuard(space.kernel, name, kGUARD_EXC_KERN_FAILURE);
        return fail(KERN_FAILURE, null);
      }
      port.pdrequest = n;
      return ok(null);
    }
    case MACH_NOTIFY_NO_SENDERS: {
      if (!MACH_PORT_VALID(name)) return fail(KERN_INVALID_RIGHT, null);
      const port = translateReceive(space, name);
      if (typeof port === 'number') return fail(port, null);
      return ok(port.nsRequest(sync, n));
    }
    case MACH_NOTIFY_SEND_POSSIBLE:
    case MACH_NOTIFY_DEAD_NAME: {
      if (!MACH_PORT_VALID(name)) return fail(KERN_INVALID_ARGUMENT, null);
      const sp = id === MACH_NOTIFY_SEND_POSSIBLE;
      const r = rightRequestAlloc(space, name, sp, sp && sync !== 0, n);
      return r.kr === KERN_SUCCESS ? ok(r.previous) : fail(r.kr, null);
    }
    default:
      return fail(KERN_INVALID_VALUE, null);
  }
}

/**
 * mach_port_insert_right (the kernel routine): put the copied-in right `poly` of type
 * `polyType` under `name`. On failure the right is still the caller's to destroy.
 */
export function portInsertRight(space: Space, name: number, poly: PortRef, polyType: number): number {
  if (!MACH_PORT_VALID(name) || !MACH_MSG_TYPE_PORT_ANY_RIGHT(polyType)) return KERN_INVALID_VALUE;
  if (!IP_VALID(poly)) return KERN_INVALID_CAPABILITY;
  return objectCopyoutName(space, poly, polyType, name);
}

/** mach_port_extract_right (the kernel routine): take a right out of the space for the caller. */
export function portExtractRight(space: Space, name: number, msgtName: number): KrValue<{ port: PortRef; type: number }> {
  if (!MACH_MSG_TYPE_PORT_ANY(msgtName)) return fail(KERN_INVALID_VALUE, { port: null, type: 0 });
  if (!MACH_PORT_VALID(name)) return fail(KERN_INVALID_RIGHT, { port: null, type: 0 });
  const res = new CopyinResult();
  const kr = objectCopyin(space, name, msgtName, res, null);
  if (kr !== KERN_SUCCESS) return fail(kr, { port: null, type: 0 });
  return ok({ port: res.port, type: copyinType(msgtName) });
}

/** The mps_flags word of a port's status (what portStatus reports, without building the status). */
export function portStatusFlags(port: Port): number {
  let flags = 0;
  if (port.impDonation) {
    flags |= MACH_PORT_STATUS_FLAG_IMP_DONATION;
    if (port.tempOwner) flags |= MACH_PORT_STATUS_FLAG_TEMPOWNER;
  }
  if (port.guarded) {
    flags |= MACH_PORT_STATUS_FLAG_GUARDED;
    if (port.strictGuard) flags |= MACH_PORT_STATUS_FLAG_STRICT_GUARD;
    if (port.immovableReceive) flags |= MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE;
  }
  return flags;
}

/** mach_port_get_status_helper: RECEIVE_STATUS of a port (mps_pset and mps_srights are 0/1). */
export function portStatus(port: Port): mach_port_status_t {
  const flags = portStatusFlags(port);
  return {
    mps_pset: port.psets.length > 0 ? 1 : 0,
    mps_seqno: port.seqno,
    mps_mscount: port.mscount,
    mps_qlimit: port.qlimit,
    mps_msgcount: port.msgcount,
    mps_sorights: port.sorights,
    mps_srights: port.srights > 0 ? 1 : 0,
    mps_pdrequest: port.pdrequest !== null ? 1 : 0,
    mps_nsrequest: port.nsrequest !== null ? 1 : 0,
    mps_flags: flags,
  };
}

/** The attribute value mach_port_get_attributes reports. */
export type AttributeValue = { mpl_qlimit: number } | mach_port_status_t | { count: number } | mach_port_info_ext_t | number[];

/** mach_port_get_attributes with the caller's count (reference S59, S93). */
export function portGetAttributes(space: Space, name: number, flavor: number, count: number): KrValue<AttributeValue> {
  switch (flavor) {
    case MACH_PORT_LIMITS_INFO: {
      if (count < MACH_PORT_LIMITS_INFO_COUNT) return fail(KERN_FAILURE, []);
      // XNU answers KERN_SUCCESS with a count of 0 for a null or dead name.
      if (!MACH_PORT_VALID(name)) return ok([]);
      const port = translateReceive(space, name);
      if (typeof port === 'number') return fail(port, []);
      return ok({ mpl_qlimit: port.qlimit });
    }
    case MACH_PORT_RECEIVE_STATUS: {
      if (count < MACH_PORT_RECEIVE_STATUS_COUNT) return fail(KERN_FAILURE, []);
      if (!MACH_PORT_VALID(name)) return fail(KERN_INVALID_RIGHT, []);
      const port = translateReceive(space, name);
      if (typeof port === 'number') return fail(port, []);
      return ok(portStatus(port));
    }
    case MACH_PORT_DNREQUESTS_SIZE: {
      if (count < MACH_PORT_DNREQUESTS_SIZE_COUNT) return fail(KERN_FAILURE, []);
      if (!MACH_PORT_VALID(name)) return ok({ count: 0 });
      const port = translateReceive(space, name);
      if (typeof port === 'number') return fail(port, []);
      return ok({ count: port.requestTableCount });
    }
    case MACH_PORT_INFO_EXT: {
      if (count < MACH_PORT_INFO_EXT_COUNT) return fail(KERN_FAILURE, []);
      if (!MACH_PORT_VALID(name)) return fail(KERN_INVALID_RIGHT, []);
      const port = translateReceive(space, name);
      if (typeof port === 'number') return fail(port, []);
      return ok({ mpie_status: portStatus(port), mpie_boost_cnt: 0 });
    }
    case MACH_PORT_SERVICE_THROTTLED: {
      if (!MACH_PORT_VALID(name)) return fail(KERN_INVALID_RIGHT, []);
      const port = translateReceive(space, name);
      if (typeof port === 'number') return fail(port, []);
      return fail(KERN_INVALID_CAPABILITY, []);
    }
    default:
      return fail(KERN_INVALID_ARGUMENT, []);
  }
}

/** mach_port_set_attributes with the info's words (`qlimit` for LIMITS_INFO) and count. */
export function portSetAttributes(space: Space, name: number, flavor: number, words: number[], count: number): number {
  switch (flavor) {
    case MACH_PORT_LIMITS_INFO: {
      if (count < MACH_PORT_LIMITS_INFO_COUNT) return KERN_FAILURE;
      const qlimit = words[0]! >>> 0;
      if (qlimit > MACH_PORT_QLIMIT_MAX) return KERN_INVALID_VALUE;
      if (!MACH_PORT_VALID(name)) return KERN_INVALID_RIGHT;
      const port = translateReceive(space, name);
      if (typeof port === 'number') return port;
      mqueueSetQlimit(port, qlimit);
      return KERN_SUCCESS;
    }
    case MACH_PORT_DNREQUESTS_SIZE: {
      if (count < MACH_PORT_DNREQUESTS_SIZE_COUNT) return KERN_FAILURE;
      if (!MACH_PORT_VALID(name)) return KERN_INVALID_RIGHT;
      const port = translateReceive(space, name);
      return typeof port === 'number' ? port : KERN_SUCCESS;
    }
    case MACH_PORT_TEMPOWNER:
    case MACH_PORT_IMPORTANCE_RECEIVER:
    case MACH_PORT_DENAP_RECEIVER: {
      if (!MACH_PORT_VALID(name)) return KERN_INVALID_RIGHT;
      const port = translateReceive(space, name);
      if (typeof port === 'number') return port;
      if (port.kobjectType !== IKOT_NONE) return KERN_INVALID_ARGUMENT;
      port.impDonation = true;
      if (flavor === MACH_PORT_TEMPOWNER) port.tempOwner = true;
      return KERN_SUCCESS;
    }
    case MACH_PORT_SERVICE_THROTTLED: {
      if (!MACH_PORT_VALID(name)) return KERN_INVALID_RIGHT;
      const port = translateReceive(space, name);
      return typeof port === 'number' ? port : KERN_INVALID_CAPABILITY;
    }
    default:
      return KERN_INVALID_ARGUMENT;
  }
}

/** mach_port_set_mscount. */
export function portSetMscount(space: Space, name: number, mscount: number): number {
  if (!MACH_PORT_VALID(name)) return KERN_INVALID_RIGHT;
  const port = translateReceive(space, name);
  if (typeof port === 'number') return port;
  port.mscount = mscount >>> 0;
  return KERN_SUCCESS;
}

/** mach_port_set_seqno (reference S92). */
export function portSetSeqno(space: Space, name: number, seqno: number): number {
  if (!MACH_PORT_VALID(name)) return KERN_INVALID_RIGHT;
  const port = translateReceive(space, name);
  if (typeof port === 'number') return port;
  port.seqno = seqno >>> 0;
  return KERN_SUCCESS;
}

/**
 * mach_port_get_srights: the port's send rights in existence (ip_srights). No
 * MACH_PORT_VALID check and no guard: a null or dead name is KERN_INVALID_NAME from the
 * translation (xnu:osfmk/ipc/mach_debug.c:mach_port_get_srights).
 */
export function portGetSrights(space: Space, name: number): KrValue<number> {
  const port = translateReceive(space, name);
  if (typeof port === 'number') return fail(port, 0);
  return ok(port.srights);
}

/** mach_port_get_context: a strictly guarded port reads as 0. */
export function portGetContext(space: Space, name: number): KrValue<bigint> {
  if (!MACH_PORT_VALID(name)) return fail(KERN_INVALID_RIGHT, 0n);
  const port = translateReceive(space, name);
  if (typeof port === 'number') return fail(port, 0n);
  return ok(port.strictGuard ? 0n : port.context);
}

/** mach_port_set_context: refused with a fatal SET_CONTEXT guard on a strictly guarded port. */
export function portSetContext(space: Space, name: number, context: bigint): number {
  if (!MACH_PORT_VALID(name)) return KERN_INVALID_RIGHT;
  const port = translateReceive(space, name);
  if (typeof port === 'number') return port;
  if (port.strictGuard) {
    raiseGuard(space.kernel, name, kGUARD_EXC_SET_CONTEXT);
    return KERN_INVALID_ARGUMENT;
  }
  port.context = context;
  return KERN_SUCCESS;
}

/** mach_port_guard_locked: guard an unguarded port whose context is zero. */
function guardLocked(space: Space, name: number, port: Port, guard: bigint, strict: boolean, immovable: boolean): number {
  if (port.context !== 0n) {
    raiseGuard(space.kernel, name, kGUARD_EXC_INVALID_ARGUMENT);
    return KERN_INVALID_ARGUMENT;
  }
  port.context = guard;
  port.guarded = true;
  port.strictGuard = strict;
  // The immovable bit is sticky: unguarding does not clear it.
  if (immovable) port.immovableReceive = true;
  return KERN_SUCCESS;
}

/** mach_port_construct (reference §1.11). */
export function portConstruct(space: Space, flags: number, qlimit: number, context: bigint, hardened: boolean): KrValue<number> {
  const one = (f: number): boolean => (f & (f - 1)) === 0;
  if (!one(flags & (MPO_SERVICE_PORT | MPO_CONNECTION_PORT | MPO_TG_BLOCK_TRACKING))) return fail(KERN_INVALID_ARGUMENT, 0);
  if (!one(flags & (MPO_REPLY_PORT | MPO_ENFORCE_REPLY_PORT_SEMANTICS | MPO_EXCEPTION_PORT | MPO_PROVISIONAL_REPLY_PORT))) {
    return fail(KERN_INVALID_ARGUMENT, 0);
  }
  // Only the window server may track thread-group blocking; only launchd makes service
  // ports; a connection port needs its service port's name, which the options object
  // of this API cannot carry.
  if ((flags & MPO_TG_BLOCK_TRACKING) !== 0) return fail(KERN_DENIED, 0);
  if ((flags & MPO_SERVICE_PORT) !== 0) return fail(KERN_DENIED, 0);
  if ((flags & MPO_CONNECTION_PORT) !== 0) return fail(KERN_INVALID_ARGUMENT, 0);
  if ((flags & MPO_QLIMIT) !== 0 && qlimit >>> 0 > MACH_PORT_QLIMIT_MAX) return fail(KERN_INVALID_VALUE, 0);
  const entry = space.claim(null);
  if (typeof entry === 'number') return fail(entry, 0);
  const port = newReceiveRight(space, entry);
  if ((flags & MPO_INSERT_SEND_RIGHT) !== 0) {
    // IPC_PORT_INIT_MAKE_SEND_RIGHT: srights 1 and mscount 1.
    port.srights = 1;
    port.mscount = 1;
    entry.bits |= MACH_PORT_TYPE_SEND;
    entry.urefs = 1;
  }
  if ((flags & MPO_QLIMIT) !== 0) port.qlimit = qlimit >>> 0;
  if ((flags & (MPO_IMPORTANCE_RECEIVER | MPO_DENAP_RECEIVER | MPO_TEMPOWNER)) !== 0) {
    port.impDonation = true;
    if ((flags & MPO_TEMPOWNER) !== 0) port.tempOwner = true;
  }
  // Exception ports, and reply ports of hardened tasks, have immovable receive rights
  // (xnu:osfmk/ipc/ipc_port.c:ipc_port_init).
  if ((flags & MPO_EXCEPTION_PORT) !== 0 || ((flags & MPO_REPLY_PORT) !== 0 && hardened)) port.immovableReceive = true;
  if ((flags & MPO_EXCEPTION_PORT) !== 0) port.exceptionPort = true;
  if ((flags & MPO_CONTEXT_AS_GUARD) !== 0) {
    guardLocked(space, entry.name, port, context, (flags & MPO_STRICT) !== 0, (flags & MPO_IMMOVABLE_RECEIVE) !== 0);
  } else {
    port.context = context;
  }
  return ok(entry.name);
}

/** mach_port_destruct. */
export function portDestruct(space: Space, name: number, srdelta: number, guard: bigint): number {
  if (!MACH_PORT_VALID(name)) return KERN_INVALID_NAME;
  const entry = space.lookup(name);
  if (entry === undefined) {
    raiseGuard(space.kernel, name, kGUARD_EXC_INVALID_NAME);
    return KERN_INVALID_NAME;
  }
  return rightDestruct(space, name, entry, srdelta, guard);
}

/** The receive right for mach_port_guard / unguard, with their guards on failure. */
function guardTarget(space: Space, name: number): Port | number {
  const port = translateReceive(space, name);
  if (typeof port === 'number') raiseGuard(space.kernel, name, port === KERN_INVALID_NAME ? kGUARD_EXC_INVALID_NAME : kGUARD_EXC_INVALID_RIGHT);
  return port;
}

/** mach_port_guard. */
export function portGuard(space: Space, name: number, guard: bigint, strict: boolean): number {
  if (!MACH_PORT_VALID(name)) return KERN_INVALID_NAME;
  const port = guardTarget(space, name);
  if (typeof port === 'number') return port;
  return guardLocked(space, name, port, guard, strict, false);
}

/**
 * mach_port_guard_with_flags: mach_port_guard with MPG_* flags, MPG_STRICT and
 * MPG_IMMOVABLE_RECEIVE; other bits are ignored (xnu:osfmk/ipc/mach_port.c:
 * mach_port_guard_with_flags, mach_port_guard_locked).
 */
export function portGuardWithFlags(space: Space, name: number, guard: bigint, flags: number): number {
  if (!MACH_PORT_VALID(name)) return KERN_INVALID_NAME;
  const port = guardTarget(space, name);
  if (typeof port === 'number') return port;
  return guardLocked(space, name, port, guard, (flags & MPG_STRICT) !== 0, (flags & MPG_IMMOVABLE_RECEIVE) !== 0);
}

/**
 * mach_port_swap_guard: a guarded, not strictly guarded port whose guard is `oldGuard`
 * takes `newGuard`. The checks go in XNU's order, each failure KERN_INVALID_ARGUMENT with
 * its guard: not guarded (UNGUARDED), strict (SET_CONTEXT, whatever `oldGuard` is), wrong
 * guard (INCORRECT_GUARD) (xnu:osfmk/ipc/mach_port.c:mach_port_swap_guard).
 */
export function portSwapGuard(space: Space, name: number, oldGuard: bigint, newGuard: bigint): number {
  if (!MACH_PORT_VALID(name)) return KERN_INVALID_NAME;
  const port = guardTarget(space, name);
  if (typeof port === 'number') return port;
  if (!port.guarded) {
    raiseGuard(space.kernel, name, kGUARD_EXC_UNGUARDED);
    return KERN_INVALID_ARGUMENT;
  }
  if (port.strictGuard) {
    raiseGuard(space.kernel, name, kGUARD_EXC_SET_CONTEXT);
    return KERN_INVALID_ARGUMENT;
  }
  if (port.context !== oldGuard) {
    raiseGuard(space.kernel, name, kGUARD_EXC_INCORRECT_GUARD);
    return KERN_INVALID_ARGUMENT;
  }
  port.context = newGuard;
  return KERN_SUCCESS;
}

/** mach_port_unguard: fatal UNGUARDED / INCORRECT_GUARD guards on misuse. */
export function portUnguard(space: Space, name: number, guard: bigint): number {
  if (!MACH_PORT_VALID(name)) return KERN_INVALID_NAME;
  const port = guardTarget(space, name);
  if (typeof port === 'number') return port;
  if (!port.guarded) {
    raiseGuard(space.kernel, name, kGUARD_EXC_UNGUARDED);
    return KERN_INVALID_ARGUMENT;
  }
  if (port.context !== guard) {
    raiseGuard(space.kernel, name, kGUARD_EXC_INCORRECT_GUARD);
    return KERN_INVALID_ARGUMENT;
  }
  port.context = 0n;
  port.guarded = false;
  port.strictGuard = false;
  return KERN_SUCCESS;
}

/** mach_port_kobject: the IKOT_* of a send or receive right's port; address 0 as on release kernels (S95). */
export function portKobject(space: Space, name: number): KrValue<number> {
  const entry = space.lookup(name);
  if (entry === undefined || entry.object === null || !entry.object.active) return fail(KERN_INVALID_NAME, 0);
  if ((entry.bits & MACH_PORT_TYPE_SEND_RECEIVE) === 0) return fail(KERN_INVALID_RIGHT, 0);
  return ok((entry.object as Port).kobjectType);
}

