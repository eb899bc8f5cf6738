/**
 * The client's side of a connection to a kernel host, as the session sees it: frames
 * posted without waiting (kept in order), synchronous requests (the reply returned),
 * and the frames the kernel sends on its own (replies to mach_msg).
 * @module
 */

/** Why a transport stopped. */
export class TransportLost extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportLost';
  }
}

/** A client transport. */
export interface ClientTransport {
  /** Send a frame without waiting for anything (ordered with every other request). */
  post(frame: Buffer): void;
  /**
   * Send a request frame and block until the kernel's reply frame is there. Throws
   * TransportLost when the connection is gone.
   */
  request(frame: Buffer): Buffer;
  /** Frames the kernel sends on its own (MSG replies, protocol errors). */
  onFrame: (frame: Buffer) => void;
  /** The connection is gone (kernel exited, protocol error, closed). Called once. */
  onLost: (reason: string) => void;
  /** Keep the process alive (pending mach_msg calls) or not. */
  ref(): void;
  unref(): void;
  /** Close the connection; the kernel terminates the session's tasks. */
  close(): void;
  /** The kernel's id, pid and frame limit from its WELCOME. */
  readonly kernelId: string;
  readonly kernelPid: number;
  readonly maxFrame: number;
  /** The kernel host's socket path (socket transports). */
  readonly path?: string;
}
