/**
 * The kernel's MIG server for the routines the emulator implements: XNU's
 * ipc_kobject_server with its one global routine table (xnu:osfmk/kern/ipc_kobject.c:mig_init,
 * find_mig_hash_entry). The kernel dispatches on msgh_id alone, whichever kernel port the
 * request was sent to; the port matters only through the routine's first argument:
 * - host routines convert it with convert_port_to_host: a task port gives HOST_NULL, which
 *   host_info and host_page_size answer with KERN_INVALID_ARGUMENT and host_statistics(64)
 *   with KERN_INVALID_HOST (xnu:osfmk/kern/host.c);
 * - mach_port routines convert it to the task's IPC space: a non-task port gives IS_NULL,
 *   answered KERN_INVALID_TASK, except the `_from_user` routines (get_attributes) which answer
 *   KERN_INVALID_ARGUMENT (xnu:osfmk/ipc/mach_port.c);
 * - task_info converts with convert_port_to_task_name: TASK_NULL → KERN_INVALID_ARGUMENT
 *   (xnu:osfmk/kern/task.c:task_info_from_user).
 * Request layouts must match exactly (MIG_BAD_ARGUMENTS otherwise), unknown ids and the
 * kernel build's `skip`s get MIG_BAD_ID, and every failure is a 36-byte mig_reply_error_t.
 * @module
 */
import {
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_HOST,
  KERN_INVALID_TASK,
  KERN_SUCCESS,
  MACH_MSG_OOL_DESCRIPTOR,
  MACH_MSG_VIRTUAL_COPY,
  MIG_BAD_ARGUMENTS,
  MIG_BAD_ID,
} from '../../constants.js';
import type { PortAttributes } from '../../types.js';
import { encodePortAttributes } from '../../kernel-info/mach_port_info.js';
import type { KDescriptor } from '../kmsg.js';
import type { KobjectReply, KobjectRequest, KobjectServer } from '../kobject.js';
import {
  type KrValue,
  portAllocate,
  portDeallocate,
  portDestroy,
  portGetAttributes,
  portGetRefs,
  portModRefs,
  portNames,
  portType,
} from '../mach-port.js';
import type { Port } from '../port.js';
import type { Space } from '../space.js';
import { host_info, host_page_size, host_statistics, host_statistics64, type InfoResult } from './host.js';
import type { MachineInfo } from './machine_info.js';
import { MigBadArguments, MigReader, migReplyErrorBody, MigWriter, requireEmptyBody } from './mig.js';
import { MACH_HOST_SUBSYSTEM as H, MACH_PORT_SUBSYSTEM as P, TASK_SUBSYSTEM as T } from './routine_ids.js';
import { task_info, type TaskInfoSubject } from './task_info.js';

/** MIG array bounds of the info routines (xnu:osfmk/mach/mach_types.defs). */
const HOST_INFO_T_MAX = 68;
const HOST_INFO64_T_MAX = 256;
const TASK_INFO_T_MAX = 94;
const MACH_PORT_INFO_T_MAX = 17;

/** A task as the kernel's routines see it: its IPC space and task_info facts. */
export interface KernelTask extends TaskInfoSubject {
  /** The task's IPC space; the mach_port routines operate on it. */
  readonly space: Space;
  /** False once the task has terminated (task_info then answers KERN_INVALID_ARGUMENT). */
  readonly active: boolean;
}

/** How the server converts a destination port to a routine's first argument. */
export interface KernelSubjects {
  /** The emulated host's machine facts. */
  readonly machine: MachineInfo;
  /** convert_port_to_host: is this the host (or host-priv) port? */
  isHost(port: Port): boolean;
  /** convert_port_to_task_name / convert_port_to_space: the task behind a task port, if any. */
  taskOf(port: Port): KernelTask | undefined;
}

/** A reply carrying only RetCode (mig_reply_error_t; also the success reply of RetCode-only routines). */
function retCodeReply(retCode: number): KobjectReply {
  return { body: migReplyErrorBody(retCode), retCode };
}

/** A successful non-complex reply: NDR, RetCode 0, then the out arguments. */
function okReply(out: (w: MigWriter) => void): KobjectReply {
  const w = new MigWriter().ndr().u32(KERN_SUCCESS);
  out(w);
  return { body: w.finish(), retCode: KERN_SUCCESS };
}

