/**
 * The native backend's loader. (Placeholder until the native backend lands.)
 * @module
 */
import type { MachApi } from '../types.js';

/** Load the native MachApi for this platform, or say why it cannot load. */
export function loadNativeApi(platform: string = process.platform): { api?: MachApi; reason: string } {
  if (platform !== 'darwin') return { reason: `the native backend needs macOS (this is ${platform})` };
  return { reason: 'the native backend is not built yet' };
}
