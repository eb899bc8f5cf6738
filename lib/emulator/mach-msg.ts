/**
 * mach_msg: the send half (validation, header and body copy-in, queueing or the
 * kernel-object fast path, pseudo-receive on failure) and the receive half (picking a
 * message, the too-large rules, copy-out into the receiver's space, trailers), following
 * xnu:osfmk/ipc/mach_msg.c (mach_msg_trap_send, mach_msg_receive_results,
 * mach_msg_receive_error, mach_msg_receive_too_large) and xnu:osfmk/ipc/ipc_kmsg.c
 * (ipc_kmsg_copyin_from_user, ipc_kmsg_send, ipc_kmsg_copyout, ipc_kmsg_copyout_pseudo).
 * @module
 */
import {
  KERN_INVALID_CAPABILITY,
  KERN_INVALID_RIGHT,
  KERN_SUCCESS,
  KERN_TERMINATED,
  kGUARD_EXC_INVALID_OPTIONS,
  kGUARD_EXC_RCV_INVALID_NAME,
  kGUARD_EXC_SEND_INVALID_REPLY,
  kGUARD_EXC_SEND_INVALID_RIGHT,
  kGUARD_EXC_SEND_INVALID_VOUCHER,
  MACH_MSG_GUARD_FLAGS_MASK,
  MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND,
  MACH_MSG_GUARDED_PORT_DESCRIPTOR,
  MACH_MSG_IPC_SPACE,
  MACH_MSG_OOL_DESCRIPTOR,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_OOL_VOLATILE_DESCRIPTOR,
  MACH_MSG_PHYSICAL_COPY,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_SUCCESS,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_MSG_TYPE_PORT_ANY_SEND,
  MACH_MSG_TYPE_PORT_RECEIVE,
  MACH_MSG_TYPE_PORT_SEND,
  MACH_MSG_TYPE_PORT_SEND_ONCE,
  MACH_MSG_VIRTUAL_COPY,
  MACH_MSGH_BITS_COMPLEX,
  MACH_MSGH_BITS_LOCAL,
  MACH_MSGH_BITS_PORTS_MASK,
  MACH_MSGH_BITS_REMOTE,
  MACH_MSGH_BITS_SET,
  MACH_MSGH_BITS_USER,
  MACH_MSGH_BITS_VOUCHER,
  MACH_PORT_DEAD,
  MACH_PORT_NULL,
  MACH_PORT_TYPE_PORT_SET,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_VALID,
  MACH_RCV_BODY_ERROR,
  MACH_RCV_GUARDED_DESC,
  MACH_RCV_HEADER_ERROR,
  MACH_RCV_INVALID_DATA,
  MACH_RCV_INVALID_NAME,
  MACH_RCV_LARGE,
  MACH_RCV_LARGE_IDENTITY,
  MACH_RCV_MSG,
  MACH_RCV_TIMED_OUT,
  MACH_RCV_TOO_LARGE,
  MACH_RCV_VOUCHER,
  MACH_SEND_INVALID_DEST,
  MACH_SEND_INVALID_HEADER,
  MACH_SEND_INVALID_MEMORY,
  MACH_SEND_INVALID_OPTIONS,
  MACH_SEND_INVALID_REPLY,
  MACH_SEND_INVALID_RIGHT,
  MACH_SEND_INVALID_TYPE,
  MACH_SEND_INVALID_VOUCHER,
  MACH_SEND_MSG_TOO_SMALL,
  MACH_SEND_NOTIFY,
  MACH_SEND_TOO_LARGE,
  MACH_MSG_HEADER_SIZE,
  MACH_SEND_INTERRUPTED,
  MACH_SEND_TIMED_OUT,
  MACH_SEND_TIMEOUT,
  MACH_RCV_TIMEOUT,
  GET_RCV_ELEMENTS,
} from '../constants.js';
import type { MachMessage, MachMsgDescriptor, MachMsgTrailer, ReceivedMessage } from '../types.js';
import { IE_BITS_EX_RECEIVE, IE_PORT_RIGHTS } from './entry.js';
import { raiseGuard } from './guard.js';
import {
  cleanDescriptors,
  type KDescriptor,
  KERNEL_SENDER,
  Kmsg,
  MACH_MSGH_BITS_CIRCULAR,
  messageSize,
} from './kmsg.js';
import { kobjectServe } from './kobject.js';
import {
  MACH_SEND_ALWAYS,
  mqueuePost,
  mqueueReleaseMsgcount,
  mqueueSend,
  psetFirstPrepost,
  takeSeqno,
} from './mqueue.js';
import { notifySendOnce } from './notify.js';
import { copyinType, objectCopyin, objectCopyout, objectDestroy } from './object.js';
import { IP_DEAD, IP_VALID, type Port, type PortRef } from './port.js';
import type { PortSet } from './port-set.js';
import {
  COPYIN_ALLOW_DEAD_SEND_ONCE,
  COPYIN_DEADOK,
  COPYIN_DEST_EXTRA_COPY,
  COPYIN_DEST_EXTRA_MOVE,
  copyinCleanup,
  CopyinResult,
  rightCopyin,
  rightCopyinCheckReply,
  rightCopyout,
  rightReverse,
} from './right.js';
import type { Space } from './space.js';
import type { EmulatedTask } from './task.js';
import { buildTrailer } from './trailer.js';
import { copyinOol, copyinSlab, copyinSlot, copyoutOol } from './vm.js';
import { armTimer, RcvWaiter, SendWaiter } from './waiter.js';

/** The largest send size (IPC_KMSG_MAX_BODY_SPACE, xnu:osfmk/ipc/ipc_policy.h). */
export const MAX_SEND_SIZE = 50_331_580;
/** Most rights one message may carry in descriptors (IPC_KMSG_MAX_OOL_PORT_COUNT). */
export const MAX_DESCRIPTOR_RIGHTS = 16383;
/** Most descriptors in a kernel-object call (IPC_KOBJECT_DESC_MAX). */
export const IPC_KOBJECT_DESC_MAX = 3;

const EMPTY: Uint8Array = new Uint8Array(0);

// ---------------------------------------------------------------------------
// JS argument shapes

/** A 32-bit integer (signed or unsigned): JS bit operations turn 0x80000000-style values negative. */
function isU32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0xffffffff;
}

/** A 32-bit argument as its unsigned value (TypeError for anything else). */
export function u32(v: unknown, what: string): number {
  if (!isU32(v)) throw new TypeError(`${what} must be a 32-bit integer, got ${describe(v)}`);
  return v >>> 0;
}

/** An int32 or uint32 argument as its 32-bit pattern, or TypeError. */
function i32(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) {
    throw new TypeError(`${what} must be a 32-bit integer, got ${describe(v)}`);
  }
  return v | 0;
}

/** A short description of a value for TypeError messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return typeof v;
}

/** A descriptor as validated from the caller's object. */
interface UDesc {
  type: number;
  name: number;
  disposition: number;
  data: Uint8Array;
  size: number;
  copy: number;
  deallocate: boolean;
  names: number[];
  context: bigint;
  flags: number;
}

/** No names: the names of every descriptor that is not an OOL ports descriptor (never written). */
const NO_NAMES: number[] = [];

/** A descriptor's disposition (TypeError unless an integer 0..255). */
function disp(v: unknown, i: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xff) {
    throw new TypeError(`descriptors[${i}].disposition must be an integer 0..255, got ${describe(v)}`);
  }
  return v;
}

/** A blank validated descriptor. */
function newUDesc(): UDesc {
  return { type: 0, name: 0, disposition: 0, data: EMPTY, size: 0, copy: MACH_MSG_VIRTUAL_COPY, deallocate: false, names: NO_NAMES, context: 0n, flags: 0 };
}

/**
 * The validated descriptors of the message being sent, reused like `parsed` (below):
 * the first UDESC_POOL_SIZE of a message come from here, the rest are allocated.
 */
