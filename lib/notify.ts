/**
 * Darwin notifications (libnotify) on any backend: `notify_register_mach_port`,
 * `notify_register_check`, `notify_post`, `notify_check`, `notify_cancel`,
 * `notify_suspend`, `notify_resume`, `notify_get_state`, `notify_set_state`,
 * `notify_is_valid_token`, libnotify's `NOTIFY_STATUS_*` codes and {@link NotifyError}, and
 * {@link notifications}, an async iterator of the posts of one name.
 *
 * ```ts
 * import { notify_register_mach_port, notify_post, notifications } from 'machport';
 * const { token, port } = notify_register_mach_port('com.example.changed');
 * notify_post('com.example.changed');          // port receives a 24-byte message, msgh_id = token
 *
 * for await (const { name, token } of notifications('com.example.changed', { signal })) { … }
 * ```
 *
 * Which notifyd answers:
 * - an emulated task (`kernel.createTask()`) → its kernel's emulated notifyd
 *   (lib/emulator/notifyd: real notify_ipc MIG messages, ports with queue limit 16,
 *   coalescing on a full queue, as Libnotify does);
 * - a task of a kernel host (MACHPORT_KERNEL, `connectKernel`, `joinKernel`) → the host
 *   kernel's emulated notifyd, the same one for every process and worker of the host: a
 *   post in one reaches the registrations of all;
 * - the native backend (macOS) → the system's libnotify through the addon
 *   (notify_register_mach_port(3) and friends; the real notifyd);
 * - no `api` → this process's backend (`backend.api`).
 *
 * Every function takes the task either as a first argument (`notify_post(task, name)`)
 * or in a trailing options object (`notify_post(name, { api: task })`). Tokens belong to
 * the task that registered them: check and cancel a token with the same task.
 *
 * Failures throw {@link NotifyError} with libnotify's status (`status`, `code`), on both
 * backends; a name that is null/undefined is NOTIFY_STATUS_INVALID_NAME, as C's NULL.
 * A name's state is a `uint64_t` in C: `notify_get_state` returns a bigint, and
 * `notify_set_state` takes a bigint (or a non-negative safe integer number).
 * @module
 */
import { currentBackend } from './backend.js';
import { KERN_NOT_SUPPORTED, MACH_PORT_NULL } from './constants.js';
import * as emulated from './emulator/notifyd/notify_client.js';
import { NOTIFY_STATUS_INVALID_NAME, NOTIFY_TOKEN_INVALID, NotifyError } from './emulator/notifyd/notify_status.js';
import { MachError } from './errors.js';
import { ReceiveRight } from './rights/rights.js';
import type { MachApi } from './types.js';

export {
  NOTIFY_REUSE,
  NOTIFY_STATUS_FAILED,
  NOTIFY_STATUS_INVALID_FILE,
  NOTIFY_STATUS_INVALID_NAME,
  NOTIFY_STATUS_INVALID_PORT,
  NOTIFY_STATUS_INVALID_REQUEST,
  NOTIFY_STATUS_INVALID_SIGNAL,
  NOTIFY_STATUS_INVALID_TOKEN,
  NOTIFY_STATUS_NOT_AUTHORIZED,
  NOTIFY_STATUS_NULL_INPUT,
  NOTIFY_STATUS_OK,
  NOTIFY_STATUS_OPT_DISABLE,
  NOTIFY_STATUS_SERVER_NOT_FOUND,
  NOTIFY_TOKEN_INVALID,
  NotifyError,
  notifyStatusName,
} from './emulator/notifyd/notify_status.js';

/** Which task's notify client to use. */
export interface NotifyOptions {
  /** The task (an emulated task, or the process task). Default: this process's backend (`backend.api`). */
  api?: MachApi;
}

/** Options of {@link notify_register_mach_port} in the options-object form. */
export interface RegisterMachPortOptions extends NotifyOptions {
  /** With NOTIFY_REUSE: the port to register (one an earlier registration returned). Default MACH_PORT_NULL. */
  port?: number;
  /** 0 (notifyd makes a new port) or NOTIFY_REUSE. Default 0. */
  flags?: number;
}

