/**
 * vm_statistics64 (flavor HOST_VM_INFO64 of host_statistics64) as integer_t words.
 * Layout (xnu:osfmk/mach/vm_statistics.h:struct vm_statistics64): 38 words
 * (HOST_VM_INFO64_COUNT = HOST_VM_INFO64_REV1_COUNT). Revision 0 is the first 24 words,
 * through `speculative_count` (HOST_VM_INFO64_REV0_COUNT = REV1 − 14); the kernel fills
 * only those when the caller's count is 24..37 (xnu:osfmk/kern/host.c:vm_stats).
 * Page counts are in units of the host's page size (host_page_size).
 * @module
 */
import { HOST_VM_INFO64_COUNT, MIG_TYPE_ERROR } from '../constants.js';
import { MachError } from '../errors.js';
import type { vm_statistics64 } from '../types.js';
import { decodeInfo, encodeInfo, toWords, type InfoLayout } from './integer_t.js';

/** HOST_VM_INFO64_REV0_COUNT: the words of the revision-0 layout (xnu:osfmk/mach/host_info.h). */
export const HOST_VM_INFO64_REV0_COUNT = HOST_VM_INFO64_COUNT - 14;
/** HOST_VM_INFO64_REV1_COUNT: the current layout, HOST_VM_INFO64_COUNT. */
export const HOST_VM_INFO64_REV1_COUNT = HOST_VM_INFO64_COUNT;

/** The fields of struct vm_statistics64 in declaration order. */
export const VM_STATISTICS64_LAYOUT: InfoLayout = {
  struct: 'vm_statistics64',
  fields: [
    ['free_count', 'natural_t'],
    ['active_count', 'natural_t'],
    ['inactive_count', 'natural_t'],
    ['wire_count', 'natural_t'],
    ['zero_fill_count', 'uint64_t'],
    ['reactivations', 'uint64_t'],
    ['pageins', 'uint64_t'],
    ['pageouts', 'uint64_t'],
    ['faults', 'uint64_t'],
    ['cow_faults', 'uint64_t'],
    ['lookups', 'uint64_t'],
    ['hits', 'uint64_t'],
    ['purges', 'uint64_t'],
    ['purgeable_count', 'natural_t'],
    ['speculative_count', 'natural_t'],
    // rev1 (compressor and swapper counters)
    ['decompressions', 'uint64_t'],
    ['compressions', 'uint64_t'],
    ['swapins', 'uint64_t'],
    ['swapouts', 'uint64_t'],
    ['compressor_page_count', 'natural_t'],
    ['throttled_count', 'natural_t'],
    ['external_page_count', 'natural_t'],
    ['internal_page_count', 'natural_t'],
    ['total_uncompressed_pages_in_compressor', 'uint64_t'],
  ],
};

/** Number of fields in the revision-0 layout (free_count … speculative_count). */
const REV0_FIELDS = 15;

/**
 * Decode host_statistics64(HOST_VM_INFO64) output. `count` is the count the kernel returned
 * (defaults to the number of words): 38 gives every field, 24..37 the revision-0 fields with
 * the revision-1 fields zero. A count below 24 throws MachError(MIG_TYPE_ERROR).
 */
export function decodeVmStatistics64(words: Int32Array | Uint32Array | readonly number[], count?: number): vm_statistics64 {
  const w = toWords(words);
  const n = count ?? w.length;
  if (n < HOST_VM_INFO64_REV0_COUNT || w.length < Math.min(n, HOST_VM_INFO64_COUNT)) {
    throw new MachError(MIG_TYPE_ERROR, `vm_statistics64: count ${n} with ${w.length} words`);
  }
  const fields = n >= HOST_VM_INFO64_COUNT ? VM_STATISTICS64_LAYOUT.fields.length : REV0_FIELDS;
  return decodeInfo(VM_STATISTICS64_LAYOUT, w, fields) as unknown as vm_statistics64;
}

/** Encode a vm_statistics64 into its 38 words (HOST_VM_INFO64_COUNT). */
export function encodeVmStatistics64(info: vm_statistics64): Int32Array {
  return encodeInfo(VM_STATISTICS64_LAYOUT, info);
}
