/**
 * mach_msg_header_t in the 64-bit user layout: 24 bytes, six 32-bit little-endian
 * words (xnu:osfmk/mach/message.h, mach_msg_user_header_t; reference §2.1).
 * @module
 */
import { MACH_MSG_HEADER_SIZE } from '../constants.js';
import type { MachMsgHeader } from '../types.js';
import { checkU32 } from './argument-checks.js';

/** Offsets of the header fields. */
export const HEADER_OFFSETS = Object.freeze({
  msgh_bits: 0,
  msgh_size: 4,
  msgh_remote_port: 8,
  msgh_local_port: 12,
  msgh_voucher_port: 16,
  msgh_id: 20,
});

/**
 * Writes a header at `offset`. `size` is written as msgh_size (the kernel ignores
 * the field on send and uses the send_size argument, xnu:osfmk/ipc/mach_msg.c:
 * mach_msg_copyin_user_header, but C senders conventionally fill it in). Bits are
 * written as given: the kernel, not the sender, drops bits outside
 * MACH_MSGH_BITS_USER (reference S71). Throws TypeError for fields that are not
 * 32-bit integers.
 */
export function writeHeader(view: DataView, offset: number, header: MachMsgHeader, size: number): void {
  view.setUint32(offset, checkU32(header.msgh_bits, 'msgh_bits'), true);
  view.setUint32(offset + 4, size >>> 0, true);
  view.setUint32(offset + 8, checkU32(header.msgh_remote_port, 'msgh_remote_port'), true);
  view.setUint32(offset + 12, checkU32(header.msgh_local_port ?? 0, 'msgh_local_port'), true);
  view.setUint32(offset + 16, checkU32(header.msgh_voucher_port ?? 0, 'msgh_voucher_port'), true);
  view.setUint32(offset + 20, checkU32(header.msgh_id, 'msgh_id'), true);
}

/**
 * Reads the header at `offset` (the caller guarantees 24 readable bytes). Port names
 * and bits come back unsigned; msgh_id comes back signed, as mach_msg_id_t is
 * integer_t.
 */
export function readHeader(view: DataView, offset: number): Required<MachMsgHeader> {
  return {
    msgh_bits: view.getUint32(offset, true),
    msgh_size: view.getUint32(offset + 4, true),
    msgh_remote_port: view.getUint32(offset + 8, true),
    msgh_local_port: view.getUint32(offset + 12, true),
    msgh_voucher_port: view.getUint32(offset + 16, true),
    msgh_id: view.getInt32(offset + 20, true),
  };
}

/** The header size, re-exported for the codec's readers. */
export const HEADER_SIZE = MACH_MSG_HEADER_SIZE;
