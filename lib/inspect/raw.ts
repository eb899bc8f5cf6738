/**
 * The raw view a backend hands to the assembler: what mach_port_space_info, the receive
 * status and the kernel-object query tell about each name of one space, before any
 * cross-task matching. The emulator and the native adapters both produce it.
 * @module
 */
import type { InspectBackend, ProcessRef } from './types.js';

/** The receive status of a port, as mach_port_get_attributes(MACH_PORT_INFO_EXT) gives it. */
export interface RawReceiveStatus {
  qlimit: number;
  msgcount: number;
  seqno: number;
  mscount: number;
  sorights: number;
  /** mps_srights: boolean on Darwin (any send right exists); a count is accepted too. */
  srights: boolean | number;
  pdrequest: boolean | number;
  nsrequest: boolean | number;
  flags: number;
  context?: bigint;
  boosts?: number;
}

/** One entry of a space (an ipc_info_name_t plus what the per-name queries add). */
export interface RawEntry {
  /** iin_name. */
  name: number;
  /** iin_type: raw MACH_PORT_TYPE_* bits, DNREQUEST/SPREQUEST included. */
  type: number;
  /** iin_urefs. */
  urefs: number;
  /** iin_object: the port's identity, the same in every space (0 when there is none). */
  object: number;
  /** For a receive right. */
  status?: RawReceiveStatus;
  /** For a port set: member names. */
  members?: number[];
  /** For a send or send-once right to a kernel object (type 0 or absent for an ordinary port). */
  kobject?: { type: number; description?: string };
  /** For a task-kind kernel object: the task it stands for, when the backend knows. */
  kobjectTask?: ProcessRef;
  /** What the backend knows of the port's life (the emulator knows; the native side cannot tell). */
  portState?: 'alive' | 'dead' | 'in-transit';
  /** The receive right is held by an emulated system service inside the kernel (launchd, notifyd): its label. */
  service?: string;
  /** The receiver as the backend knows it, used when the receiver's task is not among those inspected. */
  receiver?: ProcessRef & { name?: number };
}

/**
 * A RawEntry with every field present (absent ones undefined), for code that refills one
 * record per name and hands it to buildEntry, which keeps none of it.
 */
export class RawEntryRecord implements RawEntry {
  name = 0;
  type = 0;
  urefs = 0;
  object = 0;
  status: RawReceiveStatus | undefined = undefined;
  members: number[] | undefined = undefined;
  kobject: { type: number; description?: string } | undefined = undefined;
  kobjectTask: ProcessRef | undefined = undefined;
  portState: 'alive' | 'dead' | 'in-transit' | undefined = undefined;
  service: string | undefined = undefined;
  receiver: (ProcessRef & { name?: number }) | undefined = undefined;
}

/** One space, raw. */
export interface RawTaskSpace extends ProcessRef {
  backend: InspectBackend;
  /** The calling process's own task. */
  self: boolean;
  /** The identity of this task's own task port, to recognise rights naming this task. */
  taskPortObject?: number;
  entries: RawEntry[];
}
