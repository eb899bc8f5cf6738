/**
 * A port: a kernel message queue with one receive right and any number of send and
 * send-once rights. The receive right is in a space (receiver, receiverName), in transit
 * inside a queued message (destination: the port whose queue holds that message), in
 * limbo (copied in, not yet queued, or held by kernel service code), or gone (the port is
 * dead). The counters are XNU's: srights counts send rights where a whole space entry
 * counts once and every in-flight copy counts once; sorights counts send-once rights;
 * mscount counts MAKE_SEND operations since the receive right last moved
 * (xnu:osfmk/ipc/ipc_port.h; ipc_port.c).
 * @module
 */
import { IKOT_NONE, MACH_PORT_QLIMIT_DEFAULT, MACH_PORT_QLIMIT_KERNEL, MACH_RCV_PORT_CHANGED } from '../constants.js';
import type { Kernel } from './kernel.js';
import type { Entry } from './entry.js';
import type { Kmsg } from './kmsg.js';
import type { KobjectServer } from './kobject.js';
import { notifyDeadName, notifyNoSenders, notifyPortDestroyed, notifySendOnce, notifySendPossible } from './notify.js';
import { PortRequest } from './port-request.js';
import type { PortSet } from './port-set.js';
import type { Space } from './space.js';
import { failReceiveWaiters, type RcvWaiter, type SendWaiter } from './waiter.js';

/** IP_DEAD: an in-flight right whose port died before copy-in (delivered as MACH_PORT_DEAD). */
export const IP_DEAD: unique symbol = Symbol('IP_DEAD');
/** A right as the kernel carries it: a port, no port (MACH_PORT_NULL) or a dead name. */
export type PortRef = Port | null | typeof IP_DEAD;

/** IP_VALID: a real port (neither null nor dead). */
export function IP_VALID(p: PortRef): p is Port {
  return typeof p === 'object' && p !== null;
}

/**
 * ipc_port_request_table_next_size(2, size, …): the next size of a request table, in
 * 16-byte entries, following kalloc's size classes (xnu:osfmk/kern/kalloc.h:
 * KALLOC_ARRAY_TYPE_DECL, kalloc.c:kalloc_next_good_size): 2, 3, 4, 6, 8, 12, 16, 24, …
 */
export function nextRequestTableCount(count: number): number {
  const size = count === 0 ? 2 * 16 - 1 : count * 16 + 16 - 1;
  let good: number;
  if (size < 16) good = 16;
  else if (size < 32) good = 32;
  else {
    const step = 1 << (31 - Math.clz32(size) - 1);
    good = (size + step) & -step;
  }
  return good / 16;
}

/** A port. */
export class Port {
  /** Tells a port from a port set where either can be received on (PortSet.isSet). */
  readonly isSet = false as const;
  /** Kernel-unique identity, stable for the port's life (lsmp's object identity). */
  readonly id: number;
  /** The kernel the port belongs to. */
  readonly kernel: Kernel;
  /** False once the port is dead. */
  active = true;
  /** The space holding the receive right, when it is in a space (the kernel's space for kernel objects). */
  receiver: Space | null = null;
  /** The receive right's name in `receiver`. */
  receiverName = 0;
  /** In transit: the port on whose queue the message carrying this receive right waits. */
  destination: Port | null = null;
  /** The receive right is held by kernel service code (in limbo on purpose). */
  heldReceive = false;
  /** Send rights held by kernel service code (counted in srights). */
  heldSend = 0;
  /** Send-once rights held by kernel service code (counted in sorights). */
  heldSendOnce = 0;

  /** IKOT_* of a kernel object; IKOT_NONE for ordinary ports. */
  kobjectType = IKOT_NONE;
  /** The synchronous server of a kernel object or emulated user-space service. */
  server: KobjectServer | null = null;
  /** An emulated user-space service (launchd, notifyd): plain mach_msg is accepted. */
  userService = false;
  /** What the kernel object stands for (the EmulatedTask of a task port). */
  kobject: unknown = null;
  /** A label for introspection. */
  label: string | undefined;

  /** Send rights in existence (a space entry counts once). */
  srights = 0;
  /** Send-once rights in existence. */
  sorights = 0;
  /** Make-send count. */
  mscount = 0;
  /** Sequence number of the next message received. */
  seqno = 0;
  /** Queue limit. */
  qlimit = MACH_PORT_QLIMIT_DEFAULT;
  /** Messages queued. */
  msgcount = 0;
  /** Queue head (FIFO through Kmsg.next). */
  head: Kmsg | null = null;
  /** Queue tail. */
  tail: Kmsg | null = null;

  /** mach_port_context_t (the guard value when guarded). */
  context = 0n;
  /** Guarded (mach_port_guard / MPO_CONTEXT_AS_GUARD). */
  guarded = false;
  /** Strictly guarded: the context cannot be changed or read. */
  strictGuard = false;
  /** The receive right cannot move (MPO_IMMOVABLE_RECEIVE, guarded descriptors). */
  immovableReceive = false;
  /** Made with MPO_EXCEPTION_PORT (ip_is_exception_port): exception-port calls accept it despite its immovable receive right. */
  exceptionPort = false;
  /** Importance donation enabled (MACH_PORT_STATUS_FLAG_IMP_DONATION). */
  impDonation = false;
  /** Temporary owner (MACH_PORT_STATUS_FLAG_TEMPOWNER). */
  tempOwner = false;

