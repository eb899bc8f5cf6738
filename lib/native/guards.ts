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
 * mach_port_request_notification, mach_port_guard/unguard/destruct), ipc_right.c
 * (ipc_right_dealloc, ipc_right_delta, ipc_right_destruct, ipc_right_copyin,
 * ipc_right_copyin_check_reply), ipc_object.c (ipc_object_translate_port_pset),
 * ipc_mqueue.c (ipc_mqueue_copyin), ipc_kmsg.c (header and descriptor copy-in) and
 * ipc_policy.c (the kernel-object rule, mach_port_guard_exception).
 *
 * One thing the kernel knows and user space cannot see is the entry bit recording that a
 * name once held a receive right (IE_BITS_EX_RECEIVE), which suppresses a few guards; the
 * checks here assume it is clear, so in those rare cases they refuse where the kernel
 * would only have returned an error.
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

/** The simulated state of one name while a message's rights are copied in, left to right. */
interface SimEntry {
  type: number;
  sendRefs: number;
}

/**
 * The pre-checks. `strictGuards` remembers the guard values this process set on strictly
 * guarded ports (the kernel hides them: mach_port_get_context answers 0), keyed
 * `task:name`; a strict guard we do not know is treated as not matching.
 */
export class GuardChecks {
  readonly strictGuards = new Map<string, bigint>();

  constructor(
    private readonly probe: PortProbe,
    readonly policy: GuardPolicy,
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

  private receiveRightOrGuard(task: number, name: number, call: string): boolean {
    const t = this.typeOf(task, name);
    if (t === undefined) {
      this.raise(C.KERN_INVALID_NAME, C.kGUARD_EXC_INVALID_NAME, name, call);
      return false;
    }
    if ((t & RECEIVE) === 0) {
      this.raise(C.KERN_INVALID_RIGHT, C.kGUARD_EXC_INVALID_RIGHT, name, call);
      return false;
    }
    return true;
  }

  /** mach_port_guard: only a receive right without a context can be guarded. */
  guard(task: number, name: number): void {
    const call = 'mach_port_guard';
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
   * A send: the kernel-object rule on the destination (a plain mach_msg to a task, host,
   * thread… port is refused with a fatal INVALID_OPTIONS guard on macOS 13+), the reply
   * and voucher rights of the header, then every right the descriptors carry, in order,
   * as the kernel copies them in.
   */
  send(task: number, header: MachMsgHeader, descriptors: readonly MachMsgDescriptor[] | undefined): void {
    const bits = header.msgh_bits >>> 0;
    const sim = new Map<number, SimEntry>();
    const entry = (name: number): SimEntry | undefined => {
      let e = sim.get(name);
      if (e === undefined) {
        const type = this.typeOf(task, name);
        if (type === undefined) return undefined;
        const sendRefs = (type & SEND) !== 0 ? this.probe.refs(task, name, C.MACH_PORT_RIGHT_SEND) : 0;
        e = { type, sendRefs };
        sim.set(name, e);
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
    if (replyDisp === 0 ? reply !== C.MACH_PORT_NULL : !C.MACH_MSG_TYPE_PORT_ANY_SEND(replyDisp)) return;
    const badVoucher = () => this.raise(C.MACH_SEND_INVALID_VOUCHER, C.kGUARD_EXC_SEND_INVALID_VOUCHER, voucher, 'mach_msg');
    const voucherUsed = voucherDisp !== 0;
    if (voucherUsed && (voucher === C.MACH_PORT_DEAD || (voucherDisp !== C.MACH_MSG_TYPE_MOVE_SEND && voucherDisp !== C.MACH_MSG_TYPE_COPY_SEND))) {
      return badVoucher();
    }
    if (!C.MACH_MSG_TYPE_PORT_ANY_SEND(destDisp) || !valid(dest)) return;

    // Header rights (xnu: ipc_kmsg_copyin_header_rights): voucher, destination, reply.
    if (voucherUsed && voucher !== C.MACH_PORT_NULL) {
      const v = entry(voucher);
      if (v === undefined || (v.type & SEND) === 0 || this.probe.kobjectType(task, voucher) !== C.IKOT_VOUCHER) return badVoucher();
    }
    const PORT_RIGHTS = C.MACH_PORT_TYPE_PORT_RIGHTS;
    const d = entry(dest);
    if (d === undefined || (d.type & PORT_RIGHTS) === 0) return; // MACH_SEND_INVALID_DEST
    if (valid(reply)) {
      const r = entry(reply);
      if (r === undefined || (r.type & PORT_RIGHTS) === 0 || !this.copyin(r, replyDisp, true)) {
        return this.raise(C.MACH_SEND_INVALID_REPLY, C.kGUARD_EXC_SEND_INVALID_REPLY, reply, 'mach_msg');
      }
    }
    if (!this.copyin(d, destDisp, false)) return; // MACH_SEND_INVALID_DEST
    const destType = d.type;
    this.consume(d, destDisp);
    if (valid(reply)) this.consume(entry(reply)!, replyDisp);

    // The kernel-object rule (xnu: ipc_validate_kmsg_dest_from_user): a plain mach_msg must
    // not reach a kernel object other than a timer.
    // (mach_port_kobject answers for send and receive rights; a send-once right to a kernel
    // object is not something user code gets hold of.)
    if ((destType & (SEND | RECEIVE)) !== 0) {
      const kotype = this.probe.kobjectType(task, dest);
      if (kotype !== undefined && kotype !== C.IKOT_NONE && kotype !== C.IKOT_TIMER) {
        throw new MachGuardError(C.MACH_SEND_INVALID_OPTIONS, C.kGUARD_EXC_INVALID_OPTIONS, dest, 'mach_msg (a plain message to a kernel object)');
      }
    }

    if ((bits & C.MACH_MSGH_BITS_COMPLEX) === 0 || descriptors === undefined) return;
    const bad = (name: number) => this.raise(C.MACH_SEND_INVALID_RIGHT, C.kGUARD_EXC_SEND_INVALID_RIGHT, name, 'mach_msg');
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
            return this.raise(C.MACH_SEND_INVALID_RIGHT, C.kGUARD_EXC_IMMOVABLE, name, 'mach_msg');
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
        if (g.immovable) return this.raise(C.MACH_SEND_INVALID_RIGHT, C.kGUARD_EXC_IMMOVABLE, name, 'mach_msg');
        const context = BigInt.asUintN(64, desc.context);
        const unguardedOk = (desc.flags & C.MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND) !== 0 && !g.guarded && context === 0n;
        const guardedOk = g.guarded && this.guardValue(task, name, g.strict) === context;
        if (!unguardedOk && !guardedOk) {
          return this.raise(C.MACH_SEND_INVALID_RIGHT, C.kGUARD_EXC_INCORRECT_GUARD, name, 'mach_msg');
        }
        this.consume(e, C.MACH_MSG_TYPE_MOVE_RECEIVE);
      }
    }
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
        return (t & DEAD) !== 0 || ((t & SEND) !== 0 && e.sendRefs >= 1);
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
    else if (disp === C.MACH_MSG_TYPE_MOVE_SEND && e.sendRefs !== C.MACH_PORT_UREFS_MAX) {
      e.sendRefs -= 1;
      if (e.sendRefs === 0) e.type &= ~SEND;
    }
  }
}
