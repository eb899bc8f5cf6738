/**
 * An emulated task: an IPC space plus the Mach-named API (MachApi) acting on it. Every
 * call takes a `task` name that must denote a send right to a task port in the caller's
 * space — usually mach_task_self(), or another task's port the caller holds, as on
 * Darwin. Calls on one's own task follow the libsyscall traps; calls on another task go
 * through the task port's MIG routine, which copies rights in and out of the caller's
 * space (xnu:osfmk/ipc/mach_kernelrpc.c; libsyscall/mach/mach_port.c).
 * @module
 */
import {
  IKOT_NONE,
  IKOT_TASK_CONTROL,
  EXC_MASK_VALID,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_CAPABILITY,
  KERN_INVALID_TASK,
  KERN_SUCCESS,
  KERN_TERMINATED,
  kGUARD_EXC_INVALID_OPTIONS,
  kGUARD_EXC_SEND_INVALID_RIGHT,
  KERN_INVALID_RIGHT,
  MACH_MSG_MASK,
  MACH_MSG_SUCCESS,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_PORT_SEND,
  MACH_MSG_TYPE_PORT_SEND_ONCE,
  MACH_MSGH_BITS_LOCAL_MASK,
  MACH_NOTIFY_SEND_ONCE,
  MACH_PORT_DEAD,
  MACH_PORT_DNREQUESTS_SIZE,
  MACH_PORT_INFO_EXT,
  MACH_PORT_INFO_EXT_COUNT,
  MACH_PORT_LIMITS_INFO,
  MACH_PORT_NULL,
  MACH_PORT_RECEIVE_STATUS,
  MACH_PORT_RECEIVE_STATUS_COUNT,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_PORT_TYPE_SEND_ONCE,
  MACH_PORT_VALID,
  MACH_RCV_LARGE_IDENTITY,
  MACH_RCV_MSG,
  MACH_RCV_TIMED_OUT,
  MACH_RCV_TIMEOUT,
  MACH_SEND_INTERRUPTED,
  MACH_SEND_INVALID_DATA,
  MACH_SEND_INVALID_DEST,
  MACH_SEND_INVALID_HEADER,
  MACH_SEND_INVALID_OPTIONS,
  MACH_SEND_INVALID_RIGHT,
  MACH_SEND_MSG,
  MACH_SEND_NO_BUFFER,
  MACH_SEND_TIMED_OUT,
  MIG_SERVER_DIED,
  MIG_TYPE_ERROR,
  REQUESTED_TRAILER_SIZE,
} from '../constants.js';
import { MachError, MachGuardError } from '../errors.js';
import type {
  AuditToken,
  HostInfoResult,
  HostStatistics64Result,
  mach_port_options_t,
  MachApi,
  MachMessage,
  MachMsgControl,
  PortAttributes,
  ExceptionPortsInfo,
  ipc_info_space_basic_t,
  PortDnrequestInfo,
  PortKobjectDescription,
  PortPeekResult,
  ReceivedMessage,
  TaskInfoResult,
} from '../types.js';
import type { GuardPolicy } from './guard.js';
import { raiseGuard } from './guard.js';
import type { Kernel } from './kernel.js';
import type { SenderIdentity } from './kmsg.js';
import { hostInfo, hostStatistics64, taskInfo } from './kobject/routines.js';
import { holdRight } from './kobject.js';
import { bootstrapCheckIn, bootstrapLookUp, bootstrapRegister } from './launchd/client.js';
import { blockReceiver, describe, mqueueCopyin, msgSend, receiveNow, type SendControl, takeMessage, u32 } from './mach-msg.js';
import {
  type KrValue,
  portAllocate,
  portConstruct,
  portDeallocate,
  portDestroy,
  portDestruct,
  portExtractMember,
  portExtractRight,
  portGetAttributes,
  portGetContext,
  portGetRefs,
  portGetSetStatus,
  portGetSrights,
  portGuard,
  portGuardWithFlags,
  portInsertMember,
  portInsertRight,
  portKobject,
  portModRefs,
  portMoveMember,
  portNames,
  portRequestNotification,
  portSetAttributes,
  portSetContext,
  portSetMscount,
  portSetSeqno,
  portSwapGuard,
  portType,
  portUnguard,
} from './mach-port.js';
import { portPeek } from './peek.js';
import { portDnrequestInfo, portKobjectDescription, spaceBasicInfo } from './mach-debug.js';
import { copySendSlot, specialPortSet, specialPortSource, TaskSpecialPorts } from './special-ports.js';
import { type ExceptionPortsGroups, groupExceptionPorts, setExceptionPorts, TaskExceptionPorts, validateExceptionPorts } from './exception-ports.js';
import { copyinType, objectCopyin, objectCopyout, objectDestroy, objectInsertSendRight } from './object.js';
import { IP_DEAD, IP_VALID, type Port, type PortRef } from './port.js';
import { CopyinResult, rightCheck, rightTerminate } from './right.js';
import { Space } from './space.js';
import { spaceInfo, type SpaceInfoEntry } from './space-info.js';
import { PendingList, type RcvWaiter, type SendWaiter } from './waiter.js';

/** The send controls without an abort signal, by kobjectCall | anyCall << 1 (shared, and unfrozen so that they keep the literal's hidden class: msgSend only reads them). */
const SEND_CONTROLS: readonly SendControl[] = [
  { kobjectCall: false, anyCall: false, signal: null },
  { kobjectCall: true, anyCall: false, signal: null },
  { kobjectCall: false, anyCall: true, signal: null },
  { kobjectCall: true, anyCall: true, signal: null },
];

/** What identifies a task. */
export interface TaskIdentity {
  name: string;
  pid: number;
  uid: number;
  gid: number;
  guardPolicy: GuardPolicy;
}

/** The routines whose MIG server converts the task port with convert_port_to_space_*_from_user. */
const FROM_USER = true;

/** A 64-bit context or guard value (bigint, or a safe non-negative integer number). */
function context64(v: unknown, what: string): bigint {
  if (typeof v === 'bigint') return BigInt.asUintN(64, v);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw new TypeError(`${what} must be a bigint, got ${describe(v)}`);
}

/** A 32-bit signed integer argument. */
function int32(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) {
    throw new TypeError(`${what} must be a 32-bit integer, got ${describe(v)}`);
  }
  return v | 0;
}

/** The checked JS arguments of task_set/swap_exception_ports. */
interface ExceptionArgs {
  mask: number;
  port: number;
  behavior: number;
  flavor: number;
}

/** exception_mask_t is unsigned; behavior and flavor are C ints, accepted signed or unsigned. */
function exceptionArgs(mask: unknown, port: unknown, behavior: unknown, flavor: unknown): ExceptionArgs {
  return { mask: u32(mask, 'exception_mask'), port: u32(port, 'new_port'), behavior: int32(behavior, 'behavior'), flavor: int32(flavor, 'new_flavor') };
}

