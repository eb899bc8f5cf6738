/**
 * An IPC entry: one name in a space. It records which rights the name denotes (type bits
 * MACH_PORT_TYPE_*), the user references, the object (a port or port set; none for a dead
 * name) and the dead-name / send-possible request registered on the name
 * (xnu:osfmk/ipc/ipc_entry.h).
 * @module
 */
import {
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_PORT_SET,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_PORT_TYPE_SEND_ONCE,
} from '../constants.js';
import type { Port } from './port.js';
import type { PortSet } from './port-set.js';
import type { PortRequest } from './port-request.js';

/** The five right types an entry can hold (IE_BITS_TYPE_MASK, xnu:osfmk/ipc/ipc_entry.h). */
export const IE_BITS_TYPE_MASK = 0x001f0000;
/**
 * MACH_PORT_TYPE_EX_RECEIVE: this entry once held the receive right. XNU uses it to avoid
 * guard exceptions when a name merely lost its receive right (xnu:osfmk/ipc/ipc_entry.h).
 */
export const IE_BITS_EX_RECEIVE = 0x00200000;
/** Send, receive or send-once (MACH_PORT_TYPE_PORT_RIGHTS). */
export const IE_PORT_RIGHTS = MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND_ONCE;
/** Send or send-once (MACH_PORT_TYPE_SEND_RIGHTS). */
export const IE_SEND_RIGHTS = MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE;

export { MACH_PORT_TYPE_DEAD_NAME, MACH_PORT_TYPE_PORT_SET, MACH_PORT_TYPE_RECEIVE, MACH_PORT_TYPE_SEND, MACH_PORT_TYPE_SEND_ONCE };

/** One name of a space and the rights it denotes. */
export class Entry {
  /** The full name (index << 8 | generation byte). */
  name: number;
  /** MACH_PORT_TYPE_* bits of the rights held, plus IE_BITS_EX_RECEIVE. */
  bits = 0;
  /** User references: send and dead name 1..65535, send-once 1, receive and port set 0. */
  urefs = 0;
  /** The port or port set; null for a dead name. */
  object: Port | PortSet | null;
  /** The dead-name or send-possible request registered on this name, if any. */
  request: PortRequest | null = null;

  /** A new entry for `name` holding `object`; type bits are set by the caller. */
  constructor(name: number, object: Port | PortSet | null) {
    this.name = name;
    this.object = object;
  }

  /** IE_BITS_TYPE: the right types held. */
  get type(): number {
    return this.bits & IE_BITS_TYPE_MASK;
  }
}
