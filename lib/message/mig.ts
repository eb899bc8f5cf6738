/**
 * MIG's conventions for request/reply messages (bootstrap_cmds migcom; XNU's
 * osfmk/mach/mig_errors.h, ndr.h; reference §4.1):
 * - the NDR record `00 00 00 00 01 00 00 00` opens the inline data;
 * - a reply's msgh_id is the request's + 100;
 * - a simple reply carries `RetCode` (kern_return_t) right after NDR; a complex reply
 *   carries none — success is implied (xnu:osfmk/kern/ipc_kobject.c:
 *   ipc_kobject_reply_status);
 * - any failure is answered with mig_reply_error_t: header, NDR, RetCode — 36 bytes,
 *   never complex.
 * @module
 */
import {
  MACH_MSG_HEADER_SIZE,
  MACH_MSGH_BITS,
  MACH_MSGH_BITS_COMPLEX,
  MIG_REPLY_ID_OFFSET,
  NDR_RECORD,
} from '../constants.js';
import type { MachMessage } from '../types.js';
import type { MessageLike } from './schema.js';

/** The NDR record's bytes (a fresh copy each call). */
export function ndrRecord(): Uint8Array {
  return Uint8Array.from(NDR_RECORD);
}

/** Size of mig_reply_error_t: 24-byte header + 8-byte NDR + 4-byte RetCode. */
export const MIG_REPLY_ERROR_SIZE = MACH_MSG_HEADER_SIZE + NDR_RECORD.length + 4;

/** Offset of RetCode in a simple reply's inline data (after NDR). */
export const RETCODE_BODY_OFFSET = NDR_RECORD.length;

/** The msgh_id of the reply to request `id` (id + 100). */
export function replyId(id: number): number {
  return id + MIG_REPLY_ID_OFFSET;
}

/**
 * A mig_reply_error_t answering request `requestId` with `retCode`, sent through the
 * reply right `replyPort` moved with `replyDisposition` (MOVE_SEND_ONCE for the usual
 * MAKE_SEND_ONCE reply port; MIG servers move the reply right back with the type it
 * was received as).
 */
export function replyErrorMessage(replyPort: number, replyDisposition: number, requestId: number, retCode: number): MachMessage {
  const body = new Uint8Array(NDR_RECORD.length + 4);
  body.set(NDR_RECORD, 0);
  new DataView(body.buffer).setInt32(RETCODE_BODY_OFFSET, retCode, true);
  return {
    header: {
      msgh_bits: MACH_MSGH_BITS(replyDisposition, 0),
      msgh_remote_port: replyPort,
      msgh_local_port: 0,
      msgh_voucher_port: 0,
      msgh_id: replyId(requestId),
    },
    body,
  };
}

/**
 * The RetCode of a message shaped like mig_reply_error_t (simple, inline data of NDR +
 * one int32, i.e. msgh_size 36), else undefined.
 */
export function replyErrorCode(message: MessageLike): number | undefined {
  const body = message.body;
  if ((message.header.msgh_bits & MACH_MSGH_BITS_COMPLEX) !== 0 || body === undefined) return undefined;
  if (body.byteLength !== NDR_RECORD.length + 4) return undefined;
  return new DataView(body.buffer, body.byteOffset, body.byteLength).getInt32(RETCODE_BODY_OFFSET, true);
}
