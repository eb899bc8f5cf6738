/**
 * The info flavors of host_info, host_statistics64 and task_info that MachApi decodes, in
 * one table shared by every backend (the emulator's MIG client in
 * lib/emulator/kobject/routines.ts and the native wrapper in lib/native/api.ts), so both
 * return the same shape for the same flavor:
 *
 * - a flavor in the table is asked with its `*_COUNT` and its words are decoded into an
 *   object named after the C struct's fields;
 * - any other flavor is asked with the routine's maximum count (HOST_INFO_MAX,
 *   HOST_INFO64_MAX, TASK_INFO_MAX) and the kernel decides: what it does not know fails with
 *   its own code (KERN_INVALID_ARGUMENT for an unknown flavor, xnu:osfmk/kern/host.c:host_info,
 *   host_statistics, osfmk/kern/task.c:task_info default cases), and what it answers comes
 *   back as {@link RawInfo} `{ flavor, count, words }`.
 *
 * Struct layouts: xnu:osfmk/mach/host_info.h (host_sched_info, host_priority_info,
 * host_load_info, host_cpu_load_info, host_preferred_user_arch, host_can_has_debugger_info),
 * osfmk/mach/vm_statistics.h (vm_statistics, vm_extmod_statistics), osfmk/mach/task_info.h
 * (task_events_info, task_thread_times_info, the task_basic_info layouts), all `pack(4)` or
 * naturally aligned, so they are plain integer_t words (see integer_t.ts).
 * @module
 */
import {
  HOST_BASIC_INFO,
  HOST_BASIC_INFO_COUNT,
  HOST_CAN_HAS_DEBUGGER,
  HOST_CAN_HAS_DEBUGGER_COUNT,
  HOST_CPU_LOAD_INFO,
  HOST_CPU_LOAD_INFO_COUNT,
  HOST_EXTMOD_INFO64,
  HOST_EXTMOD_INFO64_COUNT,
  HOST_LOAD_INFO,
  HOST_LOAD_INFO_COUNT,
  HOST_PREFERRED_USER_ARCH,
  HOST_PREFERRED_USER_ARCH_COUNT,
  HOST_PRIORITY_INFO,
  HOST_PRIORITY_INFO_COUNT,
  HOST_SCHED_INFO,
  HOST_SCHED_INFO_COUNT,
  HOST_VM_INFO,
  HOST_VM_INFO64,
  HOST_VM_INFO64_COUNT,
  HOST_VM_INFO_COUNT,
  MACH_TASK_BASIC_INFO,
  MACH_TASK_BASIC_INFO_COUNT,
  MIG_TYPE_ERROR,
  TASK_AUDIT_TOKEN,
  TASK_AUDIT_TOKEN_COUNT,
  TASK_BASIC2_INFO_32,
  TASK_BASIC2_INFO_32_COUNT,
  TASK_BASIC_INFO_32,
  TASK_BASIC_INFO_32_COUNT,
  TASK_BASIC_INFO_64,
  TASK_BASIC_INFO_64_2,
  TASK_BASIC_INFO_64_2_COUNT,
  TASK_BASIC_INFO_64_COUNT,
  TASK_EVENTS_INFO,
  TASK_EVENTS_INFO_COUNT,
  TASK_THREAD_TIMES_INFO,
  TASK_THREAD_TIMES_INFO_COUNT,
} from '../constants.js';
import { MachError } from '../errors.js';
import type { AuditToken, host_basic_info, mach_task_basic_info, vm_statistics64 } from '../types.js';
import { decodeAuditToken } from './audit_token.js';
import { decodeHostBasicInfo } from './host_basic_info.js';
import { decodeInfo, encodeInfo, toWords, type InfoLayout, type time_value_t } from './integer_t.js';
import { decodeMachTaskBasicInfo } from './mach_task_basic_info.js';
import { decodeTaskBasicInfo32, decodeTaskBasicInfo64, type task_basic_info_32, type task_basic_info_64 } from './task_basic_info.js';
import { decodeVmStatistics64 } from './vm_statistics64.js';

type Words = Int32Array | Uint32Array | readonly number[];

// ---------------------------------------------------------------------------
// The answer for a flavor without a decoder

