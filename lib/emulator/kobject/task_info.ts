/**
 * task_info of XNU's osfmk/kern/task.c as the emulator runs it, for the flavors it models:
 * MACH_TASK_BASIC_INFO, TASK_BASIC_INFO_32, TASK_BASIC2_INFO_32, TASK_BASIC_INFO_64 (whose
 * layout depends on the architecture), TASK_BASIC_INFO_64_2 (arm64 only) and
 * TASK_AUDIT_TOKEN. Other flavors answer KERN_INVALID_ARGUMENT, which is XNU's answer to an
 * unknown flavor. A too-small count is KERN_INVALID_ARGUMENT here (not KERN_FAILURE as in
 * host_info).
 *
 * Every emulated task lives in this one Node process, so memory figures are the process's.
 * Times are those of the task's terminated threads (XNU's _task_fill_times): an emulated
 * task has no threads that ended, so they are zero, as for a fresh process on Darwin.
 * @module
 */
import { readFileSync } from 'node:fs';
import {
  KERN_INVALID_ARGUMENT,
  KERN_SUCCESS,
  MACH_TASK_BASIC_INFO,
  MACH_TASK_BASIC_INFO_COUNT,
  TASK_AUDIT_TOKEN,
  TASK_AUDIT_TOKEN_COUNT,
  TASK_BASIC_INFO_32,
  TASK_BASIC_INFO_32_COUNT,
  TASK_BASIC_INFO_64,
  TASK_BASIC_INFO_64_COUNT,
} from '../../constants.js';
import type { AuditToken } from '../../types.js';
import { encodeAuditToken } from '../../kernel-info/audit_token.js';
import { encodeMachTaskBasicInfo } from '../../kernel-info/mach_task_basic_info.js';
import { encodeTaskBasicInfo32, encodeTaskBasicInfo64, TASK_BASIC_INFO_64_2, TASK_BASIC_INFO_64_2_COUNT } from '../../kernel-info/task_basic_info.js';
import type { InfoResult } from './host.js';
import type { MachineInfo } from './machine_info.js';

/** TASK_BASIC2_INFO_32: task_basic_info_32 with the peak resident size (xnu:osfmk/mach/task_info.h). */
export const TASK_BASIC2_INFO_32 = 6;
/** POLICY_TIMESHARE (xnu:osfmk/mach/policy.h): every user task's default policy. */
const POLICY_TIMESHARE = 1;

/** What task_info needs to know about the target task. */
export interface TaskInfoSubject {
  /** The task's audit token, as its messages' trailers carry it. */
  readonly audit_token: AuditToken;
  /** task->user_stop_count. */
  readonly suspend_count: number;
}

/** The process's memory figures: virtual size, resident size, peak resident size, in bytes. */
function memoryFigures(): { virtual_size: bigint; resident_size: bigint; resident_size_max: bigint } {
  const rss = BigInt(process.memoryUsage().rss);
  const peak = BigInt(process.resourceUsage().maxRSS) * 1024n;
  let virtual_size = rss;
  try {
    const m = /^VmSize:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) virtual_size = BigInt(m[1]!) * 1024n;
  } catch {
    // Not Linux: the resident size is the best lower bound Node offers.
  }
  return { virtual_size, resident_size: rss, resident_size_max: peak > rss ? peak : rss };
}

const ZERO_TIME = { seconds: 0, microseconds: 0 };
const fail = (kr: number): InfoResult => ({ kr, words: new Int32Array(0) });
const ok = (words: Int32Array): InfoResult => ({ kr: KERN_SUCCESS, words });

/** A size in a natural_t field: XNU casts the byte count, so it wraps modulo 4 GiB. */
const natural = (v: bigint): number => Number(BigInt.asUintN(32, v));
/** A size pegged at UINT32_MAX (XNU: MIN(UINT32_MAX, resident)). */
const peggedNatural = (v: bigint): number => Number(v > 0xffffffffn ? 0xffffffffn : v);

/**
 * task_info (xnu:osfmk/kern/task.c:task_info). `task` undefined is TASK_NULL (the port was
 * not a task port) → KERN_INVALID_ARGUMENT.
 */
export function task_info(m: MachineInfo, task: TaskInfoSubject | undefined, flavor: number, count: number): InfoResult {
  if (task === undefined) return fail(KERN_INVALID_ARGUMENT);
  const basic32 = (peak: boolean): InfoResult => {
    if (count < TASK_BASIC_INFO_32_COUNT) return fail(KERN_INVALID_ARGUMENT);
    const mem = memoryFigures();
    return ok(
      encodeTaskBasicInfo32({
        suspend_count: task.suspend_count,
        virtual_size: natural(mem.virtual_size),
        resident_size: peggedNatural(peak ? mem.resident_size_max : mem.resident_size),
        user_time: ZERO_TIME,
        system_time: ZERO_TIME,
        policy: POLICY_TIMESHARE,
      }),
    );
  };
  const basic64 = (): InfoResult => {
    if (count < TASK_BASIC_INFO_64_COUNT) return fail(KERN_INVALID_ARGUMENT);
    const mem = memoryFigures();
    return ok(
      encodeTaskBasicInfo64({
        suspend_count: task.suspend_count,
        virtual_size: mem.virtual_size,
        resident_size: mem.resident_size,
        user_time: ZERO_TIME,
        system_time: ZERO_TIME,
        policy: POLICY_TIMESHARE,
      }),
    );
  };
  switch (flavor) {
    case TASK_BASIC_INFO_32:
      return basic32(false);
    case TASK_BASIC2_INFO_32:
      return basic32(true);
    case TASK_BASIC_INFO_64:
      // arm64 XNU answers flavor 5 with the 32-bit layout; x86_64 with task_basic_info_64.
      return m.arch === 'arm64' ? basic32(false) : basic64();
    case TASK_BASIC_INFO_64_2:
      if (m.arch !== 'arm64') return fail(KERN_INVALID_ARGUMENT);
      if (count < TASK_BASIC_INFO_64_2_COUNT) return fail(KERN_INVALID_ARGUMENT);
      return basic64();
    case MACH_TASK_BASIC_INFO: {
      if (count < MACH_TASK_BASIC_INFO_COUNT) return fail(KERN_INVALID_ARGUMENT);
      return ok(
        encodeMachTaskBasicInfo({
          ...memoryFigures(),
          user_time: ZERO_TIME,
          system_time: ZERO_TIME,
          policy: POLICY_TIMESHARE,
          suspend_count: task.suspend_count,
        }),
      );
    }
    case TASK_AUDIT_TOKEN:
      if (count < TASK_AUDIT_TOKEN_COUNT) return fail(KERN_INVALID_ARGUMENT);
      return ok(encodeAuditToken(task.audit_token));
    default:
      return fail(KERN_INVALID_ARGUMENT);
  }
}
