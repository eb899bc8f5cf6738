/**
 * The conformance harness: one scenario, written against {@link MachApi} only, is
 * registered once per backend. A backend that cannot run it (unavailable, or lacking
 * a capability the scenario needs) reports it as skipped with the reason in the
 * test's name, never drops it.
 *
 * ```ts
 * suite('user references', () => {
 *   conformance('S20 urefs saturate at MACH_PORT_UREFS_MAX', 'xnu:osfmk/ipc/ipc_right.c:ipc_right_delta', async (t) => {
 *     …t.api…
 *   });
 * });
 * ```
 * @module
 */
import { describe, expect, it } from 'vitest';
import * as C from '../../lib/constants.js';
import { MachError, MachGuardError } from '../../lib/errors.js';
import type { MachApi } from '../../lib/types.js';
import { backends, type Backend, type Capability } from './backends.js';

/** What a scenario receives. */
export interface ScenarioContext {
  /** Task A: the task under test. */
  readonly api: MachApi;
  /** `api.mach_task_self()`. */
  readonly task: number;
  /** The backend running the scenario. */
  readonly backend: Backend;
  /** A second task of the same kernel (only with `needs: ['peer']`). */
  peer(): MachApi;
  /** Terminate a task (only with `needs: ['terminate']`). */
  terminate(task: MachApi): void;
  /** Run the backend's consistency check now (a no-op where there is none). */
  checkInvariants(): void;
}

/** Options of a scenario. */
export interface ScenarioOptions {
  /** Capabilities the scenario needs; backends lacking one skip it with the reason. */
  needs?: Capability[];
  /** Per-test timeout in ms. */
  timeout?: number;
}

type ScenarioFn = (t: ScenarioContext) => void | Promise<void>;

let current: Backend | undefined;

/** All scenario titles registered so far (for the suite's own bookkeeping checks). */
export const registeredTitles: string[] = [];

/**
 * A group of scenarios on one topic; the body is run once per backend inside a
 * `describe` named after the backend, so every scenario appears once per backend.
 */
export function suite(topic: string, body: () => void): void {
  for (const backend of backends) {
    describe(`${backend.name}: ${topic}`, () => {
      current = backend;
      try {
        body();
      } finally {
        current = undefined;
      }
    });
  }
}

/**
 * Register one scenario. `title` names the XNU behaviour it checks (e.g. 'S20 urefs
 * saturate at MACH_PORT_UREFS_MAX'), `xnuRef` where XNU does it (e.g.
 * 'xnu:osfmk/ipc/ipc_right.c:ipc_right_delta'); the test is named `title (xnuRef)`.
 */
export function conformance(title: string, xnuRef: string, fn: ScenarioFn, options: ScenarioOptions = {}): void {
  const backend = current;
  if (!backend) throw new Error(`conformance('${title}') must be called inside suite()`);
  const name = `${title} (${xnuRef})`;
  if (backend === backends[0]) registeredTitles.push(name);
  if (!backend.available) {
    it.skip(`${name} [skipped on ${backend.name}: ${backend.reason}]`, () => {});
    return;
  }
  for (const need of options.needs ?? []) {
    const why = backend.missing(need);
    if (why !== undefined) {
      it.skip(`${name} [skipped on ${backend.name}: ${why}]`, () => {});
      return;
    }
  }
  it(
    name,
    async () => {
      const api = backend.newTask();
      const before = backend.name === 'native' ? snapshotNames(api) : undefined;
      const ctx: ScenarioContext = {
        api,
        task: api.mach_task_self(),
        backend,
        peer() {
          if (!backend.peerTask) throw new Error(`${backend.name} has no peer tasks (declare needs: ['peer'])`);
          return backend.peerTask();
        },
        terminate(task) {
          if (!backend.terminate) throw new Error(`${backend.name} cannot terminate tasks (declare needs: ['terminate'])`);
          backend.terminate(task);
        },
        checkInvariants() {
          backend.checkInvariants?.();
        },
      };
      try {
        await fn(ctx);
        backend.checkInvariants?.();
      } finally {
        if (before) cleanUpNames(api, before);
      }
    },
    options.timeout,
  );
}

