/**
 * A kernel message (ipc_kmsg): a message after copy-in. Its header holds rights, not
 * names — the destination and reply rights with their copied-in types (PORT_SEND,
 * PORT_SEND_ONCE) in msgh_bits — and its descriptors hold rights and copied memory. It
 * owns everything it carries: destroying it releases every right
 * (xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_clean).
 * @module
 */
import {
  MACH_MSG_BODY_SIZE,
  MACH_MSG_GUARDED_PORT_DESCRIPTOR,
  MACH_MSG_HEADER_SIZE,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSGH_BITS_LOCAL,
  MACH_MSGH_BITS_REMOTE,
} from '../constants.js';
import type { AuditToken } from '../types.js';
import { objectDestroy, objectDestroyDest } from './object.js';
import { IP_VALID, type PortRef } from './port.js';
import type { OolSlab } from './vm.js';

/** A port descriptor as the kernel holds it. */
export interface KPortDescriptor {
  type: 0;
  /** The right carried (null: MACH_PORT_NULL, IP_DEAD: a dead name). */
  port: PortRef;
  /** The copied-in type (PORT_RECEIVE, PORT_SEND, PORT_SEND_ONCE), or what the sender wrote for a null/dead name. */
  disposition: number;
}

/** An out-of-line memory descriptor: the bytes were taken (copied or moved) at send time. */
export interface KOolDescriptor {
  type: 1 | 3;
  data: Uint8Array;
  copy: number;
  deallocate: boolean;
  /** The slab `data` is a region of, if any (vm.ts): copy-out records its new owner there. */
  slab?: OolSlab | null;
  /** The region's index in `slab`. */
  slot?: number;
}

/** An out-of-line array of rights. */
export interface KOolPortsDescriptor {
  type: 2;
  ports: PortRef[];
  disposition: number;
  copy: number;
  deallocate: boolean;
}

/** A guarded port descriptor (a receive right with its guard). */
export interface KGuardedPortDescriptor {
  type: 4;
  port: PortRef;
  disposition: number;
  context: bigint;
  flags: number;
}

/** Any kernel-side descriptor. */
export type KDescriptor = KPortDescriptor | KOolDescriptor | KOolPortsDescriptor | KGuardedPortDescriptor;

/** Who sent a message, as the trailer reports it. */
export interface SenderIdentity {
  /** security_token_t {uid, gid}. */
  readonly token: Readonly<{ uid: number; gid: number }>;
  /** audit_token_t by word. */
  readonly audit: Readonly<AuditToken>;
}

/** The kernel as a sender: security token {0, 1}, audit token all zero (KERNEL_SECURITY_TOKEN_VALUE, KERNEL_AUDIT_TOKEN_VALUE). */
export const KERNEL_SENDER: SenderIdentity = Object.freeze({
  token: Object.freeze({ uid: 0, gid: 1 }),
  audit: Object.freeze({ auid: 0, euid: 0, egid: 0, ruid: 0, rgid: 0, pid: 0, asid: 0, pidversion: 0 }),
});

/** MACH_MSGH_BITS_CIRCULAR: the message would carry a receive right into its own destination chain. */
export const MACH_MSGH_BITS_CIRCULAR = 0x10000000;

/** A message in the kernel. */
export class Kmsg {
  /** msgh_bits with copied-in types: remote = destination type, local = reply type. */
  bits: number;
  /** The destination right (null once the kernel consumed or skipped it). */
  dest: PortRef;
  /** The reply right. */
  reply: PortRef;
  /** msgh_voucher_port, carried through unchanged (no voucher rights are modelled). */
  voucherName: number;
  /** msgh_id. */
  id: number;
  /** Descriptors, when complex. */
  descs: KDescriptor[] | null;
  /** The inline bytes after the descriptors. */
  body: Uint8Array;
  /** msgh_size as a 64-bit receiver sees it. */
  size: number;
  /** The sender, for the trailer. */
  sender: SenderIdentity;
  /** The next message of the queue. */
  next: Kmsg | null = null;

  /** A message with the given parts (rights already copied in). */
  constructor(
    bits: number,
    dest: PortRef,
    reply: PortRef,
    voucherName: number,
    id: number,
    descs: KDescriptor[] | null,
    body: Uint8Array,
    sender: SenderIdentity,
  ) {
    this.bits = bits;
    this.dest = dest;
    this.reply = reply;
    this.voucherName = voucherName;
    this.id = id;
    this.descs = descs;
    this.body = body;
    this.sender = sender;
    this.size = messageSize(descs, body.length);
  }

  /**
   * ipc_kmsg_clean: release every right the message holds (destination, reply,
   * descriptors). Memory is garbage collected.
   */
  clean(): void {
    const dest = this.dest;
    this.dest = null;
    if (IP_VALID(dest)) objectDestroyDest(dest, MACH_MSGH_BITS_REMOTE(this.bits));
    const reply = this.reply;
    this.reply = null;
    if (IP_VALID(reply)) objectDestroy(reply, MACH_MSGH_BITS_LOCAL(this.bits));
    const descs = this.descs;
    if (descs !== null) cleanDescriptors(descs, descs.length);
  }
}

/** ipc_kmsg_clean_descriptors: release the rights of the first `count` descriptors. */
export function cleanDescriptors(descs: KDescriptor[], count: number): void {
  for (let i = 0; i < count; i++) {
    const d = descs[i]!;
    switch (d.type) {
      case MACH_MSG_PORT_DESCRIPTOR:
      case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
        const port = d.port;
        d.port = null;
        if (IP_VALID(port)) objectDestroy(port, d.disposition);
        break;
      }
      case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
        const ports = d.ports;
        for (let j = 0; j < ports.length; j++) {
          const port = ports[j]!;
          ports[j] = null;
          if (IP_VALID(port)) objectDestroy(port, d.disposition);
        }
        break;
      }
      default:
        break;
    }
  }
}

/**
 * msgh_size for a 64-bit task: header, descriptor count and descriptors when complex
 * (12 bytes per port descriptor, 16 for the others), then the inline bytes
 * (xnu:osfmk/ipc/ipc_kmsg.c:ikm_user_desc_size, ipc_kmsg_copyout_size).
 */
export function messageSize(descs: readonly { type: number }[] | null, bodyLength: number): number {
  let size = MACH_MSG_HEADER_SIZE + bodyLength;
  if (descs !== null) {
    size += MACH_MSG_BODY_SIZE;
    for (let i = 0; i < descs.length; i++) size += descs[i]!.type === MACH_MSG_PORT_DESCRIPTOR ? 12 : 16;
  }
  return size;
}