function emptyExceptionPorts(): ExceptionPortsInfo {
  return { masks: [], old_handlers: [], old_behaviors: [], old_flavors: [] };
}

/** The default count of a mach_port_get_attributes flavor. */
function defaultCount(flavor: number): number {
  switch (flavor) {
    case MACH_PORT_RECEIVE_STATUS:
      return MACH_PORT_RECEIVE_STATUS_COUNT;
    case MACH_PORT_INFO_EXT:
      return MACH_PORT_INFO_EXT_COUNT;
    default:
      return 1;
  }
}

/** The words of a mach_port_set_attributes info value and their count. */
function attributeWords(flavor: number, info: unknown): number[] {
  if (Array.isArray(info)) return info.map((w, i) => int32(w, `info[${i}]`));
  if (typeof info === 'number') return [int32(info, 'info')];
  if (typeof info !== 'object' || info === null) throw new TypeError('mach_port_set_attributes: info must be an object or an array of words');
  const o = info as Record<string, unknown>;
  if (flavor === MACH_PORT_LIMITS_INFO) return [int32(o.mpl_qlimit, 'info.mpl_qlimit')];
  if (flavor === MACH_PORT_DNREQUESTS_SIZE) return [int32(o.count ?? 0, 'info.count')];
  if ('mpl_qlimit' in o) return [int32(o.mpl_qlimit, 'info.mpl_qlimit')];
  return [0];
}

/** Whether a send error left the message pseudo-received into the caller's buffer. */
function pseudoReceived(kr: number): boolean {
  const base = (kr & ~MACH_MSG_MASK) >>> 0;
  return base === MACH_SEND_TIMED_OUT || base === MACH_SEND_INTERRUPTED || base === MACH_SEND_NO_BUFFER;
}

/** One emulated task. */
export class EmulatedTask implements MachApi {
  /** This backend's name. */
  readonly backendName = 'emulator' as const;
  /** The kernel the task lives in. */
  readonly kernel: Kernel;
  /** The task's (process) name. */
  readonly name: string;
  /** Process id. */
  readonly pid: number;
  /** User id. */
  readonly uid: number;
  /** Group id. */
  readonly gid: number;
  /** Guard-exception policy. */
  readonly guardPolicy: GuardPolicy;
  /** The task's IPC space. */
  readonly space: Space;
  /** The identity put in the trailers of messages this task sends. */
  readonly sender: SenderIdentity;
  /** The address XNU would give the receive buffer (the guard of immovable receive rights received in guarded descriptors). */
  readonly receiveBufferAddress: bigint;
  /** Receives of this task waiting for a message. */
  readonly pendingReceives = new PendingList<RcvWaiter>();
  /** Sends of this task waiting for room. */
  readonly pendingSends = new PendingList<SendWaiter>();
  /** This task's bootstrap port (a send right to the emulated launchd). */
  bootstrap_port = MACH_PORT_NULL;
  /**
   * task->messages_sent (xnu:osfmk/kern/task.h), bumped by the kernel where XNU bumps it for
   * current_task(): each message this task posts to a port's queue (ipc_mqueue_post, also a
   * kernel object's reply to this task's request and a notification this task's call
   * generates), and each request it sends to a kernel object (ipc_kmsg_send, before the
   * server runs). TASK_EVENTS_INFO reports it.
   */
  messagesSent = 0;
  /**
   * task->messages_received: each message this task takes off a queue
   * (xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_select_on_thread_locked). As in XNU, a message
   * handed straight to a receive that was already waiting is not counted.
   */
  messagesReceived = 0;
  /**
   * True for the task that stands for this Node process (lib/emulator/process.ts): its
   * TASK_THREAD_TIMES_INFO is the process's CPU time.
   */
  standsForProcess = false;
  /** The kernel's send rights for the task's special ports (task_get_special_port). */
  readonly specialPorts = new TaskSpecialPorts();
  /** The kernel's send rights for the task's exception handlers (task_get_exception_ports). */
  readonly exceptionPorts = new TaskExceptionPorts();
  private taskPortRef: Port | null = null;
  private selfName = MACH_PORT_NULL;
  private migReplyName = MACH_PORT_NULL;
  private dead = false;

  /** A task of `kernel`; use kernel.createTask() rather than this constructor. */
  constructor(kernel: Kernel, identity: TaskIdentity) {
    this.kernel = kernel;
    this.name = identity.name;
    this.pid = identity.pid;
    this.uid = identity.uid;
    this.gid = identity.gid;
    this.guardPolicy = identity.guardPolicy;
    this.space = new Space(kernel, this, kernel.maxNames);
    const audit: AuditToken = Object.freeze({
      auid: identity.uid,
      euid: identity.uid,
      egid: identity.gid,
      ruid: identity.uid,
      rgid: identity.gid,
      pid: identity.pid,
      asid: 100000,
      pidversion: identity.pid,
    });
    this.sender = Object.freeze({ token: Object.freeze({ uid: identity.uid, gid: identity.gid }), audit });
    this.receiveBufferAddress = 0x16f000000n + BigInt(identity.pid) * 0x10000n;
  }

  /** Set the task port and its name in this space (done once by the kernel). */
  attach(port: Port, selfName: number): void {
    this.taskPortRef = port;
    this.selfName = selfName;
  }

  /** The task's own port (a kernel object, IKOT_TASK_CONTROL). */
  get taskPort(): Port {
    return this.taskPortRef!;
  }

  /** True once the task has terminated. */
  get terminated(): boolean {
    return this.dead;
  }

  // -------------------------------------------------------------------------
  // Call plumbing

  /** Throw KERN_TERMINATED for a call on a terminated task. */
  private alive(context: string): void {
    if (this.dead) throw new MachError(KERN_TERMINATED, context);
  }

  /**
   * The space a `task` argument names. Not a send right (or a dead one) →
   * MACH_SEND_INVALID_DEST, as the MIG send would fail; a kernel object that is not a
   * task → KERN_INVALID_TASK (KERN_INVALID_ARGUMENT for the *_from_user routines); an
   * ordinary port → the kernel refuses a kernel-object call to a message queue
   * (MACH_SEND_INVALID_OPTIONS with a fatal guard).
   */
  private target(taskName: number, fromUser: boolean): Space | number {
    const space = this.space;
    if (taskName === this.selfName && this.taskPortRef !== null && this.taskPortRef.active) {
      const e = space.lookup(taskName);
      if (e !== undefined && (e.bits & MACH_PORT_TYPE_SEND) !== 0 && e.object === this.taskPortRef) return space;
    }
    const entry = space.lookup(taskName);
    if (entry === undefined || (entry.bits & MACH_PORT_TYPE_SEND) === 0) return MACH_SEND_INVALID_DEST;
    const port = entry.object as Port;
    if (rightCheck(space, port, entry, false)) return MACH_SEND_INVALID_DEST;
    if (port.kobjectType === IKOT_TASK_CONTROL) {
      const t = port.kobject as EmulatedTask;
      return t.dead ? MACH_SEND_INVALID_DEST : t.space;
    }
    if (port.kobjectType !== IKOT_NONE) return fromUser ? KERN_INVALID_ARGUMENT : KERN_INVALID_TASK;
    raiseGuard(this.kernel, 0, kGUARD_EXC_INVALID_OPTIONS);
    return MACH_SEND_INVALID_OPTIONS;
  }

