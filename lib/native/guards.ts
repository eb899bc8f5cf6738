/**
 * Guard pre-checks for the native backend. Current macOS answers some misuse of Mach
 * port calls with an EXC_GUARD exception that kills the process: always for the codes up
 * to kGUARD_EXC_MSG_FILTERED (128) — destroying a guarded receive right, a wrong guard, a
 * raw message to a kernel object — and, for tasks whose guard policy makes the optional
 * codes fatal (hardened-runtime binaries such as the official Node.js builds), also for
 * deallocating an unknown name, mod_refs on the wrong right, an impossible uref delta, a
 * bad reply port or a bad right in a message, receiving on a send right…
 *
 * Before each such call {@link GuardChecks} looks at the name (mach_port_type,
 * mach_port_get_refs, MACH_PORT_RECEIVE_STATUS, mach_port_get_context, mach_port_kobject)
 * and, where XNU would raise a guard that is fatal for this task, throws the
 * {@link MachGuardError} the emulator throws, without making the call. Where the guard
 * would not be fatal, the call goes ahead and the kernel's return code is reported as
 * usual. The rules follow xnu-11417 (macOS 15): osfmk/ipc/mach_port.c (mach_port_destroy,
 * mach_port_deallocate_kernel, mach_port_mod_refs, mach_port_set_context,
 * mach_port_request_notification, mach_port_guard/unguard/destruct, mach_port_guard_with_flags,
 * mach_port_swap_guard, mach_port_peek), ipc_right.c
 * (ipc_right_dealloc, ipc_right_delta, ipc_right_destruct, ipc_right_copyin,
 * ipc_right_copyin_check_reply), ipc_object.c (ipc_object_translate_port_pset),
 * ipc_mqueue.c (ipc_mqueue_copyin), ipc_kmsg.c (header and descriptor copy-in) and
 * ipc_policy.c (the kernel-object rule, mach_port_guard_exception).
 *
 * One thing the kernel knows and user space cannot see is the entry bit recording that a
 * name once held a receive right (IE_BITS_EX_RECEIVE), which suppresses a few guards; the
 * checks here assume it is clear, so in those rare cases they refuse where the kernel
 * would only have returned an error.
 *
 * Each probe is a kernel call (mach_port_type, mach_port_get_attributes and mod_refs are
 * traps; mach_port_get_refs, mach_port_get_context and mach_port_kobject are MIG routines,
 * a message round trip into the kernel each), so the send and receive checks ask only
 * what can change the verdict: see {@link GuardChecks.send} and {@link GuardChecks.receive}.
 * Nothing is remembered between calls (the names are the kernel's, and other threads of
 * the task can change them at any time), except the strict guards this process set and
 * the process's IPC policy, which is fixed at exec.
 * @module
 */
import * as C from '../constants.js';
import { MachGuardError } from '../errors.js';
import type { MachMsgDescriptor, MachMsgHeader } from '../types.js';

/** 'hardened': the optional guard codes are fatal for this task too; 'default': only codes ≤ 128 are. */
export type GuardPolicy = 'hardened' | 'default';

/** The largest optional guard code (kGUARD_EXC_RCV_INVALID_NAME); codes above it are never fatal. */
export const MAX_OPTIONAL_kGUARD_EXC_CODE = C.kGUARD_EXC_RCV_INVALID_NAME;

/** TASK_EXC_GUARD_MP_FATAL (xnu:osfmk/mach/task_info.h): optional Mach port guards kill the task. */
export const TASK_EXC_GUARD_MP_FATAL = 0x80;

/** The policy a task_get_exc_guard_behavior word describes (unknown → 'hardened', the safe guess). */
export function policyFromBehavior(behavior: number | undefined): GuardPolicy {
  if (behavior === undefined) return 'hardened';
  return (behavior & TASK_EXC_GUARD_MP_FATAL) !== 0 ? 'hardened' : 'default';
}

/** Whether a guard of `reason` kills a task under `policy` (xnu:osfmk/ipc/ipc_policy.c:mach_port_guard_exception). */
export function guardIsFatal(reason: number, policy: GuardPolicy): boolean {
  if (reason <= C.kGUARD_EXC_MSG_FILTERED) return true;
  return policy === 'hardened' && reason <= MAX_OPTIONAL_kGUARD_EXC_CODE;
}

