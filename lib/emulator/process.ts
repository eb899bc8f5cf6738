/**
 * The emulated task that stands for this Node process when the emulator backend serves
 * the default API. (Placeholder until the emulator core lands.)
 * @module
 */
import type { MachApi } from '../types.js';

/** This process's task on the process-wide emulated kernel. */
export function processTask(): MachApi {
  throw new Error('machport: the emulator is not built yet');
}