const UDESC_POOL_SIZE = 8;
const udescPool: UDesc[] = [];
/**
 * The pool is being filled: reading the caller's descriptors runs the caller's getters,
 * and one of them may send a message of its own (mach_msg re-entered from inside the
 * parse). That nested send allocates its descriptors rather than overwrite the outer
 * message's pooled ones, which the outer send has yet to copy in.
 */
let udescPoolBusy = false;

/** Let go of the caller's memory and names the reused descriptors refer to. */
function releaseUDescs(descs: UDesc[]): void {
  const n = Math.min(descs.length, UDESC_POOL_SIZE);
  for (let i = 0; i < n; i++) {
    const u = descs[i]!;
    u.data = EMPTY;
    u.names = NO_NAMES;
  }
}

/**
 * Check one caller descriptor's JS shape (TypeError) and normalise it. The TypeError
 * texts name the descriptor's index; they are built only when a check fails.
 */
function readDescriptor(d: unknown, i: number, pooled: boolean): UDesc {
  if (typeof d !== 'object' || d === null) throw new TypeError(`descriptors[${i}] must be an object`);
  const o = d as Record<string, unknown>;
  const type = o.type;
  if (typeof type !== 'number' || !Number.isInteger(type) || type < 0 || type > 0xff) {
    throw new TypeError(`descriptors[${i}].type must be an integer 0..255, got ${describe(type)}`);
  }
  let u: UDesc;
  if (pooled && i < UDESC_POOL_SIZE) {
    u = udescPool[i] ??= newUDesc();
    u.type = type;
    u.name = 0;
    u.disposition = 0;
    u.data = EMPTY;
    u.size = 0;
    u.copy = MACH_MSG_VIRTUAL_COPY;
    u.deallocate = false;
    u.names = NO_NAMES;
    u.context = 0n;
    u.flags = 0;
  } else {
    u = newUDesc();
    u.type = type;
  }
  switch (type) {
    case MACH_MSG_PORT_DESCRIPTOR:
      u.name = isU32(o.name) ? o.name >>> 0 : u32(o.name, `descriptors[${i}].name`);
      u.disposition = disp(o.disposition, i);
      break;
    case MACH_MSG_OOL_DESCRIPTOR:
    case MACH_MSG_OOL_VOLATILE_DESCRIPTOR: {
      if (!(o.data instanceof Uint8Array)) throw new TypeError(`descriptors[${i}].data must be a Uint8Array`);
      u.data = o.data;
      u.size = o.size === undefined ? o.data.length : isU32(o.size) ? o.size >>> 0 : u32(o.size, `descriptors[${i}].size`);
      if (o.copy !== undefined) {
        if (typeof o.copy !== 'number' || !Number.isInteger(o.copy) || o.copy < 0 || o.copy > 0xff) {
          throw new TypeError(`descriptors[${i}].copy must be an integer 0..255`);
        }
        u.copy = o.copy;
      }
      if (o.deallocate !== undefined && typeof o.deallocate !== 'boolean') throw new TypeError(`descriptors[${i}].deallocate must be a boolean`);
      u.deallocate = o.deallocate === true;
      break;
    }
    case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
      const given: unknown = o.names;
      if (given instanceof Uint32Array) u.names = Array.from(given);
      else if (!Array.isArray(o.names)) throw new TypeError(`descriptors[${i}].names must be an array or a Uint32Array of port names`);
      else u.names = o.names.map((n, j) => u32(n, `descriptors[${i}].names[${j}]`));
      u.disposition = disp(o.disposition, i);
      if (o.copy !== undefined) {
        if (typeof o.copy !== 'number' || !Number.isInteger(o.copy) || o.copy < 0 || o.copy > 0xff) {
          throw new TypeError(`descriptors[${i}].copy must be an integer 0..255`);
        }
        u.copy = o.copy;
      }
      u.deallocate = o.deallocate === true;
      break;
    }
    case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
      u.name = isU32(o.name) ? o.name >>> 0 : u32(o.name, `descriptors[${i}].name`);
      u.disposition = disp(o.disposition, i);
      const ctx = o.context;
      if (typeof ctx === 'bigint') u.context = BigInt.asUintN(64, ctx);
      else if (typeof ctx === 'number' && Number.isSafeInteger(ctx) && ctx >= 0) u.context = BigInt(ctx);
      else if (ctx === undefined) u.context = 0n;
      else throw new TypeError(`descriptors[${i}].context must be a bigint`);
      if (typeof o.flags !== 'number' || !Number.isInteger(o.flags) || o.flags < 0 || o.flags > 0xffff) {
        throw new TypeError(`descriptors[${i}].flags must be an integer 0..65535`);
      }
      u.flags = o.flags;
      break;
    }
    default:
      break;
  }
  return u;
}

/** The validated parts of a message to send. */
class Parsed {
  bits = 0;
  remote = 0;
  local = 0;
  voucher = 0;
  id = 0;
  descs: UDesc[] | null = null;
  body: Uint8Array = EMPTY;
  /** COMPLEX but no descriptor count at all (a 24-byte complex message). */
  noCount = false;
}

/**
 * The message being sent, reused: msgSend reads it only during copy-in, which nothing
 * re-enters (a kernel-object server that sends runs later, from kmsgSend). A send made
 * by one of the caller's getters runs whole before parseMessage fills this in.
 */
const parsed = new Parsed();

/** Check the JS shape of `msg` (TypeError on wrong types). */
function parseMessage(msg: unknown): Parsed {
  if (typeof msg !== 'object' || msg === null) throw new TypeError('mach_msg: msg must be a message object');
  const m = msg as MachMessage;
  const h = m.header as unknown;
  if (typeof h !== 'object' || h === null) throw new TypeError('mach_msg: msg.header must be an object');
  const header = h as Record<string, unknown>;
  const bits = u32(header.msgh_bits, 'msgh_bits');
  const remote = u32(header.msgh_remote_port, 'msgh_remote_port');
  const local = header.msgh_local_port === undefined ? 0 : u32(header.msgh_local_port, 'msgh_local_port');
  const voucher = header.msgh_voucher_port === undefined ? 0 : u32(header.msgh_voucher_port, 'msgh_voucher_port');
  const id = i32(header.msgh_id, 'msgh_id');
  if (header.msgh_size !== undefined && !isU32(header.msgh_size)) throw new TypeError('msgh_size must be a uint32 integer');
  let body = EMPTY;
  if (m.body !== undefined) {
    if (!(m.body instanceof Uint8Array)) throw new TypeError('mach_msg: msg.body must be a Uint8Array');
    body = m.body;
  }
  let descs: UDesc[] | null = null;
  let noCount = false;
  if ((bits & MACH_MSGH_BITS_COMPLEX) !== 0) {
    if (m.descriptors !== undefined && !Array.isArray(m.descriptors)) throw new TypeError('mach_msg: msg.descriptors must be an array');
    // A complex message without a descriptors array stands for a buffer that ends after
    // the header: no mach_msg_body_t.
    noCount = m.descriptors === undefined;
    const list = m.descriptors ?? [];
    descs = new Array<UDesc>(list.length);
    const pooled = !udescPoolBusy;
    udescPoolBusy = true;
    let read = false;
    try {
      for (let i = 0; i < list.length; i++) descs[i] = readDescriptor(list[i], i, pooled);
      read = true;
    } finally {
      if (pooled) {
        udescPoolBusy = false;
        // A TypeError part-way: the pooled records read so far must not keep the caller's buffers.
        if (!read) releaseUDescs(udescPool);
      }
    }
  } else if (m.descriptors !== undefined && m.descriptors.length > 0) {
    throw new TypeError('mach_msg: descriptors need MACH_MSGH_BITS_COMPLEX in msgh_bits');
  }
  const p = parsed;
  p.bits = bits;
  p.remote = remote;
  p.local = local;
  p.voucher = voucher;
  p.id = id;
  p.descs = descs;
  p.body = body;
  p.noCount = noCount;
  return p;
}