/** CS_RUNTIME (xnu:osfmk/kern/cs_blobs.h): the process runs under the hardened runtime. */
export const CS_RUNTIME = 0x0001_0000;
/** CS_PLATFORM_BINARY (xnu:osfmk/kern/cs_blobs.h): the process is a platform binary. */
export const CS_PLATFORM_BINARY = 0x0400_0000;

/**
 * Whether XNU's IPC policy marks this process MACH64_POLICY_HARDENED, which (among other
 * things) refuses a plain message to an mk_timer port with a fatal INVALID_OPTIONS guard
 * (xnu:osfmk/ipc/ipc_policy.c:ipc_validate_kmsg_dest_from_user). The kernel sets it for
 * CS_RUNTIME processes and for tasks with TFRO_PLATFORM or TFRO_HARDENED
 * (ipc_current_user_policy). TFRO_HARDENED is not visible from user space, but such tasks
 * get the hardened-binary exception-guard defaults
 * (xnu:osfmk/kern/task.c:task_set_exc_guard_ctrl_port_default), so a 'hardened' guard
 * policy counts too. Unknown code-signing flags (`undefined`) count as hardened, the safe
 * guess. None of these change after exec (csops refuses to set CS_RUNTIME:
 * xnu:bsd/kern/kern_proc.c:csops_internal, CS_OPS_SET_STATUS).
 */
export function ipcPolicyIsHardened(csFlags: number | undefined, policy: GuardPolicy): boolean {
  if (csFlags === undefined || policy === 'hardened') return true;
  return (csFlags & (CS_RUNTIME | CS_PLATFORM_BINARY)) !== 0;
}

/** What the checks may ask about a name. Each answer comes from one libSystem call. */
export interface PortProbe {
  /** mach_port_type, or undefined when the call fails (the name denotes nothing). */
  type(task: number, name: number): number | undefined;
  /** mach_port_get_refs for one right (0 when the call fails). */
  refs(task: number, name: number, right: number): number;
  /** MACH_PORT_RECEIVE_STATUS's mps_flags and mps_pdrequest, or undefined for a name without a receive right. */
  receiveStatus(task: number, name: number): { flags: number; pdrequest: number } | undefined;
  /** mach_port_get_context (0 for a strictly guarded port, whose guard the kernel hides), or undefined. */
  context(task: number, name: number): bigint | undefined;
  /** mach_port_kobject's IKOT_* type for a send or receive right, or undefined when the call fails. */
  kobjectType(task: number, name: number): number | undefined;
}

const ALL = C.MACH_PORT_TYPE_ALL_RIGHTS;
const SEND = C.MACH_PORT_TYPE_SEND;
const RECEIVE = C.MACH_PORT_TYPE_RECEIVE;
const SEND_ONCE = C.MACH_PORT_TYPE_SEND_ONCE;
const PORT_SET = C.MACH_PORT_TYPE_PORT_SET;
const DEAD = C.MACH_PORT_TYPE_DEAD_NAME;

function valid(name: number): boolean {
  return name !== C.MACH_PORT_NULL && name >>> 0 !== C.MACH_PORT_DEAD;
}

/**
 * The simulated state of one name while a message's rights are copied in, left to right.
 * `moves` counts the MOVE_SEND urefs taken from it so far; `urefs` is its send uref count,
 * asked of the kernel only when a moved name is looked at again (see GuardChecks.send).
 */
interface SimEntry {
  type: number;
  moves: number;
  urefs: number | undefined;
}

/** What a send's checks learned about the names it looked up. */
export interface SentNames {
  /** Whether the checks looked `name` up and found that the message leaves it a receive right. */
  keepsReceive(name: number): boolean;
}

class SimNames extends Map<number, SimEntry> implements SentNames {
  keepsReceive(name: number): boolean {
    const e = this.get(name);
    return e !== undefined && (e.type & RECEIVE) !== 0;
  }
}

/**
 * The pre-checks. `strictGuards` remembers the guard values this process set on strictly
 * guarded ports (the kernel hides them: mach_port_get_context answers 0), keyed
 * `task:name`; a strict guard we do not know is treated as not matching.
 */
export class GuardChecks {
  readonly strictGuards = new Map<string, bigint>();