  /** Run a routine returning a kern_return_t on the space `taskName` names. */
  private run(context: string, taskName: unknown, fromUser: boolean, fn: (space: Space) => number): void {
    const t = u32(taskName, 'task');
    this.alive(context);
    const kernel = this.kernel;
    kernel.enter(this);
    let kr: number = KERN_SUCCESS;
    let guard = null;
    try {
      const space = this.target(t, fromUser);
      kr = typeof space === 'number' ? space : fn(space);
    } finally {
      guard = kernel.takeGuard();
      kernel.leave();
    }
    if (guard !== null) throw new MachGuardError(kr, guard.reason, guard.name, context);
    if (kr !== KERN_SUCCESS) throw new MachError(kr, context);
  }

  /** Run a routine returning a value on the space `taskName` names. */
  private value<T>(context: string, taskName: unknown, fromUser: boolean, fn: (space: Space) => KrValue<T>): T {
    let out: T | undefined;
    this.run(context, taskName, fromUser, (space) => {
      const r = fn(space);
      out = r.value;
      return r.kr;
    });
    return out as T;
  }

  /** The MachError (or MachGuardError) for a failed send; pseudo-received messages ride in details.message. */
  sendError(kr: number, msg: MachMessage): MachError {
    return new MachError(kr, 'mach_msg', pseudoReceived(kr) ? { message: msg } : {});
  }

  /** The MachError for a failed receive, with details (size, message, localPort). */
  receiveError(kr: number, details: Record<string, unknown>): MachError {
    return new MachError(kr, 'mach_msg', details);
  }

  // -------------------------------------------------------------------------
  // MachApi: names and rights

  /** mach_task_self(): the name of this task's send right to its own task port. */
  mach_task_self(): number {
    return this.selfName;
  }

  /**
   * mach_host_self(): a send right to the host port. Like host_self_trap, every call
   * copies out one more send right (the name's urefs grow).
   */
  mach_host_self(): number {
    this.alive('mach_host_self');
    return this.kernel.copyoutRight(this, this.kernel.hostPort, MACH_MSG_TYPE_MAKE_SEND);
  }

  /** mach_port_allocate: a new receive right, port set or dead name. */
  mach_port_allocate(task: number, right: number): number {
    const r = u32(right, 'right');
    return this.value('mach_port_allocate', task, !FROM_USER, (space) => portAllocate(space, r, false, 0));
  }

  /** mach_port_allocate_name: as mach_port_allocate, under a chosen name. */
  mach_port_allocate_name(task: number, right: number, name: number): void {
    const r = u32(right, 'right');
    const n = u32(name, 'name');
    this.run('mach_port_allocate_name', task, !FROM_USER, (space) => portAllocate(space, r, true, n).kr);
  }

  /** mach_port_deallocate: release one user reference. */
  mach_port_deallocate(task: number, name: number): void {
    const n = u32(name, 'name');
    this.run('mach_port_deallocate', task, !FROM_USER, (space) => portDeallocate(space, n));
  }

  /** mach_port_destroy: every right under the name goes. */
  mach_port_destroy(task: number, name: number): void {
    const n = u32(name, 'name');
    this.run('mach_port_destroy', task, !FROM_USER, (space) => portDestroy(space, n));
  }

  /** mach_port_mod_refs: change the user references of one right. */
  mach_port_mod_refs(task: number, name: number, right: number, delta: number): void {
    const n = u32(name, 'name');
    const r = u32(right, 'right');
    const d = int32(delta, 'delta');
    this.run('mach_port_mod_refs', task, !FROM_USER, (space) => portModRefs(space, n, r, d));
  }

  /** mach_port_get_refs: the user references of one right. */
  mach_port_get_refs(task: number, name: number, right: number): number {
    const n = u32(name, 'name');
    const r = u32(right, 'right');
    return this.value('mach_port_get_refs', task, !FROM_USER, (space) => portGetRefs(space, n, r));
  }

  /**
   * mach_port_insert_right: give the target space a right under `name`. `poly` is a name
   * in the caller's space, copied in with `polyPoly` (when the target is the caller's own
   * space, through the trap, with its fast path for name == poly).
   */
  mach_port_insert_right(task: number, name: number, poly: number, polyPoly: number): void {
    const n = u32(name, 'name');
    const p = u32(poly, 'poly');
    const pp = u32(polyPoly, 'polyPoly');
    const mine = this.space;
    this.run('mach_port_insert_right', task, !FROM_USER, (space) => {
      if (space === mine) {
        if (n === p && (pp === MACH_MSG_TYPE_MAKE_SEND || pp === MACH_MSG_TYPE_COPY_SEND)) return objectInsertSendRight(space, p, pp);
        const res = new CopyinResult();
        const kr = objectCopyin(space, p, pp, res, null);
        if (kr !== KERN_SUCCESS) return kr;
        return this.insertCopiedIn(space, n, res.port, copyinType(pp));
      }
      const right = this.copyinArgument(p, pp);
      if (typeof right === 'number') return right;
      return this.insertCopiedIn(space, n, right, copyinType(pp));
    });
  }

  /** The kernel half of insert_right: on failure the moved right is destroyed (reference §0.11). */
  private insertCopiedIn(space: Space, name: number, port: PortRef, type: number): number {
    const kr = portInsertRight(space, name, port, type);
    if (kr !== KERN_SUCCESS && IP_VALID(port)) objectDestroy(port, type);
    return kr;
  }

  /**
   * Copy in a right the caller names in a MIG request's port descriptor: a bad right is
   * the send's MACH_SEND_INVALID_RIGHT; null and dead names pass as they are.
   */
  private copyinArgument(name: number, disposition: number): PortRef | number {
    if (!MACH_PORT_VALID(name)) return name === MACH_PORT_NULL ? null : IP_DEAD;
    const res = new CopyinResult();
    const kr = objectCopyin(this.space, name, disposition, res, null);
    if (kr !== KERN_SUCCESS) {
      if (kr === KERN_INVALID_RIGHT) raiseGuard(this.kernel, name, kGUARD_EXC_SEND_INVALID_RIGHT);
      return MACH_SEND_INVALID_RIGHT;
    }
    return res.port;
  }

  /** Copy a right from a MIG reply into the caller's space (MACH_PORT_DEAD for dead ports). */
  private copyoutResult(port: PortRef, type: number): number {
    if (!IP_VALID(port)) return port === IP_DEAD ? MACH_PORT_DEAD : MACH_PORT_NULL;
    const r = objectCopyout(this.space, port, type, null);
    if (r >= 0x100) return r;
    return r === KERN_INVALID_CAPABILITY ? MACH_PORT_DEAD : MACH_PORT_NULL;
  }

