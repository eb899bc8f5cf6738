/**
 * The backends the conformance suite runs against, and what each can do.
 *
 * - `emulator`: the pure-TypeScript kernel. Every scenario gets a fresh `Kernel`, so
 *   tasks start with a fresh IPC space, a second task of the same kernel can be
 *   created (`peerTask`) and tasks can be terminated.
 * - `native`: the real kernel through the Darwin addon. Only this process's own task
 *   exists: no peer tasks, no termination, and names already taken by dyld and
 *   libSystem, so scenarios must not assume name values there.
 *
 * A scenario states what it needs (`needs: ['peer', …]`); a backend lacking a
 * capability reports the scenario as skipped with the reason in its name.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MachApi } from '../../lib/types.js';
import { loadNativeApi } from '../../lib/native/index.js';
import { kernelHostBackend } from '../kernel-host/conformance-backend.js';

/**
 * What a scenario may need beyond a task of its own.
 * - `peer`: a second task of the same kernel (rights move between them in messages).
 * - `terminate`: terminating a task (S99).
 * - `fatal-guard`: the scenario provokes an always-fatal EXC_GUARD
 *   (kGUARD_EXC_* ≤ kGUARD_EXC_MSG_FILTERED): macOS kills the process, the emulator
 *   throws MachGuardError.
 * - `fresh-space`: the scenario depends on the name values of a fresh IPC space
 *   (first names use generation 0x03, a freed index is reused first). Deterministic
 *   only in a space nobody else has touched.
 * - `invariants`: the scenario checks kernel-wide bookkeeping the emulator exposes.
 * - `sip`: the scenario expects System Integrity Protection to be fully enabled (the
 *   emulator models it so). task_set_special_port(TASK_KERNEL_PORT / TASK_HOST_PORT) is
 *   refused only while csr_check(CSR_ALLOW_KERNEL_DEBUGGER) fails
 *   (xnu:osfmk/kern/ipc_tt.c:task_set_special_port); with that restriction lifted the call
 *   succeeds and replaces this process's own task or host port for the rest of the run.
 */
export type Capability = 'peer' | 'terminate' | 'fatal-guard' | 'fresh-space' | 'invariants' | 'kobject-call' | 'sip';

/** One backend of the suite. */
export interface Backend {
  readonly name: 'emulator' | 'native' | 'kernel-host';
  /** Whether the backend can run at all on this machine. */
  readonly available: boolean;
  /** Why it is not available. */
  readonly reason?: string;
  /** Why a capability is missing (undefined: the backend has it). */
  missing(cap: Capability): string | undefined;
  /** A task for one scenario (emulator: a fresh Kernel and a task in it). */
  newTask(): MachApi;
  /** A second task of the kernel of the latest `newTask()` (emulator only). */
  peerTask?(): MachApi;
  /** Terminate a task made by newTask/peerTask (emulator only). */
  terminate?(task: MachApi): void;
  /** Check the current kernel's internal consistency (emulator only). */
  checkInvariants?(): void;
}

// ---------------------------------------------------------------------------
// Emulator

/** The part of the emulator's Kernel this suite uses. */
interface EmulatorKernel {
  createTask(options?: { name?: string }): MachApi & { terminate(): void };
  checkInvariants?(): void;
}
interface EmulatorModule {
  Kernel: new () => EmulatorKernel;
}

async function loadEmulator(): Promise<{ mod?: EmulatorModule; reason: string; broken?: Error }> {
  // Imported by URL so that this file typechecks (and the native backend still runs)
  // whether or not the emulator is present. A missing emulator skips its scenarios;
  // an emulator that is present but fails to load fails every scenario instead.
  const source = new URL('../../lib/emulator/index.ts', import.meta.url);
  if (!existsSync(fileURLToPath(source))) return { reason: 'lib/emulator/index.ts does not exist yet' };
  const url = new URL('../../lib/emulator/index.js', import.meta.url).href;
  try {
    const mod = (await import(/* @vite-ignore */ url)) as Partial<EmulatorModule>;
    if (typeof mod.Kernel !== 'function') return { reason: '', broken: new Error('lib/emulator/index.ts does not export Kernel') };
    return { mod: mod as EmulatorModule, reason: '' };
  } catch (err) {
    return { reason: '', broken: err as Error };
  }
}