  /**
   * @param probe answers questions about names, one kernel call each
   * @param policy whether the optional guard codes are fatal for this task
   * @param ipcHardened whether XNU's IPC policy marks the task hardened ({@link ipcPolicyIsHardened})
   */
  constructor(
    private readonly probe: PortProbe,
    readonly policy: GuardPolicy,
    readonly ipcHardened: boolean = true,
  ) {}

  /** Throw the guard error if a guard of `reason` would be fatal; otherwise let the call go ahead. */
  private raise(kr: number, reason: number, name: number, call: string): void {
    if (guardIsFatal(reason, this.policy)) throw new MachGuardError(kr, reason, name >>> 0, call);
  }

  private typeOf(task: number, name: number): number | undefined {
    const t = this.probe.type(task, name);
    return t === undefined ? undefined : t >>> 0;
  }

  private isGuarded(task: number, name: number): { guarded: boolean; strict: boolean; immovable: boolean; pdrequest: number } {
    const s = this.probe.receiveStatus(task, name);
    const flags = s?.flags ?? 0;
    return {
      guarded: (flags & C.MACH_PORT_STATUS_FLAG_GUARDED) !== 0,
      strict: (flags & C.MACH_PORT_STATUS_FLAG_STRICT_GUARD) !== 0,
      immovable: (flags & C.MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE) !== 0,
      pdrequest: s?.pdrequest ?? 0,
    };
  }

  /** The port's guard value as far as this process can know it (undefined: unknown). */
  private guardValue(task: number, name: number, strict: boolean): bigint | undefined {
    if (strict) return this.strictGuards.get(`${task >>> 0}:${name >>> 0}`);
    return this.probe.context(task, name);
  }

  /** mach_port_deallocate (xnu: mach_port_deallocate_kernel, ipc_right_dealloc). */
  deallocate(task: number, name: number): void {
    if (!valid(name)) return;
    const t = this.typeOf(task, name);
    if (t === undefined) return this.raise(C.KERN_INVALID_NAME, C.kGUARD_EXC_INVALID_NAME, name, 'mach_port_deallocate');
    if ((t & ALL) === RECEIVE) this.raise(C.KERN_INVALID_RIGHT, C.kGUARD_EXC_INVALID_RIGHT, name, 'mach_port_deallocate');
  }

  /** mach_port_destroy (xnu: mach_port_destroy, ipc_right_destroy with guard 0). */
  destroy(task: number, name: number): void {
    if (!valid(name)) return;
    const t = this.typeOf(task, name);
    if (t === undefined) return this.raise(C.KERN_INVALID_NAME, C.kGUARD_EXC_INVALID_NAME, name, 'mach_port_destroy');
    if ((t & RECEIVE) === 0) return;
    const g = this.isGuarded(task, name);
    if (!g.guarded) return;
    // The call passes guard 0: it matches only a non-strict guard whose value is 0.
    const value = this.guardValue(task, name, g.strict);
    if (g.strict || value !== 0n) this.raise(C.KERN_INVALID_RIGHT, C.kGUARD_EXC_DESTROY, name, 'mach_port_destroy');
  }

