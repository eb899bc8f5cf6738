/**
 * Installs the emulated launchd into a kernel and makes it findable by the kernel's other
 * emulated daemons.
 * @module
 */
import type { Kernel } from '../kernel.js';
import { EmulatedNotifyd } from '../notifyd/notifyd.js';
import { NOTIFY_SERVICE_NAME } from '../notifyd/notify_ipc.js';
import type { EmulatedTask } from '../task.js';
import { EmulatedLaunchd } from './launchd.js';

const launchds = new WeakMap<Kernel, EmulatedLaunchd>();

/**
 * Create the kernel's launchd; `bootstrapPortFor` gives a task its bootstrap_port name (a
 * send right). notifyd is a declared service: launchd starts it when a task first checks
 * in, registers or looks up its name.
 */
export function installLaunchd(kernel: Kernel): { bootstrapPortFor(task: EmulatedTask): number; launchd: EmulatedLaunchd } {
  const launchd = new EmulatedLaunchd(kernel, {
    [NOTIFY_SERVICE_NAME]: () => {
      EmulatedNotifyd.of(kernel);
    },
  });
  launchds.set(kernel, launchd);
  return { bootstrapPortFor: (task) => launchd.bootstrapPortFor(task), launchd };
}

/** The launchd of `kernel` (every Kernel installs one when it is constructed). */
export function launchdOf(kernel: Kernel): EmulatedLaunchd {
  const l = launchds.get(kernel);
  if (l === undefined) throw new Error('machport: this kernel has no emulated launchd');
  return l;
}