/** What notify_register_mach_port returns. */
export interface NotifyRegistration {
  /** The registration's token: every notification message carries it as msgh_id. */
  token: number;
  /** The port the messages arrive on; the caller holds its receive right. */
  port: number;
}

/** One notification from {@link notifications}. */
export interface Notification {
  /** The name that was posted. */
  name: string;
  /** The registration's token (the message's msgh_id). */
  token: number;
}

/** Options of {@link notifications}. */
export interface NotificationsOptions extends NotifyOptions {
  /** Ends the iteration (quietly) and cancels the registration. */
  signal?: AbortSignal;
}

// ---------------------------------------------------------------------------
// Backends

/** The libnotify calls of one task. */
interface NotifyClient {
  register_mach_port(name: string, port: number, flags: number): NotifyRegistration;
  register_check(name: string): number;
  post(name: string): void;
  check(token: number): boolean;
  cancel(token: number): void;
  suspend(token: number): void;
  resume(token: number): void;
  get_state(token: number): bigint;
  set_state(token: number, state: bigint): void;
  is_valid_token(token: number): boolean;
}

/** What the native API (lib/native's NativeApi) offers beyond MachApi for libnotify. */
interface NativeNotify {
  notify_register_mach_port(name: string, flags?: number, port?: number): { port: number; token: number };
  notify_register_check(name: string): number;
  notify_post(name: string): void;
  notify_check(token: number): boolean;
  notify_cancel(token: number): void;
  /** The calls below were bound later: a native API without them still serves the five above. */
  notify_suspend?(token: number): void;
  notify_resume?(token: number): void;
  notify_get_state?(token: number): bigint;
  notify_set_state?(token: number, state: bigint): void;
  notify_is_valid_token?(token: number): boolean;
}

const NATIVE_FUNCTIONS = ['notify_register_mach_port', 'notify_register_check', 'notify_post', 'notify_check', 'notify_cancel'] as const;

/** Native libnotify calls looked up when first used (MachError KERN_NOT_SUPPORTED when absent). */
type LaterNativeFunction = 'notify_suspend' | 'notify_resume' | 'notify_get_state' | 'notify_set_state' | 'notify_is_valid_token';

/** Rethrows the native backend's libnotify error as this module's NotifyError (one class on both backends). */
function asNotifyError(e: unknown, context: string): never {
  if (!(e instanceof NotifyError) && e instanceof Error && e.name === 'NotifyError' && typeof (e as { status?: unknown }).status === 'number') {
    throw new NotifyError((e as unknown as { status: number }).status, context);
  }
  throw e;
}

function nativeClient(api: MachApi): NotifyClient {
  const n = api as unknown as Partial<NativeNotify>;
  const missing = NATIVE_FUNCTIONS.filter((f) => typeof n[f] !== 'function');
  if (missing.length > 0) {
    throw new MachError(
      KERN_NOT_SUPPORTED,
      `notify: the native API does not expose libnotify (missing ${missing.join(', ')}); it needs notify_register_mach_port(name, flags, port) → { port, token }, notify_register_check(name) → token, notify_post(name), notify_check(token) → boolean and notify_cancel(token)`,
    );
  }
  const native = n as NativeNotify;
  const run = <T>(context: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      return asNotifyError(e, context);
    }
  };
  return {
    register_mach_port: (name, port, flags) =>
      run('notify_register_mach_port', () => {
        const r = native.notify_register_mach_port(name, flags, port);
        return { token: r.token, port: r.port };
      }),
    register_check: (name) => run('notify_register_check', () => native.notify_register_check(name)),
    post: (name) => run('notify_post', () => native.notify_post(name)),
    check: (token) => run('notify_check', () => native.notify_check(token)),
    cancel: (token) => run('notify_cancel', () => native.notify_cancel(token)),
    suspend: (token) => run('notify_suspend', () => later(native, 'notify_suspend')(token)),
    resume: (token) => run('notify_resume', () => later(native, 'notify_resume')(token)),
    get_state: (token) => run('notify_get_state', () => later(native, 'notify_get_state')(token)),
    set_state: (token, state) => run('notify_set_state', () => later(native, 'notify_set_state')(token, state)),
    is_valid_token: (token) => run('notify_is_valid_token', () => later(native, 'notify_is_valid_token')(token)),
  };
}

