/**
 * The task routine task_info (3405) as a typed MIG routine (xnu:osfmk/mach/task.defs,
 * subsystem 3400): `routine task_info(target_task: task_name_t; flavor: task_flavor_t;
 * out task_info_out: task_info_t, CountInOut)`.
 *
 * | request | reply (success) |
 * |---|---|
 * | Head, NDR, flavor, task_info_outCnt — 40 bytes | Head, NDR, RetCode, task_info_outCnt, task_info_out[cnt ≤ 94] — 40 + 4·cnt |
 *
 * A failure is a 36-byte mig_reply_error_t (reference §4.3).
 * @module
 */
import {
  MACH_TASK_BASIC_INFO,
  MACH_TASK_BASIC_INFO_COUNT,
  TASK_AUDIT_TOKEN,
  TASK_AUDIT_TOKEN_COUNT,
  TASK_INFO_MAX,
} from '../constants.js';
import { decodeAuditToken, decodeMachTaskBasicInfo } from '../kernel-info/index.js';
import { defineRoutine, int32, uint32, varArray } from '../message/index.js';
import type { AuditToken, mach_task_basic_info, MachApi } from '../types.js';
import {
  asInfoWords,
  callKernel,
  checkApi,
  checkCapacity,
  checkInt32,
  checkName,
  checkOptions,
  isNative,
  TASK_SUBSYSTEM_BASE,
  throwIfAborted,
  type InfoWords,
  type KernelCallOptions,
} from './kernel-call.js';

/** task_info (3405). */
export const taskInfoRoutine = defineRoutine({
  name: 'task_info',
  subsystem: TASK_SUBSYSTEM_BASE,
  id: 5,
  request: { flavor: int32, task_info_outCnt: uint32 },
  reply: { task_info_out: varArray(int32, TASK_INFO_MAX) },
});

/** The count each decoded flavor is asked with (its *_COUNT, as C callers pass it). */
function capacityOf(flavor: number): number {
  if (flavor === MACH_TASK_BASIC_INFO) return MACH_TASK_BASIC_INFO_COUNT;
  if (flavor === TASK_AUDIT_TOKEN) return TASK_AUDIT_TOKEN_COUNT;
  return TASK_INFO_MAX;
}

/**
 * task_info(task, flavor) — usually on the caller's own task (`api.mach_task_self()`).
 * MACH_TASK_BASIC_INFO → mach_task_basic_info; TASK_AUDIT_TOKEN → audit_token_t (the
 * task's pid, uids and gids, as its messages' audit trailers carry them). Other flavors
 * are asked with TASK_INFO_MAX and answered as raw words on the emulator; on the native
 * backend they are whatever `api.task_info` answers (raw words, or a decoded legacy
 * task_basic_info for TASK_BASIC_INFO_32/64).
 *
 * - Emulator: a MIG exchange with the emulated kernel (a kernel-object call to the task
 *   port).
 * - Native backend: `api.task_info(task, flavor)` (libSystem's stub; macOS 13+ refuses
 *   hand-built messages to task ports, reference S98).
 *
 * Errors (MachError): an unknown flavor → KERN_INVALID_ARGUMENT; `task` not a task port
 * (e.g. the host port) → KERN_INVALID_ARGUMENT (xnu:osfmk/kern/task.c:task_info_from_user).
 */
export function taskInfo(api: MachApi, task: number, flavor: typeof MACH_TASK_BASIC_INFO, options?: KernelCallOptions): Promise<mach_task_basic_info>;
/**
 * task_info(task, TASK_AUDIT_TOKEN): the task's audit_token_t (pid, uids, gids, as its
 * messages' audit trailers carry them), asked with TASK_AUDIT_TOKEN_COUNT (8). `task` is a
 * send right to a task port (e.g. `api.mach_task_self()`); it is copied, not consumed.
 *
 * Errors (MachError): `task` not a task port → KERN_INVALID_ARGUMENT; not a send right →
 * MACH_SEND_INVALID_DEST; on the emulator a `timeout` that expires → MACH_RCV_TIMED_OUT.
 */
export function taskInfo(api: MachApi, task: number, flavor: typeof TASK_AUDIT_TOKEN, options?: KernelCallOptions): Promise<AuditToken>;
/**
 * task_info(task, flavor) for any flavor: MACH_TASK_BASIC_INFO and TASK_AUDIT_TOKEN decoded,
 * other flavors asked with TASK_INFO_MAX and answered as raw words ({@link InfoWords}) on the
 * emulator, or as whatever `api.task_info` answers on the native backend.
 *
 * Errors (MachError): an unknown flavor or a `task` that is not a task port →
 * KERN_INVALID_ARGUMENT; more words than asked → MIG_ARRAY_TOO_LARGE; on the emulator a
 * `timeout` that expires → MACH_RCV_TIMED_OUT.
 */
export function taskInfo(
  api: MachApi,
  task: number,
  flavor: number,
  options?: KernelCallOptions,
): Promise<mach_task_basic_info | AuditToken | InfoWords | Record<string, unknown>>;
/** Implementation of the overloads above: the native stub, or a MIG exchange with the emulated kernel. */
export async function taskInfo(
  apiArg: unknown,
  task: number,
  flavor: number,
  options?: KernelCallOptions,
): Promise<mach_task_basic_info | AuditToken | InfoWords | Record<string, unknown>> {
  const api = checkApi(apiArg, 'taskInfo');
  const t = checkName(task, 'task');
  const f = checkInt32(flavor, 'flavor');
  const opts = checkOptions(options, 'taskInfo');
  if (isNative(api)) {
    throwIfAborted(opts.signal);
    const info = api.task_info(t, f);
    if (f === MACH_TASK_BASIC_INFO || f === TASK_AUDIT_TOKEN) return info;
    return asInfoWords(info) ?? info;
  }
  const capacity = capacityOf(f);
  const { task_info_out } = await callKernel(taskInfoRoutine, api, t, { flavor: f, task_info_outCnt: capacity }, opts);
  checkCapacity(task_info_out.length, capacity, 'task_info');
  if (f === MACH_TASK_BASIC_INFO) return decodeMachTaskBasicInfo(task_info_out);
  if (f === TASK_AUDIT_TOKEN) return decodeAuditToken(task_info_out);
  return { flavor: f, count: task_info_out.length, words: task_info_out };
}
