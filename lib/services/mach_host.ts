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
import {
  HOST_BASIC_INFO,
  HOST_BASIC_INFO_COUNT,
  HOST_INFO64_MAX,
  HOST_INFO_MAX,
  HOST_VM_INFO64,
  HOST_VM_INFO64_COUNT,
} from '../constants.js';
import { decodeHostBasicInfo, decodeVmStatistics64 } from '../kernel-info/index.js';
import { defineRoutine, int32, uint32, varArray } from '../message/index.js';
import type { host_basic_info, MachApi, vm_statistics64 } from '../types.js';
import {
  asInfoWords,
  callKernel,
  checkApi,
  checkCapacity,
  checkInt32,
  checkName,
  checkOptions,
  isNative,
  MACH_HOST_SUBSYSTEM_BASE,
  throwIfAborted,
  type InfoWords,
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
 * host_info(host, flavor). HOST_BASIC_INFO is asked with count HOST_BASIC_INFO_COUNT (12)
 * and decoded into host_basic_info; any other flavor is asked with HOST_INFO_MAX and
 * answered as its raw words ({@link InfoWords}).
 *
 * - Emulator: a MIG exchange with the emulated kernel (a kernel-object call).
 * - Native backend: `api.host_info(host, flavor)`, i.e. libSystem's host_info stub (macOS
 *   13+ refuses hand-built messages to the host port; reference S98). `timeout` is ignored
 *   there and `signal` is checked once, before the call.
 *
 * Errors (MachError): an unknown flavor → KERN_INVALID_ARGUMENT; `host` not the host port
 * (e.g. a task port) → KERN_INVALID_ARGUMENT (xnu:osfmk/kern/host.c:host_info); not a send
 * right → MACH_SEND_INVALID_DEST.
 */
export function hostInfo(api: MachApi, host: number, flavor: typeof HOST_BASIC_INFO, options?: KernelCallOptions): Promise<host_basic_info>;
/**
 * host_info(host, flavor) for any flavor: HOST_BASIC_INFO decoded into host_basic_info,
 * other flavors asked with HOST_INFO_MAX and answered as raw words ({@link InfoWords}).
 * `host` is a send right to the host port (`api.mach_host_self()`); it is copied, not consumed.
 *
 * Errors (MachError): an unknown flavor or a `host` that is not the host port →
 * KERN_INVALID_ARGUMENT; not a send right → MACH_SEND_INVALID_DEST; more words than asked →
 * MIG_ARRAY_TOO_LARGE; on the emulator a `timeout` that expires → MACH_RCV_TIMED_OUT.
 */
export function hostInfo(api: MachApi, host: number, flavor: number, options?: KernelCallOptions): Promise<host_basic_info | InfoWords>;
/** Implementation of the overloads above: the native stub, or a MIG exchange with the emulated kernel. */
export async function hostInfo(apiArg: unknown, host: number, flavor: number, options?: KernelCallOptions): Promise<host_basic_info | InfoWords> {
  const api = checkApi(apiArg, 'hostInfo');
  const h = checkName(host, 'host');
  const f = checkInt32(flavor, 'flavor');
  const opts = checkOptions(options, 'hostInfo');
  if (isNative(api)) {
    throwIfAborted(opts.signal);
    const info = api.host_info(h, f);
    return (f === HOST_BASIC_INFO ? undefined : asInfoWords(info)) ?? info;
  }
  const capacity = f === HOST_BASIC_INFO ? HOST_BASIC_INFO_COUNT : HOST_INFO_MAX;
  const { host_info_out } = await callKernel(hostInfoRoutine, api, h, { flavor: f, host_info_outCnt: capacity }, opts);
  checkCapacity(host_info_out.length, capacity, 'host_info');
  if (f === HOST_BASIC_INFO) return decodeHostBasicInfo(host_info_out, host_info_out.length);
  return { flavor: f, count: host_info_out.length, words: host_info_out };
}

/**
 * host_statistics64(host, flavor). HOST_VM_INFO64 is asked with count
 * HOST_VM_INFO64_COUNT (38) and decoded into vm_statistics64; any other flavor is asked
 * with HOST_INFO64_MAX and answered as its raw words.
 *
 * - Emulator: a MIG exchange with the emulated kernel (a kernel-object call).
 * - Native backend: `api.host_statistics64(host, flavor)` (libSystem's stub).
 *
 * Errors (MachError): an unknown flavor → KERN_INVALID_ARGUMENT; `host` not the host port →
 * KERN_INVALID_HOST (xnu:osfmk/kern/host.c:host_statistics64).
 */
export function hostStatistics64(api: MachApi, host: number, flavor: typeof HOST_VM_INFO64, options?: KernelCallOptions): Promise<vm_statistics64>;
/**
 * host_statistics64(host, flavor) for any flavor: HOST_VM_INFO64 decoded into
 * vm_statistics64, other flavors asked with HOST_INFO64_MAX and answered as raw words
 * ({@link InfoWords}). `host` is a send right to the host port; it is copied, not consumed.
 *
 * Errors (MachError): an unknown flavor → KERN_INVALID_ARGUMENT; `host` not the host port →
 * KERN_INVALID_HOST; more words than asked → MIG_ARRAY_TOO_LARGE; on the emulator a
 * `timeout` that expires → MACH_RCV_TIMED_OUT.
 */
export function hostStatistics64(api: MachApi, host: number, flavor: number, options?: KernelCallOptions): Promise<vm_statistics64 | InfoWords>;
/** Implementation of the overloads above: the native stub, or a MIG exchange with the emulated kernel. */
export async function hostStatistics64(apiArg: unknown, host: number, flavor: number, options?: KernelCallOptions): Promise<vm_statistics64 | InfoWords> {
  const api = checkApi(apiArg, 'hostStatistics64');
  const h = checkName(host, 'host');
  const f = checkInt32(flavor, 'flavor');
  const opts = checkOptions(options, 'hostStatistics64');
  if (isNative(api)) {
    throwIfAborted(opts.signal);
    const stats = api.host_statistics64(h, f);
    return (f === HOST_VM_INFO64 ? undefined : asInfoWords(stats)) ?? stats;
  }
  const capacity = f === HOST_VM_INFO64 ? HOST_VM_INFO64_COUNT : HOST_INFO64_MAX;
  const { host_info64_out } = await callKernel(hostStatistics64Routine, api, h, { flavor: f, host_info64_outCnt: capacity }, opts);
  checkCapacity(host_info64_out.length, capacity, 'host_statistics64');
  if (f === HOST_VM_INFO64) return decodeVmStatistics64(host_info64_out, host_info64_out.length);
  return { flavor: f, count: host_info64_out.length, words: host_info64_out };
}