  /** mach_port_mod_refs (xnu: mach_port_mod_refs, ipc_right_delta). */
  modRefs(task: number, name: number, right: number, delta: number): void {
    const call = 'mach_port_mod_refs';
    if (right >>> 0 >= C.MACH_PORT_RIGHT_NUMBER || !valid(name)) return;
    const t = this.typeOf(task, name);
    if (t === undefined) return this.raise(C.KERN_INVALID_NAME, C.kGUARD_EXC_INVALID_NAME, name, call);
    const badRight = () => this.raise(C.KERN_INVALID_RIGHT, C.kGUARD_EXC_INVALID_RIGHT, name, call);
    const badValue = () => this.raise(C.KERN_INVALID_VALUE, C.kGUARD_EXC_INVALID_VALUE, name, call);
    const urefsOutOfRange = delta > C.MACH_PORT_UREFS_MAX || delta < -C.MACH_PORT_UREFS_MAX;
    switch (right) {
      case C.MACH_PORT_RIGHT_PORT_SET:
        if ((t & PORT_SET) === 0) return badRight();
        if (delta !== 0 && delta !== -1) return badValue();
        return;
      case C.MACH_PORT_RIGHT_RECEIVE:
        if ((t & RECEIVE) === 0) return badRight();
        if (delta === 0) return;
        if (delta !== -1) return badValue();
        if (this.isGuarded(task, name).guarded) this.raise(C.KERN_INVALID_RIGHT, C.kGUARD_EXC_DESTROY, name, call);
        return;
      case C.MACH_PORT_RIGHT_SEND_ONCE:
        if ((t & SEND_ONCE) === 0) return; // KERN_INVALID_RIGHT without a guard
        if (delta > 0 || delta < -1) return badValue();
        return;
      case C.MACH_PORT_RIGHT_DEAD_NAME: {
        // mach_port_type has already turned a right to a dead port into a dead name.
        if ((t & (SEND | SEND_ONCE)) !== 0 || (t & DEAD) === 0) return badRight();
        if (urefsOutOfRange) return badValue();
        const urefs = this.probe.refs(task, name, C.MACH_PORT_RIGHT_DEAD_NAME);
        if (urefs !== C.MACH_PORT_UREFS_MAX && delta < 0 && -delta > urefs) return badValue();
        return;
      }
      case C.MACH_PORT_RIGHT_SEND: {
        if ((t & SEND) === 0) {
          // No guard for a dead name, nor for +1 on a receive right (AE's old habit).
          if ((t & DEAD) === 0 && !((t & RECEIVE) !== 0 && delta === 1)) badRight();
          return;
        }
        if (urefsOutOfRange) return badValue();
        const urefs = this.probe.refs(task, name, C.MACH_PORT_RIGHT_SEND);
        if (urefs !== C.MACH_PORT_UREFS_MAX && delta < 0 && -delta > urefs) return badValue();
        return;
      }
      default:
        return; // LABELH: KERN_INVALID_RIGHT without a guard
    }
  }

  /** mach_port_set_context (a strictly guarded port's context is its guard). */
  setContext(task: number, name: number): void {
    if (!valid(name)) return;
    const t = this.typeOf(task, name);
    if (t === undefined || (t & RECEIVE) === 0) return;
    if (this.isGuarded(task, name).strict) this.raise(C.KERN_INVALID_ARGUMENT, C.kGUARD_EXC_SET_CONTEXT, name, 'mach_port_set_context');
  }

  /**
   * ipc_port_translate_receive's answer as a guard: an entry without a port or set (a dead
   * name; mach_port_type has just turned a send right to a dead port into one) is
   * KERN_INVALID_NAME, as ipc_right_lookup_read finds no object there
   * (xnu:osfmk/ipc/ipc_right.c:ipc_right_lookup_read); any other right that is not a
   * receive right is KERN_INVALID_RIGHT.
   */
  private receiveRightOrGuard(task: number, name: number, call: string): boolean {
    const t = this.typeOf(task, name);
    if (t === undefined || (t & (SEND | RECEIVE | SEND_ONCE | PORT_SET)) === 0) {
      this.raise(C.KERN_INVALID_NAME, C.kGUARD_EXC_INVALID_NAME, name, call);
      return false;
    }
    if ((t & RECEIVE) === 0) {
      this.raise(C.KERN_INVALID_RIGHT, C.kGUARD_EXC_INVALID_RIGHT, name, call);
      return false;
    }
    return true;
  }

  /** mach_port_guard and mach_port_guard_with_flags: only a receive right without a context can be guarded (xnu: mach_port_guard_locked). */
  guard(task: number, name: number, call: 'mach_port_guard' | 'mach_port_guard_with_flags' = 'mach_port_guard'): void {
    if (!valid(name) || !this.receiveRightOrGuard(task, name, call)) return;
    const g = this.isGuarded(task, name);
    const context = g.strict ? undefined : this.probe.context(task, name);
    if (g.guarded || context !== 0n) this.raise(C.KERN_INVALID_ARGUMENT, C.kGUARD_EXC_INVALID_ARGUMENT, name, call);
  }

  /** mach_port_unguard: the port must be guarded, with exactly this guard. */
  unguard(task: number, name: number, guard: bigint): void {
    const call = 'mach_port_unguard';
    if (!valid(name) || !this.receiveRightOrGuard(task, name, call)) return;
    const g = this.isGuarded(task, name);
    if (!g.guarded) return this.raise(C.KERN_INVALID_ARGUMENT, C.kGUARD_EXC_UNGUARDED, name, call);
    if (this.guardValue(task, name, g.strict) !== guard) this.raise(C.KERN_INVALID_ARGUMENT, C.kGUARD_EXC_INCORRECT_GUARD, name, call);
  }

