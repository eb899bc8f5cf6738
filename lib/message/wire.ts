/**
 * The wire codec: a MachMessage to the bytes a 64-bit Darwin process hands to
 * mach_msg, and a received buffer back to a ReceivedMessage. Layout: the 24-byte
 * header; when MACH_MSGH_BITS_COMPLEX is set, a 4-byte descriptor count at offset 24
 * and the descriptors back to back from offset 28; then the inline body. No padding
 * anywhere (#pragma pack(4)); the whole message is a multiple of 4 bytes
 * (xnu:osfmk/mach/message.h; reference §2).
 * @module
 */
import {
  MACH_MSG_BODY_SIZE,
  MACH_MSG_HEADER_SIZE,
  MACH_MSGH_BITS_COMPLEX,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_PORT_DESCRIPTOR_SIZE,
  MACH_RCV_INVALID_DATA,
  MACH_RCV_INVALID_TYPE,
  MACH_RCV_TOO_LARGE,
  MACH_SEND_MSG_TOO_SMALL,
  MACH_SEND_TOO_LARGE,
  REQUESTED_TRAILER_SIZE,
} from '../constants.js';
import { MachError } from '../errors.js';
import type { MachMessage, MachMsgDescriptor, ReceivedMessage } from '../types.js';
import { checkBytes, checkU32, describe } from './argument-checks.js';
import {
  DESCRIPTOR_TYPE_OFFSET,
  descriptorEncodedSize,
  descriptorWireSize,
  isDescriptorType,
  readDescriptor,
  writeDescriptor,
  type OolResolver,
} from './descriptors.js';
import { i32, put32, u32 } from './le.js';
import { allocBytes } from './slab.js';
import { decodeTrailer, type TrailerSize } from './trailer.js';

export type { OolResolver } from './descriptors.js';

/**
 * The largest send size XNU accepts: IPC_KMSG_MAX_BODY_SPACE = 64 MiB · 3/4 − the
 * 68-byte maximum trailer (xnu:osfmk/ipc/ipc_policy.h).
 */
export const MAX_SEND_SIZE = (64 * 1024 * 1024 * 3) / 4 - 68;

/** An encoded message: the send buffer and the out-of-line regions it refers to. */
export interface EncodedMessage {
  /** Exactly `size` bytes: what mach_msg gets as its buffer, with send_size = size. */
  bytes: Uint8Array;
  /** The send size (also written as msgh_size). */
  size: number;
  /** Each OOL descriptor (type 1 or 3): the offset of its first byte in `bytes` and the bytes it sends. Its address field is 0 for the sender to patch. */
  ool: Array<{ descriptorOffset: number; data: Uint8Array }>;
  /** Each OOL-ports descriptor: the offset of its first byte and the names it sends. Its address field is 0 for the sender to patch. */
  oolPorts: Array<{ descriptorOffset: number; names: Uint32Array }>;
}

function isU32(x: unknown): x is number {
  return typeof x === 'number' && x >>> 0 === x;
}

function isU8(x: unknown): x is number {
  return typeof x === 'number' && (x & 0xff) === x;
}

function checkMessage(msg: MachMessage): void {
  if (typeof msg !== 'object' || msg === null) throw new TypeError(`message must be an object, got ${describe(msg)}`);
  if (typeof msg.header !== 'object' || msg.header === null) {
    throw new TypeError(`message.header must be an object, got ${describe(msg.header)}`);
  }
  if (msg.descriptors !== undefined && !Array.isArray(msg.descriptors)) {
    throw new TypeError(`message.descriptors must be an array, got ${describe(msg.descriptors)}`);
  }
  if (msg.body !== undefined) checkBytes(msg.body, 'message.body');
}

/**
 * The descriptors to lay out after the header, with their count word: when the
 * message is COMPLEX (none given → a count of 0), or when descriptors are given
 * without COMPLEX (they then travel as inline bytes). A simple message with an empty
 * list — the shape of every received simple message — has no count word.
 */
function writtenDescriptors(msg: MachMessage): MachMsgDescriptor[] | undefined {
  if ((msg.header.msgh_bits & MACH_MSGH_BITS_COMPLEX) !== 0) return msg.descriptors ?? [];
  return msg.descriptors !== undefined && msg.descriptors.length > 0 ? msg.descriptors : undefined;
}

/**
 * The send size of `msg` without encoding it. Throws like {@link encodeMessage} for
 * sizes Darwin refuses.
 */
