/**
 * A stand-in for the Darwin addon, for testing lib/native's TypeScript on any platform:
 * the argument checks, guard pre-checks, kr → MachError mapping, the send fast path and
 * its continuation off the event loop, pseudo-receive rewriting, the receive loop's
 * waiters, MACH_RCV_LARGE growth and OOL hand-over. It models only what those paths touch
 * (ports with queues and qlimits, rights by type, a kqueue that reports readiness); the
 * real kernel's behaviour is the emulator's and the macOS CI job's business.
 */
import * as C from '../../lib/constants.js';
import type { NativeAddon } from '../../lib/native/addon.js';

interface FakePort {
  type: number;
  sendRefs: number;
  queue: Uint8Array[];
  qlimit: number;
  flags: number;
  context: bigint;
  kobject: number;
  pdrequest: number;
}

type Call = [string, ...unknown[]];

export class FakeKernel {
  readonly calls: Call[] = [];
  readonly ports = new Map<number, FakePort>();
  /** OOL regions "mapped" into the fake task, by address. */
  readonly regions = new Map<bigint, Uint8Array>();
  readonly freed: bigint[] = [];
  /** task_get_exc_guard_behavior's answer (0x80 = optional guards fatal). */
  behavior = 0x80;
  /** cs_status's code-signing flags (CS_RUNTIME 0x10000 = hardened runtime); undefined: csops fails. */
  csFlags: number | undefined = 0;
  /** The guard probes the addon answered, in order: mach_port_type, _get_refs, _get_attributes, _get_context, _kobject. */
  readonly probes: string[] = [];
  private nextIndex = 1;
  private nextAddress = 0x1000_0000n;
  private onReady?: (name: number, flags: number) => void;
  private readonly watched = new Set<number>();
  refCalls: boolean[] = [];
  private readonly sends = new Map<number, { cancel: boolean }>();
  private nextSend = 1;
  /** libnotify as the fake sees it: registrations by token (the name), suspend counts, states by name. */
  readonly notifyTokens = new Map<number, string>();
  readonly notifySuspends = new Map<number, number>();
  readonly notifyStates = new Map<string, bigint>();
  private nextToken = 2;

  /** The special ports task_set_special_port stored or task_get_special_port made, by which_port. */
  readonly specials = new Map<number, number>();

  /** The exception handlers task_set/swap_exception_ports stored, by exception type. */
  readonly exceptionActions = new Map<number, { port: number; behavior: number; flavor: number }>();

  readonly task = 0x203;
  readonly host = 0x303;

  constructor() {
    this.ports.set(this.task, this.port(C.MACH_PORT_TYPE_SEND, 1, C.IKOT_TASK_CONTROL));
    this.ports.set(this.host, this.port(C.MACH_PORT_TYPE_SEND, 1, C.IKOT_HOST));
    this.nextIndex = 4;
  }

  private port(type: number, sendRefs = 0, kobject = 0): FakePort {
    return { type, sendRefs, queue: [], qlimit: 5, flags: 0, context: 0n, kobject, pdrequest: 0 };
  }

  newName(): number {
    return ((this.nextIndex++ << 8) | 3) >>> 0;
  }

  /** A send right (one uref) to a port whose receive right is elsewhere; `kobject` makes it a kernel object's. */
  sendRight(kobject = 0, urefs = 1): number {
    const name = this.newName();
    this.ports.set(name, this.port(C.MACH_PORT_TYPE_SEND, urefs, kobject));
    return name;
  }

  /** A send-once right to a port whose receive right is elsewhere. */
  sendOnceRight(): number {
    const name = this.newName();
    this.ports.set(name, this.port(C.MACH_PORT_TYPE_SEND_ONCE));
    return name;
  }

  /** A receive right of kernel-object type `kobject` (mk_timer's IKOT_TIMER is the only one XNU gives user space). */
  receiveRight(kobject = 0): number {
    const name = this.newName();
    this.ports.set(name, this.port(C.MACH_PORT_TYPE_RECEIVE, 0, kobject));
    return name;
  }