/** An info flavor without a decoder: the integer_t words the kernel returned, as signed numbers. */
export interface RawInfo {
  flavor: number;
  /** The count the kernel returned (= words.length). */
  count: number;
  words: number[];
}

/** The {@link RawInfo} of a reply: the flavor asked and the words returned. */
export function rawInfo(flavor: number, words: Words): RawInfo {
  const w = toWords(words);
  return { flavor, count: w.length, words: Array.from(w) };
}

// ---------------------------------------------------------------------------
// The structs

/** struct host_sched_info (HOST_SCHED_INFO of host_info): both in milliseconds. */
export interface host_sched_info {
  min_timeout: number;
  min_quantum: number;
}

/** struct host_priority_info (HOST_PRIORITY_INFO of host_info). */
export interface host_priority_info {
  kernel_priority: number;
  system_priority: number;
  server_priority: number;
  user_priority: number;
  depress_priority: number;
  idle_priority: number;
  minimum_priority: number;
  maximum_priority: number;
}

/** struct host_can_has_debugger_info (HOST_CAN_HAS_DEBUGGER of host_info): a boolean_t. */
export interface host_can_has_debugger_info {
  can_has_debugger: number;
}

/** struct host_preferred_user_arch (HOST_PREFERRED_USER_ARCH of host_info). */
export interface host_preferred_user_arch {
  cpu_type: number;
  cpu_subtype: number;
}

/**
 * struct host_load_info (HOST_LOAD_INFO): `integer_t avenrun[3]` (1, 5 and 15 minute load
 * averages) and `integer_t mach_factor[3]`, both fixed point × LOAD_SCALE (1000).
 */
export interface host_load_info {
  avenrun: number[];
  mach_factor: number[];
}

/**
 * struct host_cpu_load_info (HOST_CPU_LOAD_INFO): `natural_t cpu_ticks[CPU_STATE_MAX]`,
 * indexed by CPU_STATE_USER (0), CPU_STATE_SYSTEM (1), CPU_STATE_IDLE (2), CPU_STATE_NICE (3)
 * (xnu:osfmk/mach/machine.h).
 */
export interface host_cpu_load_info {
  cpu_ticks: number[];
}

/**
 * struct vm_statistics (HOST_VM_INFO, the 32-bit counters): revision 0 is the first 12
 * fields, revision 1 adds purgeable_count and purges, revision 2 speculative_count; fields
 * the kernel did not return (a shorter count) read 0.
 */
export interface vm_statistics {
  free_count: number;
  active_count: number;
  inactive_count: number;
  wire_count: number;
  zero_fill_count: number;
  reactivations: number;
  pageins: number;
  pageouts: number;
  faults: number;
  cow_faults: number;
  lookups: number;
  hits: number;
  purgeable_count: number;
  purges: number;
  speculative_count: number;
}

/**
 * struct vm_extmod_statistics (HOST_EXTMOD_INFO64 of host_statistics64): six int64_t
 * counters, as bigints (never negative in practice, so read unsigned).
 */
export interface vm_extmod_statistics {
  task_for_pid_count: bigint;
  task_for_pid_caller_count: bigint;
  thread_creation_count: bigint;
  thread_creation_caller_count: bigint;
  thread_set_state_count: bigint;
  thread_set_state_caller_count: bigint;
}

/** struct task_events_info (TASK_EVENTS_INFO of task_info). */
export interface task_events_info {
  faults: number;
  pageins: number;
  cow_faults: number;
  messages_sent: number;
  messages_received: number;
  syscalls_mach: number;
  syscalls_unix: number;
  csw: number;
}

/** struct task_thread_times_info (TASK_THREAD_TIMES_INFO of task_info): live threads' times. */
export interface task_thread_times_info {
  user_time: time_value_t;
  system_time: time_value_t;
}

const layout = (struct: string, names: readonly string[], type: 'integer_t' | 'natural_t' | 'uint64_t'): InfoLayout => ({
  struct,
  fields: names.map((n) => [n, type] as const),
});

