/**
 * {@link NativeApi}: the MachApi on the real kernel, through the Darwin addon. Arguments
 * are checked here before any C++ call (TypeError for the wrong JS type or a value that
 * does not fit the C type), destructive calls pass the guard pre-checks (guards.ts), and
 * every kern_return_t other than KERN_SUCCESS becomes a MachError.
 * @module
 */
import * as C from '../constants.js';
import { MachError } from '../errors.js';
import {
  decodeInfoReply,
  decodePortAttributes,
  encodePortAttributes,
  HOST_INFO_FLAVORS,
  HOST_STATISTICS64_FLAVORS,
  infoRequestCount,
  TASK_INFO_FLAVORS,
} from '../kernel-info/index.js';
import type {
  HostInfoResult,
  HostStatistics64Result,
  mach_port_name_t,
  mach_port_options_t,
  MachApi,
  MachMessage,
  MachMsgControl,
  PortAttributes,
  ExceptionPortsInfo,
  ipc_info_space_basic_t,
  PortDnrequestInfo,
  PortKobjectDescription,
  PortPeekResult,
  ReceivedMessage,
  task_t,
  TaskInfoResult,
} from '../types.js';
import { decodeTrailer, type TrailerSize } from '../message/trailer.js';
import type { NativeAddon } from './addon.js';
import { GuardChecks, ipcPolicyIsHardened, policyFromBehavior, type GuardPolicy, type PortProbe, type SentNames } from './guards.js';
import { ReceiveBuffer, receiveMessage, sendMessage, type MsgContext } from './mach-msg.js';
import { ReceiveWaiters } from './waiters.js';

// ---------------------------------------------------------------------------
// Argument checks

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return `${typeof v} ${String(v)}`;
}

/** A 32-bit unsigned C argument (names, rights, flavors…); the int32 spelling is accepted. */
export function u32(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) {
    throw new TypeError(`${what} must be an integer that fits 32 bits, got ${describe(v)}`);
  }
  return v >>> 0;
}

/** A signed 32-bit C argument (deltas). */
export function i32(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
    throw new TypeError(`${what} must be a 32-bit signed integer, got ${describe(v)}`);
  }
  return v | 0;
}

/** A 64-bit C argument given as a bigint (contexts, guards). */
export function u64(v: unknown, what: string): bigint {
  if (typeof v !== 'bigint' || v < -(1n << 63n) || v >= 1n << 64n) {
    throw new TypeError(`${what} must be a bigint that fits 64 bits, got ${describe(v)}`);
  }
  return BigInt.asUintN(64, v);
}