  /** A dead name (one user reference). */
  deadName(): number {
    const name = this.newName();
    this.ports.set(name, this.port(C.MACH_PORT_TYPE_DEAD_NAME, 1));
    return name;
  }

  /** A receive right with a send right under the same name. */
  receiveWithSend(): number {
    const name = this.newName();
    this.ports.set(name, this.port(C.MACH_PORT_TYPE_SEND_RECEIVE, 1));
    return name;
  }

  /** task_set_exception_ports' table update after its mask and copy-in checks (the behavior / flavor checks are the kernel's, not modelled). */
  setExceptionPorts(mask: number, port: number, behavior: number, flavor: number): number {
    if ((mask & ~C.EXC_MASK_VALID) !== 0) return C.KERN_INVALID_ARGUMENT;
    if (port !== C.MACH_PORT_NULL && !this.ports.has(port)) return C.MACH_SEND_INVALID_RIGHT;
    for (let i = C.FIRST_EXCEPTION; i < C.EXC_TYPES_COUNT; i++) {
      if ((mask & (1 << i)) !== 0) this.exceptionActions.set(i, { port, behavior: behavior | 0, flavor: flavor | 0 });
    }
    return 0;
  }

  /** The addon's 4 × count words for the handlers of `mask`, each handed-out port a uref more. */
  exceptionWords(mask: number): Uint32Array {
    const groups: Array<{ mask: number; port: number; behavior: number; flavor: number }> = [];
    for (let i = C.FIRST_EXCEPTION; i < C.EXC_TYPES_COUNT; i++) {
      if ((mask & (1 << i)) === 0) continue;
      const a = this.exceptionActions.get(i) ?? { port: 0, behavior: 0, flavor: 0 };
      const g = groups.find((x) => x.port === a.port && x.behavior === a.behavior && x.flavor === a.flavor);
      if (g) g.mask |= 1 << i;
      else {
        groups.push({ mask: 1 << i, ...a });
        const p = this.ports.get(a.port);
        if (p) p.sendRefs++;
      }
    }
    return Uint32Array.from([...groups.map((g) => g.mask), ...groups.map((g) => g.port), ...groups.map((g) => g.behavior >>> 0), ...groups.map((g) => g.flavor >>> 0)]);
  }

  private enqueue(name: number, bytes: Uint8Array): void {
    this.ports.get(name)!.queue.push(bytes);
    if (this.watched.delete(name)) this.fire(name);
  }

  private fire(name: number): void {
    const cb = this.onReady;
    setImmediate(() => cb?.(name, 0));
  }

  /** Destroy a port as its receiver would, waking a watcher as the kqueue does. */
  destroyPort(name: number): void {
    this.ports.delete(name);
    if (this.watched.delete(name)) this.fire(name);
  }

  /** Pretend another task sent `bytes` to `name`. */
  deliver(name: number, bytes: Uint8Array): void {
    this.enqueue(name, bytes);
  }

  private log(name: string, ...args: unknown[]): void {
    this.calls.push([name, ...args]);
  }

  called(name: string): Call[] {
    return this.calls.filter((c) => c[0] === name);
  }