/**
 * Let go of everything of the caller's that `p` and its pooled descriptors refer to, once
 * the send has copied what it needs or has failed: these records outlive the call, and
 * would otherwise keep the caller's body and out-of-line buffers alive until the next send.
 */
function releaseParsed(p: Parsed): void {
  if (p.descs !== null) releaseUDescs(p.descs);
  p.descs = null;
  p.body = EMPTY;
}

/**
 * The inline bytes as the kernel copies them at send time. The contract pads a body
 * whose length is not a multiple of 4 with zeros (Darwin's send size must be).
 */
function copyBody(body: Uint8Array): Uint8Array {
  const n = body.length;
  if (n === 0) return EMPTY;
  // The copy constructor, not slice(): a Buffer's slice() is a view, not a copy, and
  // TypedArray slice() looks up the species constructor on every call.
  if ((n & 3) === 0) return new Uint8Array(body);
  const out = new Uint8Array((n + 3) & ~3);
  out.set(body);
  return out;
}

/** The user (64-bit) size of a descriptor type: 12 for port descriptors, 16 otherwise. */
function userDescSize(type: number): number {
  return type === MACH_MSG_PORT_DESCRIPTOR ? 12 : 16;
}

/** ipc_kmsg_inflate_descriptors: the checks of one descriptor before any right is touched. */
function inflate(d: UDesc): number {
  switch (d.type) {
    case MACH_MSG_OOL_DESCRIPTOR:
    case MACH_MSG_OOL_VOLATILE_DESCRIPTOR:
      return d.copy === MACH_MSG_PHYSICAL_COPY || d.copy === MACH_MSG_VIRTUAL_COPY ? MACH_MSG_SUCCESS : MACH_SEND_INVALID_TYPE;
    case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
      if (d.disposition !== MACH_MSG_TYPE_MOVE_RECEIVE) return MACH_SEND_INVALID_TYPE;
      if (d.flags === 0 || (d.flags & ~MACH_MSG_GUARD_FLAGS_MASK) !== 0) return MACH_SEND_INVALID_TYPE;
      if ((d.flags & MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND) !== 0 && d.context !== 0n) return MACH_SEND_INVALID_TYPE;
      return MACH_MSG_SUCCESS;
    default:
      return MACH_MSG_SUCCESS;
  }
}

/**
 * The checks XNU makes before touching any right (reference S65, S69): sizes, the
 * kernel-object call limits, descriptor types in order (ipc_kmsg_measure_descriptors_
 * from_user), then each descriptor's own checks walked right to left for up to 64
 * descriptors (ipc_kmsg_inflate_descriptors), then the number of rights.
 */
function preflight(p: Parsed, kobjectCall: boolean): number {
  if (p.noCount) return MACH_SEND_MSG_TOO_SMALL;
  const descs = p.descs;
  let size = MACH_MSG_HEADER_SIZE + ((p.body.length + 3) & ~3);
  if (descs === null) return size > MAX_SEND_SIZE ? MACH_SEND_TOO_LARGE : MACH_MSG_SUCCESS;
  // One pass gathers what the checks below need; the checks keep XNU's order.
  size += 4;
  let badType = false;
  let rights = 0;
  for (let i = 0; i < descs.length; i++) {
    const d = descs[i]!;
    const type = d.type;
    size += type <= 4 ? userDescSize(type) : 12;
    switch (type) {
      case MACH_MSG_PORT_DESCRIPTOR:
        rights++;
        break;
      case MACH_MSG_OOL_DESCRIPTOR:
        break;
      case MACH_MSG_OOL_PORTS_DESCRIPTOR:
        rights += d.names.length;
        break;
      case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
        rights++;
        if (kobjectCall) badType = true;
        break;
      case MACH_MSG_OOL_VOLATILE_DESCRIPTOR:
        if (kobjectCall) badType = true;
        break;
      default:
        badType = true;
    }
  }
  if (size > MAX_SEND_SIZE) return MACH_SEND_TOO_LARGE;
  if (kobjectCall && descs.length > IPC_KOBJECT_DESC_MAX) return MACH_SEND_TOO_LARGE;
  if (badType) return MACH_SEND_INVALID_TYPE;
  if (descs.length <= 64) {
    for (let i = descs.length - 1; i >= 0; i--) {
      const kr = inflate(descs[i]!);
      if (kr !== MACH_MSG_SUCCESS) return kr;
    }
  } else {
    for (let i = 0; i < descs.length; i++) {
      const kr = inflate(descs[i]!);
      if (kr !== MACH_MSG_SUCCESS) return kr;
    }
  }
  if (rights > MAX_DESCRIPTOR_RIGHTS) return MACH_SEND_TOO_LARGE;
  return MACH_MSG_SUCCESS;
}

// ---------------------------------------------------------------------------
// Header copy-in

/** Scratch results reused by header copy-in (the kernel runs one copy-in at a time). */
const destRes = new CopyinResult();
const replyRes = new CopyinResult();

/** Forget what a scratch copy-in result held. */
function clearResult(res: CopyinResult): void {
  res.port = null;
  res.deleted = null;
}

/** Header copy-in output: the kmsg's header fields, plus the destination's request for MACH_SEND_NOTIFY. */
interface HeaderOut {
  kr: number;
  bits: number;
  dest: Port | null;
  reply: PortRef;
  destRequestName: number;
}

/**
 * ipc_kmsg_copyin_header: validate the header's dispositions, then copy in the
 * destination, voucher and reply rights atomically: on failure nothing is consumed
 * (except the lazy conversion of a dead right, which XNU also keeps). With `wantRequest`
 * (MACH_SEND_NOTIFY) it also reports whether the destination name has a request.
 */