function bool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${what} must be a boolean, got ${describe(v)}`);
  return v;
}

/** A bootstrap service name: a string under 128 UTF-8 bytes without NUL (launchd truncates longer names silently). */
export function serviceName(v: unknown, call: string): string {
  if (typeof v !== 'string') throw new TypeError(`${call}: service_name must be a string, got ${describe(v)}`);
  if (Buffer.byteLength(v, 'utf8') >= C.BOOTSTRAP_MAX_NAME_LEN || v.includes('\0')) {
    throw new MachError(C.KERN_INVALID_ARGUMENT, `${call}: service names must be shorter than ${C.BOOTSTRAP_MAX_NAME_LEN} bytes and contain no NUL (launchd would truncate)`);
  }
  return v;
}

/** The addon bindings a build from before they existed lacks (NativeAddon marks them optional). */
type OptionalBinding =
  | 'notify_suspend'
  | 'notify_resume'
  | 'notify_get_state'
  | 'notify_set_state'
  | 'notify_is_valid_token'
  | 'mach_port_guard_with_flags'
  | 'mach_port_swap_guard'
  | 'mach_port_peek'
  | 'mach_port_get_srights'
  | 'mach_port_dnrequest_info'
  | 'mach_port_space_basic_info'
  | 'task_get_special_port'
  | 'task_set_special_port'
  | 'task_set_exception_ports'
  | 'task_get_exception_ports'
  | 'task_swap_exception_ports';

/** The addon's 4 × count words (masks, handlers, behaviors, flavors) as the C arrays; behaviors and flavors are C ints. */
function exceptionPortsInfo(words: Uint32Array): ExceptionPortsInfo {
  const n = words.length / 4;
  const part = (i: number) => Array.from(words.subarray(i * n, (i + 1) * n));
  return { masks: part(0), old_handlers: part(1), old_behaviors: part(2).map((b) => b | 0), old_flavors: part(3).map((f) => f | 0) };
}

/** task_set_exception_ports' and task_swap_exception_ports' arguments, checked, in the addon's order. */
function exceptionPortArgs(task: number, mask: number, port: number, behavior: number, flavor: number): [number, number, number, number, number] {
  return [u32(task, 'task'), u32(mask, 'exception_mask'), u32(port, 'new_port'), u32(behavior, 'behavior'), u32(flavor, 'new_flavor')];
}

/** The bench hook's limits (native/bench.cc checks the same). */
const BENCH_MAX_ITERATIONS = 10_000_000;
const BENCH_MAX_BODY_BYTES = 65_536;

function check(kr: number, call: string, details?: Record<string, unknown>): void {
  if (kr !== C.KERN_SUCCESS) throw new MachError(kr, call, details);
}

/** Words per flavor when the caller gives no count (mach_port_get_attributes). */
function attributeCount(flavor: number): number {
  switch (flavor) {
    case C.MACH_PORT_LIMITS_INFO:
      return C.MACH_PORT_LIMITS_INFO_COUNT;
    case C.MACH_PORT_RECEIVE_STATUS:
      return C.MACH_PORT_RECEIVE_STATUS_COUNT;
    case C.MACH_PORT_DNREQUESTS_SIZE:
      return C.MACH_PORT_DNREQUESTS_SIZE_COUNT;
    case C.MACH_PORT_INFO_EXT:
      return C.MACH_PORT_INFO_EXT_COUNT;
    case C.MACH_PORT_GUARD_INFO:
      return C.MACH_PORT_GUARD_INFO_COUNT;
    case C.MACH_PORT_SERVICE_THROTTLED:
      return C.MACH_PORT_SERVICE_THROTTLED_COUNT;
    default:
      return 32;
  }
}

/**
 * An info flavor without a decoder: its raw integer_t words. The same shape on every
 * backend (lib/kernel-info/info_flavors.ts); re-exported here for existing importers.
 */
export type { RawInfo } from '../kernel-info/index.js';

/** mach_port_space_info's table, one slot per entry (free slots have type 0). */
export interface SpaceInfo {
  info: { iis_genno_mask: number; iis_table_size: number; iis_table_next: number; iis_tree_size: number; iis_tree_small: number; iis_tree_hash: number };
  table_info: Array<{ iin_name: number; iin_collision: number; iin_type: number; iin_urefs: number; iin_object: number; iin_next: number; iin_hash: number }>;
}

// ---------------------------------------------------------------------------

/** The PortProbe the guard checks use, answered by the addon. */
function addonProbe(addon: NativeAddon): PortProbe {
  return {
    type(task, name) {
      const [kr, type] = addon.mach_port_type(task, name);
      return kr === C.KERN_SUCCESS ? type : undefined;
    },
    refs(task, name, right) {
      const [kr, refs] = addon.mach_port_get_refs(task, name, right);
      return kr === C.KERN_SUCCESS ? refs : 0;
    },
    receiveStatus(task, name) {
      const [kr, words] = addon.mach_port_get_attributes(task, name, C.MACH_PORT_RECEIVE_STATUS, C.MACH_PORT_RECEIVE_STATUS_COUNT);
      if (kr !== C.KERN_SUCCESS || words === undefined || words.length < C.MACH_PORT_RECEIVE_STATUS_COUNT) return undefined;
      return { flags: words[9]! >>> 0, pdrequest: words[7]! >>> 0 };
    },
    context(task, name) {
      const [kr, context] = addon.mach_port_get_context(task, name);
      return kr === C.KERN_SUCCESS ? context : undefined;
    },
    kobjectType(task, name) {
      const [kr, type] = addon.mach_port_kobject(task, name);
      return kr === C.KERN_SUCCESS ? type : undefined;
    },
  };
}

/**
 * The Mach-named API on the real kernel. Bound to this process: `task` arguments may be
 * mach_task_self() or any task port this process holds.
 */
export class NativeApi implements MachApi {
  readonly backendName = 'native' as const;
  /** Whether this process's optional guard exceptions are fatal ('hardened') or ignored ('default'). */
  readonly guardPolicy: GuardPolicy;
  /** Whether XNU's IPC policy treats this process as hardened (hardened runtime, platform binary, or not known). */
  readonly ipcHardened: boolean;
  private readonly self: number;
  private readonly guards: GuardChecks;
  private readonly waiters: ReceiveWaiters;
  private readonly msgContext: MsgContext;
  private readonly receiveBuffer = new ReceiveBuffer();

  constructor(readonly addon: NativeAddon) {
    this.self = addon.mach_task_self() >>> 0;
    const [kr, behavior] = addon.task_get_exc_guard_behavior(this.self);
    this.guardPolicy = policyFromBehavior(kr === C.KERN_SUCCESS ? behavior : undefined);
    // The code-signing flags decide XNU's IPC policy (ipcPolicyIsHardened); an addon built
    // before cs_status existed leaves them unknown, which counts as hardened.
    const cs = addon.cs_status?.();
    this.ipcHardened = ipcPolicyIsHardened(cs !== undefined && cs[0] === 0 ? cs[1] >>> 0 : undefined, this.guardPolicy);
    this.guards = new GuardChecks(addonProbe(addon), this.guardPolicy, this.ipcHardened);
    this.waiters = new ReceiveWaiters(addon);
    this.msgContext = { addon, guards: this.guards, waiters: this.waiters, task: this.self };
  }

  private strictKey(task: number, name: number): string {
    return `${task >>> 0}:${name >>> 0}`;
  }

  mach_task_self(): task_t {
    return this.self;
  }

  mach_host_self(): mach_port_name_t {
    return this.addon.mach_host_self() >>> 0;
  }

  get bootstrap_port(): mach_port_name_t {
    return this.addon.bootstrap_port() >>> 0;
  }

  mach_port_allocate(task: task_t, right: number): mach_port_name_t {
    const [kr, name] = this.addon.mach_port_allocate(u32(task, 'task'), u32(right, 'right'));
    check(kr, 'mach_port_allocate');
    return name >>> 0;
  }

  mach_port_allocate_name(task: task_t, right: number, name: mach_port_name_t): void {
    check(this.addon.mach_port_allocate_name(u32(task, 'task'), u32(right, 'right'), u32(name, 'name')), 'mach_port_allocate_name');
  }

  mach_port_deallocate(task: task_t, name: mach_port_name_t): void {
    const t = u32(task, 'task');
    const n = u32(name, 'name');
    this.guards.deallocate(t, n);
    check(this.addon.mach_port_deallocate(t, n), 'mach_port_deallocate');
  }

  mach_port_destroy(task: task_t, name: mach_port_name_t): void {
    const t = u32(task, 'task');
    const n = u32(name, 'name');
    this.guards.destroy(t, n);
    check(this.addon.mach_port_destroy(t, n), 'mach_port_destroy');
  }

  mach_port_mod_refs(task: task_t, name: mach_port_name_t, right: number, delta: number): void {
    const t = u32(task, 'task');
    const n = u32(name, 'name');
    const r = u32(right, 'right');
    const d = i32(delta, 'delta');
    this.guards.modRefs(t, n, r, d);
    check(this.addon.mach_port_mod_refs(t, n, r, d), 'mach_port_mod_refs');
  }

  mach_port_get_refs(task: task_t, name: mach_port_name_t, right: number): number {
    const [kr, refs] = this.addon.mach_port_get_refs(u32(task, 'task'), u32(name, 'name'), u32(right, 'right'));
    check(kr, 'mach_port_get_refs');
    return refs;
  }

  mach_port_insert_right(task: task_t, name: mach_port_name_t, poly: mach_port_name_t, polyPoly: number): void {
    check(
      this.addon.mach_port_insert_right(u32(task, 'task'), u32(name, 'name'), u32(poly, 'poly'), u32(polyPoly, 'polyPoly')),
      'mach_port_insert_right',
    );
  }

  mach_port_extract_right(task: task_t, name: mach_port_name_t, msgt_name: number): { poly: mach_port_name_t; polyPoly: number } {
    const [kr, poly, polyPoly] = this.addon.mach_port_extract_right(u32(task, 'task'), u32(name, 'name'), u32(msgt_name, 'msgt_name'));
    check(kr, 'mach_port_extract_right');
    return { poly: poly >>> 0, polyPoly };
  }

  mach_port_type(task: task_t, name: mach_port_name_t): number {
    const [kr, type] = this.addon.mach_port_type(u32(task, 'task'), u32(name, 'name'));
    check(kr, 'mach_port_type');
    return type >>> 0;
  }

  mach_port_names(task: task_t): { names: Uint32Array; types: Uint32Array } {
    const [kr, names, types] = this.addon.mach_port_names(u32(task, 'task'));
    check(kr, 'mach_port_names');
    // The addon copies libSystem's vm_allocate'd arrays into new Uint32Arrays and
    // vm_deallocates the originals (native/ports.cc TakeWords): these are the caller's.
    return { names: names ?? new Uint32Array(0), types: types ?? new Uint32Array(0) };
  }

  mach_port_move_member(task: task_t, member: mach_port_name_t, after: mach_port_name_t): void {
    const t = u32(task, 'task');
    const m = u32(member, 'member');
    const a = u32(after, 'after');
    if (a !== C.MACH_PORT_NULL) this.guards.member(t, m, a, 'mach_port_move_member');
    check(this.addon.mach_port_move_member(t, m, a), 'mach_port_move_member');
  }

  mach_port_insert_member(task: task_t, name: mach_port_name_t, pset: mach_port_name_t): void {
    this.setMember('mach_port_insert_member', task, name, pset);
  }

  mach_port_extract_member(task: task_t, name: mach_port_name_t, pset: mach_port_name_t): void {
    this.setMember('mach_port_extract_member', task, name, pset);
  }

  /** insert_member / extract_member: the same checks and guard pre-check, then the call. */
  private setMember(call: 'mach_port_insert_member' | 'mach_port_extract_member', task: task_t, name: mach_port_name_t, pset: mach_port_name_t): void {
    const t = u32(task, 'task');
    const n = u32(name, 'name');
    const p = u32(pset, 'pset');
    this.guards.member(t, n, p, call);
    check(this.addon[call](t, n, p), call);
  }

  mach_port_get_set_status(task: task_t, name: mach_port_name_t): mach_port_name_t[] {
    const [kr, members] = this.addon.mach_port_get_set_status(u32(task, 'task'), u32(name, 'name'));
    check(kr, 'mach_port_get_set_status');
    return Array.from(members ?? []).sort((a, b) => a - b);
  }

  mach_port_request_notification(
    task: task_t,
    name: mach_port_name_t,
    msgid: number,
    sync: number,
    notify: mach_port_name_t,
    notifyPoly: number,
  ): mach_port_name_t {
    const t = u32(task, 'task');
    const n = u32(name, 'name');
    const id = i32(msgid, 'msgid');
    const s = u32(sync, 'sync');
    this.guards.requestNotification(t, n, id, s);
    const [kr, previous] = this.addon.mach_port_request_notification(t, n, id, s, u32(notify, 'notify'), u32(notifyPoly, 'notifyPoly'));
    check(kr, 'mach_port_request_notification');
    return previous >>> 0;
  }

  mach_port_get_attributes(task: task_t, name: mach_port_name_t, flavor: number, count?: number): PortAttributes {
    const f = i32(flavor, 'flavor');
    const cnt = count === undefined ? attributeCount(f) : u32(count, 'count');
    const [kr, words] = this.addon.mach_port_get_attributes(u32(task, 'task'), u32(name, 'name'), f, cnt);
    check(kr, 'mach_port_get_attributes');
    return decodePortAttributes(f, words ?? new Int32Array(0));
  }

  mach_port_set_attributes(task: task_t, name: mach_port_name_t, flavor: number, info: PortAttributes): void {
    const f = i32(flavor, 'flavor');
    let words: Int32Array;
    if (Array.isArray(info)) words = Int32Array.from(info as unknown[], (w, i) => u32(w, `info[${i}]`) | 0);
    else if (info === undefined || info === null) words = new Int32Array(0);
    else if (typeof info !== 'object') throw new TypeError(`info must be an object or an array of words, got ${describe(info)}`);
    else words = encodePortAttributes(f, info);
    check(this.addon.mach_port_set_attributes(u32(task, 'task'), u32(name, 'name'), f, words), 'mach_port_set_attributes');
  }

  mach_port_set_mscount(task: task_t, name: mach_port_name_t, mscount: number): void {
    check(this.addon.mach_port_set_mscount(u32(task, 'task'), u32(name, 'name'), u32(mscount, 'mscount')), 'mach_port_set_mscount');
  }

  mach_port_set_seqno(task: task_t, name: mach_port_name_t, seqno: number): void {
    check(this.addon.mach_port_set_seqno(u32(task, 'task'), u32(name, 'name'), u32(seqno, 'seqno')), 'mach_port_set_seqno');
  }

  mach_port_get_context(task: task_t, name: mach_port_name_t): bigint {
    const [kr, context] = this.addon.mach_port_get_context(u32(task, 'task'), u32(name, 'name'));
    check(kr, 'mach_port_get_context');
    return context;
  }

  mach_port_set_context(task: task_t, name: mach_port_name_t, context: bigint): void {
    const t = u32(task, 'task');
    const n = u32(name, 'name');
    const c = u64(context, 'context');
    this.guards.setContext(t, n);
    check(this.addon.mach_port_set_context(t, n, c), 'mach_port_set_context');
  }

  mach_port_construct(task: task_t, options: mach_port_options_t, context: bigint): mach_port_name_t {
    const t = u32(task, 'task');
    if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${describe(options)}`);
    const flags = u32(options.flags, 'options.flags');
    const qlimit = options.mpl === undefined ? 0 : u32(options.mpl.mpl_qlimit, 'options.mpl.mpl_qlimit');
    const c = u64(context, 'context');
    const [kr, name] = this.addon.mach_port_construct(t, flags, qlimit, c);
    check(kr, 'mach_port_construct');
    if ((flags & C.MPO_CONTEXT_AS_GUARD) !== 0 && (flags & C.MPO_STRICT) !== 0) this.guards.strictGuards.set(this.strictKey(t, name), c);
    return name >>> 0;
  }

  mach_port_destruct(task: task_t, name: mach_port_name_t, srdelta: number, guard: bigint): void {
    const t = u32(task, 'task');
    const n = u32(name, 'name');
    const d = i32(srdelta, 'srdelta');
    const g = u64(guard, 'guard');
    this.guards.destruct(t, n, d, g);
    check(this.addon.mach_port_destruct(t, n, d, g), 'mach_port_destruct');
    this.guards.strictGuards.delete(this.strictKey(t, n));
  }

  mach_port_guard(task: task_t, name: mach_port_name_t, guard: bigint, strict: boolean): void {
    const t = u32(task, 'task');
    const n = u32(name, 'name');
    const g = u64(guard, 'guard');
    const s = bool(strict, 'strict');
    this.guards.guard(t, n);
    check(this.addon.mach_port_guard(t, n, g, s), 'mach_port_guard');
    if (s) this.guards.strictGuards.set(this.strictKey(t, n), g);
  }

  mach_port_unguard(task: task_t, name: mach_port_name_t, guard: bigint): void {
    const t = u32(task, 'task');
    const n = u32(name, 'name');
    const g = u64(guard, 'guard');
    this.guards.unguard(t, n, g);
    check(this.addon.mach_port_unguard(t, n, g), 'mach_port_unguard');
    this.guards.strictGuards.delete(this.strictKey(t, n));
  }

  mach_port_guard_with_flags(task: task_t, name: mach_port_name_t, guard: bigint, flags: number): void {
    const t = u32(task, 'task');
    const n = u32(name, 'name');
    const g = u64(guard, 'guard');
    const f = u32(flags, 'flags');
    const call = this.optionalCall('mach_port_guard_with_flags');
    this.guards.guard(t, n, 'mach_port_guard_with_flags');
    check(call.call(this.addon, t, n, g, f), 'mach_port_guard_with_flags');
    if ((f & C.MPG_STRICT) !== 0) this.guards.strictGuards.set(this.strictKey(t, n), g);
  }

  mach_port_swap_guard(task: task_t, name: mach_port_name_t, old_guard: bigint, new_guard: bigint): void {
    const t = u32(task, 'task');
    const n = u32(name, 'name');
    const o = u64(old_guard, 'old_guard');
    const g = u64(new_guard, 'new_guard');
    const call = this.optionalCall('mach_port_swap_guard');
    this.guards.swapGuard(t, n, o);
    check(call.call(this.addon, t, n, o, g), 'mach_port_swap_guard');
  }

  mach_port_peek(task: task_t, name: mach_port_name_t, trailer_type: number, seqno = 0): PortPeekResult {
    const t = u32(task, 'task');
    const n = u32(name, 'name');
    const type = u32(trailer_type, 'trailer_type');
    const s = u32(seqno, 'seqno');
    const call = this.optionalCall('mach_port_peek');
    this.guards.peek(t, n, type);
    const [kr, peeked, size, id, bytes] = call.call(this.addon, t, n, type, s);
    check(kr, 'mach_port_peek');
    const trailerSize = bytes!.byteLength as TrailerSize;
    return { seqno: peeked! >>> 0, msg_size: size! >>> 0, msg_id: id! | 0, trailer: decodeTrailer(bytes!, 0, trailerSize), trailer_size: trailerSize };
  }

  mach_port_get_srights(task: task_t, name: mach_port_name_t): number {
    const t = u32(task, 'task');
    const n = u32(name, 'name');
    const [kr, srights] = this.optionalCall('mach_port_get_srights').call(this.addon, t, n);
    check(kr, 'mach_port_get_srights');
    return srights >>> 0;
  }

  mach_port_dnrequest_info(task: task_t, name: mach_port_name_t): PortDnrequestInfo {
    const t = u32(task, 'task');
    const n = u32(name, 'name');
    const [kr, total, used] = this.optionalCall('mach_port_dnrequest_info').call(this.addon, t, n);
    check(kr, 'mach_port_dnrequest_info');
    return { dnr_total: total >>> 0, dnr_used: used >>> 0 };
  }

  mach_port_space_basic_info(task: task_t): ipc_info_space_basic_t {
    const t = u32(task, 'task');
    const [kr, w] = this.optionalCall('mach_port_space_basic_info').call(this.addon, t);
    check(kr, 'mach_port_space_basic_info');
    return { iisb_genno_mask: w![0]!, iisb_table_size: w![1]!, iisb_table_next: w![2]!, iisb_table_inuse: w![3]!, iisb_reserved: [w![4]!, w![5]!] };
  }

  task_get_special_port(task: task_t, which_port: number): mach_port_name_t {
    const t = u32(task, 'task');
    const which = i32(which_port, 'which_port');
    const [kr, port] = this.optionalCall('task_get_special_port').call(this.addon, t, which);
    check(kr, 'task_get_special_port');
    return port >>> 0;
  }

  task_set_special_port(task: task_t, which_port: number, special_port: mach_port_name_t): void {
    const t = u32(task, 'task');
    const which = i32(which_port, 'which_port');
    const p = u32(special_port, 'special_port');
    check(this.optionalCall('task_set_special_port').call(this.addon, t, which, p), 'task_set_special_port');
  }

  task_set_exception_ports(task: task_t, exception_mask: number, new_port: mach_port_name_t, behavior: number, new_flavor: number): void {
    const args = exceptionPortArgs(task, exception_mask, new_port, behavior, new_flavor);
    check(this.optionalCall('task_set_exception_ports').call(this.addon, ...args), 'task_set_exception_ports');
  }

  task_get_exception_ports(task: task_t, exception_mask: number): ExceptionPortsInfo {
    const t = u32(task, 'task');
    const mask = u32(exception_mask, 'exception_mask');
    const [kr, words] = this.optionalCall('task_get_exception_ports').call(this.addon, t, mask);
    check(kr, 'task_get_exception_ports');
    return exceptionPortsInfo(words!);
  }

  task_swap_exception_ports(task: task_t, exception_mask: number, new_port: mach_port_name_t, behavior: number, new_flavor: number): ExceptionPortsInfo {
    const args = exceptionPortArgs(task, exception_mask, new_port, behavior, new_flavor);
    const [kr, words] = this.optionalCall('task_swap_exception_ports').call(this.addon, ...args);
    check(kr, 'task_swap_exception_ports');
    return exceptionPortsInfo(words!);
  }

  mach_port_kobject(task: task_t, name: mach_port_name_t): { object_type: number; object_addr: bigint } {
    const [kr, type, addr] = this.addon.mach_port_kobject(u32(task, 'task'), u32(name, 'name'));
    check(kr, 'mach_port_kobject');
    return { object_type: type, object_addr: addr };
  }

  async mach_msg(
    msg: MachMessage | undefined,
    option: number,
    rcv_name: mach_port_name_t = C.MACH_PORT_NULL,
    timeout: number = C.MACH_MSG_TIMEOUT_NONE,
    rcv_size?: number,
    control: MachMsgControl = {},
  ): Promise<ReceivedMessage | undefined> {
    const opt = u32(option, 'option');
    const rcvName = u32(rcv_name, 'rcv_name');
    const tmo = u32(timeout, 'timeout');
    const rcvSize = rcv_size === undefined ? undefined : u32(rcv_size, 'rcv_size');
    if (typeof control !== 'object' || control === null) throw new TypeError(`control must be an object, got ${describe(control)}`);
    if (control.signal !== undefined && !(control.signal instanceof AbortSignal)) throw new TypeError('control.signal must be an AbortSignal');
    if ((opt & (C.MACH_SEND_MSG | C.MACH_RCV_MSG)) === 0) return undefined;
    let sent: SentNames | undefined;
    if ((opt & C.MACH_SEND_MSG) !== 0) {
      if (typeof msg !== 'object' || msg === null) throw new TypeError(`mach_msg: MACH_SEND_MSG needs a message, got ${describe(msg)}`);
      const outcome = sendMessage(this.msgContext, msg, opt, tmo, control);
      // A send queued at once hands the receive what its checks learned, with no await in
      // between (so no other JS can change the names); one that waited does not.
      if (outcome instanceof Promise) await outcome;
      else sent = outcome;
    }
    if ((opt & C.MACH_RCV_MSG) === 0) return undefined;
    return receiveMessage(this.msgContext, this.receiveBuffer, opt, rcvName, tmo, rcvSize, control, sent);
  }

  bootstrap_check_in(bp: mach_port_name_t, service_name: string): mach_port_name_t {
    const name = serviceName(service_name, 'bootstrap_check_in');
    const [kr, sp] = this.addon.bootstrap_check_in(u32(bp, 'bp'), name);
    check(kr, 'bootstrap_check_in');
    return sp >>> 0;
  }

  bootstrap_look_up(bp: mach_port_name_t, service_name: string): mach_port_name_t {
    const name = serviceName(service_name, 'bootstrap_look_up');
    const [kr, sp] = this.addon.bootstrap_look_up(u32(bp, 'bp'), name);
    check(kr, 'bootstrap_look_up');
    return sp >>> 0;
  }

  bootstrap_register(bp: mach_port_name_t, service_name: string, sp: mach_port_name_t): void {
    const name = serviceName(service_name, 'bootstrap_register');
    check(this.addon.bootstrap_register(u32(bp, 'bp'), name, u32(sp, 'sp')), 'bootstrap_register');
  }

  /** bootstrap_strerror: launchd's text for a bootstrap return code. */
  bootstrap_strerror(kr: number): string {
    return this.addon.bootstrap_strerror(i32(kr, 'kr'));
  }

  /**
   * host_info through libSystem. A flavor the shared table decodes (HOST_INFO_FLAVORS:
   * HOST_BASIC_INFO, HOST_SCHED_INFO, HOST_PRIORITY_INFO, HOST_CAN_HAS_DEBUGGER,
   * HOST_PREFERRED_USER_ARCH) is asked with its *_COUNT and decoded; any other is asked with
   * HOST_INFO_MAX and answered as RawInfo — exactly as the emulator does.
   */
  host_info<F extends number>(host: mach_port_name_t, flavor: F): HostInfoResult<F> {
    const f = i32(flavor, 'flavor');
    const [kr, words] = this.addon.host_info(u32(host, 'host'), f, infoRequestCount(HOST_INFO_FLAVORS, f, C.HOST_INFO_MAX));
    check(kr, 'host_info');
    return decodeInfoReply(HOST_INFO_FLAVORS, f, words ?? new Int32Array(0)) as HostInfoResult<F>;
  }

  /**
   * host_statistics64 through libSystem: HOST_STATISTICS64_FLAVORS (HOST_VM_INFO64,
   * HOST_LOAD_INFO, HOST_VM_INFO, HOST_CPU_LOAD_INFO, HOST_EXTMOD_INFO64) decoded, any other
   * flavor asked with HOST_INFO64_MAX and answered as RawInfo.
   */
  host_statistics64<F extends number>(host: mach_port_name_t, flavor: F): HostStatistics64Result<F> {
    const f = i32(flavor, 'flavor');
    const [kr, words] = this.addon.host_statistics64(u32(host, 'host'), f, infoRequestCount(HOST_STATISTICS64_FLAVORS, f, C.HOST_INFO64_MAX));
    check(kr, 'host_statistics64');
    return decodeInfoReply(HOST_STATISTICS64_FLAVORS, f, words ?? new Int32Array(0)) as HostStatistics64Result<F>;
  }

  /**
   * task_info through libSystem: TASK_INFO_FLAVORS decoded (the legacy task_basic_info
   * flavors by the count the kernel returned, so arm64's 8-word answer to TASK_BASIC_INFO_64
   * decodes as task_basic_info_32), any other flavor asked with TASK_INFO_MAX and answered as
   * RawInfo.
   */
  task_info<F extends number>(task: task_t, flavor: F): TaskInfoResult<F> {
    const f = u32(flavor, 'flavor');
    const [kr, words] = this.addon.task_info(u32(task, 'task'), f, infoRequestCount(TASK_INFO_FLAVORS, f, C.TASK_INFO_MAX));
    check(kr, 'task_info');
    return decodeInfoReply(TASK_INFO_FLAVORS, f, words ?? new Int32Array(0)) as TaskInfoResult<F>;
  }

  // -------------------------------------------------------------------------
  // Beyond MachApi: libnotify and introspection (Darwin only)

  /** notify_register_mach_port: with flags 0 notifyd creates the port; returns it and the token. */
  notify_register_mach_port(name: string, flags = 0, port: mach_port_name_t = C.MACH_PORT_NULL): { port: mach_port_name_t; token: number } {
    if (typeof name !== 'string') throw new TypeError(`name must be a string, got ${describe(name)}`);
    const [status, p, token] = this.addon.notify_register_mach_port(name, u32(port, 'port'), i32(flags, 'flags'));
    if (status !== 0) throw new NotifyError(status, 'notify_register_mach_port');
    return { port: p >>> 0, token };
  }

  /** notify_post (asynchronous on Darwin: OK even without listeners or permission). */
  notify_post(name: string): void {
    if (typeof name !== 'string') throw new TypeError(`name must be a string, got ${describe(name)}`);
    const status = this.addon.notify_post(name);
    if (status !== 0) throw new NotifyError(status, 'notify_post');
  }

  /** notify_cancel; the last token of a notifyd-made port destroys that port's receive right. */
  notify_cancel(token: number): void {
    const status = this.addon.notify_cancel(i32(token, 'token'));
    if (status !== 0) throw new NotifyError(status, 'notify_cancel');
  }

  /** notify_register_check: a token for notify_check. */
  notify_register_check(name: string): number {
    if (typeof name !== 'string') throw new TypeError(`name must be a string, got ${describe(name)}`);
    const [status, token] = this.addon.notify_register_check(name);
    if (status !== 0) throw new NotifyError(status, 'notify_register_check');
    return token;
  }

  /** notify_check: whether the name was posted since the last check (the first check answers true). */
  notify_check(token: number): boolean {
    const [status, checked] = this.addon.notify_check(i32(token, 'token'));
    if (status !== 0) throw new NotifyError(status, 'notify_check');
    return checked !== 0;
  }

  /** notify_suspend: hold the token's notifications (calls nest); posts meanwhile become one on the last resume. */
  notify_suspend(token: number): void {
    const status = this.optionalCall('notify_suspend').call(this.addon, i32(token, 'token'));
    if (status !== 0) throw new NotifyError(status, 'notify_suspend');
  }

  /** notify_resume: undo one notify_suspend; the last one delivers a single notification if any post was held. */
  notify_resume(token: number): void {
    const status = this.optionalCall('notify_resume').call(this.addon, i32(token, 'token'));
    if (status !== 0) throw new NotifyError(status, 'notify_resume');
  }

  /** notify_get_state: the token's name's uint64_t state (0 until set), as a bigint. */
  notify_get_state(token: number): bigint {
    const [status, state] = this.optionalCall('notify_get_state').call(this.addon, i32(token, 'token'));
    if (status !== 0) throw new NotifyError(status, 'notify_get_state');
    return BigInt.asUintN(64, state);
  }

  /** notify_set_state: set the token's name's uint64_t state (does not post; needs write access). */
  notify_set_state(token: number, state: bigint): void {
    const t = i32(token, 'token');
    const status = this.optionalCall('notify_set_state').call(this.addon, t, u64(state, 'state'));
    if (status !== 0) throw new NotifyError(status, 'notify_set_state');
  }

  /** notify_is_valid_token: whether `token` is a live registration of this process. */
  notify_is_valid_token(token: number): boolean {
    return this.optionalCall('notify_is_valid_token').call(this.addon, i32(token, 'token'));
  }

  /** One of the addon's optional bindings, or MachError KERN_NOT_SUPPORTED when the loaded addon predates it. */
  private optionalCall<K extends OptionalBinding>(name: K): NonNullable<NativeAddon[K]> {
    const f = this.addon[name];
    if (typeof f !== 'function') throw new MachError(C.KERN_NOT_SUPPORTED, `${name}: the loaded addon has no ${name} (built before the binding existed; rebuild it)`);
    return f as NonNullable<NativeAddon[K]>;
  }

  /** task_for_pid: the task's control port; needs privilege (root and an unhardened target, or the target itself). */
  task_for_pid(pid: number): task_t {
    const [kr, task] = this.addon.task_for_pid(i32(pid, 'pid'));
    check(kr, `task_for_pid(${pid})`);
    return task >>> 0;
  }

  /** task_read_for_pid (macOS 11.3+): the task's read port. */
  task_read_for_pid(pid: number): task_t {
    const [kr, task] = this.addon.task_read_for_pid(i32(pid, 'pid'));
    if (kr === C.KERN_NOT_SUPPORTED) throw new MachError(kr, 'task_read_for_pid needs macOS 11.3 or later');
    check(kr, `task_read_for_pid(${pid})`);
    return task >>> 0;
  }

  /** pid_for_task: the pid behind a task port. */
  pid_for_task(task: task_t): number {
    const [kr, pid] = this.addon.pid_for_task(u32(task, 'task'));
    check(kr, 'pid_for_task');
    return pid;
  }

  /** mach_port_space_info: the raw table of a task's name space (as Apple's lsmp reads it). */
  mach_port_space_info(task: task_t): SpaceInfo {
    const [kr, head, table] = this.addon.mach_port_space_info(u32(task, 'task'));
    check(kr, 'mach_port_space_info');
    const h = head ?? new Uint32Array(6);
    const t = table ?? new Uint32Array(0);
    const table_info: SpaceInfo['table_info'] = [];
    for (let i = 0; i + 7 <= t.length; i += 7) {
      table_info.push({
        iin_name: t[i]!,
        iin_collision: t[i + 1]!,
        iin_type: t[i + 2]!,
        iin_urefs: t[i + 3]!,
        iin_object: t[i + 4]!,
        iin_next: t[i + 5]!,
        iin_hash: t[i + 6]!,
      });
    }
    return {
      info: { iis_genno_mask: h[0]!, iis_table_size: h[1]!, iis_table_next: h[2]!, iis_tree_size: h[3]!, iis_tree_small: h[4]!, iis_tree_hash: h[5]! },
      table_info,
    };
  }

  /** mach_port_kobject_description: IKOT type, address (0 on release kernels) and the kernel's description. */
  mach_port_kobject_description(task: task_t, name: mach_port_name_t): PortKobjectDescription {
    const [kr, type, addr, description] = this.addon.mach_port_kobject_description(u32(task, 'task'), u32(name, 'name'));
    check(kr, 'mach_port_kobject_description');
    return { object_type: type, object_addr: addr, description };
  }

  /** proc_listpids(PROC_ALL_PIDS): every pid. */
  proc_listpids(): number[] {
    return Array.from(this.addon.proc_listpids());
  }

  /** proc_name: a process's short name ('' when it cannot be read). */
  proc_name(pid: number): string {
    return this.addon.proc_name(i32(pid, 'pid'));
  }

  // -------------------------------------------------------------------------
  // Benchmark hook (bench/cases/native-overhead.js)

  /**
   * A benchmark hook, not Mach API: `iterations` round trips timed entirely in C inside the
   * addon (native/bench.cc), each the two mach_msg calls this backend makes for
   * `mach_msg(msg, MACH_SEND_MSG | MACH_RCV_MSG, port)` with a simple message of a
   * `bytes`-byte body: a send (COPY_SEND to a port of its own, MACH_SEND_TIMEOUT 0), then
   * a receive on that port (MACH_RCV_TIMEOUT 0, MACH_RCV_LARGE). The port is made before
   * the clock starts and released after it stops, on every path; no name is left behind.
   * The call runs on the JS thread and blocks it for the whole loop.
   *
   * @param iterations - round trips, 1 to 10,000,000
   * @param bytes - body bytes after the 24-byte header, a multiple of 4 up to 65,536 (default 64)
   * @returns nanoseconds per round trip (mach_absolute_time scaled by mach_timebase_info)
   * @throws TypeError for a non-integer argument; MachError KERN_INVALID_ARGUMENT for one out
   *   of range, KERN_NOT_SUPPORTED when the loaded addon predates the hook, or the code of the
   *   Mach call that failed
   */
  benchMachMsgRoundTrip(iterations: number, bytes = 64): number {
    const n = u32(iterations, 'iterations');
    const b = u32(bytes, 'bytes');
    if (n === 0 || n > BENCH_MAX_ITERATIONS || b > BENCH_MAX_BODY_BYTES || b % 4 !== 0) {
      throw new MachError(
        C.KERN_INVALID_ARGUMENT,
        `benchMachMsgRoundTrip: iterations must be 1 to ${BENCH_MAX_ITERATIONS} and bytes a multiple of 4 up to ${BENCH_MAX_BODY_BYTES} (got ${n}, ${b})`,
      );
    }
    const hook = this.addon.bench_mach_msg_round_trip;
    if (typeof hook !== 'function') {
      throw new MachError(C.KERN_NOT_SUPPORTED, 'benchMachMsgRoundTrip: the loaded addon has no bench_mach_msg_round_trip (built before the hook existed; rebuild it)');
    }
    const [kr, ns] = hook.call(this.addon, n, b);
    check(kr, 'benchMachMsgRoundTrip');
    return ns;
  }

  /** audit_token_to_pid (libbsm) on the eight words of an audit token. */
  audit_token_to_pid(token: ArrayLike<number>): number {
    if (token === null || typeof token !== 'object' || token.length !== 8) throw new TypeError('token must be 8 words');
    return this.addon.audit_token_to_pid(Uint32Array.from(token, (w, i) => u32(w, `token[${i}]`)));
  }
}

/** A libnotify status other than NOTIFY_STATUS_OK (libnotify's codes are not kern_return_t). */
export class NotifyError extends Error {
  constructor(
    readonly status: number,
    call: string,
  ) {
    super(`${call}: libnotify status ${status}${NOTIFY_STATUS[status] ? ` (${NOTIFY_STATUS[status]})` : ''}`);
    this.name = 'NotifyError';
  }
}

const NOTIFY_STATUS: Record<number, string> = {
  1: 'NOTIFY_STATUS_INVALID_NAME',
  2: 'NOTIFY_STATUS_INVALID_TOKEN',
  3: 'NOTIFY_STATUS_INVALID_PORT',
  4: 'NOTIFY_STATUS_INVALID_FILE',
  5: 'NOTIFY_STATUS_INVALID_SIGNAL',
  6: 'NOTIFY_STATUS_INVALID_REQUEST',
  7: 'NOTIFY_STATUS_NOT_AUTHORIZED',
  8: 'NOTIFY_STATUS_OPT_DISABLE',
  9: 'NOTIFY_STATUS_SERVER_NOT_FOUND',
  10: 'NOTIFY_STATUS_NULL_INPUT',
  1000000: 'NOTIFY_STATUS_FAILED',
};
