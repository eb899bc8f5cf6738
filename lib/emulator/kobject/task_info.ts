/**
 * task_info of XNU's osfmk/kern/task.c as the emulator runs it, for the flavors it models:
 * MACH_TASK_BASIC_INFO, TASK_BASIC_INFO_32, TASK_BASIC2_INFO_32, TASK_BASIC_INFO_64 (whose
 * layout depends on the architecture), TASK_BASIC_INFO_64_2 (arm64 only), TASK_AUDIT_TOKEN,
 * TASK_EVENTS_INFO and TASK_THREAD_TIMES_INFO. Other flavors answer KERN_INVALID_ARGUMENT,
 * which is XNU's answer to an unknown flavor. A too-small count is KERN_INVALID_ARGUMENT
 * here (not KERN_FAILURE as in host_info).
 *
 * Every emulated task lives in this one Node process, so memory figures are the process's.
 * The basic flavors' times are those of the task's terminated threads (XNU's
 * _task_fill_times): an emulated task has no threads that ended, so they are zero, as for a
 * fresh process on Darwin. TASK_THREAD_TIMES_INFO is the live threads' times (see
 * {@link threadTimes}).
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
  TASK_EVENTS_INFO,
  TASK_EVENTS_INFO_COUNT,
  TASK_THREAD_TIMES_INFO,
  TASK_THREAD_TIMES_INFO_COUNT,
} from '../../constants.js';
import type { AuditToken } from '../../types.js';
import { encodeAuditToken } from '../../kernel-info/audit_token.js';
import { encodeTaskEventsInfo, encodeTaskThreadTimesInfo, type task_thread_times_info } from '../../kernel-info/info_flavors.js';
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
  /** task->messages_sent (EmulatedTask.messagesSent). */
  readonly messages_sent: number;
  /** task->messages_received (EmulatedTask.messagesReceived). */
  readonly messages_received: number;
  /** The task stands for this Node process (its threads are the process's). */
  readonly is_process: boolean;
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

/** XNU reports each 64-bit event counter as (int32_t) MIN(counter, INT32_MAX). */
const INT32_MAX = 0x7fffffff;
const counter32 = (v: number): number => (v > INT32_MAX ? INT32_MAX : v);

/** A time in microseconds as time_value_t { seconds, microseconds < 1 000 000 }. */
function timeValue(us: number): { seconds: number; microseconds: number } {
  const whole = Math.max(0, Math.trunc(us));
  return { seconds: Math.trunc(whole / 1_000_000), microseconds: whole % 1_000_000 };
}

/**
 * TASK_THREAD_TIMES_INFO: XNU sums thread_read_times over the task's live (non-idle)
 * threads (xnu:osfmk/kern/task.c:task_info). An emulated task has no threads of its own —
 * its calls run on the threads of this Node process, shared with every other emulated task —
 * so it answers zeros, which is what a task whose threads have not run would report. The
 * one exception is the task that stands for this process (lib/emulator/process.ts): its
 * threads are the process's, and process.cpuUsage() (getrusage RUSAGE_SELF: user and system
 * time of all the process's threads, in microseconds) is an honest measure of them. It also
 * includes threads that have ended, which XNU would leave out, so it may read a little high.
 */
function threadTimes(task: TaskInfoSubject): task_thread_times_info {
  if (!task.is_process) return { user_time: ZERO_TIME, system_time: ZERO_TIME };
  const cpu = process.cpuUsage();
  return { user_time: timeValue(cpu.user), system_time: timeValue(cpu.system) };
}
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
    case TASK_EVENTS_INFO:
      // xnu:osfmk/kern/task.c:task_info TASK_EVENTS_INFO; osfmk/mach/task_info.h task_events_info.
      if (count < TASK_EVENTS_INFO_COUNT) return fail(KERN_INVALID_ARGUMENT);
      return ok(
        encodeTaskEventsInfo({
          // The emulator has no VM faults, pageins or copy-on-write faults of its own, and
          // no threads to switch: 0.
          faults: 0,
          pageins: 0,
          cow_faults: 0,
          messages_sent: counter32(task.messages_sent),
          messages_received: counter32(task.messages_received),
          // Not counted: XNU counts every Mach trap (mach_msg2_trap, the _kernelrpc_* traps,
          // mach_reply_port, …). Counting the emulated calls would cost a second increment
          // in mach_msg's hot path for a figure that would still not be XNU's, so 0.
          syscalls_mach: 0,
          // No BSD system calls go through the emulator: 0.
          syscalls_unix: 0,
          csw: 0,
        }),
      );
    case TASK_THREAD_TIMES_INFO:
      // xnu:osfmk/kern/task.c:task_info TASK_THREAD_TIMES_INFO; osfmk/mach/task_info.h.
      if (count < TASK_THREAD_TIMES_INFO_COUNT) return fail(KERN_INVALID_ARGUMENT);
      return ok(encodeTaskThreadTimesInfo(threadTimes(task)));
    default:
      return fail(KERN_INVALID_ARGUMENT);
  }
}
