/**
 * Format-0 receive trailers (xnu:osfmk/mach/message.h, reference §2.3). The trailer
 * sits right after the message, at offset msgh_size; its size is chosen by
 * MACH_RCV_TRAILER_ELEMENTS in the receive option (REQUESTED_TRAILER_SIZE), and the
 * kernel writes no byte beyond it (xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_deflate_trailer).
 *
 * | size | struct | adds |
 * |---|---|---|
 * | 8 | mach_msg_trailer_t | msgh_trailer_type u32 @0, msgh_trailer_size u32 @4 |
 * | 12 | mach_msg_seqno_trailer_t | msgh_seqno u32 @8 |
 * | 20 | mach_msg_security_trailer_t | msgh_sender {euid, egid} @12 |
 * | 52 | mach_msg_audit_trailer_t | msgh_audit (8 u32 words) @20 |
 * | 60 | mach_msg_context_trailer_t | msgh_context u64 @52 |
 * | 68 | mach_msg_mac_trailer_t | msgh_ad i32 @60, msgh_labels.sender u32 @64 |
 * @module
 */
import { MACH_RCV_TOO_LARGE } from '../constants.js';
import { MachError } from '../errors.js';
import type { AuditToken, MachMsgTrailer } from '../types.js';
import { checkU32, checkU64, describe } from './argument-checks.js';
import { i32, u32 } from './le.js';

/** The trailer sizes a receive can ask for. */
export type TrailerSize = 8 | 12 | 20 | 52 | 60 | 68;

/** Every trailer size, smallest first. */
export const TRAILER_SIZES: readonly TrailerSize[] = Object.freeze([8, 12, 20, 52, 60, 68] as TrailerSize[]);

const AUDIT_WORDS = ['auid', 'euid', 'egid', 'ruid', 'rgid', 'pid', 'asid', 'pidversion'] as const;

function checkTrailerSize(size: unknown): TrailerSize {
  // Compares rather than TRAILER_SIZES.includes: every received message passes here.
  if (size !== 8 && size !== 12 && size !== 20 && size !== 52 && size !== 60 && size !== 68) {
    throw new TypeError(`trailer size must be one of ${TRAILER_SIZES.join(', ')}, got ${describe(size)}`);
  }
  return size as TrailerSize;
}

/** An all-zero audit token (what the kernel puts in its own messages). */
export function emptyAuditToken(): AuditToken {
  return { auid: 0, euid: 0, egid: 0, ruid: 0, rgid: 0, pid: 0, asid: 0, pidversion: 0 };
}

/**
 * Encodes `trailer` as a trailer of `size` bytes: only the fields that trailer size
 * carries are written, and msgh_trailer_size is written as `size` whatever the object
 * says (the kernel writes the size it delivers). Writes into `out` at `offset` when
 * given (which must have room), else into a new array of `size` bytes.
 * Throws TypeError for a size that is not a trailer size or fields of the wrong type.
 */
export function encodeTrailer(trailer: MachMsgTrailer, size: TrailerSize, out?: Uint8Array, offset = 0): Uint8Array {
  checkTrailerSize(size);
  const bytes = out ?? new Uint8Array(size);
  if (!Number.isInteger(offset) || offset < 0 || offset + size > bytes.byteLength) {
    throw new TypeError(`trailer of ${size} bytes does not fit at offset ${offset} of ${bytes.byteLength} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, size);
  view.setUint32(0, checkU32(trailer.msgh_trailer_type ?? 0, 'msgh_trailer_type'), true);
  view.setUint32(4, size, true);
  if (size >= 12) view.setUint32(8, checkU32(trailer.seqno, 'seqno'), true);
  if (size >= 20) {
    view.setUint32(12, checkU32(trailer.sender.uid, 'sender.uid'), true);
    view.setUint32(16, checkU32(trailer.sender.gid, 'sender.gid'), true);
  }
  if (size >= 52) {
    for (let i = 0; i < AUDIT_WORDS.length; i++) {
      const word = AUDIT_WORDS[i]!;
      view.setUint32(20 + 4 * i, checkU32(trailer.audit[word], `audit.${word}`), true);
    }
  }
  if (size >= 60) view.setBigUint64(52, checkU64(trailer.context, 'context'), true);
  if (size >= 68) {
    view.setUint32(60, checkU32(trailer.ad ?? 0, 'ad'), true);
    view.setUint32(64, checkU32(trailer.labels?.sender ?? 0, 'labels.sender'), true);
  }
  return out ? bytes.subarray(offset, offset + size) : bytes;
}

/**
 * Decodes a trailer of `size` bytes at `offset`. Fields the size does not carry come
 * back as zero (and `ad`/`labels` are left out below 68 bytes). msgh_trailer_size is
 * reported as read from the bytes. A buffer without `size` bytes at `offset` is what
 * the kernel answers with MACH_RCV_TOO_LARGE (the receive buffer must hold message
 * and requested trailer, xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_msg_too_large), and so
 * does this function.
 */
export function decodeTrailer(bytes: Uint8Array, offset: number, size: TrailerSize): MachMsgTrailer {
  checkTrailerSize(size);
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`bytes must be a Uint8Array, got ${describe(bytes)}`);
  if (!Number.isInteger(offset) || offset < 0) throw new TypeError(`offset must be a non-negative integer, got ${describe(offset)}`);
  if (offset + size > bytes.length) {
    throw new MachError(MACH_RCV_TOO_LARGE, `a ${size}-byte trailer at offset ${offset} overruns the ${bytes.byteLength}-byte buffer`, {
      size: offset,
    });
  }
  // Words read straight from the bytes: a DataView per received message costs more than
  // the words.
  const o = offset;
  const audit: AuditToken =
    size >= 52
      ? {
          auid: u32(bytes, o + 20),
          euid: u32(bytes, o + 24),
          egid: u32(bytes, o + 28),
          ruid: u32(bytes, o + 32),
          rgid: u32(bytes, o + 36),
          pid: u32(bytes, o + 40),
          asid: u32(bytes, o + 44),
          pidversion: u32(bytes, o + 48),
        }
      : emptyAuditToken();
  const trailer: MachMsgTrailer = {
    msgh_trailer_type: u32(bytes, o),
    msgh_trailer_size: u32(bytes, o + 4),
    seqno: size >= 12 ? u32(bytes, o + 8) : 0,
    sender: size >= 20 ? { uid: u32(bytes, o + 12), gid: u32(bytes, o + 16) } : { uid: 0, gid: 0 },
    audit,
    context: size >= 60 ? (BigInt(u32(bytes, o + 56)) << 32n) | BigInt(u32(bytes, o + 52)) : 0n,
  };
  if (size >= 68) {
    trailer.ad = i32(bytes, o + 60);
    trailer.labels = { sender: u32(bytes, o + 64) };
  }
  return trailer;
}
