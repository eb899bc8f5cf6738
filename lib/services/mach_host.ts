/**
 * The mach_host routines as typed MIG routines (xnu:osfmk/mach/mach_host.defs, subsystem
 * 200): host_info (200) and host_statistics64 (219). Both are
 * `routine (host; flavor; out info: array[*:max] of integer_t, CountInOut)`:
 *
 * | routine | request | reply (success) |
 * |---|---|---|
 * | host_info (200) | Head, NDR, flavor, host_info_outCnt — 40 bytes | Head, NDR, RetCode, host_info_outCnt, host_info_out[cnt ≤ 68] — 40 + 4·cnt |
 * | host_statistics64 (219) | Head, NDR, flavor, host_info64_outCnt — 40 bytes | Head, NDR, RetCode, host_info64_outCnt, host_info64_out[cnt ≤ 256] — 40 + 4·cnt |
 *
 * A failure is a 36-byte mig_reply_error_t (reference §4.1, §4.3, §4.4).
 * @module
 */
import { HOST_INFO64_MAX, HOST_INFO_MAX } from '../constants.js';
import { decodeInfoReply, HOST_INFO_FLAVORS, HOST_STATISTICS64_FLAVORS, infoRequestCount } from '../kernel-info/index.js';
import { defineRoutine, int32, uint32, varArray } from '../message/index.js';
import type { HostInfoResult, HostStatistics64Result, MachApi, RawInfo } from '../types.js';
import {
  callKernel,
  checkApi,
  checkCapacity,
  checkInt32,
  checkName,
  checkOptions,
  isNative,
  MACH_HOST_SUBSYSTEM_BASE,
  throwIfAborted,
  type KernelCallOptions,
} from './kernel-call.js';

/** host_info (200): `routine host_info(host; flavor: host_flavor_t; out host_info_out: host_info_t, CountInOut)`. */
export const hostInfoRoutine = defineRoutine({
  name: 'host_info',
  subsystem: MACH_HOST_SUBSYSTEM_BASE,
  id: 0,
  request: { flavor: int32, host_info_outCnt: uint32 },
  reply: { host_info_out: varArray(int32, HOST_INFO_MAX) },
});

/** host_statistics64 (219): `routine host_statistics64(host_priv; flavor: host_flavor_t; out host_info64_out: host_info64_t, CountInOut)`. */
export const hostStatistics64Routine = defineRoutine({
  name: 'host_statistics64',
  subsystem: MACH_HOST_SUBSYSTEM_BASE,
  id: 19,
  request: { flavor: int32, host_info64_outCnt: uint32 },
  reply: { host_info64_out: varArray(int32, HOST_INFO64_MAX) },
});

/**
 * host_info(host, flavor), typed by flavor as {@link MachApi.host_info} is
 * ({@link HostInfoResult}: `hostInfo(api, host, HOST_SCHED_INFO)` resolves to a
 * host_sched_info). The flavors of the table shared with MachApi (HOST_INFO_FLAVORS,
 * lib/kernel-info/info_flavors.ts) are asked with their *_COUNT and decoded into their
 * struct — HOST_BASIC_INFO → host_basic_info (count 12), HOST_SCHED_INFO → host_sched_info,
 * HOST_PRIORITY_INFO → host_priority_info, HOST_CAN_HAS_DEBUGGER →
 * host_can_has_debugger_info, HOST_PREFERRED_USER_ARCH → host_preferred_user_arch; any
 * other flavor is asked with HOST_INFO_MAX and answered as its raw words
 * (`{ flavor, count, words }`, {@link RawInfo}). Every backend gives the same shape.
 * `host` is a send right to the host port (`api.mach_host_self()`); it is copied, not consumed.
 *
 * - Emulator: a MIG exchange with the emulated kernel (a kernel-object call).
 * - Native backend: `api.host_info(host, flavor)`, i.e. libSystem's host_info stub (macOS
 *   13+ refuses hand-built messages to the host port; reference S98), which decodes with
 *   the same table. `timeout` is ignored there and `signal` is checked once, before the call.
 *
 * Errors (MachError), the kernel's own: an unknown flavor → KERN_INVALID_ARGUMENT; `host`
 * not the host port (e.g. a task port) → KERN_INVALID_ARGUMENT
 * (xnu:osfmk/kern/host.c:host_info); not a send right → MACH_SEND_INVALID_DEST; more words
 * than asked → MIG_ARRAY_TOO_LARGE; on the emulator a `timeout` that expires →
 * MACH_RCV_TIMED_OUT.
 */
