/**
 * mach_task_basic_info (flavor MACH_TASK_BASIC_INFO of task_info) as integer_t words.
 * Layout (xnu:osfmk/mach/task_info.h:struct mach_task_basic_info, pack 4): virtual_size,
 * resident_size, resident_size_max (mach_vm_size_t), user_time, system_time (time_value_t),
 * policy, suspend_count: MACH_TASK_BASIC_INFO_COUNT = 12 words.
 * @module
 */
import { MACH_TASK_BASIC_INFO_COUNT, MIG_TYPE_ERROR } from '../constants.js';
import { MachError } from '../errors.js';
import type { mach_task_basic_info } from '../types.js';
import { decodeInfo, encodeInfo, toWords, type InfoLayout } from './integer_t.js';

/** The fields of struct mach_task_basic_info in declaration order. */
export const MACH_TASK_BASIC_INFO_LAYOUT: InfoLayout = {
  struct: 'mach_task_basic_info',
  fields: [
    ['virtual_size', 'uint64_t'],
    ['resident_size', 'uint64_t'],
    ['resident_size_max', 'uint64_t'],
    ['user_time', 'time_value_t'],
    ['system_time', 'time_value_t'],
    ['policy', 'integer_t'],
    ['suspend_count', 'integer_t'],
  ],
};

/** Decode task_info(MACH_TASK_BASIC_INFO) output (12 words; fewer → MachError(MIG_TYPE_ERROR)). */
export function decodeMachTaskBasicInfo(words: Int32Array | Uint32Array | readonly number[]): mach_task_basic_info {
  const w = toWords(words);
  if (w.length < MACH_TASK_BASIC_INFO_COUNT) {
    throw new MachError(MIG_TYPE_ERROR, `mach_task_basic_info: ${w.length} words, ${MACH_TASK_BASIC_INFO_COUNT} needed`);
  }
  return decodeInfo(MACH_TASK_BASIC_INFO_LAYOUT, w) as unknown as mach_task_basic_info;
}

/** Encode a mach_task_basic_info into its 12 words. */
export function encodeMachTaskBasicInfo(info: mach_task_basic_info): Int32Array {
  return encodeInfo(MACH_TASK_BASIC_INFO_LAYOUT, info);
}