  /** mach_port_extract_right: take a right out of the target space into the caller's. */
  mach_port_extract_right(task: number, name: number, msgt_name: number): { poly: number; polyPoly: number } {
    const n = u32(name, 'name');
    const m = u32(msgt_name, 'msgt_name');
    let out = { poly: MACH_PORT_NULL, polyPoly: 0 };
    this.run('mach_port_extract_right', task, !FROM_USER, (space) => {
      const r = portExtractRight(space, n, m);
      if (r.kr !== KERN_SUCCESS) return r.kr;
      out = { poly: this.copyoutResult(r.value.port, r.value.type), polyPoly: r.value.type };
      return KERN_SUCCESS;
    });
    return out;
  }

  /** mach_port_type: the name's rights (dead ports' rights converted; send-possible bits masked). */
  mach_port_type(task: number, name: number): number {
    const n = u32(name, 'name');
    return this.value('mach_port_type', task, !FROM_USER, (space) => portType(space, n));
  }

  /** mach_port_names: every name with its type, in increasing index order, as fresh Uint32Arrays. */
  mach_port_names(task: number): { names: Uint32Array; types: Uint32Array } {
    return this.value('mach_port_names', task, !FROM_USER, (space) => ({ kr: KERN_SUCCESS, value: portNames(space) }));
  }

  /** mach_port_move_member: put a receive right in exactly one set (or, with MACH_PORT_NULL, none). */
  mach_port_move_member(task: number, member: number, after: number): void {
    const m = u32(member, 'member');
    const a = u32(after, 'after');
    this.run('mach_port_move_member', task, !FROM_USER, (space) => portMoveMember(space, m, a));
  }

  /** mach_port_insert_member: add a set membership. */
  mach_port_insert_member(task: number, name: number, pset: number): void {
    const n = u32(name, 'name');
    const s = u32(pset, 'pset');
    this.run('mach_port_insert_member', task, !FROM_USER, (space) => portInsertMember(space, n, s));
  }

  /** mach_port_extract_member: drop a set membership. */
  mach_port_extract_member(task: number, name: number, pset: number): void {
    const n = u32(name, 'name');
    const s = u32(pset, 'pset');
    this.run('mach_port_extract_member', task, !FROM_USER, (space) => portExtractMember(space, n, s));
  }

  /** mach_port_get_set_status: the member names of a set, ascending. */
  mach_port_get_set_status(task: number, name: number): number[] {
    const n = u32(name, 'name');
    return this.value('mach_port_get_set_status', task, FROM_USER, (space) => portGetSetStatus(space, n));
  }

  /**
   * mach_port_request_notification: register the send-once right `notify` (made or moved
   * with `notifyPoly` from the caller's space) for `msgid` on `name`; returns the
   * previous send-once right's name in the caller's space, or MACH_PORT_NULL.
   */
  mach_port_request_notification(task: number, name: number, msgid: number, sync: number, notify: number, notifyPoly: number): number {
    const n = u32(name, 'name');
    const id = int32(msgid, 'msgid');
    const s = u32(sync, 'sync');
    const nt = u32(notify, 'notify');
    const np = u32(notifyPoly, 'notifyPoly');
    let previous = MACH_PORT_NULL;
    const mine = this.space;
    this.run('mach_port_request_notification', task, !FROM_USER, (space) => {
      let right: PortRef;
      if (copyinType(np) !== MACH_MSG_TYPE_PORT_SEND_ONCE) {
        // The trap refuses; the MIG server's type check refuses the descriptor.
        const r = this.copyinArgument(nt, np);
        if (typeof r === 'number') return r;
        if (IP_VALID(r)) objectDestroy(r, copyinType(np));
        return MIG_TYPE_ERROR;
      }
      if (space === mine) {
        if (MACH_PORT_VALID(nt)) {
          const res = new CopyinResult();
          const kr = objectCopyin(space, nt, np, res, null);
          if (kr !== KERN_SUCCESS) return kr;
          right = res.port;
        } else {
          right = nt === MACH_PORT_NULL ? null : IP_DEAD;
        }
      } else {
        const r = this.copyinArgument(nt, np);
        if (typeof r === 'number') return r;
        right = r;
      }
      const r = portRequestNotification(space, n, id, s, right);
      if (r.kr !== KERN_SUCCESS) {
        if (IP_VALID(right)) objectDestroy(right, MACH_MSG_TYPE_PORT_SEND_ONCE);
        return r.kr;
      }
      if (r.value !== null) previous = this.copyoutResult(r.value, MACH_MSG_TYPE_PORT_SEND_ONCE);
      return KERN_SUCCESS;
    });
    return previous;
  }

  /** mach_port_get_attributes: LIMITS_INFO, RECEIVE_STATUS, DNREQUESTS_SIZE, INFO_EXT. */
  mach_port_get_attributes(task: number, name: number, flavor: number, count?: number): PortAttributes {
    const n = u32(name, 'name');
    const f = int32(flavor, 'flavor');
    const c = count === undefined ? defaultCount(f) : Math.min(u32(count, 'count'), MACH_PORT_INFO_EXT_COUNT);
    return this.value('mach_port_get_attributes', task, FROM_USER, (space) => portGetAttributes(space, n, f, c)) as PortAttributes;
  }

  /** mach_port_set_attributes: LIMITS_INFO ({mpl_qlimit}) and the other settable flavors. */
  mach_port_set_attributes(task: number, name: number, flavor: number, info: PortAttributes): void {
    const n = u32(name, 'name');
    const f = int32(flavor, 'flavor');
    const words = attributeWords(f, info);
    this.run('mach_port_set_attributes', task, !FROM_USER, (space) => portSetAttributes(space, n, f, words, words.length));
  }

  /** mach_port_set_mscount. */
  mach_port_set_mscount(task: number, name: number, mscount: number): void {
    const n = u32(name, 'name');
    const m = u32(mscount, 'mscount');
    this.run('mach_port_set_mscount', task, !FROM_USER, (space) => portSetMscount(space, n, m));
  }

  /** mach_port_set_seqno. */
  mach_port_set_seqno(task: number, name: number, seqno: number): void {
    const n = u32(name, 'name');
    const s = u32(seqno, 'seqno');
    this.run('mach_port_set_seqno', task, !FROM_USER, (space) => portSetSeqno(space, n, s));
  }

  /** mach_port_get_context (0 for strictly guarded ports). */
  mach_port_get_context(task: number, name: number): bigint {
    const n = u32(name, 'name');
    return this.value('mach_port_get_context', task, FROM_USER, (space) => portGetContext(space, n));
  }

  /** mach_port_set_context. */
  mach_port_set_context(task: number, name: number, context: bigint): void {
    const n = u32(name, 'name');
    const c = context64(context, 'context');
    this.run('mach_port_set_context', task, !FROM_USER, (space) => portSetContext(space, n, c));
  }

