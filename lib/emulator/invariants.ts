/**
 * The kernel's bookkeeping invariants, for tests and fuzzing: every right is accounted
 * for. For each live port, srights equals the space entries holding send rights for it
 * plus the send rights in flight (in queued messages, blocked sends) plus those held by
 * kernel service code; sorights likewise, counting the send-once rights registered for
 * notifications; the receive right is in exactly one place; the queue length is the
 * message count; no live state points into a terminated task.
 * @module
 */
import {
  MACH_MSG_GUARDED_PORT_DESCRIPTOR,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_TYPE_PORT_RECEIVE,
  MACH_MSG_TYPE_PORT_SEND,
  MACH_MSG_TYPE_PORT_SEND_ONCE,
  MACH_MSGH_BITS_LOCAL,
  MACH_MSGH_BITS_REMOTE,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_PORT_SET,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_PORT_TYPE_SEND_ONCE,
  MACH_PORT_UREFS_MAX,
} from '../constants.js';
import type { Kernel } from './kernel.js';
import type { Kmsg } from './kmsg.js';
import { IP_VALID, type Port, type PortRef } from './port.js';
import type { PortSet } from './port-set.js';

/** A failed invariant. */
export class InvariantError extends Error {
  /** Describe what is inconsistent. */
  constructor(message: string) {
    super(`kernel invariant violated: ${message}`);
    this.name = 'InvariantError';
  }
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

function describePort(p: Port): string {
  return `port#${p.id}${p.label !== undefined ? ` (${p.label})` : ''}`;
}

/** Throw InvariantError at the first inconsistency of `kernel`. */
export function checkInvariants(kernel: Kernel): void {
  const sr = new Map<Port, number>();
  const so = new Map<Port, number>();
  const rcv = new Map<Port, string[]>();
  const live = kernel.ports;
  const add = (m: Map<Port, number>, p: Port): void => {
    m.set(p, (m.get(p) ?? 0) + 1);
  };
  const addRcv = (p: Port, where: string): void => {
    const list = rcv.get(p);
    if (list === undefined) rcv.set(p, [where]);
    else list.push(where);
  };
  const right = (p: PortRef, type: number, where: string): void => {
    if (!IP_VALID(p) || !p.active) return;
    if (!live.has(p)) throw new InvariantError(`${where} refers to ${describePort(p)} which the kernel does not know`);
    if (type === MACH_MSG_TYPE_PORT_SEND) add(sr, p);
    else if (type === MACH_MSG_TYPE_PORT_SEND_ONCE) add(so, p);
    else if (type === MACH_MSG_TYPE_PORT_RECEIVE) addRcv(p, where);
  };
  const message = (k: Kmsg, where: string, queuePort: Port | null): void => {
    right(k.dest, MACH_MSGH_BITS_REMOTE(k.bits), `${where} destination`);
    right(k.reply, MACH_MSGH_BITS_LOCAL(k.bits), `${where} reply`);
    const check = (p: PortRef, type: number, w: string): void => {
      right(p, type, w);
      if (type === MACH_MSG_TYPE_PORT_RECEIVE && IP_VALID(p) && p.active && queuePort !== null && p.destination !== queuePort) {
        throw new InvariantError(`${describePort(p)} travels in a message queued on ${describePort(queuePort)} but is not in transit there`);
      }
    };
    for (const d of k.descs ?? []) {
      if (d.type === MACH_MSG_PORT_DESCRIPTOR || d.type === MACH_MSG_GUARDED_PORT_DESCRIPTOR) check(d.port, d.disposition, `${where} descriptor`);
      else if (d.type === MACH_MSG_OOL_PORTS_DESCRIPTOR) for (const p of d.ports) check(p, d.disposition, `${where} port array`);
    }
  };

  // Spaces.
  for (const task of kernel.tasks) {
    const space = task.space;
    if (!space.active) throw new InvariantError(`live task ${task.name}[${task.pid}] has a dead space`);
    for (const e of space.entries()) {
      const where = `${task.name}[${task.pid}] name ${hex(e.name)}`;
      const type = e.type;
      if (type === 0) throw new InvariantError(`${where} is in use with no right`);
      if (e.urefs < 0 || e.urefs > MACH_PORT_UREFS_MAX) throw new InvariantError(`${where} has ${e.urefs} urefs`);
      if (type === MACH_PORT_TYPE_DEAD_NAME) {
        if (e.object !== null || e.urefs < 1 || e.request !== null) throw new InvariantError(`${where} is a malformed dead name`);
        continue;
      }
      if (type === MACH_PORT_TYPE_PORT_SET) {
        const pset = e.object as PortSet;
        if (pset === null || !pset.active || pset.space !== space || pset.name !== e.name || e.urefs !== 0) {
          throw new InvariantError(`${where} is a malformed port set`);
        }
        for (const m of pset.members) {
          if (!m.psets.includes(pset)) throw new InvariantError(`${where}: member ${describePort(m)} does not list the set`);
          if (m.receiver !== space) throw new InvariantError(`${where}: member ${describePort(m)} is not a receive right of this space`);
        }
        continue;
      }
      const port = e.object as Port;
      if (port === null) throw new InvariantError(`${where} holds port rights but no port`);
      if ((type & MACH_PORT_TYPE_SEND_ONCE) !== 0 && (type !== MACH_PORT_TYPE_SEND_ONCE || e.urefs !== 1)) {
        throw new InvariantError(`${where} is a malformed send-once right`);
      }
      if (!port.active) {
        if ((type & MACH_PORT_TYPE_RECEIVE) !== 0) throw new InvariantError(`${where} holds the receive right of dead ${describePort(port)}`);
        continue;
      }
      if (!live.has(port)) throw new InvariantError(`${where} refers to unknown ${describePort(port)}`);
      if ((type & MACH_PORT_TYPE_SEND) !== 0) {
        if (e.urefs < 1) throw new InvariantError(`${where} holds send with ${e.urefs} urefs`);
        add(sr, port);
        if ((type & MACH_PORT_TYPE_RECEIVE) === 0 && space.hashGet(port) !== e) {
          throw new InvariantError(`${where}: the reverse look-up of ${describePort(port)} does not find it`);
        }
      }
      if ((type & MACH_PORT_TYPE_SEND_ONCE) !== 0) add(so, port);
      if ((type & MACH_PORT_TYPE_RECEIVE) !== 0) {
        if ((type & MACH_PORT_TYPE_SEND) === 0 && e.urefs !== 0) throw new InvariantError(`${where}: receive right with ${e.urefs} urefs`);
        if (port.receiver !== space || port.receiverName !== e.name) {
          throw new InvariantError(`${where}: ${describePort(port)} does not record this receive right`);
        }
        addRcv(port, where);
      }
      if (e.request !== null && (e.request.port !== port || e.request.name !== e.name || !port.requests?.includes(e.request))) {
        throw new InvariantError(`${where}: its request is not registered on ${describePort(port)}`);
      }
    }
    const recorded = new Set<Port>();
    for (const [port, e] of space.hashPairs(live)) {
      if (recorded.has(port)) throw new InvariantError(`${task.name}[${task.pid}]: the reverse look-up records ${describePort(port)} twice`);
      recorded.add(port);
      if (space.lookup(e.name) !== e || e.object !== port || (e.bits & MACH_PORT_TYPE_SEND) === 0) {
        throw new InvariantError(`${task.name}[${task.pid}]: stale reverse look-up for ${describePort(port)}`);
      }
    }
  }

  // Ports: queues, blocked senders, registrations, custody.
  for (const port of live) {
    if (!port.active) throw new InvariantError(`dead ${describePort(port)} is still registered`);
    let n = 0;
    for (let k = port.head; k !== null; k = k.next) {
      n++;
      message(k, `message queued on ${describePort(port)}`, port);
    }
    if (n !== port.msgcount) throw new InvariantError(`${describePort(port)} has msgcount ${port.msgcount} but ${n} queued messages`);
    for (const w of port.sendWaiters ?? []) message(w.kmsg, `blocked send to ${describePort(port)}`, null);
    if (port.nsrequest !== null) right(port.nsrequest, MACH_MSG_TYPE_PORT_SEND_ONCE, `no-senders request of ${describePort(port)}`);
    if (port.pdrequest !== null) right(port.pdrequest, MACH_MSG_TYPE_PORT_SEND_ONCE, `port-destroyed request of ${describePort(port)}`);
    for (const r of port.requests ?? []) if (r.notify !== null) right(r.notify, MACH_MSG_TYPE_PORT_SEND_ONCE, `request of ${describePort(port)}`);
    for (let i = 0; i < port.heldSend; i++) add(sr, port);
    for (let i = 0; i < port.heldSendOnce; i++) add(so, port);
    if (port.heldSend < 0 || port.heldSendOnce < 0) throw new InvariantError(`${describePort(port)} has negative custody counts`);
    if (port.heldReceive) addRcv(port, 'kernel custody');
    if (port.inKernel) addRcv(port, 'the kernel');
    if (port.receiver !== null && port.receiver !== kernel.kernelSpace) {
      const owner = port.receiver.task;
      if (!port.receiver.active || owner === null || owner.terminated) {
        throw new InvariantError(`${describePort(port)} is received by a terminated task`);
      }
    }
    for (const s of port.psets) {
      if (!s.active || !s.members.has(port)) throw new InvariantError(`${describePort(port)} lists a set it is not in`);
    }
  }

  for (const port of live) {
    const s = sr.get(port) ?? 0;
    if (port.srights !== s) throw new InvariantError(`${describePort(port)} has srights ${port.srights} but ${s} send rights exist`);
    const o = so.get(port) ?? 0;
    if (port.sorights !== o) throw new InvariantError(`${describePort(port)} has sorights ${port.sorights} but ${o} send-once rights exist`);
    const places = rcv.get(port) ?? [];
    if (places.length !== 1) {
      throw new InvariantError(`the receive right of ${describePort(port)} is in ${places.length} places${places.length > 0 ? `: ${places.join('; ')}` : ''}`);
    }
  }
}
