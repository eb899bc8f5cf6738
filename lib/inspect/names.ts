/**
 * Names lsmp readers know: kernel-object types (IKOT_*, xnu:osfmk/kern/ipc_kobject.h) with
 * the short labels Apple's lsmp prints for them, receive-status flags with their one-letter
 * codes, and right names.
 * @module
 */
import * as C from '../constants.js';

/** The IKOT_* name without its prefix, e.g. `kobjectTypeName(2) === 'TASK_CONTROL'`. */
export function kobjectTypeName(type: number): string {
  return IKOT_NAMES.get(type) ?? `UNKNOWN_${type}`;
}

/** The label lsmp prints for a kernel-object type, e.g. `'TASK-CONTROL'`, `'HOST'`. */
export function kobjectLabel(type: number): string {
  return IKOT_LABELS.get(type) ?? 'UNKNOWN';
}

/** Kernel-object types that stand for a task (the column shows which process). */
export const TASK_KOBJECT_TYPES: ReadonlySet<number> = new Set([
  C.IKOT_TASK_CONTROL,
  C.IKOT_TASK_READ,
  C.IKOT_TASK_INSPECT,
  C.IKOT_TASK_NAME,
  C.IKOT_TASK_RESUME,
]);

const IKOT_NAMES: ReadonlyMap<number, string> = (() => {
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(C)) {
    if (k.startsWith('IKOT_') && typeof v === 'number' && !m.has(v)) m.set(v, k.slice(5));
  }
  return m;
})();

// Labels as lsmp shows them (its own table, copied from xnu's ipc_kobject.h comments).
const IKOT_LABELS: ReadonlyMap<number, string> = new Map([
  [C.IKOT_NONE, 'message-queue'],
  [C.IKOT_THREAD_CONTROL, 'THREAD-CONTROL'],
  [C.IKOT_TASK_CONTROL, 'TASK-CONTROL'],
  [C.IKOT_HOST, 'HOST'],
  [C.IKOT_HOST_PRIV, 'HOST-PRIV'],
  [C.IKOT_PROCESSOR, 'PROCESSOR'],
  [C.IKOT_PSET, 'PROCESSOR-SET'],
  [C.IKOT_PSET_NAME, 'PROCESSOR-SET-NAME'],
  [C.IKOT_TIMER, 'TIMER'],
  [C.IKOT_PORT_SUBST_ONCE, 'PORT-SUBST-ONCE'],
  [C.IKOT_MEMORY_OBJECT, 'MEMORY-OBJECT'],
  [C.IKOT_UND_REPLY, 'UND-REPLY'],
  [C.IKOT_MAIN_DEVICE, 'MAIN-DEVICE'],
  [C.IKOT_TASK_NAME, 'TASK-NAME'],
  [C.IKOT_SEMAPHORE, 'SEMAPHORE'],
  [C.IKOT_CLOCK, 'CLOCK'],
  [C.IKOT_IOKIT_IDENT, 'IOKIT-IDENT'],
  [C.IKOT_NAMED_ENTRY, 'NAMED-MEMORY'],
  [C.IKOT_IOKIT_CONNECT, 'IOKIT-CONNECT'],
  [C.IKOT_IOKIT_OBJECT, 'IOKIT-OBJECT'],
  [C.IKOT_AU_SESSIONPORT, 'SESSIONPORT'],
  [C.IKOT_FILEPORT, 'FILEPORT'],
  [C.IKOT_TASK_RESUME, 'TASK_RESUME'],
  [C.IKOT_VOUCHER, 'VOUCHER'],
  [C.IKOT_WORK_INTERVAL, 'WORK_INTERVAL'],
  [C.IKOT_UX_HANDLER, 'UX_HANDLER'],
  [C.IKOT_UEXT_OBJECT, 'UEXT_OBJECT'],
  [C.IKOT_ARCADE_REG, 'ARCADE_REG'],
  [C.IKOT_EVENTLINK, 'EVENTLINK'],
  [C.IKOT_TASK_INSPECT, 'TASK-INSPECT'],
  [C.IKOT_TASK_READ, 'TASK-READ'],
  [C.IKOT_THREAD_INSPECT, 'THREAD-INSPECT'],
  [C.IKOT_THREAD_READ, 'THREAD-READ'],
  [C.IKOT_HYPERVISOR, 'HYPERVISOR'],
  [C.IKOT_TASK_ID_TOKEN, 'TASK_ID_TOKEN'],
  [C.IKOT_TASK_FATAL, 'TASK_FATAL'],
  [C.IKOT_KCDATA, 'KCDATA'],
  [C.IKOT_EXCLAVES_RESOURCE, 'EXCLAVES_RESOURCE'],
]);

/** Receive-status flags (mps_flags), in lsmp's column order, with their letters and names. */
export const PORT_FLAGS: ReadonlyArray<{ bit: number; letter: string; name: PortFlagName }> = [
  { bit: C.MACH_PORT_STATUS_FLAG_TEMPOWNER, letter: 'T', name: 'tempowner' },
  { bit: C.MACH_PORT_STATUS_FLAG_GUARDED, letter: 'G', name: 'guarded' },
  { bit: C.MACH_PORT_STATUS_FLAG_STRICT_GUARD, letter: 'S', name: 'strict-guard' },
  { bit: C.MACH_PORT_STATUS_FLAG_IMP_DONATION, letter: 'I', name: 'imp-donation' },
  { bit: C.MACH_PORT_STATUS_FLAG_REVIVE, letter: 'R', name: 'revive' },
  { bit: C.MACH_PORT_STATUS_FLAG_TASKPTR, letter: 'P', name: 'taskptr' },
  { bit: C.MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE, letter: 'M', name: 'immovable-receive' },
  { bit: C.MACH_PORT_STATUS_FLAG_NO_GRANT, letter: 'X', name: 'no-grant' },
];

/** A receive-status flag's name. */
export type PortFlagName =
  | 'tempowner'
  | 'guarded'
  | 'strict-guard'
  | 'imp-donation'
  | 'revive'
  | 'taskptr'
  | 'immovable-receive'
  | 'no-grant';

const NO_FLAG_NAMES: readonly PortFlagName[] = Object.freeze([]);

/** The names of the flags set in `mps_flags`, in column order. */
export function portFlagNames(flags: number): readonly PortFlagName[] {
  if (flags === 0) return NO_FLAG_NAMES;
  return PORT_FLAGS.filter((f) => (flags & f.bit) !== 0).map((f) => f.name);
}
