/**
 * The IPC debugging routines of xnu:osfmk/ipc/mach_debug.c that read a space or a port
 * without changing it: mach_port_dnrequest_info, mach_port_space_basic_info and
 * mach_port_kobject_description, answered from the emulator's own request table, name
 * table and kernel-object state.
 * @module
 */
import { KERN_SUCCESS, MACH_PORT_DEAD } from '../constants.js';
import type { ipc_info_space_basic_t, PortDnrequestInfo, PortKobjectDescription } from '../types.js';
import { type KrValue, portKobject, translateReceive } from './mach-port.js';
import type { Space } from './space.js';

/**
 * mach_port_dnrequest_info: the port's request table size (ipc_port_request_table_count,
 * 0 before the table exists) and the slots whose send-once right is still there; a
 * host-notify slot (IPR_HOST_NOTIFY) is not counted, and the emulator has none
 * (xnu:osfmk/ipc/mach_debug.c:mach_port_dnrequest_info). The emulator keeps requests in a
 * list, not XNU's table, but sizes a table alongside it as ipc_port_request_grow does
 * (Port.requestTableCount, the value MACH_PORT_DNREQUESTS_SIZE reports): it grows when
 * every slot but the free-list head is taken, and never shrinks. A send-possible request
 * whose notification went out keeps its slot with no right (ipc_port_spnotify sets
 * ipr_soright to IP_NULL), so it counts in the table but not as used.
 */
export function portDnrequestInfo(space: Space, name: number): KrValue<PortDnrequestInfo> {
  const port = translateReceive(space, name);
  if (typeof port === 'number') return { kr: port, value: { dnr_total: 0, dnr_used: 0 } };
  let used = 0;
  if (port.requests !== null) for (const req of port.requests) if (req.notify !== null) used++;
  return { kr: KERN_SUCCESS, value: { dnr_total: port.requestTableCount, dnr_used: used } };
}

/**
 * mach_port_space_basic_info: MACH_PORT_NGEN(MACH_PORT_DEAD) as the generation mask, the
 * table's slot count, and the names in use (table size − free slots − slot 0). The kernel
 * never fills iisb_table_next or iisb_reserved; the reply buffer is zeroed
 * (IPC_KMSG_ALLOC_ZERO in ipc_kobject_server), so they read 0
 * (xnu:osfmk/ipc/mach_debug.c:mach_port_space_basic_info). The table size is the
 * emulator's (Space.tableSize, the one mach_port_names and lsmp walk).
 */
export function spaceBasicInfo(space: Space): KrValue<ipc_info_space_basic_t> {
  return {
    kr: KERN_SUCCESS,
    value: {
      iisb_genno_mask: MACH_PORT_DEAD & 0xff,
      iisb_table_size: space.tableSize,
      iisb_table_next: 0,
      iisb_table_inuse: space.count,
      iisb_reserved: [0, 0],
    },
  };
}

/**
 * mach_port_kobject_description: mach_port_kobject's checks and type (the same routine
 * answers both in XNU), address 0 as on a release kernel (only DEVELOPMENT / DEBUG report
 * VM_KERNEL_ADDRHASH of it), and a description only IOKit objects and task identity tokens
 * have; the emulator models neither, so it is always '' (xnu:osfmk/ipc/mach_debug.c:
 * mach_port_kobject_description).
 */
export function portKobjectDescription(space: Space, name: number): KrValue<PortKobjectDescription> {
  const r = portKobject(space, name);
  return { kr: r.kr, value: { object_type: r.value, object_addr: 0n, description: '' } };
}