  /** The send-once right a no-senders notification goes out on. */
  nsrequest: Port | null = null;
  /** The send-once right a port-destroyed notification goes out on. */
  pdrequest: Port | null = null;
  /** Dead-name and send-possible requests, in registration order. */
  requests: PortRequest[] | null = null;
  /** Size of the request table as XNU reports it (MACH_PORT_DNREQUESTS_SIZE). */
  requestTableCount = 0;
  /** Some send-possible request is armed. */
  sprequests = false;

  /** Port sets this port is a member of. */
  psets: PortSet[] = [];

  /**
   * The one space whose send-right reverse look-up records this port on the port itself
   * (Space.hashGet), and its entry there; other spaces holding send use their own map.
   */
  hashSpace: Space | null = null;
  hashEntry: Entry | null = null;
  /** Threads receiving on this port itself. */
  rcvWaiters: RcvWaiter[] | null = null;
  /** Senders blocked on a full queue. */
  sendWaiters: SendWaiter[] | null = null;
  /** Death order (ip_timestamp), for header copy-out races. */
  deathTime = 0;

  /** A new live port in limbo; the caller places the receive right. */
  constructor(kernel: Kernel) {
    this.kernel = kernel;
    this.id = kernel.nextPortId();
  }

  /** ip_in_space: the receive right is held by `space`. */
  inSpace(space: Space): boolean {
    return this.receiver === space;
  }

  /** Served synchronously by the kernel (a kernel object or an emulated service). */
  get inKernel(): boolean {
    return this.receiver !== null && this.receiver === this.kernel.kernelSpace;
  }

  /** imq_full: the queue is at its limit. */
  full(): boolean {
    return this.msgcount >= this.qlimit;
  }

  /** imq_full_kernel: the queue is at the kernel's absolute limit. */
  fullKernel(): boolean {
    return this.msgcount >= MACH_PORT_QLIMIT_KERNEL;
  }

  /** Append a message to the queue. */
  enqueue(kmsg: Kmsg): void {
    kmsg.next = null;
    if (this.tail === null) this.head = kmsg;
    else this.tail.next = kmsg;
    this.tail = kmsg;
    this.msgcount++;
  }

  /** Remove and return the first message. */
  dequeue(): Kmsg | null {
    const kmsg = this.head;
    if (kmsg === null) return null;
    this.head = kmsg.next;
    if (this.head === null) this.tail = null;
    kmsg.next = null;
    this.msgcount--;
    return kmsg;
  }

  // -------------------------------------------------------------------------
  // Rights (xnu:osfmk/ipc/ipc_port.c)

  /** ipc_port_make_send_any_locked: a new send right (mscount and srights +1). */
  makeSend(): void {
    this.mscount = (this.mscount + 1) >>> 0;
    this.srights++;
  }

  /** ipc_port_copy_send_any_locked: one more send right. */
  copySend(): void {
    this.srights++;
  }

  /** ipc_port_make_sonce_locked: a new send-once right. */
  makeSendOnce(): void {
    this.sorights++;
  }

  /**
   * ipc_port_release_send: drop a send right; when the last one goes on a live port with
   * a no-senders request armed, the notification fires (one shot).
   */
  releaseSend(): void {
    this.srights--;
    if (this.active && this.srights === 0) this.emitNoSenders();
  }

  /** ipc_port_release_sonce: drop a send-once right without a notification. */
  releaseSendOnce(): void {
    this.sorights--;
  }

  /** ipc_notify_no_senders_prepare + emit: fire an armed no-senders request. */
  emitNoSenders(): void {
    const notify = this.nsrequest;
    if (notify === null) return;
    this.nsrequest = null;
    notifyNoSenders(notify, this.mscount);
  }

  /**
   * ipc_port_nsrequest: arm (or fire at once) a no-senders request and return the
   * previously registered send-once right. It fires immediately when no send rights
   * exist and `sync` <= mscount (reference S79).
   */
  nsRequest(sync: number, notify: Port | null): Port | null {
    const previous = this.nsrequest;
    if (this.srights === 0 && sync >>> 0 <= this.mscount >>> 0 && notify !== null) {
      this.nsrequest = null;
      notifyNoSenders(notify, this.mscount);
    } else {
      this.nsrequest = notify;
    }
    return previous;
  }

  // -------------------------------------------------------------------------
  // Dead-name and send-possible requests