const HOST_SCHED_INFO_LAYOUT = layout('host_sched_info', ['min_timeout', 'min_quantum'], 'integer_t');
const HOST_PRIORITY_INFO_LAYOUT = layout(
  'host_priority_info',
  ['kernel_priority', 'system_priority', 'server_priority', 'user_priority', 'depress_priority', 'idle_priority', 'minimum_priority', 'maximum_priority'],
  'integer_t',
);
const HOST_CAN_HAS_DEBUGGER_LAYOUT = layout('host_can_has_debugger_info', ['can_has_debugger'], 'integer_t');
const HOST_PREFERRED_USER_ARCH_LAYOUT = layout('host_preferred_user_arch', ['cpu_type', 'cpu_subtype'], 'integer_t');
const VM_STATISTICS_LAYOUT = layout(
  'vm_statistics',
  [
    'free_count', 'active_count', 'inactive_count', 'wire_count', 'zero_fill_count', 'reactivations', 'pageins',
    'pageouts', 'faults', 'cow_faults', 'lookups', 'hits', 'purgeable_count', 'purges', 'speculative_count',
  ],
  'natural_t',
);
const VM_EXTMOD_STATISTICS_LAYOUT = layout(
  'vm_extmod_statistics',
  ['task_for_pid_count', 'task_for_pid_caller_count', 'thread_creation_count', 'thread_creation_caller_count', 'thread_set_state_count', 'thread_set_state_caller_count'],
  'uint64_t',
);
const TASK_EVENTS_INFO_LAYOUT = layout(
  'task_events_info',
  ['faults', 'pageins', 'cow_faults', 'messages_sent', 'messages_received', 'syscalls_mach', 'syscalls_unix', 'csw'],
  'integer_t',
);
const TASK_THREAD_TIMES_INFO_LAYOUT: InfoLayout = {
  struct: 'task_thread_times_info',
  fields: [
    ['user_time', 'time_value_t'],
    ['system_time', 'time_value_t'],
  ],
};

/** HOST_VM_INFO_REV0/1/2_COUNT (xnu:osfmk/mach/host_info.h): 12, 14, 15 words. */
const HOST_VM_INFO_REV0_COUNT = 12;
const HOST_VM_INFO_REV1_COUNT = 14;

/** Decode host_info(HOST_SCHED_INFO) output (2 words). */
export function decodeHostSchedInfo(words: Words): host_sched_info {
  return decodeInfo(HOST_SCHED_INFO_LAYOUT, words) as unknown as host_sched_info;
}

/** Decode host_info(HOST_PRIORITY_INFO) output (8 words). */
export function decodeHostPriorityInfo(words: Words): host_priority_info {
  return decodeInfo(HOST_PRIORITY_INFO_LAYOUT, words) as unknown as host_priority_info;
}

/** Decode host_info(HOST_CAN_HAS_DEBUGGER) output (1 word). */
export function decodeHostCanHasDebuggerInfo(words: Words): host_can_has_debugger_info {
  return decodeInfo(HOST_CAN_HAS_DEBUGGER_LAYOUT, words) as unknown as host_can_has_debugger_info;
}

/** Decode host_info(HOST_PREFERRED_USER_ARCH) output (2 words). */
export function decodeHostPreferredUserArch(words: Words): host_preferred_user_arch {
  return decodeInfo(HOST_PREFERRED_USER_ARCH_LAYOUT, words) as unknown as host_preferred_user_arch;
}

/** The words of a fixed array struct, or MachError(MIG_TYPE_ERROR) when the reply is short. */
function need(words: Words, n: number, struct: string): Int32Array {
  const w = toWords(words);
  if (w.length < n) throw new MachError(MIG_TYPE_ERROR, `${struct}: ${w.length} words, ${n} needed`);
  return w;
}

/** Decode host_statistics(64)(HOST_LOAD_INFO) output (6 words: avenrun[3], mach_factor[3]). */
export function decodeHostLoadInfo(words: Words): host_load_info {
  const w = need(words, HOST_LOAD_INFO_COUNT, 'host_load_info');
  return { avenrun: [w[0]!, w[1]!, w[2]!], mach_factor: [w[3]!, w[4]!, w[5]!] };
}

/** Decode host_statistics(64)(HOST_CPU_LOAD_INFO) output (4 natural_t words: cpu_ticks[4]). */
export function decodeHostCpuLoadInfo(words: Words): host_cpu_load_info {
  const w = need(words, HOST_CPU_LOAD_INFO_COUNT, 'host_cpu_load_info');
  return { cpu_ticks: [w[0]! >>> 0, w[1]! >>> 0, w[2]! >>> 0, w[3]! >>> 0] };
}

