/**
 * The compiled Darwin addon (native/*.cc) as TypeScript sees it, and its loader. The
 * addon is thin: each function is one libSystem call and returns the raw result — a
 * kern_return_t, or `[kr, ...outs]`. Meaning, validation and errors live in
 * {@link NativeApi} (api.ts).
 * @module
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The addon's ABI with this TypeScript; bumped when a function's shape changes. */
export const ADDON_ABI_VERSION = 1;

type Kr = number;

/** The functions native/*.cc exports (names as in C where there is a C call). */
export interface NativeAddon {
  readonly abiVersion: number;

  // ports.cc
  mach_task_self(): number;
  mach_host_self(): number;
  mach_port_allocate(task: number, right: number): [Kr, number];
  mach_port_allocate_name(task: number, right: number, name: number): Kr;
  mach_port_deallocate(task: number, name: number): Kr;
  mach_port_destroy(task: number, name: number): Kr;
  mach_port_mod_refs(task: number, name: number, right: number, delta: number): Kr;
  mach_port_get_refs(task: number, name: number, right: number): [Kr, number];
  mach_port_insert_right(task: number, name: number, poly: number, polyPoly: number): Kr;
  mach_port_extract_right(task: number, name: number, msgt_name: number): [Kr, number, number];
  mach_port_type(task: number, name: number): [Kr, number];
  mach_port_names(task: number): [Kr, Uint32Array?, Uint32Array?];
  mach_port_move_member(task: number, member: number, after: number): Kr;
  mach_port_insert_member(task: number, name: number, pset: number): Kr;
  mach_port_extract_member(task: number, name: number, pset: number): Kr;
  mach_port_get_set_status(task: number, name: number): [Kr, Uint32Array?];
  mach_port_request_notification(task: number, name: number, msgid: number, sync: number, notify: number, notifyPoly: number): [Kr, number];
  mach_port_get_attributes(task: number, name: number, flavor: number, count: number): [Kr, Int32Array?];
  mach_port_set_attributes(task: number, name: number, flavor: number, info: Int32Array): Kr;
  mach_port_set_mscount(task: number, name: number, mscount: number): Kr;
  mach_port_set_seqno(task: number, name: number, seqno: number): Kr;
  mach_port_get_context(task: number, name: number): [Kr, bigint];
  mach_port_set_context(task: number, name: number, context: bigint): Kr;
  mach_port_construct(task: number, flags: number, qlimit: number, context: bigint): [Kr, number];
  mach_port_destruct(task: number, name: number, srdelta: number, guard: bigint): Kr;
  mach_port_guard(task: number, name: number, guard: bigint, strict: boolean): Kr;
  mach_port_unguard(task: number, name: number, guard: bigint): Kr;
  mach_port_kobject(task: number, name: number): [Kr, number, bigint];
  // Optional: an addon built before these bindings loads all the same (NativeApi then
  // throws MachError KERN_NOT_SUPPORTED for them).
  mach_port_guard_with_flags?(task: number, name: number, guard: bigint, flags: number): Kr;
  mach_port_swap_guard?(task: number, name: number, old_guard: bigint, new_guard: bigint): Kr;
  /** [kr, seqno, msg_size, msg_id, the trailer's bytes as the kernel copied them out]. */
  mach_port_peek?(task: number, name: number, trailer_type: number, seqno: number): [Kr, number?, number?, number?, Uint8Array?];
  mach_port_get_srights?(task: number, name: number): [Kr, number];
  mach_port_dnrequest_info?(task: number, name: number): [Kr, number, number];
  /** [kr, ipc_info_space_basic_t's six words in field order]. */
  mach_port_space_basic_info?(task: number): [Kr, Uint32Array?];
  task_get_special_port?(task: number, which_port: number): [Kr, number];
  task_set_special_port?(task: number, which_port: number, special_port: number): Kr;
  task_set_exception_ports?(task: number, exception_mask: number, new_port: number, behavior: number, new_flavor: number): Kr;
  /** [kr, 4 × count words: masks, handlers, behaviors, flavors (the ints' bits)]. */
  task_get_exception_ports?(task: number, exception_mask: number): [Kr, Uint32Array?];
  /** As task_get_exception_ports, the handlers replaced. */
  task_swap_exception_ports?(task: number, exception_mask: number, new_port: number, behavior: number, new_flavor: number): [Kr, Uint32Array?];

