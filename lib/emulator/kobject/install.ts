/**
 * Installs the kernel's MIG server for its kernel objects. Host and task ports share one
 * server because XNU dispatches kernel requests on msgh_id alone, whatever kernel port they
 * were sent to (xnu:osfmk/kern/ipc_kobject.c:ipc_kobject_server); the routines then convert
 * the destination port to the argument they need.
 * @module
 */
import { IKOT_HOST, IKOT_HOST_PRIV } from '../../constants.js';
import type { Kernel } from '../kernel.js';
import type { KobjectServer } from '../kobject.js';
import type { Port } from '../port.js';
import { createKernelServer, type KernelTask } from './kernel_server.js';
import { machineInfoOfThisHost } from './machine_info.js';

/** Build the host and task MIG servers for `kernel`; the kernel attaches them to its host and task ports. */
export function installKernelObjects(kernel: Kernel): { hostServer: KobjectServer; taskServer: KobjectServer } {
  const server = createKernelServer({
    machine: machineInfoOfThisHost(),
    isHost: (port: Port) => port.active && (port.kobjectType === IKOT_HOST || port.kobjectType === IKOT_HOST_PRIV),
    taskOf: (port: Port): KernelTask | undefined => {
      const task = kernel.taskForPort(port);
      if (task === undefined) return undefined;
      return {
        space: task.space,
        active: !task.terminated,
        audit_token: task.sender.audit,
        // The emulator has no task_suspend: user_stop_count stays 0.
        suspend_count: 0,
        messages_sent: task.messagesSent,
        messages_received: task.messagesReceived,
        is_process: task.standsForProcess,
      };
    },
  });
  return { hostServer: server, taskServer: server };
}