  /** ipc_port_request_alloc: register a request for `space`'s `name`. */
  requestAlloc(space: Space, name: number, notify: Port, sendPossible: boolean, armed: boolean): PortRequest {
    const req = new PortRequest(this, space, name, notify, sendPossible, armed);
    if (this.requests === null) this.requests = [];
    this.requests.push(req);
    // Slot 0 of XNU's table is its free-list head: a table of n entries holds n − 1
    // requests. It grows only when full and never shrinks (ipc_port_request_grow).
    while (this.requests.length > this.requestTableCount - 1) this.requestTableCount = nextRequestTableCount(this.requestTableCount);
    if (sendPossible && armed) this.sprequests = true;
    return req;
  }

  /** ipc_port_request_cancel: remove a request and return its send-once right (or null). */
  requestCancel(req: PortRequest): Port | null {
    const list = this.requests;
    if (list !== null) {
      const i = list.indexOf(req);
      if (i >= 0) list.splice(i, 1);
    }
    const notify = req.notify;
    req.notify = null;
    return notify;
  }

  /** ipc_port_request_sparm: arm a delayed send-possible request; true when it was one. */
  requestSparm(req: PortRequest): boolean {
    if (!req.sendPossible || req.notify === null) return false;
    req.armed = true;
    this.sprequests = true;
    return true;
  }

  /** ipc_port_spnotify: fire every armed send-possible request (a message was dequeued). */
  spnotify(): void {
    if (!this.sprequests) return;
    this.sprequests = false;
    if (!this.active || this.requests === null) return;
    for (const req of this.requests.slice()) {
      if (req.sendPossible && req.armed && req.notify !== null) {
        const notify = req.notify;
        // The slot stays in use with no right: it no longer types its name.
        req.notify = null;
        notifySendPossible(notify, req.name);
      }
    }
  }

  /** ipc_port_dnnotify: send a dead-name notification for every request (the port died). */
  dnnotify(): void {
    const list = this.requests;
    if (list === null) return;
    for (const req of list) {
      const notify = req.notify;
      if (notify === null) continue;
      req.notify = null;
      req.fired = true;
      notifyDeadName(notify, req.name);
    }
  }

  // -------------------------------------------------------------------------
  // Receive right movement and death

  /**
   * ipc_port_clear_receiver: take the port out of its space's reach. Leaves every port
   * set, sends blocked receivers away with MACH_RCV_PORT_CHANGED and resets mscount,
   * seqno, context and guard. With `destroy` the port dies: blocked senders are released
   * and the queued messages are returned for destruction; otherwise it goes to limbo.
   */
  clearReceiver(destroy: boolean): Kmsg | null {
    for (const pset of this.psets) pset.removeMember(this);
    this.psets = [];
    if (this.rcvWaiters !== null && this.rcvWaiters.length > 0) {
      const waiters = this.rcvWaiters;
      this.rcvWaiters = null;
      failReceiveWaiters(waiters, MACH_RCV_PORT_CHANGED);
    }
    this.mscount = 0;
    this.seqno = 0;
    this.context = 0n;
    this.guarded = false;
    this.strictGuard = false;
    this.receiver = null;
    this.receiverName = 0;
    this.destination = null;
    if (!destroy) {
      this.immovableReceive = false;
      return null;
    }
    this.active = false;
    this.deathTime = this.kernel.nextTimestamp();
    const senders = this.sendWaiters;
    this.sendWaiters = null;
    if (senders !== null) for (const w of senders) w.releaseDestroyed();
    const queued = this.head;
    this.head = this.tail = null;
    this.msgcount = 0;
    return queued;
  }

  /**
   * ipc_port_destroy: the receive right is being destroyed. With a port-destroyed request
   * the receive right is sent to it instead (the port lives on, reference S84). Otherwise
   * the port dies: its queued messages are destroyed, an armed no-senders request turns
   * into a send-once notification (S82), and dead-name notifications go out.
   */
  destroy(): void {
    const pdrequest = this.pdrequest;
    this.pdrequest = null;
    const queued = this.clearReceiver(pdrequest === null);
    if (pdrequest !== null) {
      notifyPortDestroyed(pdrequest, this);
      return;
    }
    const ns = this.nsrequest;
    this.nsrequest = null;
    this.kernel.portDied(this);
    let kmsg = queued;
    while (kmsg !== null) {
      const next = kmsg.next;
      kmsg.next = null;
      this.kernel.destroyKmsg(kmsg);
      kmsg = next;
    }
    if (ns !== null) notifySendOnce(ns);
    this.dnnotify();
    this.server = null;
  }

  /** ipc_port_release_receive: destroy a receive right the kernel holds (in transit or limbo). */
  releaseReceive(): void {
    this.destination = null;
    this.heldReceive = false;
    this.destroy();
  }

  /**
   * ipc_port_check_circularity: would queuing this port's receive right on `dest` make a
   * cycle (dest is this port, or dest is in transit towards it)? If not, the port goes in
   * transit towards dest.
   */
  checkCircularity(dest: Port): boolean {
    if (this === dest) return true;
    // Follow the chain of ports in transit from dest to its end; reaching this port
    // (in limbo, being copied in) means the message would carry its own destination.
    let base: Port = dest;
    while (base.active && base.receiver === null && base.destination !== null) base = base.destination;
    if (base === this) return true;
    this.destination = dest;
    return false;
  }
}