/** A native libnotify call bound after the first five, or MachError KERN_NOT_SUPPORTED naming it. */
function later<K extends LaterNativeFunction>(native: NativeNotify, f: K): NonNullable<NativeNotify[K]> {
  const fn = native[f];
  if (typeof fn !== 'function') {
    throw new MachError(KERN_NOT_SUPPORTED, `${f}: the native API does not expose it (an addon built before the binding; rebuild it)`);
  }
  return fn.bind(native) as NonNullable<NativeNotify[K]>;
}

function emulatedClient(api: MachApi): NotifyClient {
  const task = api as emulated.NotifyTask;
  return {
    register_mach_port: (name, port, flags) => emulated.notify_register_mach_port(task, name, port, flags),
    register_check: (name) => emulated.notify_register_check(task, name),
    post: (name) => emulated.notify_post(task, name),
    check: (token) => emulated.notify_check(task, token) !== 0,
    cancel: (token) => emulated.notify_cancel(task, token),
    suspend: (token) => emulated.notify_suspend(task, token),
    resume: (token) => emulated.notify_resume(task, token),
    get_state: (token) => emulated.notify_get_state(task, token),
    set_state: (token, state) => emulated.notify_set_state(task, token, state),
    is_valid_token: (token) => emulated.notify_is_valid_token(task, token),
  };
}

/** The notify client of `api`'s task. */
function clientOf(api: MachApi): NotifyClient {
  if (api.backendName === 'native') return nativeClient(api);
  const task = api as Partial<emulated.NotifyTask>;
  if (typeof task.kernelCall !== 'function' || typeof task.kernelSend !== 'function') {
    throw new TypeError('notify: an emulator-backed api must be an emulated task (kernel.createTask()) or a task of a kernel host');
  }
  return emulatedClient(api);
}

// ---------------------------------------------------------------------------
// Arguments

function isMachApi(v: unknown): v is MachApi {
  return typeof v === 'object' && v !== null && typeof (v as MachApi).mach_msg === 'function' && typeof (v as MachApi).backendName === 'string';
}