export function encodedSize(msg: MachMessage): number {
  checkMessage(msg);
  let size = MACH_MSG_HEADER_SIZE;
  const descriptors = writtenDescriptors(msg);
  if (descriptors !== undefined) {
    size += MACH_MSG_BODY_SIZE;
    for (let i = 0; i < descriptors.length; i++) size += descriptorEncodedSize(descriptors[i]!, i);
  }
  // length, not byteLength (equal for the Uint8Array checkMessage saw): Node 20's V8
  // compiles byteLength to a generic property-load call, length to a field load.
  const bodyLength = msg.body?.length ?? 0;
  // Darwin refuses a send size that is not a multiple of 4 (xnu:osfmk/ipc/mach_msg.c:
  // mach_msg_trap_send). Headers and descriptors are multiples of 4, so only the body
  // can break the rule; it is refused, not padded, so that the bytes sent are exactly
  // the bytes given.
  if (bodyLength % 4 !== 0) {
    throw new MachError(MACH_SEND_MSG_TOO_SMALL, `body length ${bodyLength} is not a multiple of 4`);
  }
  size += bodyLength;
  if (size > MAX_SEND_SIZE) throw new MachError(MACH_SEND_TOO_LARGE, `send size ${size} exceeds ${MAX_SEND_SIZE}`);
  return size;
}

/**
 * Encodes `msg` as the 64-bit user send buffer. The header is written as given (bits
 * outside MACH_MSGH_BITS_USER included: the kernel drops them) with msgh_size = the
 * send size.
 *
 * With COMPLEX set, the descriptor count word and the descriptors follow the header
 * (no `descriptors` → a count of 0, which XNU accepts). The COMPLEX bit is never
 * changed, so a mismatch means what those bytes mean to XNU: non-empty `descriptors`
 * without COMPLEX are still written (count word, then descriptors) and the kernel
 * carries them as plain inline bytes — no right or memory moves, and the receiver
 * sees a simple message whose body starts with the count word
 * (xnu:osfmk/ipc/mach_msg.c:mach_msg_trap_send sets the descriptor count to 0 for a
 * simple message). An empty list without COMPLEX writes nothing, so a received simple
 * message re-encodes as it arrived. `ool` and `oolPorts` list regions only for a
 * COMPLEX message, since only then does the kernel follow the addresses.
 *
 * Writes into `out` when it has room for the whole message (bytes is then a view of
 * it), else into a new buffer. Throws MachError MACH_SEND_MSG_TOO_SMALL for a body
 * whose length is not a multiple of 4, MACH_SEND_TOO_LARGE beyond 50 331 580 bytes,
 * MACH_SEND_INVALID_TYPE for an unknown descriptor type, MACH_SEND_INVALID_MEMORY for
 * an OOL `size` beyond its data; TypeError for fields of the wrong JS type.
 */
export function encodeMessage(msg: MachMessage, out?: Uint8Array): EncodedMessage {
  const size = encodedSize(msg);
  const bytes = out !== undefined && checkBytes(out, 'out').length >= size ? out.subarray(0, size) : new Uint8Array(size);
  const complex = (msg.header.msgh_bits & MACH_MSGH_BITS_COMPLEX) !== 0;
  // The header by hand, in writeHeader's order of checks (header.ts).
  const h = msg.header;
  put32(bytes, 0, checkU32(h.msgh_bits, 'msgh_bits'));
  put32(bytes, 4, size);
  put32(bytes, 8, checkU32(h.msgh_remote_port, 'msgh_remote_port'));
  put32(bytes, 12, checkU32(h.msgh_local_port ?? 0, 'msgh_local_port'));
  put32(bytes, 16, checkU32(h.msgh_voucher_port ?? 0, 'msgh_voucher_port'));
  put32(bytes, 20, checkU32(h.msgh_id, 'msgh_id'));
  const encoded: EncodedMessage = { bytes, size, ool: [], oolPorts: [] };
  let pos = MACH_MSG_HEADER_SIZE;
  const descriptors = writtenDescriptors(msg);
  if (descriptors !== undefined) {
    put32(bytes, pos, descriptors.length);
    pos += MACH_MSG_BODY_SIZE;
    let view: DataView | undefined;
    for (let i = 0; i < descriptors.length; i++) {
      const desc = descriptors[i]!;
      if (desc.type === MACH_MSG_PORT_DESCRIPTOR && isU32(desc.name) && isU8(desc.disposition)) {
        // writeDescriptor's port case, for the values it writes unchanged.
        put32(bytes, pos, desc.name);
        put32(bytes, pos + 4, 0);
        bytes[pos + 8] = 0;
        bytes[pos + 9] = 0;
        bytes[pos + 10] = desc.disposition;
        bytes[pos + 11] = MACH_MSG_PORT_DESCRIPTOR;
        pos += MACH_MSG_PORT_DESCRIPTOR_SIZE;
        continue;
      }
      view ??= new DataView(bytes.buffer, bytes.byteOffset, size);
      const referenced = writeDescriptor(view, pos, desc, i);
      if (complex && referenced !== undefined) {
        if (desc.type === MACH_MSG_OOL_PORTS_DESCRIPTOR) encoded.oolPorts.push({ descriptorOffset: pos, names: referenced as Uint32Array });
        else encoded.ool.push({ descriptorOffset: pos, data: referenced as Uint8Array });
      }
      pos += descriptorWireSize(desc.type);
    }
  }
  if (msg.body !== undefined) bytes.set(msg.body, pos);
  return encoded;
}

