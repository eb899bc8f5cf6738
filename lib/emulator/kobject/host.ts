/**
 * The host routines of XNU's osfmk/kern/host.c as the emulator runs them: host_info,
 * host_statistics, host_statistics64 and host_page_size over the emulated host's
 * {@link MachineInfo}. Each takes the caller's count (already clamped by the MIG server to
 * the array bound) and returns the kern_return_t and the words it filled, whose length is
 * the count the reply carries.
 * @module
 */
import * as os from 'node:os';
import {
  HOST_BASIC_INFO,
  HOST_BASIC_INFO_COUNT,
  HOST_BASIC_INFO_OLD_COUNT,
  HOST_CPU_LOAD_INFO,
  HOST_LOAD_INFO,
  HOST_PRIORITY_INFO,
  HOST_SCHED_INFO,
  HOST_VM_INFO,
  HOST_VM_INFO64,
  HOST_VM_INFO64_COUNT,
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  KERN_NOT_SUPPORTED,
  KERN_SUCCESS,
} from '../../constants.js';
import type { vm_statistics64 } from '../../types.js';
import { encodeHostBasicInfo } from '../../kernel-info/host_basic_info.js';
import { encodeVmStatistics64, HOST_VM_INFO64_REV0_COUNT } from '../../kernel-info/vm_statistics64.js';
import { hostBasicInfoOf, type MachineInfo } from './machine_info.js';
import { vmStatistics64OfThisHost } from './vm_stats.js';

/** What a host or task info routine returns: its code and the words of the out array. */
export interface InfoResult {
  kr: number;
  /** The filled words; their number is the out count. Empty on failure. */
  words: Int32Array;
}

/** Host flavors past the ones lib/constants.ts names (xnu:osfmk/mach/host_info.h). */
export const HOST_FLAVOR = {
  HOST_RESOURCE_SIZES: 4,
  HOST_SEMAPHORE_TRAPS: 7,
  HOST_MACH_MSG_TRAP: 8,
  HOST_VM_PURGABLE: 9,
  HOST_DEBUG_INFO_INTERNAL: 10,
  HOST_CAN_HAS_DEBUGGER: 11,
  HOST_PREFERRED_USER_ARCH: 12,
  HOST_EXTMOD_INFO64: 5,
  HOST_EXPIRED_TASK_INFO: 6,
  HOST_VM_COMPRESSOR_Q_LENS: 7,
} as const;

const fail = (kr: number): InfoResult => ({ kr, words: new Int32Array(0) });
const ok = (words: Int32Array | number[]): InfoResult => ({ kr: KERN_SUCCESS, words: Int32Array.from(words) });

/** HOST_VM_INFO_REV0/1/2_COUNT: vm_statistics (32-bit) grew from 12 to 14 to 15 words. */
const HOST_VM_INFO_REV0_COUNT = 12;
const HOST_VM_INFO_REV1_COUNT = 14;
const HOST_VM_INFO_REV2_COUNT = 15;
/** LOAD_SCALE: load averages and mach factors are fixed point × 1000 (xnu:osfmk/kern/sched.h). */
const LOAD_SCALE = 1000;
/** The scheduler's tick rate for cpu_ticks (hz = 100, xnu:osfmk/kern/clock.c). */
const TICKS_PER_SECOND = 100;
/** The standard quantum: 1 s / DEFAULT_PREEMPTION_RATE 100 = 10 ms (xnu:osfmk/kern/sched_prim.c). */
const QUANTUM_MS = 10;

/**
 * host_info (xnu:osfmk/kern/host.c:host_info). HOST_BASIC_INFO: count < 5 → KERN_FAILURE;
 * 5..11 → only the old five fields, count 5; ≥ 12 → all fields, count 12. Unknown flavor →
 * KERN_INVALID_ARGUMENT.
 */
export function host_info(m: MachineInfo, flavor: number, count: number): InfoResult {
  switch (flavor) {
    case HOST_BASIC_INFO: {
      if (count < HOST_BASIC_INFO_OLD_COUNT) return fail(KERN_FAILURE);
      const words = encodeHostBasicInfo(hostBasicInfoOf(m));
      return ok(words.subarray(0, count >= HOST_BASIC_INFO_COUNT ? HOST_BASIC_INFO_COUNT : HOST_BASIC_INFO_OLD_COUNT));
    }
    case HOST_SCHED_INFO:
      // min_timeout and min_quantum, both the initial quantum in ms.
      if (count < 2) return fail(KERN_FAILURE);
      return ok([QUANTUM_MS, QUANTUM_MS]);
    case HOST_FLAVOR.HOST_RESOURCE_SIZES:
      // XNU fails this flavor outright ("until ledgers are implemented").
      if (count < 5) return fail(KERN_FAILURE);
      return fail(KERN_INVALID_ARGUMENT);
    case HOST_PRIORITY_INFO:
      // kernel, system, server, user, depress, idle, minimum, maximum priorities
      // (MINPRI_KERNEL 80, MINPRI_RESERVED 64, BASEPRI_DEFAULT 31, DEPRESSPRI 0, IDLEPRI 0,
      // MINPRI_USER 0, MAXPRI_RESERVED 79; xnu:osfmk/kern/sched.h).
      if (count < 8) return fail(KERN_FAILURE);
      return ok([80, 80, 64, 31, 0, 0, 0, 79]);
    case HOST_FLAVOR.HOST_MACH_MSG_TRAP:
    case HOST_FLAVOR.HOST_SEMAPHORE_TRAPS:
      return ok([]);
    case HOST_FLAVOR.HOST_CAN_HAS_DEBUGGER:
      // A release kernel without debug boot-args says no.
      if (count < 1) return fail(KERN_FAILURE);
      return ok([0]);
    case HOST_FLAVOR.HOST_VM_PURGABLE:
      // vm_purgeable_info: 17 {count, size} u64 pairs; the emulator has no purgeable memory.
      if (count < 68) return fail(KERN_FAILURE);
      return ok(new Int32Array(68));
    case HOST_FLAVOR.HOST_DEBUG_INFO_INTERNAL:
      // Only DEVELOPMENT/DEBUG kernels answer it.
      return fail(KERN_NOT_SUPPORTED);
    case HOST_FLAVOR.HOST_PREFERRED_USER_ARCH:
      if (count < 2) return fail(KERN_FAILURE);
      return ok([m.cpu_type, m.cpu_subtype]);
    default:
      return fail(KERN_INVALID_ARGUMENT);
  }
}

