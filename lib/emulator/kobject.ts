/**
 * Kernel objects and the synchronous fast path (xnu:osfmk/kern/ipc_kobject.c:
 * ipc_kobject_server). A message to a port whose receive right the kernel holds is never
 * queued: the kernel runs the port's server inside the sender's mach_msg, consumes the
 * destination right, and queues the reply (id = request id + 100, header bits with the
 * request's reply type as the remote type) on the reply port (reference S96). A reply
 * that is an error (RetCode ≠ 0) makes the kernel destroy the rights the request carried
 * (S97); on success they belong to the server, which must hand them on with the Kernel's
 * right helpers (copyoutRight, releaseRight) or keep them.
 * @module
 */
import {
  KERN_SUCCESS,
  MACH_MSG_GUARDED_PORT_DESCRIPTOR,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_TYPE_PORT_RECEIVE,
  MACH_MSG_TYPE_PORT_SEND,
  MACH_MSG_TYPE_PORT_SEND_ONCE,
  MACH_MSGH_BITS_COMPLEX,
  MACH_MSGH_BITS_LOCAL,
  MACH_MSGH_BITS_REMOTE,
  MIG_REPLY_ID_OFFSET,
} from '../constants.js';
import { MachError, MachGuardError } from '../errors.js';
import type { Kernel } from './kernel.js';
import { cleanDescriptors, type KDescriptor, KERNEL_SENDER, Kmsg } from './kmsg.js';
import { objectDestroy } from './object.js';
import { IP_VALID, type Port, type PortRef } from './port.js';
import type { EmulatedTask } from './task.js';

/** A request as a kernel object's server sees it. */
export interface KobjectRequest {
  /** msgh_id. */
  id: number;
  /** The inline bytes after the header and descriptors: NDR record, then the arguments. */
  body: Uint8Array;
  /** Kernel-side descriptors; their rights are in the kernel's custody (see the module doc). */
  descriptors: KDescriptor[];
  /** The task whose mach_msg sent the request. */
  caller: EmulatedTask;
  /** The destination port (the kernel object). */
  port: Port;
  /** The kernel. */
  kernel: Kernel;
}

/** A kernel object's reply. */
export interface KobjectReply {
  /** The inline bytes after the header and descriptors (NDR, RetCode, out arguments for a simple reply). */
  body: Uint8Array;
  /** Kernel-side descriptors whose rights (in the kernel's custody) travel to the receiver; makes the reply complex. */
  descriptors?: KDescriptor[];
  /** The routine's kern_return_t; when omitted, read from a simple reply's RetCode word (body bytes 8..11). */
  retCode?: number;
}

/** A kernel object's MIG server: returns the reply, or undefined for no reply. */
export type KobjectServer = (req: KobjectRequest) => KobjectReply | undefined;

/** Count a right as held by kernel service code (custody). */
export function holdRight(port: PortRef, type: number): void {
  if (!IP_VALID(port)) return;
  if (type === MACH_MSG_TYPE_PORT_SEND) port.heldSend++;
  else if (type === MACH_MSG_TYPE_PORT_SEND_ONCE) port.heldSendOnce++;
  else if (type === MACH_MSG_TYPE_PORT_RECEIVE) {
    port.destination = null;
    port.heldReceive = true;
  }
}

/** Take a right out of the kernel's custody (it moves into a message, a space, or is destroyed). */
export function unholdRight(port: PortRef, type: number): void {
  if (!IP_VALID(port)) return;
  if (type === MACH_MSG_TYPE_PORT_SEND) port.heldSend--;
  else if (type === MACH_MSG_TYPE_PORT_SEND_ONCE) port.heldSendOnce--;
  else if (type === MACH_MSG_TYPE_PORT_RECEIVE) port.heldReceive = false;
}

/** Apply `f` to every right of some descriptors. */
function forEachRight(descs: KDescriptor[], f: (port: PortRef, type: number) => void): void {
  for (const d of descs) {
    if (d.type === MACH_MSG_PORT_DESCRIPTOR || d.type === MACH_MSG_GUARDED_PORT_DESCRIPTOR) f(d.port, d.disposition);
    else if (d.type === MACH_MSG_OOL_PORTS_DESCRIPTOR) for (const p of d.ports) f(p, d.disposition);
  }
}

/** Release the rights of descriptors held in custody. */
function destroyHeld(descs: KDescriptor[]): void {
  forEachRight(descs, unholdRight);
  cleanDescriptors(descs, descs.length);
}

/** ipc_kobject_reply_status: a complex reply is success; a simple one carries RetCode at body offset 8. */
function replyStatus(reply: KobjectReply): number {
  if (reply.retCode !== undefined) return reply.retCode | 0;
  if (reply.descriptors !== undefined && reply.descriptors.length > 0) return KERN_SUCCESS;
  const b = reply.body;
  if (b.length < 12) return KERN_SUCCESS;
  return (b[8]! | (b[9]! << 8) | (b[10]! << 16) | (b[11]! << 24)) | 0;
}

/** mig_reply_error_t's body: NDR record and RetCode. */
export function migErrorBody(kr: number): Uint8Array {
  const b = new Uint8Array(12);
  b[4] = 1;
  new DataView(b.buffer).setInt32(8, kr | 0, true);
  return b;
}

/**
 * ipc_kobject_server: run `port`'s server on a request the kernel has just received and
 * build the reply message (or null when there is none to send). The destination right is
 * released without a send-once notification, which would loop back here.
 */
export function kobjectServe(port: Port, kmsg: Kmsg, caller: EmulatedTask): Kmsg | null {
  const kernel = port.kernel;
  const descs = kmsg.descs ?? [];
  forEachRight(descs, holdRight);
  const server = port.server;
  let reply: KobjectReply | undefined;
  let thrown: unknown = null;
  try {
    reply = server !== null ? server({ id: kmsg.id, body: kmsg.body, descriptors: descs, caller, port, kernel }) : undefined;
  } catch (err) {
    if (err instanceof MachError && !(err instanceof MachGuardError)) reply = { body: migErrorBody(err.kr), retCode: err.kr };
    else thrown = err;
  }
  if (MACH_MSGH_BITS_REMOTE(kmsg.bits) === MACH_MSG_TYPE_PORT_SEND) port.releaseSend();
  else port.releaseSendOnce();
  kmsg.dest = null;
  const replyRight = kmsg.reply;
  const replyType = MACH_MSGH_BITS_LOCAL(kmsg.bits);
  kmsg.reply = null;
  if (thrown !== null || reply === undefined) {
    if (thrown !== null) destroyHeld(descs);
    if (IP_VALID(replyRight)) objectDestroy(replyRight, replyType);
    if (thrown !== null) throw thrown;
    return null;
  }
  if (replyStatus(reply) !== KERN_SUCCESS) destroyHeld(descs);
  const out = reply.descriptors;
  if (out !== undefined) forEachRight(out, unholdRight);
  const complex = out !== undefined && out.length > 0;
  const msg = new Kmsg(
    (replyType | (complex ? MACH_MSGH_BITS_COMPLEX : 0)) >>> 0,
    replyRight,
    null,
    0,
    (kmsg.id + MIG_REPLY_ID_OFFSET) | 0,
    complex ? out : null,
    reply.body,
    KERNEL_SENDER,
  );
  if (!IP_VALID(replyRight)) {
    kernel.destroyKmsg(msg);
    return null;
  }
  return msg;
}
