/**
 * Releasing the rights a message holds, as libsyscall's mach_msg_destroy does
 * (xnu:libsyscall/mach/mach_msg.c:mach_msg_destroy_port): a receive right
 * (MOVE_RECEIVE / PORT_RECEIVE, 16) loses its reference with mach_port_mod_refs(RECEIVE,
 * −1), which destroys the port; a send or send-once right (17, 18) is deallocated —
 * destroying a send-once right makes the kernel send MACH_NOTIFY_SEND_ONCE to its port.
 * COPY and MAKE dispositions hold nothing yet and are skipped (mach_msg_destroy would
 * make and destroy a right for MAKE_*; that side effect is not reproduced).
 * @module
 */
import {
  MACH_MSG_GUARDED_PORT_DESCRIPTOR,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_MSGH_BITS_REMOTE,
  MACH_MSGH_BITS_VOUCHER,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_VALID,
} from '../constants.js';
import type { MachApi, MachMsgDescriptor, MachMsgHeader } from '../types.js';

/**
 * Releases one right of type `disposition` named `name` in `api`'s task. Errors are
 * ignored: the right may already be gone (a dead name, a port destroyed meanwhile),
 * which is what mach_msg_destroy ignores too.
 */
export function releaseRight(api: MachApi, name: number, disposition: number): void {
  if (!MACH_PORT_VALID(name)) return;
  try {
    switch (disposition) {
      case MACH_MSG_TYPE_MOVE_RECEIVE:
        api.mach_port_mod_refs(api.mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1);
        break;
      case MACH_MSG_TYPE_MOVE_SEND:
      case MACH_MSG_TYPE_MOVE_SEND_ONCE:
        api.mach_port_deallocate(api.mach_task_self(), name);
        break;
    }
  } catch {
    // The right is already gone; nothing is left to release.
  }
}

/** Releases the rights held by `descriptors`, except names in `keep`. */
export function releaseDescriptorRights(api: MachApi, descriptors: readonly MachMsgDescriptor[], keep?: ReadonlySet<number>): void {
  for (const d of descriptors) {
    switch (d.type) {
      case MACH_MSG_PORT_DESCRIPTOR:
      case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
        if (!keep?.has(d.name)) releaseRight(api, d.name, d.disposition);
        break;
      case MACH_MSG_OOL_PORTS_DESCRIPTOR:
        for (const name of d.names) if (!keep?.has(name)) releaseRight(api, name, d.disposition);
        break;
    }
  }
}

/**
 * mach_msg_destroy: releases the reply (msgh_remote_port) and voucher rights of a
 * message and those of its descriptors. On a received message the remote right is
 * the reply right; on a message whose send failed it is the destination.
 */
export function destroyMessage(api: MachApi, message: { header: MachMsgHeader; descriptors?: readonly MachMsgDescriptor[] }): void {
  const bits = message.header.msgh_bits;
  releaseRight(api, message.header.msgh_remote_port, MACH_MSGH_BITS_REMOTE(bits));
  releaseRight(api, message.header.msgh_voucher_port ?? 0, MACH_MSGH_BITS_VOUCHER(bits));
  if (message.descriptors) releaseDescriptorRights(api, message.descriptors);
}