function copyinHeader(space: Space, p: Parsed, out: HeaderOut, wantRequest: boolean): void {
  out.kr = MACH_MSG_SUCCESS;
  clearResult(destRes);
  clearResult(replyRes);
  const bits = p.bits;
  const replyName = p.local;
  const replyType = MACH_MSGH_BITS_LOCAL(bits);
  // ipc_kmsg_copyin_header_validate
  if (replyType === 0) {
    if (replyName !== MACH_PORT_NULL) {
      out.kr = MACH_SEND_INVALID_HEADER;
      return;
    }
  } else if (!MACH_MSG_TYPE_PORT_ANY_SEND(replyType)) {
    out.kr = MACH_SEND_INVALID_HEADER;
    return;
  }
  const voucherType = MACH_MSGH_BITS_VOUCHER(bits);
  let voucherName = MACH_PORT_NULL;
  if (voucherType !== 0) {
    if (voucherType !== MACH_MSG_TYPE_MOVE_SEND && voucherType !== MACH_MSG_TYPE_COPY_SEND) {
      failVoucher(space, out, p.voucher);
      return;
    }
    voucherName = p.voucher;
    if (voucherName === MACH_PORT_DEAD) {
      failVoucher(space, out, voucherName);
      return;
    }
  }
  const destName = p.remote;
  const destType = MACH_MSGH_BITS_REMOTE(bits);
  if (!MACH_MSG_TYPE_PORT_ANY_SEND(destType)) {
    out.kr = MACH_SEND_INVALID_HEADER;
    return;
  }
  if (!MACH_PORT_VALID(destName)) {
    out.kr = MACH_SEND_INVALID_DEST;
    return;
  }
  if (destName === voucherName && destType !== MACH_MSG_TYPE_MOVE_SEND && destType !== MACH_MSG_TYPE_COPY_SEND) {
    out.kr = MACH_SEND_INVALID_DEST;
    return;
  }
  if (destName === replyName && (destType === MACH_MSG_TYPE_MOVE_SEND_ONCE || replyType === MACH_MSG_TYPE_MOVE_SEND_ONCE)) {
    out.kr = MACH_SEND_INVALID_DEST;
    return;
  }
  if (MACH_PORT_VALID(replyName) && replyName === voucherName) {
    failReply(space, out, replyName);
    return;
  }
  if (!space.active) {
    out.kr = MACH_SEND_INVALID_DEST;
    return;
  }
  // ipc_kmsg_copyin_header_rights, step 1: look everything up. No voucher port exists in
  // the emulator, so a voucher name never names an IKOT_VOUCHER send right.
  if (voucherName !== MACH_PORT_NULL) {
    failVoucher(space, out, voucherName);
    return;
  }
  const destEntry = space.lookup(destName);
  if (destEntry === undefined || (destEntry.bits & IE_PORT_RIGHTS) === 0) {
    out.kr = MACH_SEND_INVALID_DEST;
    return;
  }
  let replyEntry = destEntry;
  if (MACH_PORT_VALID(replyName)) {
    if (replyName !== destName) {
      const e = space.lookup(replyName);
      if (e === undefined || (e.bits & IE_PORT_RIGHTS) === 0) {
        failReply(space, out, replyName);
        return;
      }
      replyEntry = e;
    }
    if (!rightCopyinCheckReply(replyEntry, replyType)) {
      failReply(space, out, replyName);
      return;
    }
  }
  // Step 2: the destination, jointly with the reply when both name the same send right.
  let destDisp = destType;
  let xtra = 0;
  let joint = false;
  if (destName === replyName) {
    const makes =
      destType === MACH_MSG_TYPE_MAKE_SEND ||
      destType === MACH_MSG_TYPE_MAKE_SEND_ONCE ||
      replyType === MACH_MSG_TYPE_MAKE_SEND ||
      replyType === MACH_MSG_TYPE_MAKE_SEND_ONCE;
    if (!makes) {
      joint = true;
      if (destType === MACH_MSG_TYPE_MOVE_SEND && replyType === MACH_MSG_TYPE_MOVE_SEND) {
        xtra = COPYIN_DEST_EXTRA_MOVE;
        destDisp = MACH_MSG_TYPE_MOVE_SEND;
      } else if (destType === MACH_MSG_TYPE_COPY_SEND && replyType === MACH_MSG_TYPE_COPY_SEND) {
        xtra = COPYIN_DEST_EXTRA_COPY;
        destDisp = MACH_MSG_TYPE_COPY_SEND;
      } else {
        xtra = COPYIN_DEST_EXTRA_COPY;
        destDisp = MACH_MSG_TYPE_MOVE_SEND;
      }
    }
  }
  const kr = rightCopyin(space, destName, destDisp, COPYIN_ALLOW_DEAD_SEND_ONCE | xtra, destEntry, destRes, null);
  if (kr !== KERN_SUCCESS) {
    out.kr = MACH_SEND_INVALID_DEST;
    return;
  }
  const destPort = destRes.port as Port;
  // Step 3: the reply.
  let reply: PortRef = null;
  if (joint) {
    reply = destPort;
  } else if (MACH_PORT_VALID(replyName)) {
    rightCopyin(space, replyName, replyType, COPYIN_DEADOK, replyEntry, replyRes, null);
    reply = replyRes.port;
  } else {
    reply = replyName === MACH_PORT_DEAD ? IP_DEAD : null;
  }
  // The destination entry's request, for MACH_SEND_NOTIFY (the entry may be gone).
  if (wantRequest) {
    const still = space.lookup(destName);
    out.destRequestName = still !== undefined && still.request !== null ? destName : 0;
  } else {
    out.destRequestName = 0;
  }
  copyinCleanup(destRes, destName);
  copyinCleanup(replyRes, replyName);
  out.bits = MACH_MSGH_BITS_SET(copyinType(destType), copyinType(replyType), voucherType, bits);
  out.dest = destPort;
  out.reply = reply;
}

function failReply(space: Space, out: HeaderOut, name: number): void {
  raiseGuard(space.kernel, name, kGUARD_EXC_SEND_INVALID_REPLY);
  out.kr = MACH_SEND_INVALID_REPLY;
}

function failVoucher(space: Space, out: HeaderOut, name: number): void {
  raiseGuard(space.kernel, name, kGUARD_EXC_SEND_INVALID_VOUCHER);
  out.kr = MACH_SEND_INVALID_VOUCHER;
}

// ---------------------------------------------------------------------------
// Body copy-in

const bodyRes = new CopyinResult();

/** Copy in one right of a descriptor; returns the right or a mach_msg_return_t (number). */
function copyinDescriptorRight(space: Space, kmsg: Kmsg, name: number, disposition: number, gdesc: { context: bigint; flags: number } | null): PortRef | number {
  if (!MACH_PORT_VALID(name)) return name === MACH_PORT_NULL ? null : IP_DEAD;
  const kr = objectCopyin(space, name, disposition, bodyRes, gdesc);
  if (kr !== KERN_SUCCESS) {
    if (kr === KERN_INVALID_RIGHT) raiseGuard(space.kernel, name, kGUARD_EXC_SEND_INVALID_RIGHT);
    return MACH_SEND_INVALID_RIGHT;
  }
  const port = bodyRes.port;
  bodyRes.port = null;
  if (copyinType(disposition) === MACH_MSG_TYPE_PORT_RECEIVE && IP_VALID(port) && IP_VALID(kmsg.dest)) {
    if (port.checkCircularity(kmsg.dest)) kmsg.bits = (kmsg.bits | MACH_MSGH_BITS_CIRCULAR) >>> 0;
  }
  return port;
}

/**
 * ipc_kmsg_copyin_body: copy in each descriptor in order. On the first failure the
 * header rights and the descriptors already copied in are destroyed (reference S70).
 */
function copyinBody(space: Space, kmsg: Kmsg, descs: UDesc[]): number {
  // Filled in place: a growing array would reserve room for 17 descriptors at the first push.
  const out = new Array<KDescriptor>(descs.length);
  for (let i = 0; i < descs.length; i++) {
    const d = descs[i]!;
    let kd: KDescriptor | null = null;
    let mr = MACH_MSG_SUCCESS;
    switch (d.type) {
      case MACH_MSG_PORT_DESCRIPTOR: {
        const r = copyinDescriptorRight(space, kmsg, d.name, d.disposition, null);
        if (typeof r === 'number') mr = r;
        else kd = { type: 0, port: r, disposition: copyinType(d.disposition) };
        break;
      }
      case MACH_MSG_OOL_DESCRIPTOR:
      case MACH_MSG_OOL_VOLATILE_DESCRIPTOR: {
        // The memory is taken now (copied, or moved with deallocate): later changes to the
        // sender's buffer are not seen (vm.ts).
        const data = copyinOol(space.vmMap, d.data, d.size, d.deallocate);
        if (data === null) mr = MACH_SEND_INVALID_MEMORY;
        else kd = { type: d.type as 1 | 3, data, copy: d.copy, deallocate: d.deallocate, slab: copyinSlab, slot: copyinSlot };
        break;
      }
      case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
        const ports: PortRef[] = new Array<PortRef>(d.names.length).fill(null);
        for (let j = 0; j < d.names.length; j++) {
          const r = copyinDescriptorRight(space, kmsg, d.names[j]!, d.disposition, null);
          if (typeof r === 'number') {
            cleanDescriptors([{ type: 2, ports, disposition: copyinType(d.disposition), copy: d.copy, deallocate: false }], 1);
            mr = r;
            break;
          }
          ports[j] = r;
        }
        if (mr === MACH_MSG_SUCCESS) kd = { type: 2, ports, disposition: copyinType(d.disposition), copy: d.copy, deallocate: d.deallocate };
        break;
      }
      case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
        const g = { context: d.context, flags: d.flags };
        const r = copyinDescriptorRight(space, kmsg, d.name, d.disposition, g);
        if (typeof r === 'number') mr = r;
        else kd = { type: 4, port: r, disposition: copyinType(d.disposition), context: g.context, flags: g.flags };
        break;
      }
      default:
        mr = MACH_SEND_INVALID_TYPE;
    }
    if (mr !== MACH_MSG_SUCCESS) {
      out.length = i;
      kmsg.descs = out;
      kmsg.clean();
      return mr;
    }
    out[i] = kd!;
  }
  kmsg.descs = out;
  return MACH_MSG_SUCCESS;
}