/** The task an options object names, or the process's backend. */
function apiOf(options: unknown, where: string): MachApi {
  if (options === undefined) return currentBackend().api;
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object`);
  const api = (options as NotifyOptions).api;
  if (api === undefined) return currentBackend().api;
  if (!isMachApi(api)) throw new TypeError(`${where}: options.api must be a MachApi (an emulated task or the process task)`);
  return api;
}

/** A notification name: a string; null/undefined are C's NULL (NOTIFY_STATUS_INVALID_NAME). */
function nameOf(name: unknown, where: string): string {
  if (name === null || name === undefined) throw new NotifyError(NOTIFY_STATUS_INVALID_NAME, where);
  if (typeof name !== 'string') throw new TypeError(`${where}: name must be a string`);
  return name;
}

function tokenOf(token: unknown, where: string): number {
  if (typeof token !== 'number' || !Number.isInteger(token) || token < -0x80000000 || token > 0x7fffffff) {
    throw new TypeError(`${where}: token must be a 32-bit integer`);
  }
  return token;
}

/** A name's state (uint64_t): a bigint in [0, 2^64), or a non-negative safe integer number. */
function stateOf(state: unknown, where: string): bigint {
  if (typeof state === 'bigint') {
    if (state < 0n || state > 0xffff_ffff_ffff_ffffn) throw new TypeError(`${where}: state must fit 64 bits unsigned (0 to 2^64 - 1)`);
    return state;
  }
  if (typeof state === 'number' && Number.isSafeInteger(state) && state >= 0) return BigInt(state);
  throw new TypeError(`${where}: state must be a bigint (uint64_t) or a non-negative safe integer`);
}

function portOf(port: unknown, where: string): number {
  if (port === undefined) return MACH_PORT_NULL;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 0xffffffff) throw new TypeError(`${where}: port must be a port name`);
  return port;
}

function flagsOf(flags: unknown, where: string): number {
  if (flags === undefined) return 0;
  if (typeof flags !== 'number' || !Number.isInteger(flags) || flags < -0x80000000 || flags > 0xffffffff) throw new TypeError(`${where}: flags must be an integer`);
  return flags | 0;
}

/** Split `(api, x, ...rest)` / `(x, ...rest, options?)` into the task and the arguments. */
function split(args: unknown[], arity: number, where: string): { api: MachApi; args: unknown[] } {
  if (isMachApi(args[0])) return { api: args[0], args: args.slice(1, 1 + arity) };
  return { api: apiOf(args[arity], where), args: args.slice(0, arity) };
}

// ---------------------------------------------------------------------------
// The libnotify functions

/**
 * notify_register_mach_port: register for `name` on a Mach port. With flags 0 (the
 * default) notifyd makes a new port (queue limit 16) and the caller receives its receive
 * right; with NOTIFY_REUSE, `port` is registered instead (libnotify honours only a port
 * an earlier registration returned). Each post of `name` then queues a 24-byte,
 * header-only message with msgh_id = token on the port. The last notify_cancel on a port
 * notifyd made destroys that receive right.
 *
 * Forms: `(name, port?, flags?, options?)`, `(name, { port, flags, api })`,
 * `(api, name, port?, flags?)`.
 *
 * Errors (NotifyError): a null name → NOTIFY_STATUS_INVALID_NAME; NOTIFY_REUSE with a null
 * or dead port → NOTIFY_STATUS_INVALID_PORT; notifyd unreachable → NOTIFY_STATUS_SERVER_NOT_FOUND
 * or NOTIFY_STATUS_FAILED. A native API without libnotify → MachError KERN_NOT_SUPPORTED.
 */
export function notify_register_mach_port(api: MachApi, name: string, port?: number, flags?: number): NotifyRegistration;
/**
 * notify_register_mach_port with the port, flags and task in an options object, e.g.
 * `(name, { flags: NOTIFY_REUSE, port })`. With flags 0 notifyd makes a new port and the
 * caller receives its receive right; each post of `name` then queues a 24-byte message with
 * msgh_id = token. Errors as the positional forms (NotifyError with libnotify's status).
 */
export function notify_register_mach_port(name: string, options: RegisterMachPortOptions): NotifyRegistration;
/**
 * notify_register_mach_port on this process's task (or `options.api`): register for `name`
 * on a new port notifyd makes (flags 0; the caller receives its receive right) or on `port`
 * with NOTIFY_REUSE. Each post queues a 24-byte message with msgh_id = token; the last
 * notify_cancel on a port notifyd made destroys that receive right. Errors (NotifyError):
 * a null name → NOTIFY_STATUS_INVALID_NAME; NOTIFY_REUSE with a null or dead port →
 * NOTIFY_STATUS_INVALID_PORT.
 */
export function notify_register_mach_port(name: string, port?: number, flags?: number, options?: NotifyOptions): NotifyRegistration;
/** Implementation of the overloads above: tells the forms apart, checks the arguments and calls the task's notify client. */
export function notify_register_mach_port(...argv: unknown[]): NotifyRegistration {
  const where = 'notify_register_mach_port';
  let api: MachApi;
  let name: unknown;
  let port: unknown;
  let flags: unknown;
  if (isMachApi(argv[0])) [api, name, port, flags] = [argv[0], argv[1], argv[2], argv[3]];
  else if (typeof argv[1] === 'object' && argv[1] !== null) {
    const o = argv[1] as RegisterMachPortOptions;
    [api, name, port, flags] = [apiOf(o, where), argv[0], o.port, o.flags];
  } else [api, name, port, flags] = [apiOf(argv[3], where), argv[0], argv[1], argv[2]];
  const n = nameOf(name, where);
  const p = portOf(port, where);
  const f = flagsOf(flags, where);
  return clientOf(api).register_mach_port(n, p, f);
}

/**
 * notify_register_check: a registration to poll with {@link notify_check} (no port).
 * Forms: `(name, options?)`, `(api, name)`.
 */
export function notify_register_check(api: MachApi, name: string): number;
/**
 * notify_register_check on this process's task (or `options.api`): register for `name`
 * without a port; returns the token to poll with {@link notify_check}. A null name →
 * NotifyError NOTIFY_STATUS_INVALID_NAME.
 */
export function notify_register_check(name: string, options?: NotifyOptions): number;
/** Implementation of the overloads above: splits off the task, checks the name and calls its notify client. */
export function notify_register_check(...argv: unknown[]): number {
  const { api, args } = split(argv, 1, 'notify_register_check');
  return clientOf(api).register_check(nameOf(args[0], 'notify_register_check'));
}

/**
 * notify_post: post `name`. Asynchronous on Darwin: it succeeds whether or not anyone
 * listens (or the caller may post the name). Forms: `(name, options?)`, `(api, name)`.
 */
export function notify_post(api: MachApi, name: string): void;
/**
 * notify_post on this process's task (or `options.api`): post `name` to every registration
 * of it. Asynchronous on Darwin: it succeeds whether or not anyone listens. A null name →
 * NotifyError NOTIFY_STATUS_INVALID_NAME; a transport failure → NOTIFY_STATUS_FAILED.
 */
export function notify_post(name: string, options?: NotifyOptions): void;
/** Implementation of the overloads above: splits off the task, checks the name and calls its notify client. */
export function notify_post(...argv: unknown[]): void {
  const { api, args } = split(argv, 1, 'notify_post');
  clientOf(api).post(nameOf(args[0], 'notify_post'));
}

/**
 * notify_check: true if the token's name was posted since the last check (the first
 * check of a token answers true), else false. An unknown token → NotifyError
 * NOTIFY_STATUS_INVALID_TOKEN. Forms: `(token, options?)`, `(api, token)`.
 */
export function notify_check(api: MachApi, token: number): boolean;
/**
 * notify_check on this process's task (or `options.api`, which must be the task that
 * registered `token`): true if the name was posted since the last check (the first check
 * answers true). Darwin's shared-memory slots allow false positives. An unknown token →
 * NotifyError NOTIFY_STATUS_INVALID_TOKEN.
 */
export function notify_check(token: number, options?: NotifyOptions): boolean;
/** Implementation of the overloads above: splits off the task, checks the token and calls its notify client. */
export function notify_check(...argv: unknown[]): boolean {
  const { api, args } = split(argv, 1, 'notify_check');
  return clientOf(api).check(tokenOf(args[0], 'notify_check'));
}

/**
 * notify_cancel: end the registration (no more messages for it). An unknown token →
 * NotifyError NOTIFY_STATUS_INVALID_TOKEN. The last token on a port notifyd made
 * destroys that port's receive right in the caller's space. Forms: `(token, options?)`,
 * `(api, token)`.
 */
export function notify_cancel(api: MachApi, token: number): void;
/**
 * notify_cancel on this process's task (or `options.api`, the task that registered
 * `token`): end the registration. Cancelling the last token on a port notifyd made destroys
 * that receive right in the caller's space (a ReceiveRight adopted on it should relinquish()
 * first). An unknown token → NotifyError NOTIFY_STATUS_INVALID_TOKEN.
 */
export function notify_cancel(token: number, options?: NotifyOptions): void;
/** Implementation of the overloads above: splits off the task, checks the token and calls its notify client. */
export function notify_cancel(...argv: unknown[]): void {
  const { api, args } = split(argv, 1, 'notify_cancel');
  clientOf(api).cancel(tokenOf(args[0], 'notify_cancel'));
}

/**
 * notify_suspend: hold the token's notifications. Calls nest; posts made while suspended
 * collapse into a single notification on the final {@link notify_resume}. An unknown token →
 * NotifyError NOTIFY_STATUS_INVALID_TOKEN. Forms: `(token, options?)`, `(api, token)`.
 */
export function notify_suspend(api: MachApi, token: number): void;
/**
 * notify_suspend on this process's task (or `options.api`, the task that registered `token`):
 * hold the token's notifications until as many notify_resume calls as suspends. An unknown
 * token → NotifyError NOTIFY_STATUS_INVALID_TOKEN.
 */
export function notify_suspend(token: number, options?: NotifyOptions): void;
/** Implementation of the overloads above: splits off the task, checks the token and calls its notify client. */
export function notify_suspend(...argv: unknown[]): void {
  const { api, args } = split(argv, 1, 'notify_suspend');
  clientOf(api).suspend(tokenOf(args[0], 'notify_suspend'));
}

/**
 * notify_resume: undo one {@link notify_suspend}. The last resume delivers one notification
 * if the name was posted while suspended (however many posts there were). An unknown token →
 * NotifyError NOTIFY_STATUS_INVALID_TOKEN. Forms: `(token, options?)`, `(api, token)`.
 */
export function notify_resume(api: MachApi, token: number): void;
/**
 * notify_resume on this process's task (or `options.api`, the task that registered `token`):
 * undo one notify_suspend; the last one delivers a single notification for the posts it held.
 * An unknown token → NotifyError NOTIFY_STATUS_INVALID_TOKEN.
 */
export function notify_resume(token: number, options?: NotifyOptions): void;
/** Implementation of the overloads above: splits off the task, checks the token and calls its notify client. */
export function notify_resume(...argv: unknown[]): void {
  const { api, args } = split(argv, 1, 'notify_resume');
  clientOf(api).resume(tokenOf(args[0], 'notify_resume'));
}

/**
 * notify_get_state: the 64-bit state of the token's name (0 until set), a bigint as C's
 * uint64_t. An unknown token → NotifyError NOTIFY_STATUS_INVALID_TOKEN. Forms:
 * `(token, options?)`, `(api, token)`.
 */
export function notify_get_state(api: MachApi, token: number): bigint;
/**
 * notify_get_state on this process's task (or `options.api`, the task that registered
 * `token`): the name's uint64_t state as a bigint (0 until set). An unknown token →
 * NotifyError NOTIFY_STATUS_INVALID_TOKEN.
 */
export function notify_get_state(token: number, options?: NotifyOptions): bigint;
/** Implementation of the overloads above: splits off the task, checks the token and calls its notify client. */
export function notify_get_state(...argv: unknown[]): bigint {
  const { api, args } = split(argv, 1, 'notify_get_state');
  return clientOf(api).get_state(tokenOf(args[0], 'notify_get_state'));
}

/**
 * notify_set_state: set the 64-bit state of the token's name (a bigint, or a non-negative
 * safe integer; anything else is a TypeError). Setting does not post. An unknown token →
 * NotifyError NOTIFY_STATUS_INVALID_TOKEN; a name the caller may not write (e.g.
 * `com.apple.system.*` as a user) → NOTIFY_STATUS_NOT_AUTHORIZED. Forms:
 * `(token, state, options?)`, `(api, token, state)`.
 */
export function notify_set_state(api: MachApi, token: number, state: bigint | number): void;
/**
 * notify_set_state on this process's task (or `options.api`, the task that registered
 * `token`): set the name's uint64_t state (a bigint, or a non-negative safe integer); it
 * does not post. An unknown token → NotifyError NOTIFY_STATUS_INVALID_TOKEN; no write
 * access → NOTIFY_STATUS_NOT_AUTHORIZED.
 */
export function notify_set_state(token: number, state: bigint | number, options?: NotifyOptions): void;
/** Implementation of the overloads above: splits off the task, checks the token and state and calls its notify client. */
export function notify_set_state(...argv: unknown[]): void {
  const { api, args } = split(argv, 2, 'notify_set_state');
  const token = tokenOf(args[0], 'notify_set_state');
  clientOf(api).set_state(token, stateOf(args[1], 'notify_set_state'));
}

/**
 * notify_is_valid_token: whether `token` is a live registration of the task (false after
 * notify_cancel, for another task's token, or for a number never handed out). Never throws
 * NotifyError; a token that is not a 32-bit integer is a TypeError. Forms:
 * `(token, options?)`, `(api, token)`.
 */
export function notify_is_valid_token(api: MachApi, token: number): boolean;
/**
 * notify_is_valid_token on this process's task (or `options.api`): whether `token` is one of
 * its live registrations. False after notify_cancel and for tokens never handed out.
 */
export function notify_is_valid_token(token: number, options?: NotifyOptions): boolean;
/** Implementation of the overloads above: splits off the task, checks the token and calls its notify client. */
export function notify_is_valid_token(...argv: unknown[]): boolean {
  const { api, args } = split(argv, 1, 'notify_is_valid_token');
  return clientOf(api).is_valid_token(tokenOf(args[0], 'notify_is_valid_token'));
}

// ---------------------------------------------------------------------------
// The idiomatic helper

/**
 * The posts of one name, as an async iterator: see {@link notifications}. The
 * registration exists from the moment the stream is created (posts made before the
 * first `next()` are not lost; up to 16 wait in the port, later ones coalesce as
 * libnotify's do). `close()` (or `using`, or leaving a `for await` loop, or the signal)
 * cancels the registration, which destroys the port.
 */
export class NotificationStream implements AsyncIterableIterator<Notification>, Disposable {
  /** The name listened to. */
  readonly name: string;
  /** The registration's token (NOTIFY_TOKEN_INVALID for a stream whose signal had already aborted). */
  readonly token: number;
  /** The port the notifications arrive on (MACH_PORT_NULL once closed or when never registered). */
  get port(): number {
    return this.#right?.name ?? MACH_PORT_NULL;
  }
  readonly #api: MachApi;
  readonly #right: ReceiveRight | undefined;
  readonly #pump: AsyncGenerator<Notification, void, undefined>;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => this.close();
  #closed = false;

  /** @internal Use {@link notifications}. */
  constructor(api: MachApi, name: string, signal: AbortSignal | undefined) {
    this.#api = api;
    this.name = name;
    this.#signal = signal;
    if (signal?.aborted) {
      this.token = NOTIFY_TOKEN_INVALID;
      this.#right = undefined;
      this.#closed = true;
      this.#pump = (async function* () {})();
      return;
    }
    const client = clientOf(api);
    const { token, port } = client.register_mach_port(name, MACH_PORT_NULL, 0);
    this.token = token;
    try {
      this.#right = ReceiveRight.from(port, { api });
    } catch (e) {
      client.cancel(token);
      throw e;
    }
    this.#pump = pump(this.#right, name, token, signal);
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /**
   * The next notification. Resolves `{ done: true }` once the stream is closed or its signal
   * aborts; posts made while nobody waits stay queued on the port (16, then they coalesce).
   */
  next(): Promise<IteratorResult<Notification, void>> {
    return this.#pump.next();
  }

  /** Ends the iteration and cancels the registration (what `break` in a `for await` calls). */
  return(): Promise<IteratorResult<Notification, void>> {
    this.close();
    return this.#pump.return(undefined);
  }

  /** The stream itself, for `for await`; leaving the loop closes the stream. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * Cancel the registration (notify_cancel; the port notifyd made goes with it). A
   * pending `next()` resolves `{ done: true }`. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    const right = this.#right!;
    // notify_cancel destroys the port: the right object gives up its name first.
    if (!right.closed) right.relinquish();
    try {
      clientOf(this.#api).cancel(this.token);
    } catch (e) {
      // The task may be gone, taking its registrations with it.
      if (!(e instanceof NotifyError) && !(e instanceof MachError)) throw e;
    }
  }

  /** Same as {@link close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** Receive on the registration's port until it is given up or the signal aborts. */
async function* pump(right: ReceiveRight, name: string, token: number, signal: AbortSignal | undefined): AsyncGenerator<Notification, void, undefined> {
  for await (const msg of right.messages(signal ? { signal, trailer: 'null' } : { trailer: 'null' })) {
    const id = msg.id;
    msg.close();
    if (id === token) yield { name, token };
  }
}

/**
 * Listen for posts of `name`: registers a Mach-port notification now and yields
 * `{ name, token }` for every message it brings, until the signal aborts (the iteration
 * then ends without an error), the stream is closed, or a `for await` loop over it is
 * left. Works on every backend, routed like {@link notify_register_mach_port}.
 *
 * ```ts
 * const ac = new AbortController();
 * for await (const { name } of notifications('com.apple.system.timezone', { signal: ac.signal })) {
 *   console.log(`${name} changed`);
 * }
 * ```
 */
export function notifications(name: string, options: NotificationsOptions = {}): NotificationStream {
  const where = 'notifications';
  const n = nameOf(name, where);
  const api = apiOf(options, where);
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`${where}: options.signal must be an AbortSignal`);
  return new NotificationStream(api, n, signal);
}
