/**
 * The shape of an inspection, the same on the emulator and on the real kernel: every name
 * in a task's IPC space with its rights, user references, the port's identity, receive
 * status, set membership, armed notifications, kernel-object type and the process at the
 * other end. `docs/LSMP.md` documents the JSON form (`machport.lsmp/1`).
 * @module
 */
import type { PortFlagName } from './names.js';
import type { PortTable } from './table.js';

export type { PortFlagName } from './names.js';

/** Which backend produced an inspection. */
export type InspectBackend = 'emulator' | 'native';

/** A right a name can denote. A name can hold `receive` and `send` together. */
export type RightName = 'receive' | 'send' | 'send-once' | 'port-set' | 'dead-name';

/**
 * A notification armed on a port or name: `dead-name` (on this name, DNREQUEST bit),
 * `send-possible` (on this name), `no-senders` and `port-destroyed` (on the receive right).
 */
export type RequestName = 'dead-name' | 'send-possible' | 'no-senders' | 'port-destroyed';

/** A process: its pid and its name (proc_name on Darwin, the task's name on the emulator). */
export interface ProcessRef {
  pid: number;
  process: string;
}

/** What a receive right's port reports (mach_port_get_attributes MACH_PORT_INFO_EXT, get_context). */
export interface ReceiveStatus {
  /** Queue limit (mps_qlimit). */
  qlimit: number;
  /** Messages queued (mps_msgcount). */
  msgcount: number;
  /** Next sequence number (mps_seqno). */
  seqno: number;
  /** Make-send count (mps_mscount). */
  mscount: number;
  /** Send-once rights in existence (mps_sorights). */
  sorights: number;
  /** Whether send rights exist anywhere (mps_srights; lsmp's `oref`). */
  srights: boolean;
  /** Status flags (mps_flags) by name. */
  flags: readonly PortFlagName[];
  /** The raw mps_flags word. */
  flagBits: number;
  /** The port's context (mach_port_get_context), a 64-bit value. */
  context: bigint;
  /** Importance boosts (mpie_boost_cnt); always 0 on the emulator. */
  boosts: number;
  /** The names of the port sets (in the same task) this port is a member of, ascending. */
  sets: readonly number[];
}

/** The kernel object behind a send right (mach_port_kobject). */
export interface KobjectInfo {
  /** The IKOT_* value. */
  type: number;
  /** The IKOT_* name without prefix, e.g. `'TASK_CONTROL'`, `'HOST'`. */
  typeName: string;
  /** The label lsmp prints, e.g. `'TASK-CONTROL'`. */
  label: string;
  /** The kernel's description of the object (mach_port_kobject_description), when it gave one. */
  description?: string;
  /** For task ports: the task it stands for, when known; `self` when it is the inspected task. */
  task?: ProcessRef & { self: boolean };
}

/**
 * Where a send or send-once right leads:
 * - `task`: the receive right is held by `pid`/`process` under `name` (with that port's queue);
 * - `kernel`: the port is a kernel object (see `kobject`);
 * - `dead`: the port is dead (the name is still reported as a send right: the kernel converts
 *   such entries to dead names lazily, and mach_port_space_info shows the raw view);
 * - `in-transit`: the receive right is inside a queued message;
 * - `service`: (emulator only) the receive right is held by an emulated system service that
 *   lives inside the emulated kernel (its launchd, notifyd); `process` names it;
 * - `unknown`: the receiver is in a task that was not (or could not be) inspected.
 */
export type PeerState = 'task' | 'kernel' | 'dead' | 'in-transit' | 'service' | 'unknown';

/** The other end of a send or send-once right. */
export interface Peer {
  state: PeerState;
  /** The process holding the receive right (state `task`; sometimes known for `unknown` too). */
  pid?: number;
  process?: string;
  /** The receive right's name in that process's space (state `task`). */
  name?: number;
  /** The destination port's queue limit and depth (state `task`). */
  qlimit?: number;
  msgcount?: number;
}

