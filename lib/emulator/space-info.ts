/**
 * Introspection of a task's space for lsmp-style tools: one record per name with the
 * rights it holds and the state of the port behind it. Linear in the number of names.
 * @module
 */
import { IKOT_TASK_CONTROL, MACH_PORT_TYPE_PORT_SET, MACH_PORT_TYPE_RECEIVE } from '../constants.js';
import { namesType, portStatusFlags } from './mach-port.js';
import type { Port } from './port.js';
import type { PortSet } from './port-set.js';
import type { EmulatedTask } from './task.js';

/** One name of a space as spaceInfo reports it. */
export interface SpaceInfoEntry {
  /** The name. */
  name: number;
  /** MACH_PORT_TYPE_* bits as mach_port_names reports them (dead ports' rights read as dead names; request bits included). */
  type: number;
  /** User references (send, send-once, dead name); 0 for receive-only and port-set names. */
  urefs: number;
  /** Kernel-unique identity of the port or port set (0 for a dead name). */
  portId: number;
  /** The task holding the port's receive right (and its name there), if it is in a task's space. */
  receiver: { pid: number; name: string; portName: number } | null;
  /** The name denotes a right to a port that has died (not yet converted to a dead name). */
  portDead: boolean;
  /** The port's receive right travels inside a queued message. */
  inTransit: boolean;
  /** The receive right is held by the kernel (a kernel object or emulated service). */
  inKernel: boolean;
  /** Messages queued on the port. */
  msgcount: number;
  /** The port's queue limit. */
  qlimit: number;
  /** The port's next sequence number. */
  seqno: number;
  /** Make-send count. */
  mscount: number;
  /** Send rights in existence. */
  srights: number;
  /** Send-once rights in existence. */
  sorights: number;
  /** mps_flags of RECEIVE_STATUS (guarded, strict, immovable, …). */
  flags: number;
  /** The port's context (guard), reported to its receiver only. */
  context: bigint;
  /** A no-senders request is armed (receiver's view). */
  nsrequest: boolean;
  /** A port-destroyed request is armed (receiver's view). */
  pdrequest: boolean;
  /** For a port set, its members' names; for a receive right, the names of the sets it is in. */
  members: number[];
  /** A dead-name (or send-possible) request is registered on this name. */
  dnrequest: boolean;
  /** IKOT_* of a kernel object (IKOT_NONE for ordinary ports and emulated services). */
  kobjectType: number;
  /** For a task port, the task it stands for. */
  kobjectTask?: { pid: number; name: string };
  /** A label the kernel gave the port (e.g. "host", "task name[pid]", a service name). */
  label: string | undefined;
}

/** The counts lsmp shows for the port behind any name. */
export interface PortCounts {
  qlimit: number;
  msgcount: number;
  seqno: number;
  mscount: number;
  srights: number;
  sorights: number;
}

/** The counts and what only the receiver is told: RECEIVE_STATUS's flags and requests, and the context. */
export interface ReceiveStatusFields extends PortCounts {
  flags: number;
  context: bigint;
  nsrequest: boolean;
  pdrequest: boolean;
}

/** Write `port`'s counts into `out` (a record the caller may reuse from name to name). */
export function fillPortCounts(out: PortCounts, port: Port): void {
  out.qlimit = port.qlimit;
  out.msgcount = port.msgcount;
  out.seqno = port.seqno;
  out.mscount = port.mscount;
  out.srights = port.srights;
  out.sorights = port.sorights;
}

/** Write what `port`'s receiver sees of it into `out`: the counts, flags, requests and context. */
export function fillReceiveStatus(out: ReceiveStatusFields, port: Port): void {
  fillPortCounts(out, port);
  out.flags = portStatusFlags(port);
  out.context = port.context;
  out.nsrequest = port.nsrequest !== null;
  out.pdrequest = port.pdrequest !== null;
}

/** The records of every name of `task`'s space, in increasing index order. */
export function spaceInfo(task: EmulatedTask): SpaceInfoEntry[] {
  const out: SpaceInfoEntry[] = [];
  if (!task.space.active) return out;
  for (const e of task.space.entries()) {
    const obj = e.object;
    const info: SpaceInfoEntry = {
      name: e.name,
      type: namesType(e),
      urefs: e.urefs,
      portId: obj === null ? 0 : obj.id,
      receiver: null,
      portDead: obj !== null && !obj.active,
      inTransit: false,
      inKernel: false,
      msgcount: 0,
      qlimit: 0,
      seqno: 0,
      mscount: 0,
      srights: 0,
      sorights: 0,
      flags: 0,
      context: 0n,
      nsrequest: false,
      pdrequest: false,
      members: [],
      dnrequest: e.request !== null && e.request.type() !== 0,
      kobjectType: 0,
      label: undefined,
    };
    if (obj !== null && (e.bits & MACH_PORT_TYPE_PORT_SET) !== 0) {
      for (const p of (obj as PortSet).members) info.members.push(p.receiverName);
      info.members.sort((a, b) => a - b);
    } else if (obj !== null) {
      const port = obj as Port;
      const owner = port.receiver?.task ?? null;
      info.receiver = owner !== null ? { pid: owner.pid, name: owner.name, portName: port.receiverName } : null;
      info.inTransit = port.active && port.receiver === null && port.destination !== null;
      info.inKernel = port.inKernel;
      info.kobjectType = port.kobjectType;
      info.label = port.label;
      if (port.kobjectType === IKOT_TASK_CONTROL && port.kobject !== null) {
        const t = port.kobject as EmulatedTask;
        info.kobjectTask = { pid: t.pid, name: t.name };
      }
      if ((e.bits & MACH_PORT_TYPE_RECEIVE) !== 0) {
        fillReceiveStatus(info, port);
        for (const s of port.psets) info.members.push(s.name);
        info.members.sort((a, b) => a - b);
      } else {
        fillPortCounts(info, port);
      }
    }
    out.push(info);
  }
  return out;
}