  /** mach_port_construct: a receive right with options (guard, queue limit, send right, …). */
  mach_port_construct(task: number, options: mach_port_options_t, context: bigint): number {
    if (typeof options !== 'object' || options === null) throw new TypeError('mach_port_construct: options must be an object');
    const flags = u32(options.flags, 'options.flags');
    let qlimit = 0;
    if (options.mpl !== undefined) {
      if (typeof options.mpl !== 'object' || options.mpl === null) throw new TypeError('options.mpl must be an object');
      qlimit = u32(options.mpl.mpl_qlimit, 'options.mpl.mpl_qlimit');
    }
    const c = context64(context, 'context');
    const hardened = this.guardPolicy === 'hardened';
    return this.value('mach_port_construct', task, !FROM_USER, (space) => portConstruct(space, flags, qlimit, c, hardened));
  }

  /** mach_port_destruct: drop send references, then the (guarded) receive right. */
  mach_port_destruct(task: number, name: number, srdelta: number, guard: bigint): void {
    const n = u32(name, 'name');
    const d = int32(srdelta, 'srdelta');
    const g = context64(guard, 'guard');
    this.run('mach_port_destruct', task, !FROM_USER, (space) => portDestruct(space, n, d, g));
  }

  /** mach_port_guard. */
  mach_port_guard(task: number, name: number, guard: bigint, strict: boolean): void {
    const n = u32(name, 'name');
    const g = context64(guard, 'guard');
    if (typeof strict !== 'boolean') throw new TypeError('strict must be a boolean');
    this.run('mach_port_guard', task, !FROM_USER, (space) => portGuard(space, n, g, strict));
  }

  /** mach_port_unguard. */
  mach_port_unguard(task: number, name: number, guard: bigint): void {
    const n = u32(name, 'name');
    const g = context64(guard, 'guard');
    this.run('mach_port_unguard', task, !FROM_USER, (space) => portUnguard(space, n, g));
  }

  /** mach_port_guard_with_flags: mach_port_guard with MPG_STRICT / MPG_IMMOVABLE_RECEIVE flags. */
  mach_port_guard_with_flags(task: number, name: number, guard: bigint, flags: number): void {
    const n = u32(name, 'name');
    const g = context64(guard, 'guard');
    const f = u32(flags, 'flags');
    this.run('mach_port_guard_with_flags', task, !FROM_USER, (space) => portGuardWithFlags(space, n, g, f));
  }

  /** mach_port_swap_guard. */
  mach_port_swap_guard(task: number, name: number, old_guard: bigint, new_guard: bigint): void {
    const n = u32(name, 'name');
    const o = context64(old_guard, 'old_guard');
    const g = context64(new_guard, 'new_guard');
    this.run('mach_port_swap_guard', task, !FROM_USER, (space) => portSwapGuard(space, n, o, g));
  }

  /** mach_port_peek: a queued message's seqno, size, id and trailer, the queue left as it is. */
  mach_port_peek(task: number, name: number, trailer_type: number, seqno = 0): PortPeekResult {
    const n = u32(name, 'name');
    const t = u32(trailer_type, 'trailer_type');
    const s = u32(seqno, 'seqno');
    return this.value('mach_port_peek', task, !FROM_USER, (space) => portPeek(space, n, t, s)) as PortPeekResult;
  }

  /** mach_port_get_srights: the send rights in existence for a receive right's port. */
  mach_port_get_srights(task: number, name: number): number {
    const n = u32(name, 'name');
    return this.value('mach_port_get_srights', task, !FROM_USER, (space) => portGetSrights(space, n));
  }

  /** mach_port_kobject: the IKOT_* type of the kernel object behind a right (address 0). */
  mach_port_kobject(task: number, name: number): { object_type: number; object_addr: bigint } {
    const n = u32(name, 'name');
    const type = this.value('mach_port_kobject', task, FROM_USER, (space) => portKobject(space, n));
    return { object_type: type, object_addr: 0n };
  }

  /** mach_port_kobject_description: mach_port_kobject plus the kernel's description ('' for every object the emulator has). */
  mach_port_kobject_description(task: number, name: number): PortKobjectDescription {
    const n = u32(name, 'name');
    return this.value('mach_port_kobject_description', task, FROM_USER, (space) => portKobjectDescription(space, n));
  }

  /** mach_port_dnrequest_info: the receive right's request table size and the requests in use. */
  mach_port_dnrequest_info(task: number, name: number): PortDnrequestInfo {
    const n = u32(name, 'name');
    return this.value('mach_port_dnrequest_info', task, !FROM_USER, (space) => portDnrequestInfo(space, n));
  }

  /** mach_port_space_basic_info: the name table's size and the names in use. */
  mach_port_space_basic_info(task: number): ipc_info_space_basic_t {
    return this.value('mach_port_space_basic_info', task, !FROM_USER, (space) => spaceBasicInfo(space));
  }

  /**
   * task_get_special_port: a copy of one of the task's special port rights, copied out
   * into this task's space as a MIG reply's port is, so it joins a send right this task
   * already has for the port (xnu:osfmk/kern/ipc_tt.c:task_get_special_port_from_user,
   * task_get_special_port_internal; ipc_object.c:ipc_object_copyout). The emulator's task
   * control port is movable (itk_self is the control port itself), so TASK_KERNEL_PORT
   * gives mach_task_self()'s name for the caller's own task; for a task whose control port
   * is immovable, XNU hands out the movable control port instead, a separate port.
   */
  task_get_special_port(task: number, which_port: number): number {
    const which = int32(which_port, 'which_port');
    return this.value('task_get_special_port', task, FROM_USER, (space) => {
      const target = space.task!;
      const source = specialPortSource(target.specialPorts, which);
      if (source.kr !== KERN_SUCCESS) return { kr: source.kr, value: MACH_PORT_NULL };
      let right: PortRef;
      if (source.kobject === 'control') {
        right = target.taskPort;
        right.copySend();
      } else if (source.kobject === 'name') {
        right = this.kernel.taskNamePort(target);
        right.makeSend();
      } else {
        right = copySendSlot(source.slot!);
      }
      return { kr: KERN_SUCCESS, value: this.copyoutResult(right, MACH_MSG_TYPE_PORT_SEND) };
    });
  }

  /**
   * task_set_special_port: the request carries `special_port` as MIG's default
   * MACH_MSG_TYPE_COPY_SEND, so the caller keeps its right and the task holds a copy; a
   * refused request's copy is destroyed with it, and a replaced right released
   * (xnu:osfmk/kern/ipc_tt.c:task_set_special_port_from_user, task_set_special_port_internal).
   */
  task_set_special_port(task: number, which_port: number, special_port: number): void {
    const which = int32(which_port, 'which_port');
    const p = u32(special_port, 'special_port');
    this.run('task_set_special_port', task, FROM_USER, (space) => {
      const right = this.copyinArgument(p, MACH_MSG_TYPE_COPY_SEND);
      if (typeof right === 'number') return right;
      const { kr, old } = specialPortSet(space.task!.specialPorts, which, right);
      if (kr !== KERN_SUCCESS) {
        if (IP_VALID(right)) objectDestroy(right, MACH_MSG_TYPE_PORT_SEND);
        return kr;
      }
      // The stored right is in the kernel's custody, like the ones made at task creation.
      holdRight(right, MACH_MSG_TYPE_PORT_SEND);
      this.kernel.releaseRight(old, MACH_MSG_TYPE_PORT_SEND);
      return kr;
    });
  }