// ---------------------------------------------------------------------------
// Send

/** Options of a send, as mach_msg's caller gave them. */
export interface SendControl {
  /** MACH64_SEND_KOBJECT_CALL: the caller says the destination is a kernel object. */
  kobjectCall: boolean;
  /** MACH64_SEND_ANY: skip the kernel-object / message-queue check (the emulator's own MIG stubs). */
  anyCall: boolean;
  /** Aborts a blocked send. */
  signal: AbortSignal | null;
}

/** The descriptors of a complex message until copyinBody gives it its own (never written). */
const NO_DESCRIPTORS: KDescriptor[] = [];

/** The result of the synchronous part of a send: a mach_msg_return_t, or a promise when the sender blocks. */
export type SendOutcome = number | Promise<void>;

const headerOut: HeaderOut = { kr: 0, bits: 0, dest: null, reply: null, destRequestName: 0 };

/**
 * The send half of mach_msg for `task`. Returns MACH_MSG_SUCCESS, an error code (with
 * `msg` rewritten by a pseudo-receive for errors after copy-in), or a promise while the
 * sender waits for room in a full queue.
 */
export function msgSend(task: EmulatedTask, msg: MachMessage, option: number, timeout: number, control: SendControl): SendOutcome {
  const p = parseMessage(msg);
  const kernel = task.kernel;
  const space = task.space;
  p.bits = (p.bits & MACH_MSGH_BITS_USER) >>> 0;
  // A user's 0x10000 is MACH_SEND_FILTER_NONFATAL, not the kernel's MACH_SEND_ALWAYS
  // (xnu:osfmk/ipc/ipc_policy.c:ipc_current_user_policy keeps user bits only).
  option &= ~MACH_SEND_ALWAYS;
  let mr = preflight(p, control.kobjectCall);
  if (mr !== MACH_MSG_SUCCESS) {
    releaseParsed(p);
    return mr;
  }
  copyinHeader(space, p, headerOut, (option & MACH_SEND_NOTIFY) !== 0);
  // The copy-in records outlive the call: drop their ports, which would keep the kernel alive.
  clearResult(destRes);
  clearResult(replyRes);
  if (headerOut.kr !== MACH_MSG_SUCCESS) {
    releaseParsed(p);
    return headerOut.kr;
  }
  const dest = headerOut.dest!;
  const kmsg = new Kmsg(
    headerOut.bits,
    dest,
    headerOut.reply,
    MACH_MSGH_BITS_VOUCHER(p.bits) === 0 ? p.voucher : 0,
    p.id,
    p.descs !== null ? NO_DESCRIPTORS : null,
    EMPTY,
    task.sender,
  );
  const destRequestName = headerOut.destRequestName;
  headerOut.dest = null;
  headerOut.reply = null;
  // ipc_validate_kmsg_dest_from_user: kernel objects take only kernel-object calls (with
  // a receive), message queues only ordinary sends (reference S98, kobject-policy.md).
  if (dest.active && !control.anyCall) {
    const isKobject = dest.kobjectType !== 0;
    const refused = isKobject
      ? !control.kobjectCall || (option & MACH_RCV_MSG) === 0
      : control.kobjectCall;
    if (refused) {
      releaseParsed(p);
      kmsg.clean();
      raiseGuard(kernel, 0, kGUARD_EXC_INVALID_OPTIONS);
      return MACH_SEND_INVALID_OPTIONS;
    }
  }
  // The inline bytes first: XNU copies the whole user message into the kmsg before it
  // copies in the descriptors (ipc_kmsg_get_and_inflate_from_user, then
  // ipc_kmsg_copyin_body), so a body that shares memory with a deallocated OOL region is
  // read before the region is taken.
  kmsg.body = copyBody(p.body);
  if (p.descs !== null) {
    mr = copyinBody(space, kmsg, p.descs);
    if (mr !== MACH_MSG_SUCCESS) {
      releaseParsed(p);
      return mr;
    }
  }
  kmsg.size = messageSize(kmsg.descs, kmsg.body.length);
  releaseParsed(p);
  // MACH_SEND_NOTIFY arms a delayed send-possible request on a full queue, or forces the
  // message through when the queue has room (ipc_kmsg_copyin_header).
  if ((option & MACH_SEND_NOTIFY) !== 0 && destRequestName !== 0 && MACH_MSGH_BITS_REMOTE(kmsg.bits) !== MACH_MSG_TYPE_PORT_SEND_ONCE && dest.active && !dest.inKernel) {
    const entry = space.lookup(destRequestName);
    const req = entry?.request ?? null;
    if (req !== null && req.port === dest) {
      if (dest.full()) dest.requestSparm(req);
      else option |= MACH_SEND_ALWAYS;
    }
  }
  return kmsgSend(task, kmsg, msg, option, timeout, control);
}

/**
 * ipc_kmsg_send: deliver a copied-in message. A message closing a receive-right loop is
 * destroyed (reference S74, S75), as is one to a dead port (S39); both report success.
 * Kernel objects serve it at once and the reply is queued on the reply port (S96).
 */
function kmsgSend(task: EmulatedTask, kmsg: Kmsg, msg: MachMessage, option: number, timeout: number, control: SendControl): SendOutcome {
  const kernel = task.kernel;
  if ((kmsg.bits & MACH_MSGH_BITS_CIRCULAR) !== 0) {
    kernel.destroyKmsg(kmsg);
    return MACH_MSG_SUCCESS;
  }
  const dest = kmsg.dest as Port;
  if (!dest.active) {
    kmsg.dest = null;
    kernel.destroyKmsg(kmsg);
    return MACH_MSG_SUCCESS;
  }
  if (dest.inKernel) {
    dest.seqno = (dest.seqno + 1) >>> 0;
    // XNU counts the request before the server runs (so a task_info of the sender's own
    // TASK_EVENTS_INFO includes it), and the reply again, as the sender's thread posts it
    // (xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_send; ipc_mqueue.c:ipc_mqueue_post).
    task.messagesSent++;
    const reply = kobjectServe(dest, kmsg, task);
    if (reply !== null && deliverKernelReply(reply)) task.messagesSent++;
    return MACH_MSG_SUCCESS;
  }
  const mr = mqueueSend(dest, kmsg, option, timeout);
  if (mr >= 0) {
    if (mr !== MACH_MSG_SUCCESS) return mr | pseudoReceive(task, kmsg, msg);
    // Posted: counter_inc(&current_task()->messages_sent) (xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_post).
    // A send to a dead port or closing a loop returned above, uncounted, as in XNU.
    task.messagesSent++;
    return mr;
  }
  return blockSender(task, kmsg, dest, msg, option, timeout, control);
}

/**
 * Queue a kernel object's reply on its reply port, ignoring the queue limit. A reply to
 * a dead port, or one that cannot be queued, is destroyed: kernel replies are never
 * pseudo-received (xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_send, kernel_reply). True when the
 * reply was posted (XNU then counts it as a message the requesting task sent).
 */
export function deliverKernelReply(reply: Kmsg): boolean {
  const dest = reply.dest;
  if (!IP_VALID(dest)) return false;
  const kernel = dest.kernel;
  if (!dest.active) {
    reply.dest = null;
    kernel.destroyKmsg(reply);
    return false;
  }
  if (dest.inKernel) {
    kernel.destroyKmsg(reply);
    return false;
  }
  if (mqueueSend(dest, reply, MACH_SEND_ALWAYS, 0) !== MACH_MSG_SUCCESS) {
    kernel.destroyKmsg(reply);
    return false;
  }
  return true;
}