/**
 * A copy of bytes[start, end). Up to 64 bytes V8 keeps a typed array's bytes on its
 * heap, where slice() is cheapest; larger copies are carved from a slab (slab.ts)
 * rather than each getting a backing store of its own.
 */
function copyBytes(bytes: Uint8Array, start: number, end: number): Uint8Array {
  if (end - start <= 64) return bytes.slice(start, end);
  const out = allocBytes(end - start);
  out.set(bytes.subarray(start, end));
  return out;
}

/**
 * Decodes a received buffer: the header, and when COMPLEX the descriptor count and
 * descriptors, the inline body up to msgh_size (copied out of `bytes`), and the
 * trailer after msgh_size of the size `option`'s MACH_RCV_TRAILER_ELEMENTS requests.
 * OOL memory and OOL-port arrays are read through `resolve`; without it their data
 * is empty and `address` (and `count`) are kept on the descriptor.
 * A body of 65 to 512 bytes is copied into a shared slab (see MessageSchema.encodeBody):
 * read it through byteOffset and byteLength, and copy it before transferring its
 * buffer.
 *
 * A COMPLEX header with msgh_size 24 is accepted with no descriptors: it is the stub
 * the kernel delivers for a message destroyed on receive (reference §2.7).
 * Malformed buffers throw MachError: MACH_RCV_INVALID_DATA for fewer than 24 bytes, a
 * msgh_size below 24 or not a multiple of 4, or descriptors overrunning msgh_size;
 * MACH_RCV_TOO_LARGE (details.size = msgh_size) when the buffer cannot hold the
 * message and the requested trailer, as the kernel reports it; MACH_RCV_INVALID_TYPE
 * for a descriptor type above 4.
 */
export function decodeMessage(bytes: Uint8Array, option: number, resolve?: OolResolver): ReceivedMessage {
  checkBytes(bytes, 'bytes');
  if (typeof option !== 'number') throw new TypeError(`option must be a number, got ${describe(option)}`);
  if (bytes.length < MACH_MSG_HEADER_SIZE) {
    throw new MachError(MACH_RCV_INVALID_DATA, `buffer of ${bytes.byteLength} bytes is smaller than a header`);
  }
  // readHeader's fields (header.ts), read without a DataView.
  const header = {
    msgh_bits: u32(bytes, 0),
    msgh_size: u32(bytes, 4),
    msgh_remote_port: u32(bytes, 8),
    msgh_local_port: u32(bytes, 12),
    msgh_voucher_port: u32(bytes, 16),
    msgh_id: i32(bytes, 20),
  };
  const size = header.msgh_size;
  if (size < MACH_MSG_HEADER_SIZE || size % 4 !== 0) {
    throw new MachError(MACH_RCV_INVALID_DATA, `msgh_size ${size} is not a message size`);
  }
  const trailerSize = REQUESTED_TRAILER_SIZE(option) as TrailerSize;
  if (size + trailerSize > bytes.length) {
    throw new MachError(MACH_RCV_TOO_LARGE, `message of ${size} bytes and ${trailerSize}-byte trailer exceed the ${bytes.byteLength}-byte buffer`, {
      size,
    });
  }
  const descriptors: MachMsgDescriptor[] = [];
  let pos = MACH_MSG_HEADER_SIZE;
  if ((header.msgh_bits & MACH_MSGH_BITS_COMPLEX) !== 0 && size > MACH_MSG_HEADER_SIZE) {
    const count = u32(bytes, pos);
    let view: DataView | undefined;
    pos += MACH_MSG_BODY_SIZE;
    for (let i = 0; i < count; i++) {
      if (pos + 12 > size) throw new MachError(MACH_RCV_INVALID_DATA, `descriptor ${i} of ${count} overruns msgh_size ${size}`);
      const type = bytes[pos + DESCRIPTOR_TYPE_OFFSET]!;
      if (!isDescriptorType(type)) throw new MachError(MACH_RCV_INVALID_TYPE, `descriptor ${i} has type ${type}`);
      const dsize = descriptorWireSize(type);
      if (pos + dsize > size) throw new MachError(MACH_RCV_INVALID_DATA, `descriptor ${i} of ${count} overruns msgh_size ${size}`);
      if (type === MACH_MSG_PORT_DESCRIPTOR) {
        // readDescriptor's port case (descriptors.ts).
        descriptors.push({ type, name: u32(bytes, pos), disposition: bytes[pos + 10]! });
      } else {
        view ??= new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        descriptors.push(readDescriptor(view, pos, resolve));
      }
      pos += dsize;
    }
  }
  return {
    header,
    descriptors,
    body: copyBytes(bytes, pos, size),
    size,
    trailer: decodeTrailer(bytes, size, trailerSize),
  };
}