  /**
   * task_set_exception_ports: the request carries `new_port` as MACH_MSG_TYPE_COPY_SEND, so
   * the caller keeps its right; each exception type in the mask gets a send right of its
   * own (exception_port_copy_send), the request's copy is released and so are the rights
   * replaced (xnu:osfmk/kern/ipc_tt.c:task_set_exception_ports). Nothing is ever delivered:
   * the emulator has no threads to raise exceptions.
   */
  task_set_exception_ports(task: number, exception_mask: number, new_port: number, behavior: number, new_flavor: number): void {
    const args = exceptionArgs(exception_mask, new_port, behavior, new_flavor);
    this.run('task_set_exception_ports', task, FROM_USER, (space) => this.changeExceptionPorts(space, args, null));
  }

  /**
   * task_get_exception_ports: one entry per distinct (handler, behavior, flavor) over the
   * masked types, each handler a new send right copied out into this task's space as a
   * MIG reply's port array is, so one already held gains a uref under its name
   * (xnu:osfmk/kern/ipc_tt.c:task_get_exception_ports_internal).
   */
  task_get_exception_ports(task: number, exception_mask: number): ExceptionPortsInfo {
    const mask = u32(exception_mask, 'exception_mask');
    return this.value('task_get_exception_ports', task, FROM_USER, (space) => {
      if ((mask & ~EXC_MASK_VALID) !== 0) return { kr: KERN_INVALID_ARGUMENT, value: emptyExceptionPorts() };
      const groups = groupExceptionPorts(space.task!.exceptionPorts, mask, copySendSlot);
      return { kr: KERN_SUCCESS, value: this.copyoutExceptionPorts(groups) };
    });
  }

  /**
   * task_swap_exception_ports: task_set_exception_ports, returning the handlers replaced as
   * task_get_exception_ports groups them, read before each type is changed
   * (xnu:osfmk/kern/ipc_tt.c:task_swap_exception_ports).
   */
  task_swap_exception_ports(task: number, exception_mask: number, new_port: number, behavior: number, new_flavor: number): ExceptionPortsInfo {
    const args = exceptionArgs(exception_mask, new_port, behavior, new_flavor);
    let out = emptyExceptionPorts();
    this.run('task_swap_exception_ports', task, FROM_USER, (space) =>
      this.changeExceptionPorts(space, args, (groups) => {
        out = this.copyoutExceptionPorts(groups);
      }),
    );
    return out;
  }

  /** The shared body of set and swap: copy in, validate, read the old handlers for swap, store. */
  private changeExceptionPorts(space: Space, args: ExceptionArgs, swapped: ((groups: ExceptionPortsGroups) => void) | null): number {
    const right = this.copyinArgument(args.port, MACH_MSG_TYPE_COPY_SEND);
    if (typeof right === 'number') return right;
    const kr = validateExceptionPorts(args.mask, right, args.behavior, args.flavor);
    if (kr !== KERN_SUCCESS) {
      if (IP_VALID(right)) objectDestroy(right, MACH_MSG_TYPE_PORT_SEND);
      return kr;
    }
    const table = space.task!.exceptionPorts;
    const groups = swapped === null ? null : groupExceptionPorts(table, args.mask, copySendSlot);
    const old = setExceptionPorts(table, args.mask, right, args.behavior, args.flavor, (p) => {
      const copy = copySendSlot(p);
      // Each slot's right is in the kernel's custody, like the special ports'.
      holdRight(copy, MACH_MSG_TYPE_PORT_SEND);
      return copy;
    });
    for (const p of old) this.kernel.releaseRight(p, MACH_MSG_TYPE_PORT_SEND);
    if (IP_VALID(right)) objectDestroy(right, MACH_MSG_TYPE_PORT_SEND);
    if (groups !== null) swapped!(groups);
    return KERN_SUCCESS;
  }

  /** The reply's port array copied out, one send right each (MACH_PORT_DEAD for a dead handler). */
  private copyoutExceptionPorts(groups: ExceptionPortsGroups): ExceptionPortsInfo {
    return {
      masks: groups.masks,
      old_handlers: groups.ports.map((p) => this.copyoutResult(p, MACH_MSG_TYPE_PORT_SEND)),
      old_behaviors: groups.behaviors.map((b) => b | 0),
      old_flavors: groups.flavors.map((f) => f | 0),
    };
  }

  // -------------------------------------------------------------------------
  // MachApi: messages

