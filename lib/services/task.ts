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
import { TASK_INFO_MAX } from '../constants.js';
import { decodeInfoReply, infoRequestCount, TASK_INFO_FLAVORS } from '../kernel-info/index.js';
import { defineRoutine, int32, uint32, varArray } from '../message/index.js';
import type { MachApi, RawInfo, TaskInfoResult } from '../types.js';
import {
  callKernel,
  checkApi,
  checkCapacity,
  checkInt32,
  checkName,
  checkOptions,
  isNative,
  TASK_SUBSYSTEM_BASE,
  throwIfAborted,
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

/**
 * task_info(task, flavor) — usually on the caller's own task (`api.mach_task_self()`),
 * typed by flavor as {@link MachApi.task_info} is ({@link TaskInfoResult}). The flavors of
 * the table shared with MachApi (TASK_INFO_FLAVORS, lib/kernel-info/info_flavors.ts) are
 * asked with their *_COUNT and decoded: MACH_TASK_BASIC_INFO → mach_task_basic_info;
 * TASK_AUDIT_TOKEN → audit_token_t (the task's pid, uids and gids, as its messages' audit
 * trailers carry them); TASK_BASIC_INFO_32 / TASK_BASIC2_INFO_32 / TASK_BASIC_INFO_64 /
 * TASK_BASIC_INFO_64_2 → task_basic_info_32 or task_basic_info_64 by the count the kernel
 * returned; TASK_EVENTS_INFO → task_events_info; TASK_THREAD_TIMES_INFO →
 * task_thread_times_info. Any other flavor is asked with TASK_INFO_MAX and answered as its
 * raw words (`{ flavor, count, words }`, {@link RawInfo}). Every backend gives the same
 * shape. `task` is a send right to a task port; it is copied, not consumed.
 *
 * - Emulator: a MIG exchange with the emulated kernel (a kernel-object call to the task
 *   port).
 * - Native backend: `api.task_info(task, flavor)` (libSystem's stub, same table; macOS 13+
 *   refuses hand-built messages to task ports, reference S98).
 *
 * Errors (MachError), the kernel's own: a flavor it does not answer → KERN_INVALID_ARGUMENT
 * (the emulated kernel does not model every flavor Darwin answers, e.g. TASK_EVENTS_INFO);
 * `task` not a task port (e.g. the host port) → KERN_INVALID_ARGUMENT
 * (xnu:osfmk/kern/task.c:task_info_from_user); not a send right → MACH_SEND_INVALID_DEST;
 * more words than asked → MIG_ARRAY_TOO_LARGE; on the emulator a `timeout` that expires →
 * MACH_RCV_TIMED_OUT.
 */
export function taskInfo<F extends number>(api: MachApi, task: number, flavor: F, options?: KernelCallOptions): Promise<TaskInfoResult<F>>;
/** Implementation of the signature above: the native stub, or a MIG exchange with the emulated kernel. */
export async function taskInfo(apiArg: unknown, task: number, flavor: number, options?: KernelCallOptions): Promise<TaskInfoResult> {
  const api = checkApi(apiArg, 'taskInfo');
  const t = checkName(task, 'task');
  const f = checkInt32(flavor, 'flavor');
  const opts = checkOptions(options, 'taskInfo');
  if (isNative(api)) {
    throwIfAborted(opts.signal);
    return api.task_info(t, f);
  }
  const capacity = infoRequestCount(TASK_INFO_FLAVORS, f, TASK_INFO_MAX);
  const { task_info_out } = await callKernel(taskInfoRoutine, api, t, { flavor: f, task_info_outCnt: capacity }, opts);
  checkCapacity(task_info_out.length, capacity, 'task_info');
  return decodeInfoReply(TASK_INFO_FLAVORS, f, task_info_out) as TaskInfoResult;
}
