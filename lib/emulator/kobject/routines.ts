/**
 * The client side of host_info, host_statistics64 and task_info: what libSystem's MIG user
 * stubs do. Each builds the request bytes (header bits COPY_SEND|MAKE_SEND_ONCE = 0x1513, NDR,
 * flavor, the caller's count), sends it as a kernel-object call through the task's private
 * MIG reply port, checks the reply as `__MIG_check__Reply__*_t` does, and decodes the words
 * with lib/kernel-info.
 * @module
 */
import {
  HOST_BASIC_INFO,
  HOST_BASIC_INFO_COUNT,
  HOST_INFO64_MAX,
  HOST_INFO_MAX,
  HOST_VM_INFO64,
  HOST_VM_INFO64_COUNT,
  KERN_INVALID_ARGUMENT,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSGH_BITS,
  MACH_TASK_BASIC_INFO,
  MACH_TASK_BASIC_INFO_COUNT,
  MIG_ARRAY_TOO_LARGE,
  MIG_TYPE_ERROR,
  TASK_AUDIT_TOKEN,
  TASK_AUDIT_TOKEN_COUNT,
  TASK_BASIC_INFO_32,
  TASK_BASIC_INFO_32_COUNT,
  TASK_BASIC_INFO_64,
  TASK_BASIC_INFO_64_COUNT,
  TASK_INFO_MAX,
} from '../../constants.js';
import { MachError } from '../../errors.js';
import type { AuditToken, host_basic_info, mach_task_basic_info, vm_statistics64 } from '../../types.js';
import { decodeAuditToken } from '../../kernel-info/audit_token.js';
import { decodeHostBasicInfo } from '../../kernel-info/host_basic_info.js';
import { wordsFromBytes } from '../../kernel-info/integer_t.js';
import { decodeMachTaskBasicInfo } from '../../kernel-info/mach_task_basic_info.js';
import {
  decodeTaskBasicInfo32,
  decodeTaskBasicInfo64,
  TASK_BASIC_INFO_64_2,
  type task_basic_info_32,
  type task_basic_info_64,
} from '../../kernel-info/task_basic_info.js';
import { decodeVmStatistics64 } from '../../kernel-info/vm_statistics64.js';
import type { EmulatedTask } from '../task.js';
import { checkSimpleReply, MACH_MSG_HEADER_SIZE, MigWriter } from './mig.js';
import { MACH_HOST_SUBSYSTEM, TASK_SUBSYSTEM } from './routine_ids.js';
import { TASK_BASIC2_INFO_32 } from './task_info.js';

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
 * host_info(host, flavor): HOST_BASIC_INFO → host_basic_info, asked with count
 * HOST_BASIC_INFO_COUNT as libSystem's callers do. Other flavors are not decoded by this API
 * (KERN_INVALID_ARGUMENT before any message is sent).
 */
export function hostInfo(task: EmulatedTask, host: number, flavor: number): host_basic_info {
  portName(host, 'host');
  const f = flavorOf(flavor);
  if (f !== HOST_BASIC_INFO) throw new MachError(KERN_INVALID_ARGUMENT, 'host_info: only HOST_BASIC_INFO is decoded');
  const words = infoRoutine(task, MACH_HOST_SUBSYSTEM.host_info, host, f, HOST_BASIC_INFO_COUNT, HOST_INFO_MAX, 'host_info');
  return decodeHostBasicInfo(words);
}

/** host_statistics64(host, flavor): HOST_VM_INFO64 → vm_statistics64 (count HOST_VM_INFO64_COUNT). */
export function hostStatistics64(task: EmulatedTask, host: number, flavor: number): vm_statistics64 {
  portName(host, 'host');
  const f = flavorOf(flavor);
  if (f !== HOST_VM_INFO64) throw new MachError(KERN_INVALID_ARGUMENT, 'host_statistics64: only HOST_VM_INFO64 is decoded');
  const words = infoRoutine(task, MACH_HOST_SUBSYSTEM.host_statistics64, host, f, HOST_VM_INFO64_COUNT, HOST_INFO64_MAX, 'host_statistics64');
  return decodeVmStatistics64(words);
}

/** The struct objects are plain records of their C fields; MachApi types task_info's result so. */
function asRecord(v: AuditToken | task_basic_info_32 | task_basic_info_64): Record<string, unknown> {
  return v as unknown as Record<string, unknown>;
}

/** The count each decodable task_info flavor is asked with (its *_COUNT). */
const TASK_INFO_COUNTS = new Map<number, number>([
  [MACH_TASK_BASIC_INFO, MACH_TASK_BASIC_INFO_COUNT],
  [TASK_AUDIT_TOKEN, TASK_AUDIT_TOKEN_COUNT],
  [TASK_BASIC_INFO_32, TASK_BASIC_INFO_32_COUNT],
  [TASK_BASIC2_INFO_32, TASK_BASIC_INFO_32_COUNT],
  [TASK_BASIC_INFO_64, TASK_BASIC_INFO_64_COUNT],
  [TASK_BASIC_INFO_64_2, TASK_BASIC_INFO_64_COUNT],
]);

/**
 * task_info(target, flavor): MACH_TASK_BASIC_INFO → mach_task_basic_info, TASK_AUDIT_TOKEN →
 * audit_token_t, TASK_BASIC_INFO_32 / TASK_BASIC2_INFO_32 → task_basic_info_32,
 * TASK_BASIC_INFO_64 / TASK_BASIC_INFO_64_2 → task_basic_info_64 or task_basic_info_32, by
 * the count the kernel returned (arm64 answers flavor 5 with the 32-bit layout). Other
 * flavors are not decoded by this API (KERN_INVALID_ARGUMENT before any message is sent).
 */
export function taskInfo(
  task: EmulatedTask,
  target: number,
  flavor: number,
): mach_task_basic_info | Record<string, unknown> {
  portName(target, 'target_task');
  const f = flavorOf(flavor);
  const capacity = TASK_INFO_COUNTS.get(f);
  if (capacity === undefined) throw new MachError(KERN_INVALID_ARGUMENT, `task_info: flavor ${f} is not decoded`);
  const words = infoRoutine(task, TASK_SUBSYSTEM.task_info, target, f, capacity, TASK_INFO_MAX, 'task_info');
  switch (f) {
    case MACH_TASK_BASIC_INFO:
      return decodeMachTaskBasicInfo(words);
    case TASK_AUDIT_TOKEN:
      return asRecord(decodeAuditToken(words));
    default:
      return asRecord(words.length >= TASK_BASIC_INFO_64_COUNT ? decodeTaskBasicInfo64(words) : decodeTaskBasicInfo32(words));
  }
}