/** Another right to a port whose receive right this name holds (lsmp's `+` rows). */
export interface Holder extends ProcessRef {
  /** The holder's name for its right. */
  name: number;
  rights: readonly RightName[];
  urefs: number;
  /** A dead-name request is armed on the holder's name. */
  deadNameRequest: boolean;
}

/**
 * One name in a task's IPC space. An inspection is a snapshot: its arrays are read-only
 * (empty ones and right lists are shared between entries).
 */
export interface PortEntry {
  /** The port name in the inspected task's space. */
  name: number;
  /**
   * The port's identity, equal across tasks for the same port (0 for dead names and port
   * sets without identity). Native: mach_port_space_info's iin_object (a hashed kernel
   * address); emulator: the kernel's port id.
   */
  object: number;
  /** The raw MACH_PORT_TYPE_* bits as mach_port_space_info reports them. */
  type: number;
  /** The rights the name denotes. */
  rights: readonly RightName[];
  /** User references (iin_urefs): send or dead-name urefs; 1 for send-once; 0 for receive-only and port sets. */
  urefs: number;
  /** Armed notifications. */
  requests: readonly RequestName[];
  /** Receive status, for a name holding a receive right; else null. */
  receive: ReceiveStatus | null;
  /** For a port set: its members' names, ascending; else null. */
  members: readonly number[] | null;
  /** For a right to a kernel object: what it is; else null. */
  kobject: KobjectInfo | null;
  /** For a send or send-once right without the receive right: where it leads; else null. */
  peer: Peer | null;
  /** For a receive right: every other right to the port among the inspected tasks; else null. */
  holders: readonly Holder[] | null;
}

/** Counts at the foot of the table, as lsmp prints them. */
export interface InspectionSummary {
  /** Names in the space. */
  total: number;
  /** Names holding a send right (including send+receive names). */
  send: number;
  receive: number;
  sendOnce: number;
  portSet: number;
  deadName: number;
  /** Names with a dead-name request. */
  dnrequest: number;
}

/** One task's IPC space, inspected. */
export interface TaskInspection extends ProcessRef {
  backend: InspectBackend;
  /** True when this is the calling process's own task (on the emulator: the process task). */
  self: boolean;
  /**
   * Every name in the space, ascending. An inspection read from a space builds these
   * records from `table` when this is first read, and keeps them.
   */
  ports: PortEntry[];
  summary: InspectionSummary;
  /**
   * The same names in columns (not enumerable), on an inspection read from a space in this
   * process; absent on one that came over a kernel-host socket or from JSON. For large
   * spaces: rows become records only while looked at (`entry(i)`, iteration).
   */
  readonly table?: PortTable;
}

/** Why a task could not be inspected. */
export type UnreadableReason = 'not-permitted' | 'no-such-process' | 'failed';

/** A task that could not be read, and why. */
export interface Unreadable {
  pid: number;
  /** Its name, when it could be found. */
  process?: string;
  reason: UnreadableReason;
  /** Darwin's symbolic code (e.g. `'KERN_FAILURE'`) or `'ESRCH'`. */
  code: string;
  /** The numeric kern_return_t, when there is one. */
  kr?: number;
  /** A sentence for people, starting with the code, e.g. `'KERN_FAILURE: task_read_for_pid(…) was refused: …'`. */
  error: string;
}

/** The kernel host whose kernel an emulator inspection read (the caller is one of its clients). */
export interface KernelHostRef {
  /** Its socket path; null for a worker thread joined over a MessagePort. */
  socket: string | null;
  /** The kernel host's process id. */
  pid: number;
}

/** Every task the caller may read, and the ones it may not. */
export interface InspectionReport {
  backend: InspectBackend;
  tasks: TaskInspection[];
  unreadable: Unreadable[];
  /** Present when the tasks are a kernel host's (the caller's tasks live there, e.g. MACHPORT_KERNEL). */
  kernelHost?: KernelHostRef;
}
