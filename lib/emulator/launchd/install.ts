/**
 * Installs the emulated launchd into a kernel.
 * @module
 */
import type { Kernel } from '../kernel.js';
import type { EmulatedTask } from '../task.js';

/** Create the kernel's launchd; `bootstrapPortFor` gives a task its bootstrap_port name (a send right). */
export function installLaunchd(kernel: Kernel): { bootstrapPortFor(task: EmulatedTask): number } {
  void kernel;
  return { bootstrapPortFor: () => 0 };
}
