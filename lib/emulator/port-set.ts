/**
 * A port set: a receive point for the messages of its member ports. As on Darwin a port
 * can be in several sets at once (mach_port_insert_member) and may still be received
 * from directly (reference §0.1). Members with messages are kept in the order they became
 * non-empty; a receive on the set serves the first and moves it to the back (round robin,
 * xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_receive_on_thread_and_unlock, "put the message at
 * the back of the prepost list").
 * @module
 */
import { MACH_RCV_PORT_CHANGED } from '../constants.js';
import type { Kernel } from './kernel.js';
import type { Port } from './port.js';
import type { Space } from './space.js';
import { failReceiveWaiters, type RcvWaiter } from './waiter.js';

/** A port set. */
export class PortSet {
  /** Tells a set from a port where either can be received on (cheaper than instanceof on the receive path). */
  readonly isSet = true as const;
  /** Kernel-unique identity. */
  readonly id: number;
  /** The kernel. */
  readonly kernel: Kernel;
  /** The space holding the set. */
  readonly space: Space;
  /** The set's name in that space. */
  name: number;
  /** False once destroyed. */
  active = true;
  /** Member ports, in the order they joined. */
  readonly members = new Set<Port>();
  /** Members that may have messages, oldest first (the prepost list). */
  readonly prepost = new Set<Port>();
  /** Threads receiving on the set. */
  rcvWaiters: RcvWaiter[] | null = null;

  /** A new empty set named `name` in `space`. */
  constructor(kernel: Kernel, space: Space, name: number) {
    this.kernel = kernel;
    this.id = kernel.nextPortId();
    this.space = space;
    this.name = name;
  }

  /** Link `port` into the set (the caller checked it is not a member yet). */
  addMember(port: Port): void {
    this.members.add(port);
    port.psets.push(this);
    if (port.msgcount > 0) this.prepost.add(port);
  }

  /** Unlink `port` from this set only (the port's own list is the caller's business). */
  removeMember(port: Port): void {
    this.members.delete(port);
    this.prepost.delete(port);
  }

  /** Unlink `port` from this set and drop the set from the port's memberships. */
  unlink(port: Port): void {
    this.removeMember(port);
    const i = port.psets.indexOf(this);
    if (i >= 0) port.psets.splice(i, 1);
  }

  /**
   * ipc_pset_destroy: the set dies; receivers blocked on it get MACH_RCV_PORT_CHANGED and
   * its members leave it, keeping their messages (reference S29, S54).
   */
  destroy(): void {
    this.active = false;
    if (this.rcvWaiters !== null && this.rcvWaiters.length > 0) {
      const waiters = this.rcvWaiters;
      this.rcvWaiters = null;
      failReceiveWaiters(waiters, MACH_RCV_PORT_CHANGED);
    }
    for (const port of this.members) {
      const i = port.psets.indexOf(this);
      if (i >= 0) port.psets.splice(i, 1);
    }
    this.members.clear();
    this.prepost.clear();
  }
}