/** The reply of an info routine: RetCode, then Cnt and the words on success. */
function infoReply(r: InfoResult): KobjectReply {
  if (r.kr !== KERN_SUCCESS) return retCodeReply(r.kr);
  return okReply((w) => w.u32(r.words.length).words(r.words));
}

/**
 * Run a mach_port routine on the target task's space (IS_NULL → `whenNoSpace`). The space
 * routines are the ones the task's own Mach API uses; guard exceptions they raise land on
 * the calling task, as XNU raises them on the current thread.
 */
function onSpace(task: KernelTask | undefined, whenNoSpace: number, body: (space: Space) => KobjectReply): KobjectReply {
  if (task === undefined || !task.active || !task.space.active) return retCodeReply(whenNoSpace);
  return body(task.space);
}

/** A RetCode-only reply for a routine returning a kern_return_t. */
function krReply(kr: number): KobjectReply {
  return retCodeReply(kr);
}

/** A reply for a routine returning one 32-bit out argument. */
function valueReply(r: KrValue<number>): KobjectReply {
  if (r.kr !== KERN_SUCCESS) return retCodeReply(r.kr);
  return okReply((w) => w.u32(r.value));
}

/** True where a Uint32Array's bytes are little endian (every Darwin and Node target). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Little-endian bytes of 32-bit words, as an OOL array of names or types carries them.
 * `words` must be the caller's own fresh array (portNames' result): on a little-endian
 * machine the bytes are a view of it, not a copy, and the reply owns them from here on.
 */
function wordBytes(words: Uint32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  const w = new MigWriter();
  for (const v of words) w.u32(v);
  return w.finish();
}

