/**
 * Inspection on the real kernel. What it needs from the native backend beyond
 * {@link MachApi} is the small {@link NativeIntrospection} interface (process listing,
 * task_read_for_pid, mach_port_space_info); per-name details come from MachApi calls on
 * the task read port (mach_port_get_attributes MACH_PORT_INFO_EXT, mach_port_get_context,
 * mach_port_get_set_status, mach_port_kobject), as Apple's lsmp does.
 * @module
 */
import * as C from '../constants.js';
import type { MachApi, mach_port_info_ext_t } from '../types.js';
import { MachError } from '../errors.js';
import { failure, InspectError, noSuchProcess, taskReadRefused } from './errors.js';
import type { RawEntry, RawReceiveStatus, RawTaskSpace } from './raw.js';
import type { Unreadable } from './types.js';

/** ipc_info_name_t, one slot of mach_port_space_info's table (free slots have type 0). */
export interface ipc_info_name_t {
  iin_name: number;
  iin_collision?: number;
  iin_type: number;
  iin_urefs: number;
  iin_object: number;
  iin_next?: number;
  iin_hash?: number;
}

/**
 * The introspection primitives the native backend provides (lib/native exports
 * `loadNativeIntrospection()` returning one). Every call throws MachError on a kernel
 * failure, with Darwin's code.
 */
export interface NativeIntrospection {
  /** proc_listpids(PROC_ALL_PIDS, …): the pids of every process. */
  listPids(): number[];
  /** proc_name(pid): the process's short name, '' when it cannot be read. */
  procName(pid: number): string;
  /**
   * task_read_for_pid(mach_task_self(), pid): a send right (a name in this process's
   * space) to the task's read port; the caller deallocates it. Throws MachError with the
   * kernel's code when refused (KERN_FAILURE for want of privilege).
   */
  task_read_for_pid(pid: number): number;
  /** mach_port_space_info(task): the table, one ipc_info_name_t per slot. */
  mach_port_space_info(task: number): { table_info: ipc_info_name_t[] };
  /**
   * mach_port_kobject_description(task, name), when available: the kernel object's type and
   * the kernel's description of it. Without it, MachApi's mach_port_kobject is used.
   */
  mach_port_kobject_description?(task: number, name: number): { object_type: number; object_addr: bigint; description: string };
}

/** The raw introspection functions of the Darwin addon (native/introspection.cc): `[kr, …values]` results. */
export interface IntrospectionAddon {
  task_read_for_pid(pid: number): [number, number];
  mach_port_space_info(task: number): [number, Uint32Array?, Uint32Array?];
  mach_port_kobject_description?(task: number, name: number): [number, number?, bigint?, string?];
  proc_listpids(): Int32Array | number[];
  proc_name(pid: number): string;
}

/** Build {@link NativeIntrospection} over the addon's raw functions (kern_return_t → MachError). */
export function introspectionFromAddon(addon: IntrospectionAddon): NativeIntrospection {
  const intro: NativeIntrospection = {
    listPids: () => Array.from(addon.proc_listpids()),
    procName: (pid) => addon.proc_name(pid),
    task_read_for_pid: (pid) => {
      const [kr, task] = addon.task_read_for_pid(pid);
      if (kr !== 0) throw new MachError(kr, 'task_read_for_pid');
      return task;
    },
    mach_port_space_info: (task) => {
      const [kr, , words] = addon.mach_port_space_info(task);
      if (kr !== 0) throw new MachError(kr, 'mach_port_space_info');
      const table_info: ipc_info_name_t[] = [];
      const w = words ?? new Uint32Array(0);
      for (let i = 0; i + 7 <= w.length; i += 7) {
        table_info.push({
          iin_name: w[i]!,
          iin_collision: w[i + 1]!,
          iin_type: w[i + 2]!,
          iin_urefs: w[i + 3]!,
          iin_object: w[i + 4]!,
          iin_next: w[i + 5]!,
          iin_hash: w[i + 6]!,
        });
      }
      return { table_info };
    },
  };
  const describe = addon.mach_port_kobject_description;
  if (typeof describe === 'function') {
    intro.mach_port_kobject_description = (task, name) => {
      const [kr, type, addr, desc] = describe.call(addon, task, name);
      if (kr !== 0) throw new MachError(kr, 'mach_port_kobject_description');
      return { object_type: type ?? 0, object_addr: addr ?? 0n, description: desc ?? '' };
    };
  }
  return intro;
}