/** A 64-bit counter pegged to 32 bits (VM_STATISTICS_TRUNCATE_TO_32_BIT). */
function pegged(v: bigint | number): number {
  const b = BigInt(v);
  return Number(b > 0xffffffffn ? 0xffffffffn : b) | 0;
}

/**
 * host_statistics (xnu:osfmk/kern/host.c:host_statistics): HOST_LOAD_INFO, HOST_VM_INFO
 * (revisions 0–2 by count), HOST_CPU_LOAD_INFO. Too small a count → KERN_FAILURE; unknown
 * flavor → KERN_INVALID_ARGUMENT.
 */
export function host_statistics(m: MachineInfo, flavor: number, count: number, vm?: vm_statistics64): InfoResult {
  switch (flavor) {
    case HOST_LOAD_INFO: {
      if (count < 6) return fail(KERN_FAILURE);
      // avenrun[3] then mach_factor[3]. The mach factor is XNU's "spare processors" figure,
      // (ncpus − load) or ncpus/(load + 1) when overloaded (xnu:osfmk/kern/sched_average.c),
      // derived here from the host's load averages.
      const loads = os.loadavg();
      const ncpus = m.avail_cpus;
      const factor = (l: number): number => Math.round(l > ncpus ? (ncpus * LOAD_SCALE) / (l + 1) : (ncpus - l) * LOAD_SCALE);
      return ok([...loads.map((l) => Math.round(l * LOAD_SCALE)), ...loads.map(factor)]);
    }
    case HOST_VM_INFO: {
      if (count < HOST_VM_INFO_REV0_COUNT) return fail(KERN_FAILURE);
      const s = vm ?? vmStatistics64OfThisHost(m);
      const words = [
        s.free_count, s.active_count, s.inactive_count, s.wire_count, s.zero_fill_count, s.reactivations,
        s.pageins, s.pageouts, s.faults, s.cow_faults, s.lookups, s.hits,
      ].map(pegged);
      if (count >= HOST_VM_INFO_REV1_COUNT) words.push(pegged(s.purgeable_count), pegged(s.purges));
      if (count >= HOST_VM_INFO_REV2_COUNT) words.push(pegged(s.speculative_count));
      return ok(words);
    }
    case HOST_CPU_LOAD_INFO: {
      if (count < 4) return fail(KERN_FAILURE);
      // cpu_ticks[CPU_STATE_USER, SYSTEM, IDLE, NICE] summed over processors, in scheduler
      // ticks, wrapping at 32 bits like XNU's uint32_t accumulators.
      const ticks = [0, 0, 0, 0];
      for (const cpu of os.cpus()) {
        const t = cpu.times;
        [t.user, t.sys, t.idle, t.nice].forEach((ms, i) => {
          ticks[i] = (ticks[i]! + Math.floor((ms * TICKS_PER_SECOND) / 1000)) | 0;
        });
      }
      return ok(ticks);
    }
    case HOST_FLAVOR.HOST_EXPIRED_TASK_INFO:
      // Statistics of terminated tasks' power use: not modelled by the emulator.
      return fail(KERN_NOT_SUPPORTED);
    default:
      return fail(KERN_INVALID_ARGUMENT);
  }
}

/**
 * host_statistics64 as the user-facing routine runs it
 * (xnu:osfmk/kern/host.c:host_statistics64_from_user, host_statistics64, vm_stats):
 * HOST_VM_INFO64 with count < 24 → KERN_FAILURE, 24..37 → revision 0 (count 24), ≥ 38 → all
 * (count 38); HOST_EXTMOD_INFO64 (12 words of external-modification counters, all zero here);
 * HOST_VM_COMPRESSOR_Q_LENS → KERN_NOT_SUPPORTED as on release kernels; other flavors go to
 * host_statistics. XNU's rate limiting of third-party callers (cached answers within a
 * one-second window) is not modelled.
 */
export function host_statistics64(m: MachineInfo, flavor: number, count: number, vm?: vm_statistics64): InfoResult {
  switch (flavor) {
    case HOST_VM_INFO64: {
      if (count < HOST_VM_INFO64_REV0_COUNT) return fail(KERN_FAILURE);
      const words = encodeVmStatistics64(vm ?? vmStatistics64OfThisHost(m));
      return ok(words.subarray(0, count >= HOST_VM_INFO64_COUNT ? HOST_VM_INFO64_COUNT : HOST_VM_INFO64_REV0_COUNT));
    }
    case HOST_FLAVOR.HOST_EXTMOD_INFO64:
      if (count < 12) return fail(KERN_FAILURE);
      return ok(new Int32Array(12));
    case HOST_FLAVOR.HOST_VM_COMPRESSOR_Q_LENS:
      return fail(KERN_NOT_SUPPORTED);
    default:
      return host_statistics(m, flavor, count, vm);
  }
}

/** host_page_size (xnu:osfmk/kern/host.c:host_page_size): the kernel's PAGE_SIZE. */
export function host_page_size(m: MachineInfo): bigint {
  return BigInt(m.page_size);
}