/** Serve one request; MigBadArguments from a reader becomes MIG_BAD_ARGUMENTS. */
function serve(subjects: KernelSubjects, req: KobjectRequest): KobjectReply {
  const { id, body, port } = req;
  // Every routine here takes no descriptors; a complex request is a malformed one.
  if (req.descriptors.length !== 0 && IMPLEMENTED.has(id)) throw new MigBadArguments('request carries descriptors');
  const host = (): boolean => subjects.isHost(port);
  const task = (): KernelTask | undefined => subjects.taskOf(port);
  switch (id) {
    // ---- mach_host (xnu:osfmk/mach/mach_host.defs) ----
    case H.host_info: {
      const r = new MigReader(body, 16);
      const flavor = r.i32();
      const count = Math.min(r.u32(), HOST_INFO_T_MAX);
      if (!host()) return retCodeReply(KERN_INVALID_ARGUMENT);
      return infoReply(host_info(subjects.machine, flavor, count));
    }
    case H.host_page_size: {
      // Only the host argument: the request is the bare header, without NDR.
      requireEmptyBody(body);
      if (!host()) return retCodeReply(KERN_INVALID_ARGUMENT);
      const size = host_page_size(subjects.machine);
      return okReply((w) => w.u64(size));
    }
    case H.host_statistics: {
      const r = new MigReader(body, 16);
      const flavor = r.i32();
      const count = Math.min(r.u32(), HOST_INFO_T_MAX);
      if (!host()) return retCodeReply(KERN_INVALID_HOST);
      return infoReply(host_statistics(subjects.machine, flavor, count));
    }
    case H.host_statistics64: {
      const r = new MigReader(body, 16);
      const flavor = r.i32();
      const count = Math.min(r.u32(), HOST_INFO64_T_MAX);
      if (!host()) return retCodeReply(KERN_INVALID_HOST);
      return infoReply(host_statistics64(subjects.machine, flavor, count));
    }

    // ---- task (xnu:osfmk/mach/task.defs) ----
    case T.task_info: {
      const r = new MigReader(body, 16);
      const flavor = r.i32();
      const count = Math.min(r.u32(), TASK_INFO_T_MAX);
      const t = task();
      return infoReply(task_info(subjects.machine, t && t.active ? t : undefined, flavor, count));
    }

    // ---- mach_port (xnu:osfmk/mach/mach_port.defs) ----
    case P.mach_port_names: {
      requireEmptyBody(body);
      return onSpace(task(), KERN_INVALID_TASK, (space) => {
        const { names, types } = portNames(space);
        // COMPLEX reply: two OOL arrays (names, types) then NDR, namesCnt, typesCnt; no RetCode.
        const descriptors: KDescriptor[] = [
          { type: MACH_MSG_OOL_DESCRIPTOR, data: wordBytes(names), copy: MACH_MSG_VIRTUAL_COPY, deallocate: true },
          { type: MACH_MSG_OOL_DESCRIPTOR, data: wordBytes(types), copy: MACH_MSG_VIRTUAL_COPY, deallocate: true },
        ];
        return { descriptors, body: new MigWriter().ndr().u32(names.length).u32(types.length).finish(), retCode: KERN_SUCCESS };
      });
    }
    case P.mach_port_type: {
      const name = new MigReader(body, 12).u32();
      return onSpace(task(), KERN_INVALID_TASK, (space) => valueReply(portType(space, name)));
    }
    case P.mach_port_allocate_name: {
      const r = new MigReader(body, 16);
      const right = r.u32();
      const name = r.u32();
      return onSpace(task(), KERN_INVALID_TASK, (space) => krReply(portAllocate(space, right, true, name).kr));
    }
    case P.mach_port_allocate: {
      const right = new MigReader(body, 12).u32();
      return onSpace(task(), KERN_INVALID_TASK, (space) => valueReply(portAllocate(space, right, false, 0)));
    }
    case P.mach_port_destroy: {
      const name = new MigReader(body, 12).u32();
      return onSpace(task(), KERN_INVALID_TASK, (space) => krReply(portDestroy(space, name)));
    }
    case P.mach_port_deallocate: {
      const name = new MigReader(body, 12).u32();
      return onSpace(task(), KERN_INVALID_TASK, (space) => krReply(portDeallocate(space, name)));
    }
    case P.mach_port_get_refs: {
      const r = new MigReader(body, 16);
      const name = r.u32();
      const right = r.u32();
      return onSpace(task(), KERN_INVALID_TASK, (space) => valueReply(portGetRefs(space, name, right)));
    }
    case P.mach_port_mod_refs: {
      const r = new MigReader(body, 20);
      const name = r.u32();
      const right = r.u32();
      const delta = r.i32();
      return onSpace(task(), KERN_INVALID_TASK, (space) => krReply(portModRefs(space, name, right, delta)));
    }
    case P.mach_port_get_attributes: {
      const r = new MigReader(body, 20);
      const name = r.u32();
      const flavor = r.i32();
      const count = Math.min(r.u32(), MACH_PORT_INFO_T_MAX);
      // mach_port_get_attributes_from_user: a non-task port → KERN_INVALID_ARGUMENT.
      return onSpace(task(), KERN_INVALID_ARGUMENT, (space) => {
        const got = portGetAttributes(space, name, flavor, count);
        if (got.kr !== KERN_SUCCESS) return retCodeReply(got.kr);
        return infoReply({ kr: KERN_SUCCESS, words: encodePortAttributes(flavor, got.value as PortAttributes) });
      });
    }
    default:
      // Unknown ids and the kernel build's skips (3202 mach_port_rename, 3225
      // mach_port_kernel_object) are not in the table (xnu:osfmk/kern/ipc_kobject.c:ipc_kobject_server_internal).
      return retCodeReply(MIG_BAD_ID);
  }
}

/** The routines this server implements (everything else answers MIG_BAD_ID). */
const IMPLEMENTED: ReadonlySet<number> = new Set<number>([
  H.host_info,
  H.host_page_size,
  H.host_statistics,
  H.host_statistics64,
  T.task_info,
  P.mach_port_names,
  P.mach_port_type,
  P.mach_port_allocate_name,
  P.mach_port_allocate,
  P.mach_port_destroy,
  P.mach_port_deallocate,
  P.mach_port_get_refs,
  P.mach_port_mod_refs,
  P.mach_port_get_attributes,
]);

/** The kernel's MIG server over `subjects`, for every kernel-object port (host and task). */
export function createKernelServer(subjects: KernelSubjects): KobjectServer {
  return (req) => {
    try {
      return serve(subjects, req);
    } catch (e) {
      if (e instanceof MigBadArguments) return retCodeReply(MIG_BAD_ARGUMENTS);
      throw e;
    }
  };
}
