/**
 * A dead-name or send-possible request: the slot a port keeps for one name of one space,
 * holding the send-once right the notification will travel on
 * (xnu:osfmk/ipc/ipc_port.c:ipc_port_request_alloc, ipc_port_request_type). Dead-name and
 * send-possible requests share the slot of a name (reference S88).
 * @module
 */
import {
  MACH_PORT_TYPE_DNREQUEST,
  MACH_PORT_TYPE_SPREQUEST,
  MACH_PORT_TYPE_SPREQUEST_DELAYED,
} from '../constants.js';
import type { Port } from './port.js';
import type { Space } from './space.js';

/** One registered request on a port. */
export class PortRequest {
  /** The port the request watches. */
  readonly port: Port;
  /** The space whose name registered it. */
  readonly space: Space;
  /** The name in that space. */
  readonly name: number;
  /** The send-once right the notification goes out on; null once it was used for a send-possible notification. */
  notify: Port | null;
  /** A send-possible request (IPR_SOR_SPREQ). */
  readonly sendPossible: boolean;
  /** An armed send-possible request (IPR_SOR_SPARM): it fires on the next dequeue. */
  armed: boolean;
  /** The port died and the dead-name notification was sent; the slot still types the name. */
  fired = false;

  /** A request of `space`'s `name` on `port`, notifying through the send-once right `notify`. */
  constructor(port: Port, space: Space, name: number, notify: Port, sendPossible: boolean, armed: boolean) {
    this.port = port;
    this.space = space;
    this.name = name;
    this.notify = notify;
    this.sendPossible = sendPossible;
    this.armed = armed;
  }

  /**
   * ipc_port_request_type: the MACH_PORT_TYPE_* request bits this slot adds to its name.
   * A slot whose send-once right was spent on a send-possible notification adds none.
   */
  type(): number {
    if (this.notify === null && !this.fired) return 0;
    if (!this.sendPossible) return MACH_PORT_TYPE_DNREQUEST >>> 0;
    return (MACH_PORT_TYPE_DNREQUEST | MACH_PORT_TYPE_SPREQUEST | (this.armed ? 0 : MACH_PORT_TYPE_SPREQUEST_DELAYED)) >>> 0;
  }
}
