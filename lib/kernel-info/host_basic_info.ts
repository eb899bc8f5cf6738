/**
 * host_basic_info (flavor HOST_BASIC_INFO of host_info) as integer_t words.
 * Layout (xnu:osfmk/mach/host_info.h:struct host_basic_info): ten 32-bit fields then
 * `max_mem` (uint64_t): HOST_BASIC_INFO_COUNT = 12 words. The old layout
 * (HOST_BASIC_INFO_OLD_COUNT = 5) is its first five fields, which is all the kernel fills
 * when the caller's count is 5..11 (xnu:osfmk/kern/host.c:host_info).
 * @module
 */
import { HOST_BASIC_INFO_COUNT, HOST_BASIC_INFO_OLD_COUNT, MIG_TYPE_ERROR } from '../constants.js';
import { MachError } from '../errors.js';
import type { host_basic_info } from '../types.js';
import { decodeInfo, encodeInfo, toWords, type InfoLayout } from './integer_t.js';

/** The fields of struct host_basic_info in declaration order. */
export const HOST_BASIC_INFO_LAYOUT: InfoLayout = {
  struct: 'host_basic_info',
  fields: [
    ['max_cpus', 'integer_t'],
    ['avail_cpus', 'integer_t'],
    ['memory_size', 'natural_t'],
    ['cpu_type', 'integer_t'],
    ['cpu_subtype', 'integer_t'],
    ['cpu_threadtype', 'integer_t'],
    ['physical_cpu', 'integer_t'],
    ['physical_cpu_max', 'integer_t'],
    ['logical_cpu', 'integer_t'],
    ['logical_cpu_max', 'integer_t'],
    ['max_mem', 'uint64_t'],
  ],
};

/**
 * Decode host_info(HOST_BASIC_INFO) output. `count` is the count the kernel returned
 * (defaults to the number of words): 12 gives every field; 5 (the old layout) gives
 * max_cpus, avail_cpus, memory_size, cpu_type, cpu_subtype and zeros elsewhere.
 * A count below 5, or fewer words than the count, throws MachError(MIG_TYPE_ERROR).
 */
export function decodeHostBasicInfo(words: Int32Array | Uint32Array | readonly number[], count?: number): host_basic_info {
  const w = toWords(words);
  const n = count ?? w.length;
  if (n < HOST_BASIC_INFO_OLD_COUNT || w.length < Math.min(n, HOST_BASIC_INFO_COUNT)) {
    throw new MachError(MIG_TYPE_ERROR, `host_basic_info: count ${n} with ${w.length} words`);
  }
  const fields = n >= HOST_BASIC_INFO_COUNT ? HOST_BASIC_INFO_LAYOUT.fields.length : HOST_BASIC_INFO_OLD_COUNT;
  return decodeInfo(HOST_BASIC_INFO_LAYOUT, w, fields) as unknown as host_basic_info;
}

/** Encode a host_basic_info into its 12 words (HOST_BASIC_INFO_COUNT). */
export function encodeHostBasicInfo(info: host_basic_info): Int32Array {
  return encodeInfo(HOST_BASIC_INFO_LAYOUT, info);
}