function emulatorBackend(mod: EmulatorModule | undefined, reason: string, broken?: Error): Backend {
  let kernel: EmulatorKernel | undefined;
  let counter = 0;
  return {
    name: 'emulator',
    available: mod !== undefined || broken !== undefined,
    reason: mod || broken ? undefined : reason,
    missing: () => undefined,
    newTask() {
      if (broken) throw broken;
      if (!mod) throw new Error(reason);
      kernel = new mod.Kernel();
      counter = 0;
      return kernel.createTask({ name: 'conformance-a' });
    },
    peerTask() {
      if (!kernel) throw new Error('peerTask() before newTask()');
      counter += 1;
      return kernel.createTask({ name: `conformance-peer-${counter}` });
    },
    terminate(task: MachApi) {
      const t = task as MachApi & { terminate?: () => void };
      if (typeof t.terminate !== 'function') throw new Error('this task cannot be terminated');
      t.terminate();
    },
    checkInvariants() {
      kernel?.checkInvariants?.();
    },
  };
}

// ---------------------------------------------------------------------------
// Native

/**
 * Why this Mac does not count as having System Integrity Protection fully enabled, or
 * undefined when `csrutil status` says it is. Anything else (disabled, a custom
 * configuration, csrutil failing) is reported, since the scenarios that need SIP would
 * change this process's special ports there.
 */
function sipMissing(): string | undefined {
  let out: string;
  try {
    out = execFileSync('/usr/bin/csrutil', ['status'], { encoding: 'utf8', timeout: 10_000 });
  } catch (err) {
    return `needs System Integrity Protection enabled, and csrutil status failed (${(err as Error).message.split('\n')[0]})`;
  }
  if (/System Integrity Protection status: enabled\./.test(out)) return undefined;
  return `needs System Integrity Protection fully enabled (csrutil status: ${out.trim().split('\n')[0]}); without it task_set_special_port(TASK_KERNEL_PORT / TASK_HOST_PORT) would succeed and replace this process's own port`;
}

const NATIVE_MISSING: Record<Exclude<Capability, 'sip'>, string | undefined> = {
  peer: 'needs a peer task (the native backend has only this process’s own task)',
  terminate: 'needs to terminate a task (the native backend cannot terminate its own process)',
  'fatal-guard': 'provokes an always-fatal EXC_GUARD: macOS would kill this process',
  'fresh-space': 'depends on name values of a fresh IPC space (dyld and libSystem already took names here)',
  invariants: 'checks emulator bookkeeping',
  'kobject-call':
    'sends a hand-built kernel-object call: libSystem does that through private mach_msg2 SPI, which the native backend does not use (it answers kernel routines through libSystem’s own stubs)',
};

function nativeBackend(): Backend {
  const loaded = loadNativeApi();
  const api = loaded.api;
  let sip: { why: string | undefined } | undefined;
  return {
    name: 'native',
    available: api !== undefined,
    reason: api ? undefined : loaded.reason,
    missing(cap) {
      if (cap !== 'sip') return NATIVE_MISSING[cap];
      sip ??= { why: sipMissing() };
      return sip.why;
    },
    newTask() {
      if (!api) throw new Error(loaded.reason);
      return api;
    },
  };
}

// ---------------------------------------------------------------------------
// Kernel host: every task a RemoteTask of a `machport kernel` child process (built
// dist/), a fresh kernel per scenario; see test/kernel-host/conformance-backend.ts.

const kernelHost = await kernelHostBackend();

// ---------------------------------------------------------------------------

const emulator = await loadEmulator();

/** Every backend of the suite, available or not (unavailable ones report their scenarios as skipped). */
export const backends: readonly Backend[] = [
  emulatorBackend(emulator.mod, emulator.reason, emulator.broken),
  nativeBackend(),
  { name: 'kernel-host', missing: () => undefined, ...kernelHost },
];