/** Park a sender on a full queue until room, death of the port, timeout or abort. */
function blockSender(task: EmulatedTask, kmsg: Kmsg, dest: Port, msg: MachMessage, option: number, timeout: number, control: SendControl): Promise<void> {
  const kernel = task.kernel;
  return new Promise<void>((resolve, reject) => {
    const w: SendWaiter = new SendWaiter(
      task,
      kmsg,
      dest,
      msg,
      option,
      () => {
        task.pendingSends.delete(w);
        resolve();
      },
      (err) => {
        task.pendingSends.delete(w);
        reject(err);
      },
    );
    (dest.sendWaiters ??= []).push(w);
    task.pendingSends.add(w);
    // A timed-out or interrupted send hands every right back (pseudo-receive).
    const giveBack = (kr: number, reason: unknown): void => {
      if (w.done) return;
      w.done = true;
      w.disarm();
      w.unlink();
      kernel.enter(task);
      let extra = 0;
      try {
        extra = pseudoReceive(task, kmsg, msg);
      } finally {
        kernel.leave();
      }
      w.reject(reason !== undefined ? reason : task.sendError(kr | extra, msg));
    };
    if ((option & MACH_SEND_TIMEOUT) !== 0) {
      armTimer(w, timeout, () => giveBack(MACH_SEND_TIMED_OUT, undefined));
    }
    const signal = control.signal;
    if (signal !== null) {
      w.signal = signal;
      w.onAbort = () => giveBack(MACH_SEND_INTERRUPTED, signal.reason);
      // The signal may have been aborted since mach_msg checked it on entry (a caller's
      // getter read while the message was parsed): an abort event never fires twice, so
      // interrupt the send once this operation has finished, as the event would.
      if (signal.aborted) queueMicrotask(w.onAbort);
      else signal.addEventListener('abort', w.onAbort, { once: true });
    }
  });
}

/**
 * ipc_kmsg_copyout_pseudo: a send failed after copy-in; give every right back to the
 * sender and rewrite the caller's message as the kernel rewrites the send buffer: bits
 * with PORT_* types (not swapped), the sender's names for the destination and reply,
 * descriptors as received (reference §2.6). Returns copy-out error bits.
 */
export function pseudoReceive(task: EmulatedTask, kmsg: Kmsg, msg: MachMessage): number {
  const space = task.space;
  let mr = 0;
  const destType = MACH_MSGH_BITS_REMOTE(kmsg.bits);
  const replyType = MACH_MSGH_BITS_LOCAL(kmsg.bits);
  const destName = copyoutPort(space, kmsg.dest, destType);
  kmsg.dest = null;
  mr |= copyoutBits;
  const replyName = copyoutPort(space, kmsg.reply, replyType);
  kmsg.reply = null;
  mr |= copyoutBits;
  const h = msg.header;
  h.msgh_bits = (kmsg.bits & MACH_MSGH_BITS_USER & ~MACH_MSGH_BITS_CIRCULAR) >>> 0;
  h.msgh_size = kmsg.size;
  h.msgh_remote_port = destName;
  h.msgh_local_port = replyName;
  if (kmsg.descs !== null) {
    msg.descriptors = copyoutDescriptors(space, kmsg.descs, 0, true);
    mr |= copyoutBits;
  }
  return mr;
}

// ---------------------------------------------------------------------------
// Copy-out

/** The error bits of the last copyoutPort / copyoutDescriptors (read at once: the kernel copies out one message at a time). */
let copyoutBits = 0;

/**
 * ipc_kmsg_copyout_port: copy out one right (dead → MACH_PORT_DEAD, no room →
 * MACH_PORT_NULL with MACH_MSG_IPC_SPACE, left in copyoutBits).
 */
function copyoutPort(space: Space, port: PortRef, type: number): number {
  copyoutBits = 0;
  if (!IP_VALID(port)) return port === IP_DEAD ? MACH_PORT_DEAD : MACH_PORT_NULL;
  const r = objectCopyout(space, port, type, null);
  if (r >= 0x100) return r;
  if (r === KERN_INVALID_CAPABILITY) return MACH_PORT_DEAD;
  copyoutBits = MACH_MSG_IPC_SPACE;
  return MACH_PORT_NULL;
}

/** Copy out the descriptors: the receiver's view; the error bits (MACH_RCV_BODY_ERROR | …) are left in copyoutBits. */
function copyoutDescriptors(space: Space, descs: KDescriptor[], option: number, pseudo: boolean): MachMsgDescriptor[] {
  let mr = 0;
  const out: MachMsgDescriptor[] = new Array<MachMsgDescriptor>(descs.length);
  for (let i = 0; i < descs.length; i++) {
    const d = descs[i]!;
    switch (d.type) {
      case MACH_MSG_PORT_DESCRIPTOR: {
        const name = copyoutPort(space, d.port, d.disposition);
        d.port = null;
        mr |= copyoutBits;
        out[i] = { type: 0, name, disposition: d.disposition };
        break;
      }
      case MACH_MSG_OOL_DESCRIPTOR:
      case MACH_MSG_OOL_VOLATILE_DESCRIPTOR:
        // The region is now this task's (the receiver's, or the sender's again after a
        // pseudo-receive): a deallocate send of it by this task moves it on.
        if (d.slab) copyoutOol(space.vmMap, d.slab, d.slot!);
        out[i] = { type: d.type, data: d.data, deallocate: d.copy === MACH_MSG_VIRTUAL_COPY, copy: d.copy, size: d.data.length };
        break;
      case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
        const names = new Array<number>(d.ports.length);
        for (let j = 0; j < d.ports.length; j++) {
          names[j] = copyoutPort(space, d.ports[j]!, d.disposition);
          d.ports[j] = null;
          mr |= copyoutBits;
        }
        out[i] = { type: 2, names, disposition: d.disposition, deallocate: true, copy: MACH_MSG_VIRTUAL_COPY };
        break;
      }
      case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
        const port = d.port;
        d.port = null;
        if (!pseudo && (option & MACH_RCV_GUARDED_DESC) === 0) {
          // A receiver not prepared for guarded descriptors loses the right (S78).
          if (IP_VALID(port)) objectDestroy(port, d.disposition);
          out[i] = { type: 4, name: MACH_PORT_NULL, disposition: d.disposition, context: 0n, flags: d.flags };
          break;
        }
        const g = { flags: d.flags, context: d.context, pseudo };
        let name: number = port === IP_DEAD ? MACH_PORT_DEAD : MACH_PORT_NULL;
        if (IP_VALID(port)) {
          const r = objectCopyout(space, port, d.disposition, g);
          if (r >= 0x100) name = r;
          else if (r === KERN_INVALID_CAPABILITY) name = MACH_PORT_DEAD;
          else mr |= MACH_MSG_IPC_SPACE;
        }
        out[i] = { type: 4, name, disposition: d.disposition, context: g.context, flags: g.flags };
        break;
      }
    }
  }
  if (mr !== 0) mr |= MACH_RCV_BODY_ERROR;
  copyoutBits = mr;
  return out;
}

/** ipc_object_copyout_dest: the receiver's name for the destination, consuming the destination right. */
function copyoutDest(space: Space, dest: Port, type: number): number {
  if (type === MACH_MSG_TYPE_PORT_SEND) {
    const name = dest.inSpace(space) ? dest.receiverName : MACH_PORT_NULL;
    dest.releaseSend();
    return name;
  }
  if (dest.inSpace(space)) {
    dest.sorights--;
    return dest.receiverName;
  }
  // The receive right left this space between dequeue and copy-out.
  notifySendOnce(dest);
  return MACH_PORT_NULL;
}