  /**
   * mach_port_swap_guard: the port must be guarded, not strictly (whatever the guard
   * given), and with exactly `oldGuard`, checked in that order (xnu: mach_port_swap_guard).
   */
  swapGuard(task: number, name: number, oldGuard: bigint): void {
    const call = 'mach_port_swap_guard';
    if (!valid(name) || !this.receiveRightOrGuard(task, name, call)) return;
    const g = this.isGuarded(task, name);
    if (!g.guarded) return this.raise(C.KERN_INVALID_ARGUMENT, C.kGUARD_EXC_UNGUARDED, name, call);
    if (g.strict) return this.raise(C.KERN_INVALID_ARGUMENT, C.kGUARD_EXC_SET_CONTEXT, name, call);
    if (this.probe.context(task, name) !== oldGuard) this.raise(C.KERN_INVALID_ARGUMENT, C.kGUARD_EXC_INCORRECT_GUARD, name, call);
  }

  /**
   * mach_port_peek (xnu: mach_port_peek): a trailer past MACH_RCV_TRAILER_AUDIT is an
   * INVALID_VALUE guard, then a name that is not a receive right INVALID_NAME /
   * INVALID_RIGHT. All three are optional guards: nothing to probe unless they are fatal.
   */
  peek(task: number, name: number, trailerType: number): void {
    const call = 'mach_port_peek';
    if (this.policy !== 'hardened' || !valid(name)) return;
    if (C.GET_RCV_ELEMENTS(trailerType) > C.MACH_RCV_TRAILER_AUDIT) return this.raise(C.KERN_INVALID_VALUE, C.kGUARD_EXC_INVALID_VALUE, name, call);
    this.receiveRightOrGuard(task, name, call);
  }

  /** mach_port_destruct (xnu: ipc_right_destruct). */
  destruct(task: number, name: number, srdelta: number, guard: bigint): void {
    const call = 'mach_port_destruct';
    if (!valid(name)) return;
    const t = this.typeOf(task, name);
    if (t === undefined) return this.raise(C.KERN_INVALID_NAME, C.kGUARD_EXC_INVALID_NAME, name, call);
    if ((t & RECEIVE) === 0) return this.raise(C.KERN_INVALID_RIGHT, C.kGUARD_EXC_INVALID_RIGHT, name, call);
    if (srdelta !== 0 && (t & SEND) === 0) return this.raise(C.KERN_INVALID_RIGHT, C.kGUARD_EXC_INVALID_RIGHT, name, call);
    if (srdelta > 0) return this.raise(C.KERN_INVALID_VALUE, C.kGUARD_EXC_INVALID_VALUE, name, call);
    const g = this.isGuarded(task, name);
    if (g.guarded && this.guardValue(task, name, g.strict) !== guard) {
      return this.raise(C.KERN_INVALID_ARGUMENT, C.kGUARD_EXC_DESTROY, name, call);
    }
    if (srdelta < 0) {
      const urefs = this.probe.refs(task, name, C.MACH_PORT_RIGHT_SEND);
      if (-srdelta > urefs) this.raise(C.KERN_INVALID_VALUE, C.kGUARD_EXC_INVALID_VALUE, name, call);
    }
  }

  /** mach_port_request_notification: a second port-destroyed request is a KERN_FAILURE guard. */
  requestNotification(task: number, name: number, msgid: number, sync: number): void {
    if (msgid !== C.MACH_NOTIFY_PORT_DESTROYED || sync !== 0 || !valid(name)) return;
    const t = this.typeOf(task, name);
    if (t === undefined || (t & RECEIVE) === 0) return;
    if (this.isGuarded(task, name).pdrequest !== 0) {
      this.raise(C.KERN_FAILURE, C.kGUARD_EXC_KERN_FAILURE, name, 'mach_port_request_notification');
    }
  }