// ---------------------------------------------------------------------------
// Native clean-up: the process's task outlives every scenario, so names a scenario
// created are destroyed afterwards (the emulator simply drops its Kernel).

function snapshotNames(api: MachApi): Set<number> {
  return new Set(api.mach_port_names(api.mach_task_self()).names);
}

function cleanUpNames(api: MachApi, before: Set<number>): void {
  const task = api.mach_task_self();
  for (const name of api.mach_port_names(task).names) {
    if (before.has(name)) continue;
    try {
      api.mach_port_destroy(task, name);
    } catch {
      // already gone (destroying a set member's port, etc.)
    }
  }
}

// ---------------------------------------------------------------------------
// Assertions

/** The numeric value of a symbolic code such as 'KERN_INVALID_RIGHT' or 'MACH_RCV_BODY_ERROR|MACH_MSG_IPC_SPACE'. */
export function codeValue(code: string): number {
  let kr = 0;
  for (const part of code.split('|')) {
    const v = (C as unknown as Record<string, unknown>)[part];
    if (typeof v !== 'number') throw new Error(`unknown return code name ${part}`);
    kr = v < 0 ? v : kr | v;
  }
  return kr;
}

function checkError(err: unknown, code: string): MachError {
  if (!(err instanceof MachError)) {
    throw new Error(`expected MachError ${code}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
  const expected = codeValue(code);
  expect({ code: err.code, kr: err.kr >>> 0 }, err.message).toEqual({ code, kr: expected >>> 0 });
  return err;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * Expect a Mach call to fail with `code` (checks both the symbolic `code` and the
 * numeric `kr`). Synchronous calls are checked synchronously; a promise (or a
 * function returning one) must be awaited.
 */
export function expectMachError(fn: () => PromiseLike<unknown>, code: string): Promise<MachError>;
export function expectMachError(promise: PromiseLike<unknown>, code: string): Promise<MachError>;
export function expectMachError(fn: () => unknown, code: string): MachError;
export function expectMachError(
  fnOrPromise: (() => unknown) | PromiseLike<unknown>,
  code: string,
): MachError | Promise<MachError> {
  if (isThenable(fnOrPromise)) {
    return Promise.resolve(fnOrPromise).then(
      (v) => {
        throw new Error(`expected ${code}, but the call succeeded (${describeValue(v)})`);
      },
      (err: unknown) => checkError(err, code),
    );
  }
  let result: unknown;
  try {
    result = fnOrPromise();
  } catch (err) {
    return checkError(err, code);
  }
  if (isThenable(result)) return expectMachError(result, code);
  throw new Error(`expected ${code}, but the call succeeded (${describeValue(result)})`);
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? `<${x.length} bytes>` : x));
  } catch {
    return String(v);
  }
}

/**
 * Expect the call to raise a guard exception that current macOS makes fatal: the
 * emulator throws {@link MachGuardError} with the kGUARD_EXC_* `reason` and the return
 * code `code` the call would have had.
 */
export function expectGuard(fn: () => PromiseLike<unknown>, reason: string, code: string): Promise<MachGuardError>;
export function expectGuard(fn: () => unknown, reason: string, code: string): MachGuardError;
export function expectGuard(fn: () => unknown, reason: string, code: string): MachGuardError | Promise<MachGuardError> {
  const check = (err: MachError): MachGuardError => {
    if (!(err instanceof MachGuardError)) throw new Error(`expected MachGuardError ${reason}, got a plain MachError ${err.code}`);
    expect({ reason: err.reason, reasonName: err.reasonName }).toEqual({ reason: codeValue(reason), reasonName: reason });
    return err;
  };
  let result: unknown;
  try {
    result = fn();
  } catch (err) {
    return check(checkError(err, code));
  }
  if (isThenable(result)) return (expectMachError(result, code) as Promise<MachError>).then(check);
  throw new Error(`expected guard ${reason}, but the call succeeded (${describeValue(result)})`);
}