  /**
   * mach_msg: send, receive, or send then receive. The send half runs synchronously
   * (copy-in, queueing); the returned promise stays pending while the send waits for
   * room or the receive waits for a message. Errors reject with MachError.
   */
  mach_msg(
    msg: MachMessage | undefined,
    option: number,
    rcv_name: number = MACH_PORT_NULL,
    timeout = 0,
    rcv_size?: number,
    control?: MachMsgControl,
  ): Promise<ReceivedMessage | undefined> {
    try {
      const opt = u32(option, 'option');
      const rcvName = u32(rcv_name, 'rcv_name');
      const tmo = u32(timeout, 'timeout');
      const rcvSize = rcv_size === undefined ? Number.POSITIVE_INFINITY : u32(rcv_size, 'rcv_size');
      let signal: AbortSignal | null = null;
      let kobjectCall = false;
      if (control !== undefined) {
        if (typeof control !== 'object' || control === null) throw new TypeError('mach_msg: control must be an object');
        if (control.signal !== undefined) {
          if (!(control.signal instanceof AbortSignal)) throw new TypeError('mach_msg: control.signal must be an AbortSignal');
          signal = control.signal;
        }
        if (control.kobjectCall !== undefined && typeof control.kobjectCall !== 'boolean') throw new TypeError('mach_msg: control.kobjectCall must be a boolean');
        kobjectCall = control.kobjectCall === true;
      }
      if ((opt & MACH_SEND_MSG) !== 0 && (typeof msg !== 'object' || msg === null)) throw new TypeError('mach_msg: MACH_SEND_MSG needs a message');
      this.alive('mach_msg');
      if (signal !== null && signal.aborted) return Promise.reject(signal.reason);
      if ((opt & MACH_SEND_MSG) !== 0) {
        const sent = this.send(msg!, opt, tmo, kobjectCall, false, signal);
        if (typeof sent !== 'number') {
          return (opt & MACH_RCV_MSG) !== 0 ? sent.then(() => this.receive(rcvName, opt, tmo, rcvSize, signal)) : sent.then(() => undefined);
        }
      }
      if ((opt & MACH_RCV_MSG) !== 0) return this.receive(rcvName, opt, tmo, rcvSize, signal);
      return Promise.resolve(undefined);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The synchronous send half: throws on failure, returns MACH_MSG_SUCCESS or a promise while blocked. */
  private send(msg: MachMessage, option: number, timeout: number, kobjectCall: boolean, anyCall: boolean, signal: AbortSignal | null): number | Promise<void> {
    const kernel = this.kernel;
    kernel.enter(this);
    let out: number | Promise<void> = MACH_MSG_SUCCESS;
    let guard = null;
    try {
      const control = signal === null ? SEND_CONTROLS[(kobjectCall ? 1 : 0) | (anyCall ? 2 : 0)]! : { kobjectCall, anyCall, signal };
      out = msgSend(this, msg, option, timeout, control);
    } finally {
      guard = kernel.takeGuard();
      kernel.leave();
    }
    const kr = typeof out === 'number' ? out : MACH_MSG_SUCCESS;
    if (guard !== null) throw new MachGuardError(kr, guard.reason, guard.name, 'mach_msg');
    if (kr !== MACH_MSG_SUCCESS) throw this.sendError(kr, msg);
    return out;
  }

  /** The receive half: settles at once when a message (or an error) is there, else waits. */
  private receive(rcvName: number, option: number, timeout: number, rcvSize: number, signal: AbortSignal | null): Promise<ReceivedMessage> {
    const kernel = this.kernel;
    if (this.dead) return Promise.reject(new MachError(KERN_TERMINATED, 'mach_msg'));
    if (signal !== null && signal.aborted) return Promise.reject(signal.reason);
    kernel.enter(this);
    let result: Promise<ReceivedMessage>;
    let guard = null;
    let kr = MACH_MSG_SUCCESS;
    try {
      const obj = mqueueCopyin(this.space, rcvName);
      const trailerSize = REQUESTED_TRAILER_SIZE(option);
      if (typeof obj === 'number') {
        kr = obj;
        result = Promise.reject(this.receiveError(obj, {}));
      } else {
        const a = receiveNow(this, obj, option, rcvSize, trailerSize);
        const msg = takeMessage(a);
        if (a.mr === -1) {
          if ((option & MACH_RCV_TIMEOUT) !== 0 && timeout === 0) result = Promise.reject(this.receiveError(MACH_RCV_TIMED_OUT, {}));
          else result = blockReceiver(this, obj, option, timeout, rcvSize, trailerSize, signal);
        } else if (a.mr === MACH_MSG_SUCCESS) {
          result = Promise.resolve(msg!);
        } else {
          const details: Record<string, unknown> = {};
          if (msg !== null) {
            details.message = msg;
            details.size = a.size;
          } else {
            if (rcvSize >= 8) details.size = a.size;
            if ((option & MACH_RCV_LARGE_IDENTITY) !== 0 && rcvSize >= 16) details.localPort = a.localPort;
          }
          result = Promise.reject(this.receiveError(a.mr, details));
        }
      }
    } finally {
      guard = kernel.takeGuard();
      kernel.leave();
    }
    if (guard !== null) {
      result.catch(() => undefined);
      return Promise.reject(new MachGuardError(kr, guard.reason, guard.name, 'mach_msg'));
    }
    return result;
  }

  /**
   * Send `request` as a kernel-object call through this task's private MIG reply port
   * (MAKE_SEND_ONCE, allocated once as libSystem's per-thread MIG reply port) and return
   * the reply synchronously. Throws MachError when the send fails, when the destination
   * is not served synchronously (a message queue), and MIG_SERVER_DIED when the reply is
   * a send-once notification (the request was destroyed unanswered).
   */
  kernelCall(request: MachMessage): ReceivedMessage {
    if (typeof request !== 'object' || request === null || typeof request.header !== 'object' || request.header === null) {
      throw new TypeError('kernelCall: request must be a message');
    }
    this.alive('kernelCall');
    const kernel = this.kernel;
    const replyName = this.migReplyPort();
    const replyPort = (this.space.lookup(replyName)!.object as Port);
    // Anything left on the reply port by an earlier call (a late notification) is received
    // and thrown away, as a MIG stub's mach_msg_destroy would. Receiving into no buffer
    // takes XNU's too-large path: the destination right is consumed as at copy-out, without
    // a notification, and the rest is destroyed (xnu:osfmk/ipc/ipc_kmsg.c:
    // ipc_kmsg_copyout_dest_to_user). Destroying the message undelivered instead would
    // notify its send-once destination, this very port, again and again.
    kernel.enter(this);
    try {
      while (replyPort.head !== null) takeMessage(receiveNow(this, replyPort, 0, 0, 0));
    } finally {
      kernel.leave();
    }
    const remote = u32(request.header.msgh_remote_port, 'msgh_remote_port');
    const entry = this.space.lookup(remote);
    if (entry !== undefined && entry.object !== null && entry.object.active && (entry.bits & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE)) !== 0) {
      const dest = entry.object as Port;
      if (!dest.inKernel) throw new MachError(MACH_SEND_INVALID_OPTIONS, 'kernelCall: the destination is not served synchronously');
    }
    const msg: MachMessage = {
      header: {
        ...request.header,
        msgh_bits: ((request.header.msgh_bits & ~MACH_MSGH_BITS_LOCAL_MASK) | (MACH_MSG_TYPE_MAKE_SEND_ONCE << 8)) >>> 0,
        msgh_local_port: replyName,
      },
      descriptors: request.descriptors,
      body: request.body,
    };
    try {
      this.send(msg, MACH_SEND_MSG | MACH_RCV_MSG, 0, true, true, null);
    } catch (e) {
      if (e instanceof MachError) this.migSendFailed(e.kr, replyPort);
      throw e;
    }
    kernel.enter(this);
    let mr: number;
    let reply: ReceivedMessage | null;
    try {
      // The attempt record is shared: read it before leaving the kernel.
      const got = receiveNow(this, replyPort, 0, Number.POSITIVE_INFINITY, 8);
      mr = got.mr;
      reply = takeMessage(got);
    } finally {
      kernel.leave();
    }
    if (mr === -1) throw new MachError(MACH_RCV_TIMED_OUT, 'kernelCall: no reply');
    if (reply !== null && reply.header.msgh_id === MACH_NOTIFY_SEND_ONCE) throw new MachError(MIG_SERVER_DIED, 'kernelCall');
    if (mr !== MACH_MSG_SUCCESS) throw new MachError(mr, 'kernelCall', { message: reply });
    return reply!;
  }

  /**
   * Send `msg` as a plain MACH_SEND_MSG (no receive, the header's reply port as the caller
   * wrote it) to a destination this task's kernel serves synchronously — a kernel object,
   * or an in-kernel service such as notifyd — and return the mach_msg_return_t:
   * MACH_MSG_SUCCESS, or the send's error code (the message's rights then handled as
   * mach_msg's send half handles them). A simpleroutine is sent this way (libnotify's
   * notify_post, notify_cancel, …): served before the call returns, no reply expected.
   * A destination that is a message queue is refused with MachError
   * MACH_SEND_INVALID_OPTIONS before anything is copied in, as kernelCall refuses it, so
   * the send can never block; a name that is not a send right is the send's own error
   * (MACH_SEND_INVALID_DEST for a dead name, _RIGHT, …). A fatal guard exception the send
   * raised throws MachGuardError, as mach_msg.
   */
  kernelSend(msg: MachMessage): number {
    if (typeof msg !== 'object' || msg === null || typeof msg.header !== 'object' || msg.header === null) {
      throw new TypeError('kernelSend: msg must be a message');
    }
    this.alive('kernelSend');
    const remote = u32(msg.header.msgh_remote_port, 'msgh_remote_port');
    const entry = this.space.lookup(remote);
    if (entry !== undefined && entry.object !== null && entry.object.active && (entry.bits & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE)) !== 0) {
      const dest = entry.object as Port;
      if (!dest.inKernel) throw new MachError(MACH_SEND_INVALID_OPTIONS, 'kernelSend: the destination is not served synchronously');
    }
    const kernel = this.kernel;
    kernel.enter(this);
    let out: number | Promise<void>;
    let guard = null;
    try {
      // anyCall: the emulator's own stub, neither a kernel-object call nor an ordinary send
      // as far as the kernel-object / message-queue policy goes.
      out = msgSend(this, msg, MACH_SEND_MSG, 0, SEND_CONTROLS[2]!);
    } finally {
      guard = kernel.takeGuard();
      kernel.leave();
    }
    // An in-kernel destination never makes the sender wait.
    if (typeof out !== 'number') throw new Error('kernelSend: the send blocked');
    if (guard !== null) throw new MachGuardError(out, guard.reason, guard.name, 'kernelSend');
    return out;
  }