export function hostInfo<F extends number>(api: MachApi, host: number, flavor: F, options?: KernelCallOptions): Promise<HostInfoResult<F>>;
/** Implementation of the signature above: the native stub, or a MIG exchange with the emulated kernel. */
export async function hostInfo(apiArg: unknown, host: number, flavor: number, options?: KernelCallOptions): Promise<HostInfoResult> {
  const api = checkApi(apiArg, 'hostInfo');
  const h = checkName(host, 'host');
  const f = checkInt32(flavor, 'flavor');
  const opts = checkOptions(options, 'hostInfo');
  if (isNative(api)) {
    throwIfAborted(opts.signal);
    return api.host_info(h, f);
  }
  const capacity = infoRequestCount(HOST_INFO_FLAVORS, f, HOST_INFO_MAX);
  const { host_info_out } = await callKernel(hostInfoRoutine, api, h, { flavor: f, host_info_outCnt: capacity }, opts);
  checkCapacity(host_info_out.length, capacity, 'host_info');
  return decodeInfoReply(HOST_INFO_FLAVORS, f, host_info_out) as HostInfoResult;
}

/**
 * host_statistics64(host, flavor), typed by flavor as {@link MachApi.host_statistics64} is
 * ({@link HostStatistics64Result}). The flavors of HOST_STATISTICS64_FLAVORS are asked with
 * their *_COUNT and decoded — HOST_VM_INFO64 → vm_statistics64 (count 38), HOST_LOAD_INFO →
 * host_load_info, HOST_VM_INFO → vm_statistics, HOST_CPU_LOAD_INFO → host_cpu_load_info,
 * HOST_EXTMOD_INFO64 → vm_extmod_statistics; any other flavor is asked with HOST_INFO64_MAX
 * and answered as its raw words ({@link RawInfo}). `host` is a send right to the host port;
 * it is copied, not consumed.
 *
 * - Emulator: a MIG exchange with the emulated kernel (a kernel-object call).
 * - Native backend: `api.host_statistics64(host, flavor)` (libSystem's stub, same table).
 *
 * Errors (MachError), the kernel's own: an unknown flavor → KERN_INVALID_ARGUMENT; `host`
 * not the host port → KERN_INVALID_HOST (xnu:osfmk/kern/host.c:host_statistics64); more
 * words than asked → MIG_ARRAY_TOO_LARGE; on the emulator a `timeout` that expires →
 * MACH_RCV_TIMED_OUT.
 */
export function hostStatistics64<F extends number>(
  api: MachApi,
  host: number,
  flavor: F,
  options?: KernelCallOptions,
): Promise<HostStatistics64Result<F>>;
/** Implementation of the signature above: the native stub, or a MIG exchange with the emulated kernel. */
export async function hostStatistics64(apiArg: unknown, host: number, flavor: number, options?: KernelCallOptions): Promise<HostStatistics64Result> {
  const api = checkApi(apiArg, 'hostStatistics64');
  const h = checkName(host, 'host');
  const f = checkInt32(flavor, 'flavor');
  const opts = checkOptions(options, 'hostStatistics64');
  if (isNative(api)) {
    throwIfAborted(opts.signal);
    return api.host_statistics64(h, f);
  }
  const capacity = infoRequestCount(HOST_STATISTICS64_FLAVORS, f, HOST_INFO64_MAX);
  const { host_info64_out } = await callKernel(hostStatistics64Routine, api, h, { flavor: f, host_info64_outCnt: capacity }, opts);
  checkCapacity(host_info64_out.length, capacity, 'host_statistics64');
  return decodeInfoReply(HOST_STATISTICS64_FLAVORS, f, host_info64_out) as HostStatistics64Result;
}
