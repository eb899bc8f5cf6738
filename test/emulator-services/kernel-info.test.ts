import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  AUDIT_TOKEN_LAYOUT,
  HOST_BASIC_INFO_LAYOUT,
  HOST_VM_INFO64_REV0_COUNT,
  MACH_TASK_BASIC_INFO_LAYOUT,
  TASK_BASIC_INFO_32_LAYOUT,
  TASK_BASIC_INFO_64_LAYOUT,
  VM_STATISTICS64_LAYOUT,
  decodeAuditToken,
  decodeHostBasicInfo,
  decodeMachTaskBasicInfo,
  decodeTaskBasicInfo32,
  decodeTaskBasicInfo64,
  decodeVmStatistics64,
  encodeAuditToken,
  encodeHostBasicInfo,
  encodeMachTaskBasicInfo,
  encodeTaskBasicInfo64,
  encodeVmStatistics64,
  wordCount,
} from '../../lib/kernel-info/index.js';
import { MachError } from '../../lib/errors.js';
import {
  HOST_BASIC_INFO_COUNT,
  HOST_VM_INFO64_COUNT,
  MACH_TASK_BASIC_INFO_COUNT,
  MIG_TYPE_ERROR,
  TASK_AUDIT_TOKEN_COUNT,
  TASK_BASIC_INFO_32_COUNT,
  TASK_BASIC_INFO_64_COUNT,
} from '../../lib/constants.js';

describe('kernel-info layouts', () => {
  it('have the *_COUNT sizes of the C structs', () => {
    expect(wordCount(HOST_BASIC_INFO_LAYOUT)).toBe(HOST_BASIC_INFO_COUNT);
    expect(wordCount(VM_STATISTICS64_LAYOUT)).toBe(HOST_VM_INFO64_COUNT);
    expect(HOST_VM_INFO64_REV0_COUNT).toBe(24);
    expect(wordCount(MACH_TASK_BASIC_INFO_LAYOUT)).toBe(MACH_TASK_BASIC_INFO_COUNT);
    expect(wordCount(TASK_BASIC_INFO_32_LAYOUT)).toBe(TASK_BASIC_INFO_32_COUNT);
    expect(wordCount(TASK_BASIC_INFO_64_LAYOUT)).toBe(TASK_BASIC_INFO_64_COUNT);
    expect(wordCount(AUDIT_TOKEN_LAYOUT)).toBe(TASK_AUDIT_TOKEN_COUNT);
  });

  it('host_basic_info: max_mem is the u64 at word 10, low word first; memory_size unsigned', () => {
    const words = [8, 8, 0x80000000 | 0, 0x0100000c, 2, 0, 8, 8, 8, 8, 0, 4];
    const info = decodeHostBasicInfo(words);
    expect(info).toEqual({
      max_cpus: 8, avail_cpus: 8, memory_size: 0x80000000, cpu_type: 0x0100000c, cpu_subtype: 2,
      cpu_threadtype: 0, physical_cpu: 8, physical_cpu_max: 8, logical_cpu: 8, logical_cpu_max: 8,
      max_mem: 16n * 1024n * 1024n * 1024n,
    });
    expect(Array.from(encodeHostBasicInfo(info))).toEqual(words);
  });

  it('host_basic_info: the old 5-word layout decodes with the later fields zero; < 5 is a type error', () => {
    const info = decodeHostBasicInfo([4, 3, 1024, 7 | 0x01000000, 3]);
    expect(info.avail_cpus).toBe(3);
    expect(info.cpu_subtype).toBe(3);
    expect(info.logical_cpu).toBe(0);
    expect(info.max_mem).toBe(0n);
    expect(() => decodeHostBasicInfo([1, 2, 3, 4])).toThrow(expect.objectContaining({ kr: MIG_TYPE_ERROR }));
    expect(() => decodeHostBasicInfo(new Int32Array(12), 4)).toThrow(MachError);
  });

  it('vm_statistics64: rev0 counts leave the rev1 fields zero', () => {
    const words = new Int32Array(38).map((_, i) => i + 1);
    const full = decodeVmStatistics64(words);
    expect(full.free_count).toBe(1);
    expect(full.wire_count).toBe(4);
    expect(full.zero_fill_count).toBe((6n << 32n) | 5n);
    expect(full.speculative_count).toBe(24);
    expect(full.decompressions).toBe((26n << 32n) | 25n);
    expect(full.total_uncompressed_pages_in_compressor).toBe((38n << 32n) | 37n);
    const rev0 = decodeVmStatistics64(words.subarray(0, 24));
    expect(rev0.speculative_count).toBe(24);
    expect(rev0.compressions).toBe(0n);
    expect(rev0.internal_page_count).toBe(0);
    expect(() => decodeVmStatistics64(words.subarray(0, 23))).toThrow(MachError);
  });

  it('round-trips any value through words (property)', () => {
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
    const tv = fc.record({ seconds: i32, microseconds: i32 });
    fc.assert(
      fc.property(fc.record({ virtual_size: u64, resident_size: u64, resident_size_max: u64, user_time: tv, system_time: tv, policy: i32, suspend_count: i32 }), (v) => {
        expect(decodeMachTaskBasicInfo(encodeMachTaskBasicInfo(v))).toEqual(v);
      }),
    );
    fc.assert(
      fc.property(fc.record({ auid: u32, euid: u32, egid: u32, ruid: u32, rgid: u32, pid: i32, asid: u32, pidversion: i32 }), (v) => {
        expect(decodeAuditToken(encodeAuditToken(v))).toEqual(v);
      }),
    );
    fc.assert(
      fc.property(fc.record({ suspend_count: i32, virtual_size: u64, resident_size: u64, user_time: tv, system_time: tv, policy: i32 }), (v) => {
        expect(decodeTaskBasicInfo64(encodeTaskBasicInfo64(v))).toEqual(v);
      }),
    );
  });

  it('vm_statistics64 round-trips', () => {
    const words = new Int32Array(38).map((_, i) => (i * 2654435761) | 0);
    expect(Array.from(encodeVmStatistics64(decodeVmStatistics64(words)))).toEqual(Array.from(words));
  });

  it('task_basic_info_32 puts suspend_count first and sizes as natural_t', () => {
    const t = decodeTaskBasicInfo32([1, -1, 4096, 2, 500, 3, 600, 1]);
    expect(t).toEqual({ suspend_count: 1, virtual_size: 0xffffffff, resident_size: 4096, user_time: { seconds: 2, microseconds: 500 }, system_time: { seconds: 3, microseconds: 600 }, policy: 1 });
  });

  it('rejects non-arrays and non-numbers with TypeError', () => {
    expect(() => decodeAuditToken('x' as unknown as number[])).toThrow(TypeError);
    expect(() => decodeAuditToken([1, 2, 3, 4, 5, 6, 7, Number.NaN])).toThrow(TypeError);
    expect(() => encodeHostBasicInfo({} as never)).toThrow(TypeError);
  });
});