/**
 * Decode host_statistics(64)(HOST_VM_INFO) output. `count` (default: the number of words) is
 * the count the kernel returned: 15 gives every field, 14 revision 1, 12..13 revision 0, the
 * later fields reading 0 (xnu:osfmk/kern/host.c:host_statistics HOST_VM_INFO). Below 12 →
 * MachError(MIG_TYPE_ERROR).
 */
export function decodeVmStatistics(words: Words, count?: number): vm_statistics {
  const w = toWords(words);
  const n = count ?? w.length;
  if (n < HOST_VM_INFO_REV0_COUNT) throw new MachError(MIG_TYPE_ERROR, `vm_statistics: count ${n}`);
  const fields = n >= HOST_VM_INFO_COUNT ? HOST_VM_INFO_COUNT : n >= HOST_VM_INFO_REV1_COUNT ? HOST_VM_INFO_REV1_COUNT : HOST_VM_INFO_REV0_COUNT;
  return decodeInfo(VM_STATISTICS_LAYOUT, w, fields) as unknown as vm_statistics;
}

/** Decode host_statistics64(HOST_EXTMOD_INFO64) output (12 words, six 64-bit counters). */
export function decodeVmExtmodStatistics(words: Words): vm_extmod_statistics {
  return decodeInfo(VM_EXTMOD_STATISTICS_LAYOUT, words) as unknown as vm_extmod_statistics;
}

/** Decode task_info(TASK_EVENTS_INFO) output (8 words). */
export function decodeTaskEventsInfo(words: Words): task_events_info {
  return decodeInfo(TASK_EVENTS_INFO_LAYOUT, words) as unknown as task_events_info;
}

/** Decode task_info(TASK_THREAD_TIMES_INFO) output (4 words). */
export function decodeTaskThreadTimesInfo(words: Words): task_thread_times_info {
  return decodeInfo(TASK_THREAD_TIMES_INFO_LAYOUT, words) as unknown as task_thread_times_info;
}

/** Encode a task_events_info into its 8 integer_t words (the emulated task server's answer). */
export function encodeTaskEventsInfo(info: task_events_info): Int32Array {
  return encodeInfo(TASK_EVENTS_INFO_LAYOUT, info);
}

/** Encode a task_thread_times_info into its 4 integer_t words (two time_value_t). */
export function encodeTaskThreadTimesInfo(info: task_thread_times_info): Int32Array {
  return encodeInfo(TASK_THREAD_TIMES_INFO_LAYOUT, info);
}

/**
 * The legacy task_basic_info flavors, by the count the kernel returned: 10 words or more is
 * task_basic_info_64, fewer task_basic_info_32 — arm64 XNU answers TASK_BASIC_INFO_64 (5)
 * with the 32-bit layout and count 8 (xnu:osfmk/kern/task.c:task_info).
 */
function decodeTaskBasicInfoByCount(words: Int32Array): object {
  return words.length >= TASK_BASIC_INFO_64_COUNT ? decodeTaskBasicInfo64(words) : decodeTaskBasicInfo32(words);
}

// ---------------------------------------------------------------------------
// The result types, by flavor

/**
 * host_info's decoded flavors: each flavor constant's literal type → the struct it returns
 * (the TypeScript side of {@link HOST_INFO_FLAVORS}).
 */
export interface HostInfoFlavors {
  [HOST_BASIC_INFO]: host_basic_info;
  [HOST_SCHED_INFO]: host_sched_info;
  [HOST_PRIORITY_INFO]: host_priority_info;
  [HOST_CAN_HAS_DEBUGGER]: host_can_has_debugger_info;
  [HOST_PREFERRED_USER_ARCH]: host_preferred_user_arch;
}

/** host_statistics64's decoded flavors → their structs (the types of {@link HOST_STATISTICS64_FLAVORS}). */
export interface HostStatistics64Flavors {
  [HOST_LOAD_INFO]: host_load_info;
  [HOST_VM_INFO]: vm_statistics;
  [HOST_CPU_LOAD_INFO]: host_cpu_load_info;
  [HOST_VM_INFO64]: vm_statistics64;
  [HOST_EXTMOD_INFO64]: vm_extmod_statistics;
}

