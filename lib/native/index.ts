/**
 * The native backend's entry: load the Darwin addon and wrap it as a {@link NativeApi}.
 * Off Darwin nothing is loaded and the reason says so; this module never throws on Linux.
 * @module
 */
import type { NativeIntrospection, ipc_info_name_t } from '../inspect/native.js';
import type { MachApi } from '../types.js';
import { loadAddon, type NativeAddon } from './addon.js';
import { NativeApi } from './api.js';

export { NativeApi, NotifyError, type RawInfo, type SpaceInfo } from './api.js';
export { GuardChecks, guardIsFatal, policyFromBehavior, type GuardPolicy, type PortProbe } from './guards.js';
export type { NativeAddon } from './addon.js';

let cached: { api?: NativeApi; reason: string } | undefined;

/**
 * Load the native MachApi for `platform`, or say why it cannot load. On Darwin the addon
 * is loaded once per thread (a prebuild, or a local build/Release) and every call returns
 * the same NativeApi.
 */
export function loadNativeApi(platform: string = process.platform): { api?: MachApi; reason: string } {
  if (platform !== 'darwin') return { reason: `the native backend needs macOS (this is ${platform})` };
  if (platform !== process.platform) return { reason: `the native backend runs only on the platform it was built for (asked for ${platform}, this is ${process.platform})` };
  if (cached === undefined) {
    let addon: NativeAddon;
    try {
      addon = loadAddon();
    } catch (e) {
      cached = {
        reason: `the Darwin addon could not be loaded (${(e as Error).message}); reinstall machport or build it with \`npx node-gyp rebuild\` (Xcode Command Line Tools needed)`,
      };
      return cached;
    }
    cached = { api: new NativeApi(addon), reason: 'the Darwin addon is loaded' };
  }
  return cached;
}

/** The NativeApi of this process, or an Error saying why there is none. */
export function nativeApi(): NativeApi {
  const loaded = loadNativeApi();
  if (!loaded.api) throw new Error(`machport: ${loaded.reason}`);
  return loaded.api as NativeApi;
}

/**
 * The introspection primitives lib/inspect needs on the real kernel (process list,
 * process names, task_read_for_pid, mach_port_space_info). Throws an Error with the
 * reason when the native backend is not available.
 */
export function loadNativeIntrospection(): NativeIntrospection {
  const api = nativeApi();
  return {
    listPids: () => api.proc_listpids(),
    procName: (pid) => api.proc_name(pid),
    task_read_for_pid: (pid) => api.task_read_for_pid(pid),
    mach_port_space_info: (task) => ({ table_info: api.mach_port_space_info(task).table_info as ipc_info_name_t[] }),
  };
}