  /** insert_member, extract_member, move_member into a set (xnu: ipc_object_translate_port_pset). */
  member(task: number, name: number, pset: number, call: string): void {
    if (!valid(name) || !valid(pset)) return;
    const t = this.typeOf(task, name);
    const s = this.typeOf(task, pset);
    if (t === undefined || s === undefined) return; // KERN_INVALID_NAME without a guard
    if ((t & RECEIVE) === 0) return this.raise(C.KERN_INVALID_RIGHT, C.kGUARD_EXC_INVALID_RIGHT, name, call);
    if ((s & PORT_SET) === 0) this.raise(C.KERN_INVALID_RIGHT, C.kGUARD_EXC_INVALID_RIGHT, pset, call);
  }

  /**
   * A receive on `name` (xnu: ipc_mqueue_copyin): a name that exists but holds neither a
   * receive right nor a port set is a RCV_INVALID_NAME guard. Returns the name's type.
   */
  receive(task: number, name: number): number | undefined {
    const t = this.typeOf(task, name);
    if (t !== undefined && (t & (RECEIVE | PORT_SET)) === 0) {
      this.raise(C.MACH_RCV_INVALID_NAME, C.kGUARD_EXC_RCV_INVALID_NAME, name, 'mach_msg');
    }
    return t;
  }

  /**
   * The receive half of a `mach_msg(SEND | RCV)` whose send was just queued, with no other
   * JS run in between. When the send's checks looked `name` up and the message left it a
   * receive right, the receive cannot raise RCV_INVALID_NAME (xnu: ipc_mqueue_copyin
   * accepts any receive right), so no second mach_port_type is made. That answer is as old
   * as the send's probe: another thread of the task could destroy the receive right after
   * it, exactly as it could between a fresh probe and the receive. Otherwise this is
   * {@link GuardChecks.receive}.
   */
  receiveAfterSend(task: number, name: number, sent: SentNames | undefined): void {
    if (sent?.keepsReceive(name >>> 0)) return;
    this.receive(task, name);
  }

