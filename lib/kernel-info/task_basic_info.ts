/**
 * The legacy task basic info structs as integer_t words (xnu:osfmk/mach/task_info.h, pack 4):
 * - task_basic_info_32 (TASK_BASIC_INFO_32, 8 words): suspend_count, virtual_size and
 *   resident_size as natural_t, user_time, system_time, policy;
 * - task_basic_info_64 (10 words): the same with 64-bit sizes. It is what TASK_BASIC_INFO_64
 *   (5) returns on x86_64; on arm64 the kernel answers flavor 5 with the 32-bit layout and
 *   count 8, and offers the 64-bit layout as TASK_BASIC_INFO_64_2 (18), which arm64 user
 *   headers call TASK_BASIC_INFO_64 (xnu:osfmk/kern/task.c:task_info).
 * @module
 */
import { MIG_TYPE_ERROR, TASK_BASIC_INFO_32_COUNT, TASK_BASIC_INFO_64_COUNT } from '../constants.js';
import { MachError } from '../errors.js';
import { decodeInfo, encodeInfo, toWords, type InfoLayout, type time_value_t } from './integer_t.js';

/**
 * TASK_BASIC_INFO_64_2 (18): arm64's flavor for the 64-bit layout, and its count (10 words,
 * the task_basic_info_64 layout) (xnu:osfmk/mach/task_info.h). Defined in lib/constants.ts.
 */
export { TASK_BASIC_INFO_64_2, TASK_BASIC_INFO_64_2_COUNT } from '../constants.js';

/** struct task_basic_info_32 / task_basic_info_64 (sizes are numbers in the 32-bit one). */
export interface task_basic_info_32 {
  suspend_count: number;
  virtual_size: number;
  resident_size: number;
  user_time: time_value_t;
  system_time: time_value_t;
  policy: number;
}

/** struct task_basic_info_64 (and task_basic_info_64_2, the same layout). */
export interface task_basic_info_64 {
  suspend_count: number;
  virtual_size: bigint;
  resident_size: bigint;
  user_time: time_value_t;
  system_time: time_value_t;
  policy: number;
}

/** The fields of struct task_basic_info_32 in declaration order. */
export const TASK_BASIC_INFO_32_LAYOUT: InfoLayout = {
  struct: 'task_basic_info_32',
  fields: [
    ['suspend_count', 'integer_t'],
    ['virtual_size', 'natural_t'],
    ['resident_size', 'natural_t'],
    ['user_time', 'time_value_t'],
    ['system_time', 'time_value_t'],
    ['policy', 'integer_t'],
  ],
};

/** The fields of struct task_basic_info_64 in declaration order. */
export const TASK_BASIC_INFO_64_LAYOUT: InfoLayout = {
  struct: 'task_basic_info_64',
  fields: [
    ['suspend_count', 'integer_t'],
    ['virtual_size', 'uint64_t'],
    ['resident_size', 'uint64_t'],
    ['user_time', 'time_value_t'],
    ['system_time', 'time_value_t'],
    ['policy', 'integer_t'],
  ],
};

/** Decode task_basic_info_32 (8 words; fewer → MachError(MIG_TYPE_ERROR)). */
export function decodeTaskBasicInfo32(words: Int32Array | Uint32Array | readonly number[]): task_basic_info_32 {
  const w = toWords(words);
  if (w.length < TASK_BASIC_INFO_32_COUNT) {
    throw new MachError(MIG_TYPE_ERROR, `task_basic_info_32: ${w.length} words, ${TASK_BASIC_INFO_32_COUNT} needed`);
  }
  return decodeInfo(TASK_BASIC_INFO_32_LAYOUT, w) as unknown as task_basic_info_32;
}

/** Encode a task_basic_info_32 into its 8 words (sizes wrap to 32 bits as C truncates). */
export function encodeTaskBasicInfo32(info: task_basic_info_32): Int32Array {
  return encodeInfo(TASK_BASIC_INFO_32_LAYOUT, info);
}

/** Decode task_basic_info_64 (10 words; fewer → MachError(MIG_TYPE_ERROR)). */
export function decodeTaskBasicInfo64(words: Int32Array | Uint32Array | readonly number[]): task_basic_info_64 {
  const w = toWords(words);
  if (w.length < TASK_BASIC_INFO_64_COUNT) {
    throw new MachError(MIG_TYPE_ERROR, `task_basic_info_64: ${w.length} words, ${TASK_BASIC_INFO_64_COUNT} needed`);
  }
  return decodeInfo(TASK_BASIC_INFO_64_LAYOUT, w) as unknown as task_basic_info_64;
}

/** Encode a task_basic_info_64 into its 10 words. */
export function encodeTaskBasicInfo64(info: task_basic_info_64): Int32Array {
  return encodeInfo(TASK_BASIC_INFO_64_LAYOUT, info);
}