  addon(): NativeAddon {
    const k = this;
    const typeOf = (name: number): [number, number] => {
      const p = k.ports.get(name >>> 0);
      return p ? [0, p.type] : [C.KERN_INVALID_NAME, 0];
    };
    const addon: Partial<NativeAddon> = {
      abiVersion: 1,
      mach_task_self: () => k.task,
      mach_host_self: () => k.host,
      bootstrap_port: () => 0x707,
      mach_port_allocate(task, right) {
        k.log('mach_port_allocate', task, right);
        if (right !== C.MACH_PORT_RIGHT_RECEIVE && right !== C.MACH_PORT_RIGHT_PORT_SET) return [C.KERN_INVALID_VALUE, 0];
        const name = k.newName();
        k.ports.set(name, k.port(right === C.MACH_PORT_RIGHT_RECEIVE ? C.MACH_PORT_TYPE_RECEIVE : C.MACH_PORT_TYPE_PORT_SET));
        return [0, name];
      },
      mach_port_insert_right(task, name, poly, polyPoly) {
        k.log('mach_port_insert_right', task, name, poly, polyPoly);
        const p = k.ports.get(name);
        if (!p) return C.KERN_INVALID_NAME;
        if (polyPoly === C.MACH_MSG_TYPE_MAKE_SEND && (p.type & C.MACH_PORT_TYPE_RECEIVE) !== 0) {
          p.type |= C.MACH_PORT_TYPE_SEND;
          p.sendRefs++;
          return 0;
        }
        return C.KERN_INVALID_RIGHT;
      },
      mach_port_type(task, name) {
        k.probes.push('mach_port_type');
        return typeOf(name);
      },
      mach_port_get_refs(task, name, right) {
        k.probes.push('mach_port_get_refs');
        const p = k.ports.get(name);
        if (!p) return [C.KERN_INVALID_NAME, 0];
        if (right === C.MACH_PORT_RIGHT_SEND) return [0, p.sendRefs];
        if (right === C.MACH_PORT_RIGHT_RECEIVE) return [0, (p.type & C.MACH_PORT_TYPE_RECEIVE) !== 0 ? 1 : 0];
        return [0, 0];
      },
      mach_port_deallocate(task, name) {
        k.log('mach_port_deallocate', task, name);
        const p = k.ports.get(name);
        if (!p) return C.KERN_INVALID_NAME;
        if ((p.type & C.MACH_PORT_TYPE_SEND) === 0) return C.KERN_INVALID_RIGHT;
        if (--p.sendRefs === 0) p.type &= ~C.MACH_PORT_TYPE_SEND;
        if (p.type === 0) k.ports.delete(name);
        return 0;
      },
      mach_port_destroy(task, name) {
        k.log('mach_port_destroy', task, name);
        if (!k.ports.has(name)) return C.KERN_INVALID_NAME;
        k.destroyPort(name);
        return 0;
      },
      mach_port_mod_refs(task, name, right, delta) {
        k.log('mach_port_mod_refs', task, name, right, delta);
        return k.ports.has(name) ? 0 : C.KERN_INVALID_NAME;
      },
      mach_port_get_attributes(task, name, flavor, count) {
        k.probes.push('mach_port_get_attributes');
        const p = k.ports.get(name);
        if (!p) return [C.KERN_INVALID_NAME, undefined];
        if ((p.type & C.MACH_PORT_TYPE_RECEIVE) === 0) return [C.KERN_INVALID_RIGHT, undefined];
        if (flavor === C.MACH_PORT_RECEIVE_STATUS) {
          const w = new Int32Array(Math.min(count, 10));
          const status = [0, 0, 0, p.qlimit, p.queue.length, 0, p.sendRefs > 0 ? 1 : 0, p.pdrequest, 0, p.flags];
          for (let i = 0; i < w.length; i++) w[i] = status[i]!;
          return [0, w];
        }
        if (flavor === C.MACH_PORT_LIMITS_INFO) return [0, Int32Array.of(p.qlimit)];
        return [C.KERN_INVALID_ARGUMENT, undefined];
      },
      mach_port_set_attributes(task, name, flavor, info) {
        k.log('mach_port_set_attributes', task, name, flavor, Array.from(info));
        const p = k.ports.get(name);
        if (!p) return C.KERN_INVALID_NAME;
        if (flavor === C.MACH_PORT_LIMITS_INFO) p.qlimit = info[0]!;
        return 0;
      },
      mach_port_get_context(task, name) {
        k.probes.push('mach_port_get_context');
        const p = k.ports.get(name);
        if (!p || (p.type & C.MACH_PORT_TYPE_RECEIVE) === 0) return [C.KERN_INVALID_RIGHT, 0n];
        return [0, (p.flags & C.MACH_PORT_STATUS_FLAG_STRICT_GUARD) !== 0 ? 0n : p.context];
      },
      mach_port_set_context(task, name, context) {
        k.log('mach_port_set_context', task, name, context);
        const p = k.ports.get(name);
        if (!p) return C.KERN_INVALID_RIGHT;
        p.context = context;
        return 0;
      },
      mach_port_guard(task, name, guard, strict) {
        k.log('mach_port_guard', task, name, guard, strict);
        const p = k.ports.get(name)!;
        p.context = guard;
        p.flags |= C.MACH_PORT_STATUS_FLAG_GUARDED | (strict ? C.MACH_PORT_STATUS_FLAG_STRICT_GUARD : 0);
        return 0;
      },
      mach_port_unguard(task, name, guard) {
        k.log('mach_port_unguard', task, name, guard);
        const p = k.ports.get(name)!;
        p.context = 0n;
        p.flags &= ~(C.MACH_PORT_STATUS_FLAG_GUARDED | C.MACH_PORT_STATUS_FLAG_STRICT_GUARD);
        return 0;
      },
      mach_port_guard_with_flags(task, name, guard, flags) {
        k.log('mach_port_guard_with_flags', task, name, guard, flags);
        const p = k.ports.get(name)!;
        p.context = guard;
        p.flags |= C.MACH_PORT_STATUS_FLAG_GUARDED;
        if ((flags & C.MPG_STRICT) !== 0) p.flags |= C.MACH_PORT_STATUS_FLAG_STRICT_GUARD;
        if ((flags & C.MPG_IMMOVABLE_RECEIVE) !== 0) p.flags |= C.MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE;
        return 0;
      },
      mach_port_swap_guard(task, name, oldGuard, newGuard) {
        k.log('mach_port_swap_guard', task, name, oldGuard, newGuard);
        k.ports.get(name)!.context = newGuard;
        return 0;
      },
      // The queue's messages by index from seqno 0; the trailer as the kernel stores it
      // (size 8), with a sender token {501, 20} and audit pid 4242, cut to the requested size.
      mach_port_peek(task, name, trailerType, seqno) {
        k.log('mach_port_peek', task, name, trailerType, seqno);
        const p = k.ports.get(name);
        if (!p) return [C.KERN_INVALID_NAME];
        if ((p.type & C.MACH_PORT_TYPE_RECEIVE) === 0) return [C.KERN_INVALID_RIGHT];
        if (C.GET_RCV_ELEMENTS(trailerType) > C.MACH_RCV_TRAILER_AUDIT) return [C.KERN_INVALID_VALUE];
        const msg = p.queue[seqno];
        if (msg === undefined) return [C.KERN_FAILURE];
        const size = C.REQUESTED_TRAILER_SIZE(trailerType);
        const full = new DataView(new ArrayBuffer(52));
        full.setUint32(4, 8, true);
        full.setUint32(8, seqno, true);
        full.setUint32(12, 501, true);
        full.setUint32(16, 20, true);
        full.setUint32(40, 4242, true);
        const id = new DataView(msg.buffer, msg.byteOffset).getInt32(20, true);
        return [0, seqno, msg.byteLength + 8, id, new Uint8Array(full.buffer, 0, size).slice()];
      },
      mach_port_get_srights(task, name) {
        k.log('mach_port_get_srights', task, name);
        const p = k.ports.get(name);
        if (!p) return [C.KERN_INVALID_NAME, 0];
        if ((p.type & C.MACH_PORT_TYPE_RECEIVE) === 0) return [C.KERN_INVALID_RIGHT, 0];
        return [0, p.sendRefs > 0 ? 1 : 0];
      },
      mach_port_dnrequest_info(task, name) {
        k.log('mach_port_dnrequest_info', task, name);
        const p = k.ports.get(name);
        if (!p) return [C.KERN_INVALID_NAME, 0, 0];
        if ((p.type & C.MACH_PORT_TYPE_RECEIVE) === 0) return [C.KERN_INVALID_RIGHT, 0, 0];
        return [0, p.pdrequest === 0 ? 0 : 2, p.pdrequest === 0 ? 0 : 1];
      },
      // ipc_info_space_basic_t: mask 0xff, a 32-slot table, every fake name in use.
      mach_port_space_basic_info(task) {
        k.log('mach_port_space_basic_info', task);
        return [0, Uint32Array.of(0xff, 32, 0, k.ports.size, 0, 0)];
      },
      mach_port_kobject_description(task, name) {
        k.log('mach_port_kobject_description', task, name);
        const p = k.ports.get(name);
        if (!p) return [C.KERN_INVALID_NAME, 0, 0n, ''];
        return [0, p.kobject, 0n, ''];
      },
      // The special ports as ipc_tt.c has them: the task and host ports, the bootstrap and
      // name ports made on first use, the settable ones MACH_PORT_NULL until set.
      task_get_special_port(task, which) {
        k.log('task_get_special_port', task, which);
        let name: number | undefined;
        if (which === C.TASK_KERNEL_PORT) name = k.task;
        else if (which === C.TASK_HOST_PORT) name = k.host;
        else if (which === C.TASK_NAME_PORT || which === C.TASK_BOOTSTRAP_PORT) {
          name = k.specials.get(which) ?? k.sendRight(which === C.TASK_NAME_PORT ? C.IKOT_TASK_NAME : 0, 0);
          k.specials.set(which, name);
        } else if (which === C.TASK_ACCESS_PORT || which === C.TASK_DEBUG_CONTROL_PORT) name = k.specials.get(which) ?? 0;
        if (name === undefined) return [C.KERN_INVALID_ARGUMENT, 0];
        const p = k.ports.get(name);
        if (p) p.sendRefs++;
        return [0, name];
      },
      task_set_special_port(task, which, port) {
        k.log('task_set_special_port', task, which, port);
        if (which === C.TASK_KERNEL_PORT || which === C.TASK_HOST_PORT) return C.KERN_NO_ACCESS;
        if (which !== C.TASK_BOOTSTRAP_PORT && which !== C.TASK_ACCESS_PORT && which !== C.TASK_DEBUG_CONTROL_PORT) return C.KERN_INVALID_ARGUMENT;
        k.specials.set(which, port);
        return 0;
      },
      // The exc_actions table as ipc_tt.c keeps it: the mask checked against EXC_MASK_VALID,
      // entries grouped by (port, behavior, flavor), each handed-out handler a uref more.
      task_set_exception_ports(task, mask, port, behavior, flavor) {
        k.log('task_set_exception_ports', task, mask, port, behavior, flavor);
        return k.setExceptionPorts(mask, port, behavior, flavor);
      },
      task_get_exception_ports(task, mask) {
        k.log('task_get_exception_ports', task, mask);
        if ((mask & ~C.EXC_MASK_VALID) !== 0) return [C.KERN_INVALID_ARGUMENT];
        return [0, k.exceptionWords(mask)];
      },
      task_swap_exception_ports(task, mask, port, behavior, flavor) {
        k.log('task_swap_exception_ports', task, mask, port, behavior, flavor);
        if ((mask & ~C.EXC_MASK_VALID) !== 0) return [C.KERN_INVALID_ARGUMENT];
        const words = k.exceptionWords(mask);
        const kr = k.setExceptionPorts(mask, port, behavior, flavor);
        return kr === 0 ? [0, words] : [kr];
      },
      mach_port_kobject(task, name) {
        k.probes.push('mach_port_kobject');
        const p = k.ports.get(name);
        if (!p) return [C.KERN_INVALID_NAME, 0, 0n];
        return [0, p.kobject, 0n];
      },
      mach_port_names() {
        const names = [...k.ports.keys()].sort((a, b) => a - b);
        return [0, Uint32Array.from(names), Uint32Array.from(names, (n) => k.ports.get(n)!.type)];
      },
      task_get_exc_guard_behavior: () => [0, k.behavior],

      // libnotify: register_check, cancel and the token calls, with libnotify's status codes
      // (2 = NOTIFY_STATUS_INVALID_TOKEN, 7 = NOTIFY_STATUS_NOT_AUTHORIZED for com.apple.system.*).
      notify_register_check(name) {
        k.log('notify_register_check', name);
        const token = k.nextToken++;
        k.notifyTokens.set(token, name);
        return [0, token];
      },
      notify_cancel(token) {
        k.log('notify_cancel', token);
        if (!k.notifyTokens.delete(token)) return 2;
        k.notifySuspends.delete(token);
        return 0;
      },
      notify_suspend(token) {
        k.log('notify_suspend', token);
        if (!k.notifyTokens.has(token)) return 2;
        k.notifySuspends.set(token, (k.notifySuspends.get(token) ?? 0) + 1);
        return 0;
      },
      notify_resume(token) {
        k.log('notify_resume', token);
        if (!k.notifyTokens.has(token)) return 2;
        k.notifySuspends.set(token, Math.max(0, (k.notifySuspends.get(token) ?? 0) - 1));
        return 0;
      },
      notify_get_state(token) {
        k.log('notify_get_state', token);
        const name = k.notifyTokens.get(token);
        if (name === undefined) return [2, 0n];
        return [0, k.notifyStates.get(name) ?? 0n];
      },
      notify_set_state(token, state) {
        k.log('notify_set_state', token, state);
        // As native/notify.cc's ArgU64: a BigInt, else TypeError.
        if (typeof state !== 'bigint') throw new TypeError('state must be a bigint');
        const name = k.notifyTokens.get(token);
        if (name === undefined) return 2;
        if (name.startsWith('com.apple.system.')) return 7;
        k.notifyStates.set(name, BigInt.asUintN(64, state));
        return 0;
      },
      notify_is_valid_token(token) {
        k.log('notify_is_valid_token', token);
        return k.notifyTokens.has(token);
      },
      cs_status: () => (k.csFlags === undefined ? [1, 0] : [0, k.csFlags]),

      msg_send(bytes, size, option, timeout, patchOffsets, patchData) {
        k.log('msg_send', size, option, timeout, Array.from(patchOffsets), patchData.length);
        const view = new DataView(bytes.buffer, bytes.byteOffset, size);
        // The addon writes each region's address; the fake "maps" a copy the receiver can take.
        for (let i = 0; i < patchOffsets.length; i++) {
          const region = patchData[i]!;
          const copy = new Uint8Array(region.buffer.slice(region.byteOffset, region.byteOffset + region.byteLength));
          const address = k.nextAddress;
          k.nextAddress += 0x1000n;
          k.regions.set(address, copy);
          view.setBigUint64(patchOffsets[i]!, address, true);
          view.setUint8(patchOffsets[i]! + 8, 0);
        }
        return k.trySend(bytes, size, option);
      },
      msg_send_async(bytes, size, option, timeoutMs) {
        k.log('msg_send_async', size, option, timeoutMs);
        const id = k.nextSend++;
        const state = { cancel: false };
        k.sends.set(id, state);
        const started = Date.now();
        const promise = new Promise<{ kr: number; cancelled: boolean }>((resolve) => {
          const tick = () => {
            const kr = k.trySend(bytes, size, option | C.MACH_SEND_TIMEOUT); // as the worker sends, in slices
            if (kr !== C.MACH_SEND_TIMED_OUT) return resolve({ kr, cancelled: false });
            if (state.cancel) return resolve({ kr, cancelled: true });
            if (timeoutMs >= 0 && Date.now() - started >= timeoutMs) return resolve({ kr, cancelled: false });
            setTimeout(tick, 2);
          };
          setTimeout(tick, 2);
        }).finally(() => k.sends.delete(id));
        return [promise, id];
      },
      msg_send_cancel(id) {
        const s = k.sends.get(id);
        if (s) s.cancel = true;
        return s !== undefined;
      },
      msg_receive(buffer, option, rcvName, timeout, rcvSize) {
        k.log('msg_receive', option, rcvName, timeout, rcvSize);
        const p = k.ports.get(rcvName);
        if (!p || (p.type & C.MACH_PORT_TYPE_RECEIVE) === 0) return C.MACH_RCV_INVALID_NAME;
        const msg = p.queue[0];
        if (msg === undefined) return C.MACH_RCV_TIMED_OUT;
        const trailer = C.REQUESTED_TRAILER_SIZE(option);
        const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
        if (msg.byteLength + trailer > rcvSize) {
          if ((option & C.MACH_RCV_LARGE) !== 0) {
            view.setUint32(4, msg.byteLength, true);
            return C.MACH_RCV_TOO_LARGE;
          }
          p.queue.shift();
          return C.MACH_RCV_TOO_LARGE;
        }
        p.queue.shift();
        buffer.set(msg, 0);
        // As the receiver sees the header: reply → remote, destination → local.
        const bits = view.getUint32(0, true);
        const remote = bits & 0x1f;
        const local = (bits >> 8) & 0x1f;
        const toPort = (d: number) => (d === 0 ? 0 : d === C.MACH_MSG_TYPE_MAKE_SEND_ONCE || d === C.MACH_MSG_TYPE_MOVE_SEND_ONCE ? 18 : 17);
        view.setUint32(0, (bits & ~0x1f1f) | toPort(local) | (toPort(remote) << 8), true);
        const replyName = view.getUint32(12, true);
        view.setUint32(8, local === 0 ? 0 : replyName, true);
        view.setUint32(12, rcvName, true);
        view.setUint32(msg.byteLength, 0, true);
        view.setUint32(msg.byteLength + 4, trailer, true);
        for (let i = 8; i < trailer; i += 4) view.setUint32(msg.byteLength + i, 0, true);
        return 0;
      },
      take_ool(address, size) {
        k.log('take_ool', address, size);
        const r = k.regions.get(address);
        if (r === undefined) return new ArrayBuffer(0);
        k.regions.delete(address);
        return r.buffer.slice(r.byteOffset, r.byteOffset + size) as ArrayBuffer;
      },
      take_ool_ports(address, count) {
        k.log('take_ool_ports', address, count);
        const r = k.regions.get(address);
        k.regions.delete(address);
        return r ? new Uint32Array(r.buffer.slice(r.byteOffset, r.byteOffset + count * 4)) : new Uint32Array(0);
      },
      free_region(address) {
        k.freed.push(address);
        return 0;
      },
      loop_start(onReady) {
        k.log('loop_start');
        k.onReady = onReady;
      },
      loop_watch(name) {
        k.log('loop_watch', name);
        const p = k.ports.get(name);
        if (!p) return 22; // EINVAL
        if (p.queue.length > 0) k.fire(name);
        else k.watched.add(name);
        return 0;
      },
      loop_unwatch(name) {
        k.log('loop_unwatch', name);
        return k.watched.delete(name) ? 0 : 2;
      },
      loop_ref(ref) {
        k.refCalls.push(ref);
      },
      loop_stop() {},
    };
    return addon as NativeAddon;
  }

  /** Queue the message if there is room; else MACH_SEND_TIMED_OUT with a pseudo-receive (dispositions → PORT_*). */
  private trySend(bytes: Uint8Array, size: number, option: number): number {
    const view = new DataView(bytes.buffer, bytes.byteOffset, size);
    const dest = view.getUint32(8, true);
    const p = this.ports.get(dest);
    if (!p || (p.type & C.MACH_PORT_TYPE_PORT_RIGHTS) === 0) return C.MACH_SEND_INVALID_DEST;
    if (p.queue.length >= p.qlimit) {
      if ((option & C.MACH_SEND_TIMEOUT) === 0) throw new Error('the fake never blocks: a send without MACH_SEND_TIMEOUT reached it');
      const bits = view.getUint32(0, true);
      const remote = bits & 0x1f;
      const pseudo = remote === C.MACH_MSG_TYPE_COPY_SEND || remote === C.MACH_MSG_TYPE_MAKE_SEND ? C.MACH_MSG_TYPE_MOVE_SEND : remote;
      view.setUint32(0, (bits & ~0x1f) | pseudo, true);
      return C.MACH_SEND_TIMED_OUT;
    }
    this.enqueue(dest, bytes.slice(0, size));
    return 0;
  }
}