  /**
   * A send: the kernel-object rule on the destination (a plain mach_msg to a task, host,
   * thread… port is refused with a fatal INVALID_OPTIONS guard on macOS 13+), the reply
   * and voucher rights of the header, then every right the descriptors carry, in order,
   * as the kernel copies them in. Returns what it learned about the names it looked up
   * (their rights once the message is queued), or undefined when the kernel will refuse
   * the send with a plain error.
   *
   * The probes, per name: one mach_port_type (a trap), the first time the message names
   * it. mach_port_get_refs (MIG) only for a name that a MOVE_SEND already took a uref from
   * and that the message names again: ipc_right_copyin (xnu:osfmk/ipc/ipc_right.c) checks
   * a send right's urefs only against the number it moves, and an entry with the SEND bit
   * always has at least one (it asserts IE_BITS_UREFS > 0), so a first MOVE_SEND,
   * COPY_SEND, MAKE_SEND and MAKE_SEND_ONCE never depend on the count; only whether an
   * earlier move left the name a send right does. mach_port_kobject (MIG) on the
   * destination only when the answer can matter (see the kernel-object rule below).
   */
  send(task: number, header: MachMsgHeader, descriptors: readonly MachMsgDescriptor[] | undefined): SentNames | undefined {
    const bits = header.msgh_bits >>> 0;
    const sim = new SimNames();
    const entry = (name: number): SimEntry | undefined => {
      let e = sim.get(name);
      if (e === undefined) {
        const type = this.typeOf(task, name);
        if (type === undefined) return undefined;
        e = { type, moves: 0, urefs: undefined };
        sim.set(name, e);
      } else if (e.moves > 0 && (e.type & SEND) !== 0) {
        // Named again after a MOVE_SEND: does a send right remain? (urefs pegged at
        // MACH_PORT_UREFS_MAX are not decremented.)
        e.urefs ??= this.probe.refs(task, name, C.MACH_PORT_RIGHT_SEND);
        if (e.urefs !== C.MACH_PORT_UREFS_MAX && e.urefs <= e.moves) e.type &= ~SEND;
      }
      return e;
    };

    // Header validation (xnu: ipc_kmsg_copyin_header_validate). Only a bad voucher raises
    // a guard here; the other failures are plain MACH_SEND_INVALID_HEADER / _DEST.
    const dest = header.msgh_remote_port >>> 0;
    const destDisp = bits & C.MACH_MSGH_BITS_REMOTE_MASK;
    const reply = (header.msgh_local_port ?? 0) >>> 0;
    const replyDisp = (bits & C.MACH_MSGH_BITS_LOCAL_MASK) >>> 8;
    const voucher = (header.msgh_voucher_port ?? 0) >>> 0;
    const voucherDisp = (bits & C.MACH_MSGH_BITS_VOUCHER_MASK) >>> 16;
    if (replyDisp === 0 ? reply !== C.MACH_PORT_NULL : !C.MACH_MSG_TYPE_PORT_ANY_SEND(replyDisp)) return undefined;
    const badVoucher = () => this.raise(C.MACH_SEND_INVALID_VOUCHER, C.kGUARD_EXC_SEND_INVALID_VOUCHER, voucher, 'mach_msg');
    const voucherUsed = voucherDisp !== 0;
    if (voucherUsed && (voucher === C.MACH_PORT_DEAD || (voucherDisp !== C.MACH_MSG_TYPE_MOVE_SEND && voucherDisp !== C.MACH_MSG_TYPE_COPY_SEND))) {
      badVoucher();
      return undefined;
    }
    if (!C.MACH_MSG_TYPE_PORT_ANY_SEND(destDisp) || !valid(dest)) return undefined;

    // Header rights (xnu: ipc_kmsg_copyin_header_rights): voucher, destination, reply.
    if (voucherUsed && voucher !== C.MACH_PORT_NULL) {
      const v = entry(voucher);
      if (v === undefined || (v.type & SEND) === 0 || this.probe.kobjectType(task, voucher) !== C.IKOT_VOUCHER) {
        badVoucher();
        return undefined;
      }
    }
    const PORT_RIGHTS = C.MACH_PORT_TYPE_PORT_RIGHTS;
    const d = entry(dest);
    if (d === undefined || (d.type & PORT_RIGHTS) === 0) return undefined; // MACH_SEND_INVALID_DEST
    if (valid(reply)) {
      const r = entry(reply);
      if (r === undefined || (r.type & PORT_RIGHTS) === 0 || !this.copyin(r, replyDisp, true)) {
        this.raise(C.MACH_SEND_INVALID_REPLY, C.kGUARD_EXC_SEND_INVALID_REPLY, reply, 'mach_msg');
        return undefined;
      }
    }
    if (!this.copyin(d, destDisp, false)) return undefined; // MACH_SEND_INVALID_DEST
    const destType = d.type;
    this.consume(d, destDisp);
    if (valid(reply)) this.consume(sim.get(reply)!, replyDisp);

    // The kernel-object rule (xnu:osfmk/ipc/ipc_policy.c:ipc_validate_kmsg_dest_from_user):
    // the library mach_msg sends MACH64_SEND_MQ_CALL, which a kernel object refuses, except
    // an mk_timer port (IKOT_TIMER) from a task whose IPC policy is not hardened; the
    // refusal is the always-fatal INVALID_OPTIONS guard.
    // (mach_port_kobject answers for send and receive rights; a send-once right to a kernel
    // object is not something user code gets hold of.)
    //
    // A destination whose receive right is in this space needs no mach_port_kobject unless
    // the task is hardened: kernel objects are made by ipc_kobject_alloc_port, whose port
    // belongs to ipc_space_kernel (xnu:osfmk/kern/ipc_kobject.c), and a kernel port's
    // receive right never moves out (ipc_right_copyin refuses MOVE_RECEIVE of a kobject,
    // KERN_INVALID_CAPABILITY). The one port that is both is mk_timer's:
    // mk_timer_create_trap allocates the port in the caller's space and then upgrades it
    // with ipc_kobject_upgrade_mktimer_locked, the only other place a kobject type is set
    // (xnu:osfmk/kern/mk_timer.c). So such a destination is IKOT_NONE or IKOT_TIMER, and
    // both pass unless the task is hardened. (A name with both rights denotes one port.)
    const askKobject = (destType & RECEIVE) !== 0 ? this.ipcHardened : (destType & SEND) !== 0;
    if (askKobject) {
      const kotype = this.probe.kobjectType(task, dest);
      if (kotype !== undefined && kotype !== C.IKOT_NONE && (kotype !== C.IKOT_TIMER || this.ipcHardened)) {
        throw new MachGuardError(C.MACH_SEND_INVALID_OPTIONS, C.kGUARD_EXC_INVALID_OPTIONS, dest, 'mach_msg (a plain message to a kernel object)');
      }
    }

    if ((bits & C.MACH_MSGH_BITS_COMPLEX) === 0 || descriptors === undefined) return sim;
    const bad = (name: number) => {
      this.raise(C.MACH_SEND_INVALID_RIGHT, C.kGUARD_EXC_SEND_INVALID_RIGHT, name, 'mach_msg');
      return undefined;
    };
    const immovable = (name: number) => {
      this.raise(C.MACH_SEND_INVALID_RIGHT, C.kGUARD_EXC_IMMOVABLE, name, 'mach_msg');
      return undefined;
    };
    for (const desc of descriptors) {
      if (desc.type === C.MACH_MSG_PORT_DESCRIPTOR || desc.type === C.MACH_MSG_OOL_PORTS_DESCRIPTOR) {
        const names = desc.type === C.MACH_MSG_PORT_DESCRIPTOR ? [desc.name] : desc.names;
        const disp = desc.disposition;
        if (!C.MACH_MSG_TYPE_PORT_ANY(disp)) continue; // MACH_SEND_INVALID_TYPE, no guard
        for (const n of names) {
          const name = n >>> 0;
          if (!valid(name)) continue;
          const e = entry(name);
          if (e === undefined) continue; // KERN_INVALID_NAME → MACH_SEND_INVALID_RIGHT, no guard
          if (!this.copyin(e, disp, false)) return bad(name);
          if (disp === C.MACH_MSG_TYPE_MOVE_RECEIVE && this.isGuarded(task, name).immovable) {
            return immovable(name);
          }
          this.consume(e, disp);
        }
      } else if (desc.type === C.MACH_MSG_GUARDED_PORT_DESCRIPTOR) {
        const name = desc.name >>> 0;
        if (desc.disposition !== C.MACH_MSG_TYPE_MOVE_RECEIVE || !valid(name)) continue;
        const e = entry(name);
        if (e === undefined) continue;
        if (!this.copyin(e, C.MACH_MSG_TYPE_MOVE_RECEIVE, false)) return bad(name);
        const g = this.isGuarded(task, name);
        if (g.immovable) return immovable(name);
        const context = BigInt.asUintN(64, desc.context);
        const unguardedOk = (desc.flags & C.MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND) !== 0 && !g.guarded && context === 0n;
        const guardedOk = g.guarded && this.guardValue(task, name, g.strict) === context;
        if (!unguardedOk && !guardedOk) {
          this.raise(C.MACH_SEND_INVALID_RIGHT, C.kGUARD_EXC_INCORRECT_GUARD, name, 'mach_msg');
          return undefined;
        }
        this.consume(e, C.MACH_MSG_TYPE_MOVE_RECEIVE);
      }
    }
    return sim;
  }