  /**
   * A MIG stub's send failed: unless the message never got past the header checks
   * (MACH_SEND_INVALID_DATA / _DEST / _HEADER: the reply port is untouched and kept, as
   * mig_put_reply_port does), libsystem's stub gives up the reply port
   * (mig_dealloc_reply_port), which also drops a send-once notification the failed send
   * left on it (S70). The next call allocates a fresh one.
   */
  private migSendFailed(kr: number, replyPort: Port): void {
    if (kr === MACH_SEND_INVALID_DATA || kr === MACH_SEND_INVALID_DEST || kr === MACH_SEND_INVALID_HEADER) return;
    const name = this.migReplyName;
    this.migReplyName = MACH_PORT_NULL;
    const e = this.dead ? undefined : this.space.lookup(name);
    if (e === undefined || e.object !== replyPort || (e.bits & MACH_PORT_TYPE_RECEIVE) === 0) return;
    try {
      this.mach_port_mod_refs(this.selfName, name, MACH_PORT_RIGHT_RECEIVE, -1);
    } catch {
      // The name is the task's own; whatever it did to it, the call's error is what matters.
    }
  }

  /** This task's MIG reply port (a receive right in its space), allocated on first use. */
  private migReplyPort(): number {
    const e = this.migReplyName !== MACH_PORT_NULL ? this.space.lookup(this.migReplyName) : undefined;
    if (e !== undefined && e.object !== null && e.object.active && (e.bits & MACH_PORT_TYPE_RECEIVE) !== 0) return this.migReplyName;
    this.migReplyName = this.mach_port_allocate(this.selfName, MACH_PORT_RIGHT_RECEIVE);
    return this.migReplyName;
  }

  // -------------------------------------------------------------------------
  // MachApi: services

  /** bootstrap_check_in through the emulated launchd. */
  bootstrap_check_in(bp: number, service_name: string): number {
    return bootstrapCheckIn(this, bp, service_name);
  }

  /** bootstrap_look_up through the emulated launchd. */
  bootstrap_look_up(bp: number, service_name: string): number {
    return bootstrapLookUp(this, bp, service_name);
  }

  /** bootstrap_register through the emulated launchd. */
  bootstrap_register(bp: number, service_name: string, sp: number): void {
    bootstrapRegister(this, bp, service_name, sp);
  }

  /** host_info as a MIG call to the host port (typed by flavor, see MachApi.host_info). */
  host_info<F extends number>(host: number, flavor: F): HostInfoResult<F> {
    return hostInfo(this, host, flavor);
  }

  /** host_statistics64 as a MIG call to the host port (typed by flavor). */
  host_statistics64<F extends number>(host: number, flavor: F): HostStatistics64Result<F> {
    return hostStatistics64(this, host, flavor);
  }

  /** task_info as a MIG call to a task port (typed by flavor). */
  task_info<F extends number>(task: number, flavor: F): TaskInfoResult<F> {
    return taskInfo(this, task, flavor);
  }

  // -------------------------------------------------------------------------
  // Introspection and termination

  /** Every name of the space with its rights and port state (for lsmp). Linear in names. */
  spaceInfo(): SpaceInfoEntry[] {
    return spaceInfo(this);
  }

  /**
   * Terminate the task as XNU does: its blocked calls settle (KERN_TERMINATED), its space
   * is torn down — receive rights first, then the rest (reference S99) — and its task
   * port dies. Idempotent.
   */
  terminate(): void {
    if (this.dead) return;
    const kernel = this.kernel;
    kernel.enter(null);
    try {
      this.dead = true;
      for (const w of [...this.pendingSends]) {
        if (w.done) continue;
        w.done = true;
        w.disarm();
        w.unlink();
        kernel.destroyKmsg(w.kmsg);
        w.reject(new MachError(KERN_TERMINATED, 'mach_msg'));
      }
      this.pendingSends.clear();
      for (const w of [...this.pendingReceives]) {
        if (w.done) continue;
        w.done = true;
        w.disarm();
        w.unlink();
        w.reject(new MachError(KERN_TERMINATED, 'mach_msg'));
      }
      this.pendingReceives.clear();
      const space = this.space;
      space.active = false;
      const entries = space.entries();
      for (const e of entries) if ((e.bits & MACH_PORT_TYPE_RECEIVE) !== 0) rightTerminate(space, e);
      for (const e of entries) if ((e.bits & MACH_PORT_TYPE_RECEIVE) === 0) rightTerminate(space, e);
      space.retire();
      const port = this.taskPortRef;
      if (port !== null && port.active) port.destroy();
      // ipc_task_terminate releases the special port rights and destroys the name port.
      const special = this.specialPorts;
      for (const right of special.held()) kernel.releaseRight(right, MACH_MSG_TYPE_PORT_SEND);
      special.host = special.bootstrap = special.access = special.debugControl = null;
      if (special.namePort !== null && special.namePort.active) special.namePort.destroy();
      // ipc_task_terminate releases the exception handlers' send rights too.
      for (const right of this.exceptionPorts.held()) kernel.releaseRight(right, MACH_MSG_TYPE_PORT_SEND);
      this.exceptionPorts.clear();
      kernel.taskTerminated(this);
    } finally {
      kernel.leave();
    }
  }
}

