/**
 * A task's special ports (task_get_special_port / task_set_special_port): the send rights
 * the kernel keeps for a task in its itk_* fields (xnu:osfmk/kern/ipc_tt.c). The host and
 * bootstrap rights are made when the task is created, as ipc_task_init gives a task its
 * parent's; the kernel holds them (they count in the port's srights) until they are
 * replaced or the task ends.
 * @module
 */
import {
  KERN_INVALID_ARGUMENT,
  KERN_NO_ACCESS,
  KERN_NOT_SUPPORTED,
  KERN_SUCCESS,
  TASK_ACCESS_PORT,
  TASK_BOOTSTRAP_PORT,
  TASK_DEBUG_CONTROL_PORT,
  TASK_HOST_PORT,
  TASK_INSPECT_PORT,
  TASK_KERNEL_PORT,
  TASK_NAME_PORT,
  TASK_READ_PORT,
} from '../constants.js';
import { IP_DEAD, IP_VALID, type Port, type PortRef } from './port.js';

/** The special port rights of one task (itk_host, itk_bootstrap, itk_task_access, itk_debug_control). */
export class TaskSpecialPorts {
  /** itk_host: a send right to the host port. */
  host: PortRef = null;
  /** itk_bootstrap: a send right to the bootstrap server (the emulated launchd). */
  bootstrap: PortRef = null;
  /** itk_task_access. */
  access: PortRef = null;
  /** itk_debug_control. */
  debugControl: PortRef = null;
  /** itk_task_ports[TASK_FLAVOR_NAME]: made on first use, a kernel object the task's end destroys. */
  namePort: Port | null = null;

  /** The held send rights, for the task's end to release (ipc_task_terminate). */
  held(): PortRef[] {
    return [this.host, this.bootstrap, this.access, this.debugControl];
  }
}

/** How task_get_special_port gets its right: from a slot, or a kernel object of the task. */
export type SpecialPortSource = { kr: number; slot?: PortRef; kobject?: 'control' | 'name' };

/**
 * task_get_special_port_internal's switch: which right `which` reads. A slot holding a
 * dead port gives IP_DEAD (ipc_port_copy_send_mqueue), an empty one IP_NULL. TASK_KERNEL_PORT
 * is the control port (ipc_kobject_copy_send) and TASK_NAME_PORT the name port
 * (ipc_kobject_make_send). TASK_RESOURCE_NOTIFY_PORT exists only with
 * CONFIG_PROC_RESOURCE_LIMITS, which release kernels are built without (config/MASTER.*:
 * development and debug kernels only), so like a retired or unknown port it is
 * KERN_INVALID_ARGUMENT. TASK_INSPECT_PORT and TASK_READ_PORT give the task's inspect and
 * read ports on Darwin; the emulator has no such ports and answers KERN_NOT_SUPPORTED.
 */
export function specialPortSource(ports: TaskSpecialPorts, which: number): SpecialPortSource {
  switch (which) {
    case TASK_KERNEL_PORT:
      return { kr: KERN_SUCCESS, kobject: 'control' };
    case TASK_NAME_PORT:
      return { kr: KERN_SUCCESS, kobject: 'name' };
    case TASK_HOST_PORT:
      return { kr: KERN_SUCCESS, slot: ports.host };
    case TASK_BOOTSTRAP_PORT:
      return { kr: KERN_SUCCESS, slot: ports.bootstrap };
    case TASK_ACCESS_PORT:
      return { kr: KERN_SUCCESS, slot: ports.access };
    case TASK_DEBUG_CONTROL_PORT:
      return { kr: KERN_SUCCESS, slot: ports.debugControl };
    case TASK_INSPECT_PORT:
    case TASK_READ_PORT:
      return { kr: KERN_NOT_SUPPORTED };
    default:
      return { kr: KERN_INVALID_ARGUMENT };
  }
}

/** ipc_port_copy_send_mqueue: one more send right for a slot's port (IP_DEAD once it died, IP_NULL for none). */
export function copySendSlot(slot: PortRef): PortRef {
  if (!IP_VALID(slot)) return slot;
  if (!slot.active) return IP_DEAD;
  slot.copySend();
  return slot;
}

/**
 * task_set_special_port: store `port` (a send right the caller's request carried) and
 * return the right it replaces for the caller to release. KERN_NO_ACCESS for
 * TASK_KERNEL_PORT and TASK_HOST_PORT, which only a kernel with System Integrity
 * Protection's kernel-debugger bit cleared lets user space set
 * (csr_check(CSR_ALLOW_KERNEL_DEBUGGER)); KERN_NO_ACCESS for a TASK_ACCESS_PORT already
 * set ("Never allow overwrite of the task access port"); KERN_INVALID_ARGUMENT for the
 * name port and anything else (xnu:osfmk/kern/ipc_tt.c:task_set_special_port,
 * task_set_special_port_internal). On failure nothing changes and `port` stays the
 * caller's to release.
 */
export function specialPortSet(ports: TaskSpecialPorts, which: number, port: PortRef): { kr: number; old: PortRef } {
  let old: PortRef = null;
  switch (which) {
    case TASK_KERNEL_PORT:
    case TASK_HOST_PORT:
      return { kr: KERN_NO_ACCESS, old };
    case TASK_BOOTSTRAP_PORT:
      old = ports.bootstrap;
      ports.bootstrap = port;
      break;
    case TASK_ACCESS_PORT:
      if (IP_VALID(ports.access)) return { kr: KERN_NO_ACCESS, old };
      old = ports.access;
      ports.access = port;
      break;
    case TASK_DEBUG_CONTROL_PORT:
      old = ports.debugControl;
      ports.debugControl = port;
      break;
    default:
      return { kr: KERN_INVALID_ARGUMENT, old };
  }
  return { kr: KERN_SUCCESS, old };
}