/**
 * task_info's decoded flavors → their structs (the types of {@link TASK_INFO_FLAVORS}). The
 * legacy task_basic_info flavors are decoded by the count the kernel returned: asked with 8
 * words (TASK_BASIC_INFO_32, TASK_BASIC2_INFO_32) the answer is task_basic_info_32;
 * TASK_BASIC_INFO_64 is task_basic_info_64 on x86_64 but task_basic_info_32 on arm64 (which
 * answers it with count 8); TASK_BASIC_INFO_64_2 is the 64-bit layout.
 */
export interface TaskInfoFlavors {
  [TASK_EVENTS_INFO]: task_events_info;
  [TASK_THREAD_TIMES_INFO]: task_thread_times_info;
  [TASK_BASIC_INFO_32]: task_basic_info_32;
  [TASK_BASIC_INFO_64]: task_basic_info_64 | task_basic_info_32;
  [TASK_BASIC2_INFO_32]: task_basic_info_32;
  [TASK_AUDIT_TOKEN]: AuditToken;
  [TASK_BASIC_INFO_64_2]: task_basic_info_64;
  [MACH_TASK_BASIC_INFO]: mach_task_basic_info;
}

/**
 * The result of an info routine whose decoded flavors are `M`, for flavor type `F`: a
 * decoded flavor's literal type gives its struct (`M[F]`), any other literal gives
 * {@link RawInfo}, a union of literals the union of their results, and a flavor only known
 * as `number` any of them: `M[keyof M] | RawInfo`.
 */
export type InfoResult<M, F extends number> = number extends F ? M[keyof M] | RawInfo : F extends keyof M ? M[F] : RawInfo;

/** What host_info returns for flavor `F` (e.g. `HostInfoResult<typeof HOST_SCHED_INFO>` is host_sched_info). */
export type HostInfoResult<F extends number = number> = InfoResult<HostInfoFlavors, F>;
/** What host_statistics64 returns for flavor `F`. */
export type HostStatistics64Result<F extends number = number> = InfoResult<HostStatistics64Flavors, F>;
/** What task_info returns for flavor `F`. */
export type TaskInfoResult<F extends number = number> = InfoResult<TaskInfoFlavors, F>;

// ---------------------------------------------------------------------------
// The table

/** One decoded flavor: the C names, the count it is asked with, and its decoder. */
export interface InfoFlavor {
  /** The flavor constant's name, e.g. 'HOST_SCHED_INFO'. */
  readonly name: string;
  /** The C struct the words hold, e.g. 'host_sched_info'. */
  readonly struct: string;
  /** The count the flavor is asked with: its `*_COUNT`, as libSystem's callers pass it. */
  readonly count: number;
  /** The words of the reply (their number is the count the kernel returned) → the struct. */
  decode(words: Int32Array): object;
}

function table(entries: Array<[number, InfoFlavor]>): ReadonlyMap<number, InfoFlavor> {
  return new Map(entries);
}

/** host_info flavors decoded by MachApi (xnu:osfmk/kern/host.c:host_info). */
export const HOST_INFO_FLAVORS: ReadonlyMap<number, InfoFlavor> = table([
  [HOST_BASIC_INFO, { name: 'HOST_BASIC_INFO', struct: 'host_basic_info', count: HOST_BASIC_INFO_COUNT, decode: (w) => decodeHostBasicInfo(w, w.length) }],
  [HOST_SCHED_INFO, { name: 'HOST_SCHED_INFO', struct: 'host_sched_info', count: HOST_SCHED_INFO_COUNT, decode: decodeHostSchedInfo }],
  [HOST_PRIORITY_INFO, { name: 'HOST_PRIORITY_INFO', struct: 'host_priority_info', count: HOST_PRIORITY_INFO_COUNT, decode: decodeHostPriorityInfo }],
  [HOST_CAN_HAS_DEBUGGER, { name: 'HOST_CAN_HAS_DEBUGGER', struct: 'host_can_has_debugger_info', count: HOST_CAN_HAS_DEBUGGER_COUNT, decode: decodeHostCanHasDebuggerInfo }],
  [HOST_PREFERRED_USER_ARCH, { name: 'HOST_PREFERRED_USER_ARCH', struct: 'host_preferred_user_arch', count: HOST_PREFERRED_USER_ARCH_COUNT, decode: decodeHostPreferredUserArch }],
]);

