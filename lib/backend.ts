/**
 * The backend loader: which implementation of {@link MachApi} serves this process.
 * On Darwin the native addon when it loads, otherwise the emulator.
 * `MACHPORT_BACKEND=emulator|native` overrides; asking for native where it cannot load
 * throws, saying why. With `MACHPORT_KERNEL=PATH` the emulator's task is a task of the
 * kernel host listening at PATH (`machport kernel`), shared with other processes.
 * @module
 */
import type { MachApi } from './types.js';
import { processTask } from './emulator/process.js';
import { kernelHostTask } from './kernel-host/process.js';
import { loadNativeApi } from './native/index.js';

/** The active backend: its name and the MachApi bound to this process's task. */
export interface Backend {
  readonly name: 'native' | 'emulator';
  readonly api: MachApi;
  /** Why the native backend is not in use, when it is not. */
  readonly reason?: string;
}

let current: Backend | undefined;

/** The emulator's task for this process: on the kernel host MACHPORT_KERNEL names, else in-process. */
function emulatorTask(env: NodeJS.ProcessEnv): MachApi {
  const kernel = env.MACHPORT_KERNEL;
  return kernel !== undefined && kernel !== '' ? kernelHostTask(kernel) : processTask();
}

/** Choose a backend for the given platform and environment (exported for tests). */
export function selectBackend(platform: string = process.platform, env: NodeJS.ProcessEnv = process.env): Backend {
  const wanted = env.MACHPORT_BACKEND;
  if (wanted !== undefined && wanted !== '' && wanted !== 'emulator' && wanted !== 'native') {
    throw new TypeError(`MACHPORT_BACKEND must be 'emulator' or 'native', not '${wanted}'`);
  }
  if (wanted === 'emulator') return { name: 'emulator', api: emulatorTask(env), reason: 'MACHPORT_BACKEND=emulator' };
  const native = loadNativeApi(platform);
  if (native.api) return { name: 'native', api: native.api };
  if (wanted === 'native') {
    throw new Error(`machport: MACHPORT_BACKEND=native but the native backend cannot load: ${native.reason}`);
  }
  return { name: 'emulator', api: emulatorTask(env), reason: native.reason };
}

/** The backend serving this process, chosen once on first use. */
export function currentBackend(): Backend {
  current ??= selectBackend();
  return current;
}

/** `backend.name` tells which backend serves this process ('native' or 'emulator'). */
export const backend: Backend = {
  get name() {
    return currentBackend().name;
  },
  get api() {
    return currentBackend().api;
  },
  get reason() {
    return currentBackend().reason;
  },
};
