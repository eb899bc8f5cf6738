/**
 * What the kernel routine modules share: the MIG subsystem bases, how a routine call is
 * routed on each backend, and the checks a MIG user stub makes on top of the reply's
 * layout.
 *
 * Routing: on an emulated task a routine is a real MIG exchange with the emulated kernel
 * (request and reply messages with the exact layouts of reference §4.3), sent as a
 * kernel-object call (`kobjectCall: true`, XNU's MACH64_SEND_KOBJECT_CALL), the way
 * libSystem's stubs send it since macOS 13. On the native backend, where macOS 13+ kills a
 * process that sends a hand-built message to a kernel object (reference S98) and the
 * addon does not expose the private mach_msg2 entry point, each routine is answered by
 * the native API's own call (api.host_info, api.task_info, …), i.e. by libSystem's MIG
 * stub for that routine, which builds the same message.
 * @module
 */
import { MIG_ARRAY_TOO_LARGE } from '../constants.js';
import { MachError } from '../errors.js';
import type { Fields, Routine, SchemaInput, SchemaOutput } from '../message/index.js';
import type { MachApi, RawInfo } from '../types.js';

/** mach_host subsystem base (xnu:osfmk/mach/mach_host.defs). */
export const MACH_HOST_SUBSYSTEM_BASE = 200;
/** mach_port subsystem base (xnu:osfmk/mach/mach_port.defs). */
export const MACH_PORT_SUBSYSTEM_BASE = 3200;
/** task subsystem base (xnu:osfmk/mach/task.defs). */
export const TASK_SUBSYSTEM_BASE = 3400;

/** Options of a kernel routine call. */
export interface KernelCallOptions {
  /**
   * Receive timeout in ms for the reply (emulator: MACH_RCV_TIMEOUT on the MIG exchange).
   * The native backend's libSystem calls are synchronous and ignore it.
   */
  timeout?: number;
  /** Cancels the call (checked before the call on the native backend, whose calls do not block). */
  signal?: AbortSignal;
}

/**
 * The words of an info flavor the typed functions do not decode into a struct: the
 * flavor asked for, the count the kernel returned and the integer_t words. The same shape
 * as MachApi's {@link RawInfo} (lib/kernel-info/info_flavors.ts), which it names.
 */
export type InfoWords = RawInfo;

/** True when `api` is the native backend (the real kernel). */
export function isNative(api: MachApi): boolean {
  return api.backendName === 'native';
}

/** Check that `api` is a MachApi (TypeError otherwise). */
export function checkApi(api: unknown, where: string): MachApi {
  if (typeof api !== 'object' || api === null || typeof (api as MachApi).mach_msg !== 'function' || typeof (api as MachApi).backendName !== 'string') {
    throw new TypeError(`${where}: the first argument must be a MachApi (an emulated task or the process task)`);
  }
  return api as MachApi;
}

/** Check an int32 argument (flavors are C ints). */
export function checkInt32(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
    throw new TypeError(`${what} must be a 32-bit integer, got ${typeof value === 'number' ? value : typeof value}`);
  }
  return value;
}

/** Check a port name argument (a uint32; the int32 spelling is accepted). */
export function checkName(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
    throw new TypeError(`${what} must be a port name (an integer that fits 32 bits), got ${typeof value === 'number' ? value : typeof value}`);
  }
  return value >>> 0;
}

/** Check the options object. */
export function checkOptions(options: unknown, where: string): KernelCallOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object`);
  const o = options as KernelCallOptions;
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new TypeError(`${where}: options.signal must be an AbortSignal`);
  if (o.timeout !== undefined && (typeof o.timeout !== 'number' || !Number.isInteger(o.timeout) || o.timeout < 0)) {
    throw new TypeError(`${where}: options.timeout must be a non-negative integer (ms)`);
  }
  return o;
}

/** Reject with the signal's reason when it has already aborted (the native path's only cancellation point). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

/** Calls `routine` on `port` as a kernel-object call (the emulator path). */
export function callKernel<Req extends Fields, Rep extends Fields>(
  routine: Routine<Req, Rep>,
  api: MachApi,
  port: number,
  args: SchemaInput<Req>,
  options: KernelCallOptions,
): Promise<SchemaOutput<Rep>> {
  return routine.call(api, port, args, { timeout: options.timeout, signal: options.signal, kobjectCall: true });
}

/**
 * The user stub's count check on a CountInOut array: the kernel returned more words than
 * the caller's array holds → MIG_ARRAY_TOO_LARGE (the stub copies what fits and reports it).
 */
export function checkCapacity(count: number, capacity: number, name: string): void {
  if (count > capacity) throw new MachError(MIG_ARRAY_TOO_LARGE, `${name}: the kernel returned ${count} words for an array of ${capacity}`);
}
