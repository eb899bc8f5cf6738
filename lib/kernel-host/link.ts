/**
 * The kernel's side of a client connection: a Unix-domain socket, or a MessagePort to a
 * worker thread of the kernel's own process. A session writes frames to its links; a
 * socket link reports how much the client has not read yet.
 * @module
 */
import type { Socket } from 'node:net';
import type { MessagePort } from 'node:worker_threads';

/** Where the kernel writes one client's frames. */
export interface Link {
  /** Send one frame (never blocks; a socket buffers). */
  write(frame: Buffer): void;
  /** Bytes written that the client has not taken yet. */
  readonly backlog: number;
  /** Close the link (the session ends). */
  close(): void;
}

/** A socket link. */
export class SocketLink implements Link {
  readonly socket: Socket;

  constructor(socket: Socket) {
    this.socket = socket;
  }

  /**
   * Queue one frame on the socket. Never blocks: what the client has not read stays in
   * the socket's buffer (see {@link backlog}). Dropped once the socket is destroyed.
   */
  write(frame: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(frame);
  }

  /** Bytes in the socket's write buffer, not yet taken by the client; the session drops a client past its `hardLimit`. */
  get backlog(): number {
    return this.socket.writableLength;
  }

  /** End the socket gracefully; destroy it after a 1 s grace period in case the client never reads to the end. */
  close(): void {
    if (!this.socket.destroyed) this.socket.end();
    // A client that does not read may never let end() finish: destroy after a grace period.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }
}

/** A copy of `frame` that owns its ArrayBuffer (so postMessage can transfer it). */
export function ownedCopy(frame: Uint8Array): Uint8Array<ArrayBuffer> {
  const u = new Uint8Array(frame.byteLength);
  u.set(frame);
  return u;
}

/** The asynchronous half of a MessagePort link: frames posted on the port. */
export class PortLink implements Link {
  readonly port: MessagePort;

  constructor(port: MessagePort) {
    this.port = port;
  }

  /**
   * Post a copy of the frame (its buffer transferred, so the caller keeps `frame`) on the
   * worker's port, in order. Dropped if the port is closed (the session is ending).
   */
  write(frame: Buffer): void {
    const u = ownedCopy(frame);
    try {
      this.port.postMessage(u, [u.buffer]);
    } catch {
      // the port is closed: the session is ending
    }
  }

  /** Always 0: a MessagePort exposes no unread backlog. */
  get backlog(): number {
    return 0;
  }

  /** Close the port; the worker's transport sees it close and is lost. */
  close(): void {
    this.port.close();
  }
}

/**
 * The synchronous half of a MessagePort link: the reply is posted on the reply port the
 * worker pulls with receiveMessageOnPort, then the shared counter is bumped and the
 * worker (blocked in Atomics.wait) woken.
 */
export class PortSyncLink implements Link {
  readonly port: MessagePort;
  readonly flag: Int32Array;

  constructor(port: MessagePort, flag: Int32Array) {
    this.port = port;
    this.flag = flag;
  }

  /**
   * Post a synchronous reply (a copy, its buffer transferred) on the reply port, then bump
   * the shared counter and `Atomics.notify`, waking the worker blocked in `Atomics.wait`.
   * The counter is bumped even if the port is closed, so the worker never stays blocked.
   */
  write(frame: Buffer): void {
    const u = ownedCopy(frame);
    try {
      this.port.postMessage(u, [u.buffer]);
    } catch {
      // closed
    }
    Atomics.add(this.flag, 0, 1);
    Atomics.notify(this.flag, 0);
  }

  /** Wake a blocked worker with a 'lost' note (the kernel is going away). */
  lost(message: string): void {
    try {
      this.port.postMessage({ lost: message });
    } catch {
      // closed
    }
    Atomics.add(this.flag, 0, 1);
    Atomics.notify(this.flag, 0);
  }

  /** Always 0: a MessagePort exposes no unread backlog. */
  get backlog(): number {
    return 0;
  }

  /** The session ended: wake the worker (it may be blocked) with the news. The port stays open so the note is delivered. */
  close(): void {
    this.lost('the kernel ended this session');
  }
}
