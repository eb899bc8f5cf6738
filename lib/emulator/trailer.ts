/**
 * The format-0 message trailer a receiver asks for with MACH_RCV_TRAILER_ELEMENTS
 * (xnu:osfmk/mach/message.h:REQUESTED_TRAILER_SIZE; xnu:osfmk/ipc/ipc_kmsg.c:
 * ipc_kmsg_deflate_trailer). Fields beyond the requested size are not written by the
 * kernel; here they read as zero, as in a zeroed receive buffer.
 * @module
 */
import { GET_RCV_ELEMENTS, REQUESTED_TRAILER_SIZE } from '../constants.js';
import type { AuditToken, MachMsgTrailer } from '../types.js';
import type { SenderIdentity } from './kmsg.js';

const ZERO_TOKEN: Readonly<{ uid: number; gid: number }> = Object.freeze({ uid: 0, gid: 0 });
const ZERO_AUDIT: Readonly<AuditToken> = Object.freeze({
  auid: 0,
  euid: 0,
  egid: 0,
  ruid: 0,
  rgid: 0,
  pid: 0,
  asid: 0,
  pidversion: 0,
});

/** Element codes (MACH_RCV_TRAILER_SEQNO …). */
const SEQNO = 1;
const SENDER = 2;
const AUDIT = 3;
const CTX = 4;

/**
 * The trailer for a message received with `option`: msgh_trailer_size is the requested
 * size (8, 12, 20, 52, 60 or 68), and only the fields that size covers carry values.
 * The sender and audit objects are shared and frozen.
 */
export function buildTrailer(option: number, seqno: number, sender: SenderIdentity, context: bigint): MachMsgTrailer {
  const size = REQUESTED_TRAILER_SIZE(option);
  const elements = GET_RCV_ELEMENTS(option);
  const all = size === 68;
  const trailer: MachMsgTrailer = {
    msgh_trailer_type: 0,
    msgh_trailer_size: size,
    seqno: elements >= SEQNO ? seqno : 0,
    sender: elements >= SENDER ? sender.token : ZERO_TOKEN,
    audit: elements >= AUDIT ? sender.audit : ZERO_AUDIT,
    context: elements >= CTX ? context : 0n,
  };
  if (all) {
    trailer.ad = 0;
    trailer.labels = { sender: 0 };
  }
  return trailer;
}