/**
 * host_statistics64 flavors decoded by MachApi (xnu:osfmk/kern/host.c:host_statistics64,
 * which hands flavors it does not handle itself to host_statistics).
 */
export const HOST_STATISTICS64_FLAVORS: ReadonlyMap<number, InfoFlavor> = table([
  [HOST_LOAD_INFO, { name: 'HOST_LOAD_INFO', struct: 'host_load_info', count: HOST_LOAD_INFO_COUNT, decode: decodeHostLoadInfo }],
  [HOST_VM_INFO, { name: 'HOST_VM_INFO', struct: 'vm_statistics', count: HOST_VM_INFO_COUNT, decode: (w) => decodeVmStatistics(w, w.length) }],
  [HOST_CPU_LOAD_INFO, { name: 'HOST_CPU_LOAD_INFO', struct: 'host_cpu_load_info', count: HOST_CPU_LOAD_INFO_COUNT, decode: decodeHostCpuLoadInfo }],
  [HOST_VM_INFO64, { name: 'HOST_VM_INFO64', struct: 'vm_statistics64', count: HOST_VM_INFO64_COUNT, decode: (w) => decodeVmStatistics64(w, w.length) }],
  [HOST_EXTMOD_INFO64, { name: 'HOST_EXTMOD_INFO64', struct: 'vm_extmod_statistics', count: HOST_EXTMOD_INFO64_COUNT, decode: decodeVmExtmodStatistics }],
]);

/** task_info flavors decoded by MachApi (xnu:osfmk/kern/task.c:task_info). */
export const TASK_INFO_FLAVORS: ReadonlyMap<number, InfoFlavor> = table([
  [TASK_EVENTS_INFO, { name: 'TASK_EVENTS_INFO', struct: 'task_events_info', count: TASK_EVENTS_INFO_COUNT, decode: decodeTaskEventsInfo }],
  [TASK_THREAD_TIMES_INFO, { name: 'TASK_THREAD_TIMES_INFO', struct: 'task_thread_times_info', count: TASK_THREAD_TIMES_INFO_COUNT, decode: decodeTaskThreadTimesInfo }],
  [TASK_BASIC_INFO_32, { name: 'TASK_BASIC_INFO_32', struct: 'task_basic_info_32', count: TASK_BASIC_INFO_32_COUNT, decode: decodeTaskBasicInfoByCount }],
  [TASK_BASIC_INFO_64, { name: 'TASK_BASIC_INFO_64', struct: 'task_basic_info_64 (task_basic_info_32 on arm64)', count: TASK_BASIC_INFO_64_COUNT, decode: decodeTaskBasicInfoByCount }],
  [TASK_BASIC2_INFO_32, { name: 'TASK_BASIC2_INFO_32', struct: 'task_basic_info_32', count: TASK_BASIC2_INFO_32_COUNT, decode: decodeTaskBasicInfoByCount }],
  [TASK_AUDIT_TOKEN, { name: 'TASK_AUDIT_TOKEN', struct: 'audit_token_t', count: TASK_AUDIT_TOKEN_COUNT, decode: decodeAuditToken }],
  [TASK_BASIC_INFO_64_2, { name: 'TASK_BASIC_INFO_64_2', struct: 'task_basic_info_64', count: TASK_BASIC_INFO_64_2_COUNT, decode: decodeTaskBasicInfoByCount }],
  [MACH_TASK_BASIC_INFO, { name: 'MACH_TASK_BASIC_INFO', struct: 'mach_task_basic_info', count: MACH_TASK_BASIC_INFO_COUNT, decode: decodeMachTaskBasicInfo }],
]);

/** The count to ask a flavor with: its `*_COUNT` if the table decodes it, else `max`. */
export function infoRequestCount(flavors: ReadonlyMap<number, InfoFlavor>, flavor: number, max: number): number {
  return flavors.get(flavor)?.count ?? max;
}

/**
 * A successful reply's words as MachApi returns them: the struct object if the table decodes
 * the flavor, else {@link RawInfo}.
 */
export function decodeInfoReply(flavors: ReadonlyMap<number, InfoFlavor>, flavor: number, words: Words): object {
  const w = toWords(words);
  const entry = flavors.get(flavor);
  return entry ? entry.decode(w) : rawInfo(flavor, w);
}
