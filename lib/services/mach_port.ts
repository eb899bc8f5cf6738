/**
 * The mach_port routines mach_port_names (3200) and mach_port_type (3201) as typed MIG
 * routines (xnu:osfmk/mach/mach_port.defs, subsystem 3200):
 *
 * | routine | request | reply (success) |
 * |---|---|---|
 * | mach_port_names (3200) | Head — 24 bytes (no arguments, so no NDR) | COMPLEX: Head, body (2), OOL names, OOL types, NDR, namesCnt, typesCnt — 76 bytes, no RetCode |
 * | mach_port_type (3201) | Head, NDR, name — 36 bytes | Head, NDR, RetCode, ptype — 40 bytes |
 *
 * The counts of mach_port_names' arrays count elements (4 bytes each). A failure is a
 * 36-byte mig_reply_error_t, which the complex routine's client also accepts
 * (reference §4.1, §4.3).
 * @module
 */
import { defineRoutine, uint32 } from '../message/index.js';
import type { MachApi } from '../types.js';
import {
  callKernel,
  checkApi,
  checkName,
  checkOptions,
  isNative,
  MACH_PORT_SUBSYSTEM_BASE,
  throwIfAborted,
  type KernelCallOptions,
} from './kernel-call.js';
import { oolWords } from './mig-fields.js';

/**
 * mach_port_names (3200): `routine mach_port_names(task: ipc_space_t; out names:
 * mach_port_name_array_t; out types: mach_port_type_array_t)`. The kernel sends both
 * arrays out of line with `dealloc`.
 */
export const machPortNamesRoutine = defineRoutine({
  name: 'mach_port_names',
  subsystem: MACH_PORT_SUBSYSTEM_BASE,
  id: 0,
  request: {},
  reply: { names: oolWords({ deallocate: true }), types: oolWords({ deallocate: true }) },
});

/** mach_port_type (3201): `routine mach_port_type(task: ipc_space_t; name: mach_port_name_t; out ptype: mach_port_type_t)`. */
export const machPortTypeRoutine = defineRoutine({
  name: 'mach_port_type',
  subsystem: MACH_PORT_SUBSYSTEM_BASE,
  id: 1,
  request: { name: uint32 },
  reply: { ptype: uint32 },
});

/**
 * mach_port_names(task): every name in the task's space and its MACH_PORT_TYPE_* bits,
 * ascending by name, as fresh Uint32Arrays the caller owns (as MachApi.mach_port_names
 * returns them).
 *
 * - Emulator: a MIG exchange with the emulated kernel (a kernel-object call to the task
 *   port); the names travel back in the reply's two OOL arrays.
 * - Native backend: `api.mach_port_names(task)` (libSystem's stub; macOS 13+ refuses
 *   hand-built messages to task ports, reference S98).
 *
 * Errors (MachError): `task` not a task port (e.g. the host port) → KERN_INVALID_TASK.
 */
export async function machPortNames(api: MachApi, task: number, options?: KernelCallOptions): Promise<{ names: Uint32Array; types: Uint32Array }> {
  const a = checkApi(api, 'machPortNames');
  const t = checkName(task, 'task');
  const opts = checkOptions(options, 'machPortNames');
  if (isNative(a)) {
    throwIfAborted(opts.signal);
    return a.mach_port_names(t);
  }
  return callKernel(machPortNamesRoutine, a, t, {}, opts);
}

/**
 * mach_port_type(task, name): the MACH_PORT_TYPE_* bits of the right(s) `name` denotes in
 * the task's space.
 *
 * - Emulator: a MIG exchange with the emulated kernel (a kernel-object call).
 * - Native backend: `api.mach_port_type(task, name)` (libSystem's routine).
 *
 * Errors (MachError): `task` not a task port → KERN_INVALID_TASK; `name` not in the space →
 * KERN_INVALID_NAME.
 */
export async function machPortType(api: MachApi, task: number, name: number, options?: KernelCallOptions): Promise<number> {
  const a = checkApi(api, 'machPortType');
  const t = checkName(task, 'task');
  const n = checkName(name, 'name');
  const opts = checkOptions(options, 'machPortType');
  if (isNative(a)) {
    throwIfAborted(opts.signal);
    return a.mach_port_type(t, n) >>> 0;
  }
  const { ptype } = await callKernel(machPortTypeRoutine, a, t, { name: n }, opts);
  return ptype;
}
