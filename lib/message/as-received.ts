/**
 * What a message looks like once delivered, without a kernel: the transformation XNU
 * applies between send and receive, with port names left as they are (as if sender
 * and receiver shared one name space). Meant for testing schemas and handlers.
 *
 * Per XNU (reference §2.2, §2.5; xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyout_header,
 * ipc_kmsg_copyout_body): remote and local swap, each disposition becomes its received
 * type (ipc_object_copyin_type), voucher bits are cleared (the voucher is dropped
 * without MACH_RCV_VOUCHER), other bits (COMPLEX) stay; descriptor dispositions become
 * received types; an OOL region reports `deallocate` true iff it was sent with
 * VIRTUAL copy; OOL-port arrays arrive with `deallocate` true; msgh_size is the send
 * size.
 * @module
 */
import {
  MACH_MSG_GUARDED_PORT_DESCRIPTOR,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_VIRTUAL_COPY,
  MACH_MSGH_BITS_LOCAL,
  MACH_MSGH_BITS_OTHER,
  MACH_MSGH_BITS_REMOTE,
  MACH_MSGH_BITS_SET,
} from '../constants.js';
import type { MachMessage, MachMsgDescriptor, MachMsgTrailer, ReceivedMessage } from '../types.js';
import { copyinType } from './dispositions.js';
import { emptyAuditToken } from './trailer.js';
import { encodedSize } from './wire.js';

/** Options of {@link asReceived}. */
export interface AsReceivedOptions {
  /** msgh_local_port as the receiver sees it (default: the sender's msgh_remote_port). */
  localPort?: number;
  /** The trailer to report (default: an 8-byte trailer, other fields zero). */
  trailer?: MachMsgTrailer;
}

/** `msg` as its receiver would see it, names unchanged. Throws as encodeMessage does for messages Darwin would refuse by size. */
export function asReceived(msg: MachMessage, options: AsReceivedOptions = {}): ReceivedMessage {
  const size = encodedSize(msg);
  const bits = msg.header.msgh_bits >>> 0;
  const descriptors = (msg.descriptors ?? []).map(receivedDescriptor);
  return {
    header: {
      msgh_bits: MACH_MSGH_BITS_SET(
        copyinType(MACH_MSGH_BITS_LOCAL(bits)),
        copyinType(MACH_MSGH_BITS_REMOTE(bits)),
        0,
        MACH_MSGH_BITS_OTHER(bits),
      ),
      msgh_size: size,
      msgh_remote_port: msg.header.msgh_local_port ?? 0,
      msgh_local_port: options.localPort ?? msg.header.msgh_remote_port,
      msgh_voucher_port: 0,
      msgh_id: msg.header.msgh_id | 0,
    },
    descriptors,
    body: msg.body ? msg.body.slice() : new Uint8Array(0),
    size,
    trailer: options.trailer ?? {
      msgh_trailer_type: 0,
      msgh_trailer_size: 8,
      seqno: 0,
      sender: { uid: 0, gid: 0 },
      audit: emptyAuditToken(),
      context: 0n,
    },
  };
}

function receivedDescriptor(d: MachMsgDescriptor): MachMsgDescriptor {
  switch (d.type) {
    case MACH_MSG_PORT_DESCRIPTOR:
      return { type: d.type, name: d.name, disposition: copyinType(d.disposition) };
    case MACH_MSG_OOL_PORTS_DESCRIPTOR:
      return { type: d.type, names: [...d.names], disposition: copyinType(d.disposition), deallocate: true, copy: d.copy ?? 0 };
    case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
      return { type: d.type, name: d.name, disposition: copyinType(d.disposition), context: d.context, flags: d.flags };
    default: {
      const size = d.size ?? d.data.byteLength;
      const copy = d.copy ?? MACH_MSG_VIRTUAL_COPY;
      return { type: d.type, data: d.data.slice(0, size), size, copy, deallocate: copy === MACH_MSG_VIRTUAL_COPY };
    }
  }
}
