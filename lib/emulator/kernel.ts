/**
 * The emulated kernel: tasks, their spaces, every port, the host port, and the
 * bookkeeping that makes the emulation deterministic (a seeded random source for name
 * allocation, deferred hand-off of messages to blocked receivers, deferred destruction of
 * messages). Tasks of one kernel talk to each other; tasks of two kernels cannot.
 * @module
 */
import {
  IKOT_HOST,
  IKOT_NONE,
  IKOT_TASK_CONTROL,
  IKOT_TASK_NAME,
  KERN_INVALID_CAPABILITY,
  KERN_INVALID_RIGHT,
  KERN_INVALID_VALUE,
  KERN_SUCCESS,
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
import { MachError } from '../errors.js';
import type { GuardPolicy, PendingGuard } from './guard.js';
import { checkInvariants } from './invariants.js';
import type { Kmsg } from './kmsg.js';
import { holdRight, type KobjectServer, unholdRight } from './kobject.js';
import { installKernelObjects } from './kobject/install.js';
import { installLaunchd } from './launchd/install.js';
import { finishWaiter } from './mach-msg.js';
import { objectCopyin, objectCopyout, objectDestroy } from './object.js';
import { IP_VALID, Port, type PortRef } from './port.js';
import { Prng } from './prng.js';
import { CopyinResult } from './right.js';
import { Space } from './space.js';
import { EmulatedTask } from './task.js';
import type { RcvWaiter } from './waiter.js';

/** Options of a new Kernel. */
export interface KernelOptions {
  /** Seed of the name-allocation randomness; the same seed gives the same names. */
  seed?: number;
  /** The largest name table a space may have (entries); XNU's maximum is configuration-dependent. */
  maxNames?: number;
}

/** Options of a new task. */
export interface CreateTaskOptions {
  /** The task's name (process name), for introspection. */
  name?: string;
  /** Process id; allocated from 1000 upwards when omitted. */
  pid?: number;
  /** User id (audit token, security token); 501 when omitted. */
  uid?: number;
  /** Group id; 20 when omitted. */
  gid?: number;
  /** Guard-exception policy: 'default' (third-party binary) or 'hardened' (hardened runtime / platform). */
  guardPolicy?: GuardPolicy;
}

/** The largest table by default: XNU's 3 MiB of 24-byte entries. */
const DEFAULT_MAX_NAMES = 131072;

/** The emulated kernel. */
export class Kernel {
  /** The kernel's random source (seeded). */
  readonly prng: Prng;
  /** The kernel's own space: where the receive rights of kernel objects live. */
  readonly kernelSpace: Space;
  /** The host port (IKOT_HOST). */
  readonly hostPort: Port;
  /** The largest name table of a space. */
  readonly maxNames: number;
  /** The task making the current call (guard exceptions are raised on it). */
  caller: EmulatedTask | null = null;
  /** The first fatal guard exception of the current call. */
  pendingGuard: PendingGuard | null = null;

  private readonly live = new Set<EmulatedTask>();
  private readonly livePorts = new Set<Port>();
  private readonly taskServer: KobjectServer;
  private launchd: { bootstrapPortFor(task: EmulatedTask): number; launchd: { readonly port: Port } } | null = null;
  private depth = 0;
  private readonly deliveries: (RcvWaiter | null)[] = [];
  private deliveryCount = 0;
  private readonly reapQueue: Kmsg[] = [];
  private reaping = false;
  private portIds = 0;
  private timestamp = 0;
  private pids = 1000;

  /** A new kernel with a host port, its kernel-object servers and its launchd. */
  constructor(options: KernelOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new TypeError('Kernel options must be an object');
    const seed = options.seed;
    if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed))) throw new TypeError('seed must be an integer');
    const maxNames = options.maxNames ?? DEFAULT_MAX_NAMES;
    if (typeof maxNames !== 'number' || !Number.isInteger(maxNames) || maxNames < 32 || maxNames > 0xffffff) {
      throw new TypeError('maxNames must be an integer from 32 to 16777215');
    }
    this.maxNames = maxNames;
    this.prng = new Prng(seed ?? Math.floor(Math.random() * 0x100000000));
    this.kernelSpace = new Space(this, null, 0);
    const servers = installKernelObjects(this);
    this.taskServer = servers.taskServer;
    this.hostPort = this.createKobjectPort(IKOT_HOST, servers.hostServer, { label: 'host' });
    this.launchd = installLaunchd(this);
  }

  /** The live (not terminated) tasks, in creation order. */
  get tasks(): EmulatedTask[] {
    return [...this.live];
  }

  /** Every live port (introspection, invariant checks). */
  get ports(): ReadonlySet<Port> {
    return this.livePorts;
  }

  /**
   * Create a task: a fresh IPC space holding a send right to the task's own port
   * (mach_task_self(), usually 0x103) and, once launchd is installed, a send right to
   * its bootstrap port.
   */
  createTask(options: CreateTaskOptions = {}): EmulatedTask {
    if (typeof options !== 'object' || options === null) throw new TypeError('createTask options must be an object');
    const name = options.name ?? 'task';
    if (typeof name !== 'string') throw new TypeError('task name must be a string');
    const int = (v: unknown, what: string, dflt: number): number => {
      if (v === undefined) return dflt;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new TypeError(`${what} must be a non-negative integer`);
      return v;
    };
    const pid = options.pid !== undefined ? int(options.pid, 'pid', 0) : this.allocPid();
    const uid = int(options.uid, 'uid', 501);
    const gid = int(options.gid, 'gid', 20);
    const policy = options.guardPolicy ?? 'default';
    if (policy !== 'default' && policy !== 'hardened') throw new TypeError("guardPolicy must be 'default' or 'hardened'");
    this.enter(null);
    try {
      const task = new EmulatedTask(this, { name, pid, uid, gid, guardPolicy: policy });
      this.live.add(task);
      const port = this.createKobjectPort(IKOT_TASK_CONTROL, this.taskServer, { label: `task ${name}[${pid}]` });
      port.kobject = task;
      task.attach(port, this.copyoutRight(task, port, MACH_MSG_TYPE_MAKE_SEND));
      // The kernel's own send rights for the task's special ports, as ipc_task_init copies
      // them from a parent (xnu:osfmk/kern/ipc_tt.c:ipc_task_init): the host port and the
      // bootstrap port bootstrap_port names (task_get_special_port hands out copies).
      task.specialPorts.host = this.makeRight(this.hostPort, MACH_MSG_TYPE_COPY_SEND);
      if (this.launchd !== null) {
        task.bootstrap_port = this.launchd.bootstrapPortFor(task);
        task.specialPorts.bootstrap = this.makeRight(this.launchd.launchd.port, MACH_MSG_TYPE_COPY_SEND);
      }
      return task;
    } finally {
      this.leave();
    }
  }

  /** Terminate a task (same as task.terminate()). */
  terminateTask(task: EmulatedTask): void {
    if (!(task instanceof EmulatedTask) || task.kernel !== this) throw new TypeError('terminateTask needs a task of this kernel');
    task.terminate();
  }

  /** Forget a terminated task (called by EmulatedTask.terminate). */
  taskTerminated(task: EmulatedTask): void {
    this.live.delete(task);
  }

  /**
   * The task's name port (IKOT_TASK_NAME, itk_task_ports[TASK_FLAVOR_NAME]), made on first
   * use. It shares the kernel's MIG server, whose task routines refuse it, as they refuse
   * every port that is not a task control port.
   */
  taskNamePort(task: EmulatedTask): Port {
    const ports = task.specialPorts;
    if (ports.namePort === null) {
      const port = this.createKobjectPort(IKOT_TASK_NAME, this.taskServer, { label: `task-name ${task.name}[${task.pid}]` });
      port.kobject = task;
      ports.namePort = port;
    }
    return ports.namePort;
  }

  /** The task a task port stands for, if `port` is a live task port. */
  taskForPort(port: Port): EmulatedTask | undefined {
    return port.active && port.kobjectType === IKOT_TASK_CONTROL ? (port.kobject as EmulatedTask) : undefined;
  }

  /**
   * A kernel-object port served synchronously by `server`. With `userService` the port
   * stands for a user-space server (launchd, notifyd): plain mach_msg is accepted and
   * mach_port_kobject reports IKOT_NONE.
   */
  createKobjectPort(ikot: number, server: KobjectServer, options: { userService?: boolean; label?: string } = {}): Port {
    if (typeof ikot !== 'number' || !Number.isInteger(ikot) || ikot < 0) throw new TypeError('ikot must be a non-negative integer');
    if (typeof server !== 'function') throw new TypeError('server must be a function');
    const port = new Port(this);
    port.userService = options.userService === true;
    port.kobjectType = port.userService ? IKOT_NONE : ikot;
    port.server = server;
    port.label = options.label;
    port.receiver = this.kernelSpace;
    this.portCreated(port);
    return port;
  }

  /**
   * A new port whose receive right kernel service code holds (in limbo). Hand it to a
   * task with copyoutRight(task, port, MACH_MSG_TYPE_MOVE_RECEIVE) or destroy it with
   * releaseRight(port, MACH_MSG_TYPE_PORT_RECEIVE).
   */
  createPort(label?: string): Port {
    const port = new Port(this);
    port.label = label;
    port.heldReceive = true;
    this.portCreated(port);
    return port;
  }

  /**
   * Give `task` a right to `port` and return its name there. MAKE_SEND / MAKE_SEND_ONCE /
   * COPY_SEND create the right (for ports whose receive right the kernel or its
   * services hold); MOVE_SEND / MOVE_SEND_ONCE / MOVE_RECEIVE (or PORT_*) hand over a
   * right service code holds (from copyinRight, makeRight or a request's descriptors).
   * Send rights coalesce with the task's existing name for the port. Throws MachError.
   */
  copyoutRight(task: EmulatedTask, port: Port, disposition: number): number {
    if (!(port instanceof Port) || port.kernel !== this) throw new TypeError('copyoutRight needs a port of this kernel');
    this.enter(null);
    try {
      const type = this.takeIntoKernel(port, disposition);
      if (type < 0) throw new MachError(-type, 'copyoutRight');
      const r = objectCopyout(task.space, port, type, null);
      if (r < 0x100) throw new MachError(r, 'copyoutRight');
      return r;
    } finally {
      this.leave();
    }
  }

  /**
   * A right made by the kernel for service code to hold (MAKE_SEND, MAKE_SEND_ONCE,
   * COPY_SEND of a live port), e.g. to put in a reply descriptor. Returns the port.
   */
  makeRight(port: Port, disposition: number): Port {
    if (!(port instanceof Port) || port.kernel !== this) throw new TypeError('makeRight needs a port of this kernel');
    if (disposition !== MACH_MSG_TYPE_MAKE_SEND && disposition !== MACH_MSG_TYPE_MAKE_SEND_ONCE && disposition !== MACH_MSG_TYPE_COPY_SEND) {
      throw new MachError(KERN_INVALID_VALUE, 'makeRight');
    }
    const type = this.takeIntoKernel(port, disposition);
    if (type < 0) throw new MachError(-type, 'makeRight');
    holdRight(port, type);
    return port;
  }

  /**
   * Take a right out of `task`'s space into service custody, as a message would
   * (ipc_object_copyin). Returns the port (or IP_DEAD / null for dead or null names).
   * Throws MachError (KERN_INVALID_NAME, KERN_INVALID_RIGHT, …).
   */
  copyinRight(task: EmulatedTask, name: number, disposition: number): PortRef {
    this.enter(null);
    try {
      const res = new CopyinResult();
      const kr = objectCopyin(task.space, name >>> 0, disposition, res, null);
      if (kr !== KERN_SUCCESS) throw new MachError(kr, 'copyinRight');
      const type = disposition === MACH_MSG_TYPE_MOVE_RECEIVE ? MACH_MSG_TYPE_PORT_RECEIVE : disposition === MACH_MSG_TYPE_MOVE_SEND_ONCE || disposition === MACH_MSG_TYPE_MAKE_SEND_ONCE ? MACH_MSG_TYPE_PORT_SEND_ONCE : MACH_MSG_TYPE_PORT_SEND;
      holdRight(res.port, type);
      return res.port;
    } finally {
      this.leave();
    }
  }

  /** Release a right service code holds (PORT_SEND, PORT_SEND_ONCE or PORT_RECEIVE type). */
  releaseRight(right: PortRef, type: number): void {
    if (!IP_VALID(right)) return;
    this.enter(null);
    try {
      unholdRight(right, type);
      objectDestroy(right, type);
    } finally {
      this.leave();
    }
  }

  /** Check the kernel's bookkeeping; throws an Error describing the first inconsistency. */
  checkInvariants(): void {
    checkInvariants(this);
  }

  // -------------------------------------------------------------------------
  // Internal bookkeeping

  /**
   * Account for a right coming into the kernel's hands for a copy-out: made, copied, or
   * taken from custody. Returns the PORT_* type, or −kr on misuse.
   */
  private takeIntoKernel(port: Port, disposition: number): number {
    switch (disposition) {
      case MACH_MSG_TYPE_MAKE_SEND:
        if (!port.active) return -KERN_INVALID_CAPABILITY;
        port.makeSend();
        return MACH_MSG_TYPE_PORT_SEND;
      case MACH_MSG_TYPE_COPY_SEND:
        if (!port.active) return -KERN_INVALID_CAPABILITY;
        port.copySend();
        return MACH_MSG_TYPE_PORT_SEND;
      case MACH_MSG_TYPE_MAKE_SEND_ONCE:
        if (!port.active) return -KERN_INVALID_CAPABILITY;
        port.makeSendOnce();
        return MACH_MSG_TYPE_PORT_SEND_ONCE;
      case MACH_MSG_TYPE_MOVE_SEND:
        if (port.heldSend <= 0) return -KERN_INVALID_RIGHT;
        port.heldSend--;
        return MACH_MSG_TYPE_PORT_SEND;
      case MACH_MSG_TYPE_MOVE_SEND_ONCE:
        if (port.heldSendOnce <= 0) return -KERN_INVALID_RIGHT;
        port.heldSendOnce--;
        return MACH_MSG_TYPE_PORT_SEND_ONCE;
      case MACH_MSG_TYPE_MOVE_RECEIVE:
        if (!port.heldReceive) return -KERN_INVALID_RIGHT;
        port.heldReceive = false;
        return MACH_MSG_TYPE_PORT_RECEIVE;
      default:
        return -KERN_INVALID_VALUE;
    }
  }

  /** Begin a kernel operation on behalf of `caller` (null: the kernel itself). */
  enter(caller: EmulatedTask | null): void {
    if (this.depth++ === 0) {
      this.caller = caller;
      this.pendingGuard = null;
    }
  }

  /** End a kernel operation; the outermost one hands queued messages to waiting receivers. */
  leave(): void {
    if (this.depth === 1) this.drain();
    this.depth--;
    if (this.depth === 0) this.caller = null;
  }

  /** Take the guard exception the current call raised, if any. */
  takeGuard(): PendingGuard | null {
    const g = this.pendingGuard;
    this.pendingGuard = null;
    return g;
  }

  /** A receive waiter was handed a message or an error: finish it once the current operation ends. */
  deferDelivery(w: RcvWaiter): void {
    this.deliveries[this.deliveryCount++] = w;
    if (this.depth === 0) {
      this.depth++;
      try {
        this.drain();
      } finally {
        this.depth--;
      }
    }
  }

  /** Finish deferred deliveries, including those their own copy-outs cause. */
  private drain(): void {
    if (this.deliveryCount === 0) return;
    const caller = this.caller;
    const guard = this.pendingGuard;
    const list = this.deliveries;
    // Copy-outs may hand more messages to waiters; they join the end of the same list.
    for (let i = 0; i < this.deliveryCount; i++) {
      const w = list[i]!;
      list[i] = null;
      // Copy-out runs in the receiver's context: it raises no guard on the caller.
      this.caller = null;
      try {
        finishWaiter(w);
      } catch (err) {
        w.reject(err);
      }
    }
    this.deliveryCount = 0;
    this.caller = caller;
    this.pendingGuard = guard;
  }

  /**
   * ipc_kmsg_destroy: destroy a message and the rights it carries. Destroying a message
   * can destroy ports whose queued messages are destroyed in turn; like XNU, the work is
   * queued and drained iteratively rather than recursively.
   */
  destroyKmsg(kmsg: Kmsg): void {
    this.reapQueue.push(kmsg);
    if (this.reaping) return;
    this.reaping = true;
    try {
      for (let i = 0; i < this.reapQueue.length; i++) this.reapQueue[i]!.clean();
    } finally {
      this.reapQueue.length = 0;
      this.reaping = false;
    }
  }

  /** A kernel-unique port (or port set) id. */
  nextPortId(): number {
    return ++this.portIds;
  }

  /** The next death timestamp (ipc_port_timestamp). */
  nextTimestamp(): number {
    return ++this.timestamp;
  }

  /** Register a new port. */
  portCreated(port: Port): void {
    this.livePorts.add(port);
  }

  /** Forget a dead port. */
  portDied(port: Port): void {
    this.livePorts.delete(port);
  }

  /** The next free pid from 1000 upwards. */
  private allocPid(): number {
    const used = new Set<number>();
    for (const t of this.live) used.add(t.pid);
    while (used.has(this.pids)) this.pids++;
    return this.pids++;
  }
}