  // messages.cc
  msg_send(bytes: Uint8Array, size: number, option: number, timeout: number, patchOffsets: Uint32Array, patchData: ArrayBufferView[]): Kr;
  msg_send_async(bytes: Uint8Array, size: number, option: number, timeoutMs: number): [Promise<{ kr: Kr; cancelled: boolean }>, number];
  msg_send_cancel(id: number): boolean;
  msg_receive(buffer: Uint8Array, option: number, rcvName: number, timeout: number, rcvSize: number): Kr;
  take_ool(address: bigint, size: number): ArrayBuffer;
  take_ool_ports(address: bigint, count: number): Uint32Array;
  free_region(address: bigint, size: number): Kr;
  /** Received OOL regions still mapped because an ArrayBuffer holds them. */
  ool_outstanding(): number;

  // receive_loop.cc
  loop_start(onReady: (name: number, flags: number) => void): void;
  loop_watch(name: number): number;
  loop_unwatch(name: number): number;
  loop_ref(ref: boolean): void;
  loop_stop(): void;

  // bootstrap.cc
  bootstrap_port(): number;
  bootstrap_look_up(bp: number, name: string): [Kr, number];
  bootstrap_check_in(bp: number, name: string): [Kr, number];
  bootstrap_register(bp: number, name: string, sp: number): Kr;
  bootstrap_strerror(kr: number): string;

  // kernel_info.cc
  host_info(host: number, flavor: number, count: number): [Kr, Int32Array?];
  host_statistics64(host: number, flavor: number, count: number): [Kr, Int32Array?];
  task_info(task: number, flavor: number, count: number): [Kr, Int32Array?];
  task_get_exc_guard_behavior(task: number): [Kr, number];
  /** csops(getpid(), CS_OPS_STATUS): [errno, code-signing flags]. Optional: an addon built before it loads all the same. */
  cs_status?(): [number, number];

  // notify.cc
  notify_register_mach_port(name: string, port: number, flags: number): [number, number, number];
  notify_post(name: string): number;
  notify_cancel(token: number): number;
  notify_register_check(name: string): [number, number];
  notify_check(token: number): [number, number];
  // Optional: an addon built before these bindings loads all the same (NativeApi then
  // throws MachError KERN_NOT_SUPPORTED for them).
  notify_suspend?(token: number): number;
  notify_resume?(token: number): number;
  /** [status, state]: the name's uint64_t state as a BigInt. */
  notify_get_state?(token: number): [number, bigint];
  notify_set_state?(token: number, state: bigint): number;
  notify_is_valid_token?(token: number): boolean;

  // introspection.cc
  task_for_pid(pid: number): [Kr, number];
  task_read_for_pid(pid: number): [Kr, number];
  pid_for_task(task: number): [Kr, number];
  mach_port_space_info(task: number): [Kr, Uint32Array?, Uint32Array?];
  mach_port_kobject_description(task: number, name: number): [Kr, number, bigint, string];
  proc_listpids(): Int32Array;
  proc_name(pid: number): string;
  audit_token_to_pid(token: Uint32Array): number;

  // bench.cc: a benchmark hook, not Mach API. Optional: an addon built before it existed
  // loads all the same.
  /** `iterations` send+receive round trips of a `bytes`-byte body to a port of its own, timed in C: [kr, ns per round trip]. */
  bench_mach_msg_round_trip?(iterations: number, bytes: number): [Kr, number];
}

/** The package root: lib/native/ (sources, under vitest) and dist/native/ (built) are both two levels down. */
export function packageRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/**
 * Load the addon with node-gyp-build: a local build (build/Release) if there is one, else
 * the prebuild for this platform and architecture (prebuilds/darwin-arm64+x64/). Throws
 * when neither loads.
 */
export function loadAddon(root: string = packageRoot()): NativeAddon {
  const require = createRequire(import.meta.url);
  const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
  const addon = nodeGypBuild(root) as NativeAddon;
  if (addon.abiVersion !== ADDON_ABI_VERSION) {
    throw new Error(`the addon's ABI version is ${String(addon.abiVersion)}, this package needs ${ADDON_ABI_VERSION} (rebuild it)`);
  }
  return addon;
}