/** A finished copy-out: the message and the mach_msg_return_t to report with it. */
export interface CopyoutResult {
  msg: ReceivedMessage;
  mr: number;
}

/**
 * ipc_kmsg_copyout: move a received message's rights into the receiver's space. The
 * header comes out swapped: remote = the reply right's new name, local = the receive
 * right's name, bits = SET(reply type, destination type, …) (reference §2.5). The
 * copy-out status (MACH_MSG_SUCCESS or error bits) is left in copyoutStatus.
 */
export function copyoutMessage(task: EmulatedTask, kmsg: Kmsg, option: number, seqno: number, context: bigint): ReceivedMessage {
  const space = task.space;
  const dest = kmsg.dest as Port;
  const reply = kmsg.reply;
  const destType = MACH_MSGH_BITS_REMOTE(kmsg.bits);
  const replyType = MACH_MSGH_BITS_LOCAL(kmsg.bits);
  let voucherType = MACH_MSGH_BITS_VOUCHER(kmsg.bits);
  dest.spnotify();
  let replyName: number;
  if (IP_VALID(reply)) {
    if (!reply.active) {
      replyName = MACH_PORT_DEAD;
      if (replyType === MACH_MSG_TYPE_PORT_SEND_ONCE) reply.releaseSendOnce();
      else reply.releaseSend();
      kmsg.reply = null;
    } else {
      let entry = replyType !== MACH_MSG_TYPE_PORT_SEND_ONCE ? rightReverse(space, reply) : undefined;
      if (entry === undefined) {
        const claimed = space.claim(reply);
        if (typeof claimed === 'number') {
          const stub = receiveErrorStub(task, kmsg, option, seqno, (MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_SPACE) >>> 0);
          copyoutStatus = stub.mr;
          return stub.msg;
        }
        entry = claimed;
      }
      rightCopyout(space, reply, replyType, entry, null);
      replyName = entry.name;
      kmsg.reply = null;
    }
  } else {
    replyName = reply === IP_DEAD ? MACH_PORT_DEAD : MACH_PORT_NULL;
  }
  let voucherName = kmsg.voucherName;
  if (voucherType !== 0) {
    if ((option & MACH_RCV_VOUCHER) === 0) voucherType = 0;
    voucherName = MACH_PORT_NULL;
  }
  let destName: number;
  if (dest.active) {
    destName = copyoutDest(space, dest, destType);
  } else {
    // A dead destination reads as MACH_PORT_DEAD, or NULL when the reply port died first.
    destName = IP_VALID(reply) && !reply.active && reply.deathTime < dest.deathTime ? MACH_PORT_NULL : MACH_PORT_DEAD;
  }
  kmsg.dest = null;
  let mr = MACH_MSG_SUCCESS;
  let descriptors: MachMsgDescriptor[];
  if (kmsg.descs !== null) {
    descriptors = copyoutDescriptors(space, kmsg.descs, option, false);
    mr = copyoutBits;
  } else {
    descriptors = [];
  }
  const bits = MACH_MSGH_BITS_SET(replyType, destType, voucherType, kmsg.bits & ~MACH_MSGH_BITS_CIRCULAR);
  const msg: ReceivedMessage = {
    header: {
      msgh_bits: bits,
      msgh_size: kmsg.size,
      msgh_remote_port: replyName,
      msgh_local_port: destName,
      msgh_voucher_port: voucherName,
      msgh_id: kmsg.id,
    },
    descriptors,
    body: kmsg.body,
    size: kmsg.size,
    trailer: GET_RCV_ELEMENTS(option) === 0 ? NULL_TRAILER : buildTrailer(option, seqno, kmsg.sender, context),
  };
  copyoutStatus = mr;
  return msg;
}

/**
 * The trailer of a receive that asks for no trailer elements: only type and size (8),
 * the same for every message, so one frozen object serves them all
 * (xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_deflate_trailer writes nothing past the size).
 */
const NULL_TRAILER: MachMsgTrailer = Object.freeze(buildTrailer(0, 0, KERNEL_SENDER, 0n));

/** The mach_msg_return_t of the last copyoutMessage (MACH_MSG_SUCCESS, or body/header error bits). */
let copyoutStatus = MACH_MSG_SUCCESS;

/**
 * mach_msg_receive_error / ipc_kmsg_copyout_dest_to_user: the message is destroyed except
 * its destination right, and the receiver gets a bare 24-byte header (reply right
 * destroyed, so a send-once reply triggers a send-once notification) with a kernel
 * trailer (reference §2.7, S62).
 */
export function receiveErrorStub(task: EmulatedTask, kmsg: Kmsg, option: number, seqno: number, mr: number): CopyoutResult {
  const space = task.space;
  const dest = kmsg.dest as Port;
  const destType = MACH_MSGH_BITS_REMOTE(kmsg.bits);
  const replyType = MACH_MSGH_BITS_LOCAL(kmsg.bits);
  const voucherType = MACH_MSGH_BITS_VOUCHER(kmsg.bits);
  const destName = dest.active ? copyoutDest(space, dest, destType) : MACH_PORT_DEAD;
  kmsg.dest = null;
  const reply = kmsg.reply;
  let replyName = MACH_PORT_NULL;
  if (IP_VALID(reply)) objectDestroy(reply, replyType);
  else if (reply === IP_DEAD) replyName = MACH_PORT_DEAD;
  kmsg.reply = null;
  if (kmsg.descs !== null) cleanDescriptors(kmsg.descs, kmsg.descs.length);
  const msg: ReceivedMessage = {
    header: {
      msgh_bits: MACH_MSGH_BITS_SET(replyType, destType, voucherType, kmsg.bits & ~MACH_MSGH_BITS_CIRCULAR),
      msgh_size: MACH_MSG_HEADER_SIZE,
      msgh_remote_port: replyName,
      msgh_local_port: destName,
      msgh_voucher_port: MACH_PORT_NULL,
      msgh_id: kmsg.id,
    },
    descriptors: [],
    body: EMPTY,
    size: MACH_MSG_HEADER_SIZE,
    trailer: buildTrailer(option, seqno, KERNEL_SENDER, 0n),
  };
  return { msg, mr };
}

// ---------------------------------------------------------------------------
// Receive

/**
 * ipc_mqueue_copyin: the port or port set a receive names. Anything else is
 * MACH_RCV_INVALID_NAME, with the optional RCV_INVALID_NAME guard when the name exists
 * but never held a receive right (reference S61).
 */
export function mqueueCopyin(space: Space, name: number): Port | PortSet | number {
  if (!space.active) return MACH_RCV_INVALID_NAME;
  const entry = space.lookup(name);
  if (entry === undefined || entry.object === null) return MACH_RCV_INVALID_NAME;
  const obj = entry.object;
  if (obj.isSet) return (entry.bits & MACH_PORT_TYPE_PORT_SET) !== 0 && obj.active ? obj : MACH_RCV_INVALID_NAME;
  if (!obj.active) return MACH_RCV_INVALID_NAME;
  if ((entry.bits & MACH_PORT_TYPE_RECEIVE) !== 0) return obj;
  if ((entry.bits & IE_BITS_EX_RECEIVE) === 0) raiseGuard(space.kernel, name, kGUARD_EXC_RCV_INVALID_NAME);
  return MACH_RCV_INVALID_NAME;
}

/** The outcome of an immediate receive attempt (a shared record: read it before the next receive). */
export interface ReceiveAttempt {
  /** MACH_MSG_SUCCESS, MACH_RCV_TOO_LARGE, …; -1 when nothing is queued. */
  mr: number;
  /** The received message (also the stub for a destroyed too-large message). */
  msg: ReceivedMessage | null;
  /** Needed size for MACH_RCV_TOO_LARGE with MACH_RCV_LARGE. */
  size: number;
  /** The name of the port holding the too-large message (MACH_RCV_LARGE_IDENTITY). */
  localPort: number;
}