  /** Would ipc_right_copyin accept `disp` from this entry? (dead names are accepted for send dispositions) */
  private copyin(e: SimEntry, disp: number, reply: boolean): boolean {
    const t = e.type;
    switch (disp) {
      case C.MACH_MSG_TYPE_MAKE_SEND:
      case C.MACH_MSG_TYPE_MAKE_SEND_ONCE:
        return (t & RECEIVE) !== 0;
      case C.MACH_MSG_TYPE_MOVE_RECEIVE:
        return !reply && (t & RECEIVE) !== 0;
      case C.MACH_MSG_TYPE_COPY_SEND:
        return (t & DEAD) !== 0 || (t & SEND) !== 0;
      case C.MACH_MSG_TYPE_MOVE_SEND:
        // `entry` has already cleared SEND when earlier moves took every uref.
        return (t & DEAD) !== 0 || (t & SEND) !== 0;
      case C.MACH_MSG_TYPE_MOVE_SEND_ONCE:
        return (t & DEAD) !== 0 || (t & SEND_ONCE) !== 0;
      default:
        return true; // not a right-carrying disposition: the kernel answers without a guard
    }
  }

  /** The entry after the kernel took `disp` from it. */
  private consume(e: SimEntry, disp: number): void {
    if ((e.type & DEAD) !== 0) return;
    if (disp === C.MACH_MSG_TYPE_MOVE_RECEIVE) e.type &= ~RECEIVE;
    else if (disp === C.MACH_MSG_TYPE_MOVE_SEND_ONCE) e.type &= ~SEND_ONCE;
    else if (disp === C.MACH_MSG_TYPE_MOVE_SEND) e.moves += 1;
  }
}
