/**
 * The client side of host_info, host_statistics64 and task_info: what libSystem's MIG user
 * stubs do. Each builds the request bytes (header bits COPY_SEND|MAKE_SEND_ONCE = 0x1513, NDR,
 * flavor, the count), sends it as a kernel-object call through the task's private MIG reply
 * port, checks the reply as `__MIG_check__Reply__*_t` does, and decodes the words with the
 * flavor table shared with the native backend (lib/kernel-info/info_flavors.ts).
 * @module
 */
import {
  HOST_INFO64_MAX,
  HOST_INFO_MAX,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSGH_BITS,
  MIG_ARRAY_TOO_LARGE,
  MIG_TYPE_ERROR,
  TASK_INFO_MAX,
} from '../../constants.js';
import { MachError } from '../../errors.js';
import {
  decodeInfoReply,
  HOST_INFO_FLAVORS,
  HOST_STATISTICS64_FLAVORS,
  infoRequestCount,
  TASK_INFO_FLAVORS,
  type HostInfoResult,
  type HostStatistics64Result,
  type RawInfo,
  type TaskInfoResult,
} from '../../kernel-info/info_flavors.js';
import { wordsFromBytes } from '../../kernel-info/integer_t.js';
import type { EmulatedTask } from '../task.js';
import { checkSimpleReply, MACH_MSG_HEADER_SIZE, MigWriter } from './mig.js';
import { MACH_HOST_SUBSYSTEM, TASK_SUBSYSTEM } from './routine_ids.js';

/** Check a port-name argument the way the JS API promises: a uint32 number, else TypeError. */
function portName(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new TypeError(`${what} must be a port name (a uint32 number)`);
  }
  return v;
}

/**
 * Check a flavor argument: C's host_flavor_t / task_flavor_t is 32 bits (integer_t /
 * natural_t, xnu:osfmk/mach/host_info.h, task_info.h), so an integer that does not fit
 * 32 bits (either spelling) is a wrong argument — TypeError, as NativeApi does — rather
 * than silently truncated (FINDINGS F3).
 */
function flavorOf(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) {
    throw new TypeError('flavor must be an integer that fits 32 bits');
  }
  return v | 0;
}

/**
 * Send a `routine (target; flavor; out info: array[*:max] of integer_t, CountInOut)` request
 * and return the info words. The reply is `Head, NDR, RetCode, Cnt, words[Cnt]`: 40 bytes
 * plus 4 per word, at most `max` words.
 */
function infoRoutine(task: EmulatedTask, id: number, target: number, flavor: number, capacity: number, max: number, context: string): Int32Array {
  const body = new MigWriter().ndr().u32(flavor).u32(capacity).finish();
  const reply = task.kernelCall({
    header: {
      msgh_bits: MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE),
      msgh_remote_port: target,
      msgh_id: id,
    },
    body,
  });
  const fixed = MACH_MSG_HEADER_SIZE + 16;
  const view = checkSimpleReply(reply, id, fixed, fixed + 4 * max, context);
  const count = view.getUint32(12, true);
  if (count > max || reply.size !== fixed + 4 * count) throw new MachError(MIG_TYPE_ERROR, context);
  // The user stub copies what fits in the caller's array and reports MIG_ARRAY_TOO_LARGE.
  if (count > capacity) throw new MachError(MIG_ARRAY_TOO_LARGE, context);
  return wordsFromBytes(reply.body, 16, count);
}

/**
 * host_info(host, flavor): a flavor of {@link HOST_INFO_FLAVORS} is asked with its *_COUNT
 * (HOST_BASIC_INFO_COUNT for HOST_BASIC_INFO, as libSystem's callers do) and decoded into its
 * struct (host_basic_info, host_sched_info, host_priority_info, …); any other flavor is asked
 * with HOST_INFO_MAX and answered as {@link RawInfo}. The emulated kernel decides which
 * flavors exist: an unknown one fails with its KERN_INVALID_ARGUMENT
 * (xnu:osfmk/kern/host.c:host_info default case), as on Darwin.
 */
export function hostInfo<F extends number>(task: EmulatedTask, host: number, flavor: F): HostInfoResult<F> {
  portName(host, 'host');
  const f = flavorOf(flavor);
  const capacity = infoRequestCount(HOST_INFO_FLAVORS, f, HOST_INFO_MAX);
  const words = infoRoutine(task, MACH_HOST_SUBSYSTEM.host_info, host, f, capacity, HOST_INFO_MAX, 'host_info');
  return decodeInfoReply(HOST_INFO_FLAVORS, f, words) as HostInfoResult<F>;
}

/**
 * host_statistics64(host, flavor): a flavor of {@link HOST_STATISTICS64_FLAVORS}
 * (HOST_VM_INFO64 → vm_statistics64, HOST_LOAD_INFO, HOST_VM_INFO, HOST_CPU_LOAD_INFO,
 * HOST_EXTMOD_INFO64) is asked with its *_COUNT and decoded; any other flavor is asked with
 * HOST_INFO64_MAX and answered as {@link RawInfo}, or fails with the emulated kernel's code
 * (KERN_INVALID_ARGUMENT for an unknown flavor, xnu:osfmk/kern/host.c:host_statistics).
 */
export function hostStatistics64<F extends number>(task: EmulatedTask, host: number, flavor: F): HostStatistics64Result<F> {
  portName(host, 'host');
  const f = flavorOf(flavor);
  const capacity = infoRequestCount(HOST_STATISTICS64_FLAVORS, f, HOST_INFO64_MAX);
  const words = infoRoutine(task, MACH_HOST_SUBSYSTEM.host_statistics64, host, f, capacity, HOST_INFO64_MAX, 'host_statistics64');
  return decodeInfoReply(HOST_STATISTICS64_FLAVORS, f, words) as HostStatistics64Result<F>;
}

/**
 * task_info(target, flavor): a flavor of {@link TASK_INFO_FLAVORS} is asked with its *_COUNT
 * and decoded — MACH_TASK_BASIC_INFO → mach_task_basic_info, TASK_AUDIT_TOKEN →
 * audit_token_t, TASK_BASIC_INFO_32 / TASK_BASIC2_INFO_32 / TASK_BASIC_INFO_64 /
 * TASK_BASIC_INFO_64_2 → task_basic_info_64 or task_basic_info_32 by the count the kernel
 * returned (arm64 answers flavor 5 with the 32-bit layout), TASK_EVENTS_INFO,
 * TASK_THREAD_TIMES_INFO; any other flavor is asked with TASK_INFO_MAX and answered as
 * {@link RawInfo}. What the emulated task server does not model fails with its
 * KERN_INVALID_ARGUMENT (xnu:osfmk/kern/task.c:task_info default case).
 */
export function taskInfo<F extends number>(task: EmulatedTask, target: number, flavor: F): TaskInfoResult<F> {
  portName(target, 'target_task');
  const f = flavorOf(flavor);
  const capacity = infoRequestCount(TASK_INFO_FLAVORS, f, TASK_INFO_MAX);
  const words = infoRoutine(task, TASK_SUBSYSTEM.task_info, target, f, capacity, TASK_INFO_MAX, 'task_info');
  return decodeInfoReply(TASK_INFO_FLAVORS, f, words) as TaskInfoResult<F>;
}