/**
 * ipc_mqueue_select_on_thread: take the next message of a port (or the round-robin next
 * member of a set). A message too large for rcvSize plus the trailer stays queued with
 * MACH_RCV_LARGE, and is otherwise dequeued and destroyed (reference S62–S64).
 */
export function receiveNow(task: EmulatedTask, obj: Port | PortSet, option: number, rcvSize: number, trailerSize: number): ReceiveAttempt {
  let port: Port | null;
  if (obj.isSet) port = psetFirstPrepost(obj);
  else port = obj.head !== null ? obj : null;
  if (port === null) return setAttempt(-1, null, 0, 0);
  const kmsg = port.head!;
  const tooLarge = rcvSize < kmsg.size + trailerSize;
  if (tooLarge && (option & MACH_RCV_LARGE) !== 0) return setAttempt(MACH_RCV_TOO_LARGE, null, kmsg.size, port.receiverName);
  port.dequeue();
  // counter_inc(&current_task()->messages_received), for a message taken off the queue,
  // too large or not (xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_select_on_thread_locked).
  task.messagesReceived++;
  const seqno = takeSeqno(port);
  if (obj.isSet) {
    obj.prepost.delete(port);
    if (port.msgcount > 0) obj.prepost.add(port);
  }
  const context = port.context;
  mqueueReleaseMsgcount(port);
  return finishMessage(task, kmsg, option, seqno, context, tooLarge ? MACH_RCV_TOO_LARGE : MACH_MSG_SUCCESS, rcvSize);
}

/** Copy out a dequeued message (or its too-large stub) into `task`. */
export function finishMessage(task: EmulatedTask, kmsg: Kmsg, option: number, seqno: number, context: bigint, state: number, rcvSize: number): ReceiveAttempt {
  if (state === MACH_RCV_TOO_LARGE) {
    const stub = receiveErrorStub(task, kmsg, option, seqno, MACH_RCV_TOO_LARGE);
    return setAttempt(rcvSize < MACH_MSG_HEADER_SIZE ? MACH_RCV_INVALID_DATA : MACH_RCV_TOO_LARGE, stub.msg, MACH_MSG_HEADER_SIZE, 0);
  }
  const msg = copyoutMessage(task, kmsg, option, seqno, context);
  return setAttempt(copyoutStatus, msg, msg.size, 0);
}

/** The one receive attempt in progress (the kernel runs one at a time): read it at once. */
const attempt: ReceiveAttempt = { mr: -1, msg: null, size: 0, localPort: 0 };

/**
 * The message of a receive attempt, taken out of the shared record, so that the record
 * does not keep the last received message (and its bodies and OOL regions) alive until
 * the next receive.
 */
export function takeMessage(a: ReceiveAttempt): ReceivedMessage | null {
  const msg = a.msg;
  a.msg = null;
  return msg;
}

/** Fill in and return the shared receive attempt. */
function setAttempt(mr: number, msg: ReceivedMessage | null, size: number, localPort: number): ReceiveAttempt {
  attempt.mr = mr;
  attempt.msg = msg;
  attempt.size = size;
  attempt.localPort = localPort;
  return attempt;
}

/**
 * The resolving functions of the promise being created. `new Promise(captureSettlers)` hands
 * them over without a closure per receive: the executor runs synchronously inside the
 * constructor, and the kernel runs one operation at a time.
 */
let capturedResolve: ((msg: ReceivedMessage) => void) | null = null;
let capturedReject: ((err: unknown) => void) | null = null;
function captureSettlers(resolve: (msg: ReceivedMessage) => void, reject: (err: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/**
 * A settled receive waiter kept for the next receive that blocks (a ping-pong blocks
 * once per message). Only a waiter that never had a timer or an abort listener, whose
 * closures could still refer to it, is kept.
 */
let spareWaiter: RcvWaiter | null = null;

/** Keep `w`, settled and referred to by nothing, as the spare waiter. */
function recycleReceiveWaiter(w: RcvWaiter): void {
  if (!w.recyclable) return;
  w.task = NO_TASK;
  w.object = NO_OBJECT;
  w.port = null;
  w.resolve = NO_RESOLVE;
  w.reject = NO_REJECT;
  spareWaiter = w;
}

/** Placeholders that let a spare waiter drop the references of its last receive. */
const NO_TASK = null as unknown as EmulatedTask;
const NO_OBJECT = null as unknown as Port | PortSet;
function NO_RESOLVE(): void {}
function NO_REJECT(): void {}

/** Park a receiver on `obj` (the caller checked there is nothing to receive now). */
export function blockReceiver(
  task: EmulatedTask,
  obj: Port | PortSet,
  option: number,
  timeout: number,
  rcvSize: number,
  trailerSize: number,
  signal: AbortSignal | null,
): Promise<ReceivedMessage> {
  const promise = new Promise<ReceivedMessage>(captureSettlers);
  let w = spareWaiter;
  if (w !== null) spareWaiter = null;
  else w = new RcvWaiter();
  w.start(task, obj, option, rcvSize, trailerSize, capturedResolve!, capturedReject!);
  capturedResolve = null;
  capturedReject = null;
  if (signal !== null || (option & MACH_RCV_TIMEOUT) !== 0) w.recyclable = false;
  const list = obj.rcvWaiters;
  if (list === null) obj.rcvWaiters = [w];
  else list.push(w);
  task.pendingReceives.add(w);
  if ((option & MACH_RCV_TIMEOUT) !== 0) armReceiveTimeout(w, timeout);
  if (signal !== null) armReceiveAbort(w, signal);
  return promise;
}

/** MACH_RCV_TIMEOUT: the waiter fails with MACH_RCV_TIMED_OUT unless settled first. */
function armReceiveTimeout(w: RcvWaiter, timeout: number): void {
  const kernel = w.task.kernel;
  armTimer(w, timeout, () => {
    if (w.done) return;
    w.unlink();
    kernel.enter(null);
    try {
      w.fail(MACH_RCV_TIMED_OUT);
    } finally {
      kernel.leave();
    }
  });
}

/** An abort signal rejects the receive with its reason unless settled first. */
function armReceiveAbort(w: RcvWaiter, signal: AbortSignal): void {
  w.signal = signal;
  w.onAbort = () => {
    if (w.done) return;
    w.done = true;
    w.disarm();
    w.unlink();
    w.task.pendingReceives.delete(w);
    w.reject(signal.reason);
  };
  signal.addEventListener('abort', w.onAbort, { once: true });
}

/** Settle a receive waiter the kernel handed a message or an error (runs after the operation that did it). */
export function finishWaiter(w: RcvWaiter): void {
  const task = w.task;
  task.pendingReceives.delete(w);
  if (w.kmsg === null) {
    if (w.state === MACH_RCV_TOO_LARGE) {
      const details: Record<string, unknown> = {};
      if (w.rcvSize >= 8) details.size = w.msize;
      if ((w.option & MACH_RCV_LARGE_IDENTITY) !== 0 && w.rcvSize >= 16 && w.port !== null) details.localPort = w.port.receiverName;
      w.reject(task.receiveError(MACH_RCV_TOO_LARGE, details));
      return;
    }
    w.reject(task.receiveError(w.state, {}));
    return;
  }
  if (!task.space.active) {
    task.kernel.destroyKmsg(w.kmsg);
    w.reject(task.receiveError(KERN_TERMINATED, {}));
    return;
  }
  const r = finishMessage(task, w.kmsg, w.option, w.seqno, w.context, w.state, w.rcvSize);
  w.kmsg = null;
  const msg = takeMessage(r);
  if (r.mr === MACH_MSG_SUCCESS) {
    w.resolve(msg!);
    recycleReceiveWaiter(w);
  } else {
    w.reject(task.receiveError(r.mr, { message: msg, size: r.size }));
  }
}