/** Does a process with this pid exist? (kill(pid, 0): ESRCH means no; EPERM means yes.) */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function statusOf(api: MachApi, task: number, name: number): RawReceiveStatus | undefined {
  try {
    const info = api.mach_port_get_attributes(task, name, C.MACH_PORT_INFO_EXT, C.MACH_PORT_INFO_EXT_COUNT) as mach_port_info_ext_t;
    const s = info.mpie_status;
    let context = 0n;
    try {
      context = api.mach_port_get_context(task, name);
    } catch {
      // lsmp also tolerates a failing get_context
    }
    return {
      qlimit: s.mps_qlimit,
      msgcount: s.mps_msgcount,
      seqno: s.mps_seqno,
      mscount: s.mps_mscount,
      sorights: s.mps_sorights,
      srights: s.mps_srights,
      pdrequest: s.mps_pdrequest,
      nsrequest: s.mps_nsrequest,
      flags: s.mps_flags,
      context,
      boosts: info.mpie_boost_cnt ?? 0,
    };
  } catch {
    return undefined; // the right can go away between space_info and this call
  }
}

/** Read one task's space through an already obtained task (read) port name. */
export function readNativeSpace(api: MachApi, intro: NativeIntrospection, task: number, pid: number, name: string, self: boolean): RawTaskSpace {
  const { table_info } = intro.mach_port_space_info(task);
  const entries: RawEntry[] = [];
  let taskPortObject: number | undefined;
  const selfName = self ? api.mach_task_self() : undefined;
  for (const slot of table_info) {
    const type = slot.iin_type >>> 0;
    if ((type & C.MACH_PORT_TYPE_ALL_RIGHTS) === 0) continue;
    const e: RawEntry = { name: slot.iin_name >>> 0, type, urefs: slot.iin_urefs, object: slot.iin_object >>> 0 };
    if (type & C.MACH_PORT_TYPE_RECEIVE) {
      const s = statusOf(api, task, e.name);
      if (s) e.status = s;
    } else if (type & C.MACH_PORT_TYPE_PORT_SET) {
      try {
        e.members = api.mach_port_get_set_status(task, e.name);
      } catch {
        e.members = [];
      }
    } else if (type & (C.MACH_PORT_TYPE_SEND | C.MACH_PORT_TYPE_SEND_ONCE)) {
      try {
        if (intro.mach_port_kobject_description) {
          const k = intro.mach_port_kobject_description(task, e.name);
          if (k.object_type !== C.IKOT_NONE) e.kobject = k.description ? { type: k.object_type, description: k.description } : { type: k.object_type };
        } else {
          const k = api.mach_port_kobject(task, e.name);
          if (k.object_type !== C.IKOT_NONE) e.kobject = { type: k.object_type };
        }
      } catch {
        // send-once rights and dead ports answer KERN_INVALID_RIGHT / KERN_INVALID_NAME
      }
    }
    if (selfName !== undefined && e.name === selfName) {
      taskPortObject = e.object;
      e.kobjectTask = { pid, process: name };
    }
    entries.push(e);
  }
  const space: RawTaskSpace = { backend: 'native', pid, process: name, self, entries };
  if (taskPortObject !== undefined) space.taskPortObject = taskPortObject;
  return space;
}

/** Read the space of `pid` (this process's own without any privilege). Throws InspectError. */
export function readNativePid(api: MachApi, intro: NativeIntrospection, pid: number): RawTaskSpace {
  const self = pid === process.pid;
  let name = '';
  try {
    name = intro.procName(pid);
  } catch {
    // a name is a nicety
  }
  if (self) {
    try {
      return readNativeSpace(api, intro, api.mach_task_self(), pid, name || 'node', true);
    } catch (e) {
      throw failure(pid, e, 'mach_port_space_info', name || undefined);
    }
  }
  if (!pidExists(pid)) throw noSuchProcess(pid, '');
  let task: number;
  try {
    task = intro.task_read_for_pid(pid);
  } catch (e) {
    throw taskReadRefused(pid, e, name || undefined);
  }
  try {
    return readNativeSpace(api, intro, task, pid, name || `pid ${pid}`, false);
  } catch (e) {
    throw failure(pid, e, 'mach_port_space_info', name || undefined);
  } finally {
    try {
      api.mach_port_deallocate(api.mach_task_self(), task);
    } catch {
      // nothing to do
    }
  }
}

/** Read every process this one may read (but `skip`); the others are listed with the reason. */
export function readAllNative(api: MachApi, intro: NativeIntrospection, skip?: number): { spaces: RawTaskSpace[]; unreadable: Unreadable[] } {
  const spaces: RawTaskSpace[] = [];
  const unreadable: Unreadable[] = [];
  const pids = [...new Set(intro.listPids())].filter((p) => p > 0).sort((a, b) => a - b);
  if (!pids.includes(process.pid)) pids.push(process.pid);
  for (const pid of pids) {
    if (pid === skip) continue;
    try {
      spaces.push(readNativePid(api, intro, pid));
    } catch (e) {
      if (e instanceof InspectError && e.reason === 'no-such-process') continue; // exited meanwhile
      unreadable.push((e instanceof InspectError ? e : failure(pid, e, 'inspection')).toUnreadable());
    }
  }
  return { spaces, unreadable };
}
