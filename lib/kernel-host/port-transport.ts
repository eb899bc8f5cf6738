/**
 * A session over a MessagePort: a worker thread joining a kernel that runs in another
 * thread of the same process (`KernelHost.workerTransport()`). Every request is posted
 * on the port, in order. A synchronous request then blocks in `Atomics.wait` on a
 * shared counter until the kernel's thread has posted the reply on a second port (which
 * nobody listens to) and bumped the counter; the reply is taken with
 * `receiveMessageOnPort`. The kernel's thread must not itself be blocked waiting for
 * this worker.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { parseFrame } from './frames.js';
import { helloFrame, parseWelcome, reasonOf } from './handshake.js';
import { ownedCopy } from './link.js';
import { DEFAULT_MAX_FRAME, F, PROTOCOL_VERSION, ROLE } from './protocol.js';
import type { ClientInfo } from './socket-transport.js';
import { TransportLost, type ClientTransport } from './transport.js';

/** A session's MessagePort transport. */
export class PortTransport implements ClientTransport {
  onFrame: (frame: Buffer) => void = () => {};
  onLost: (reason: string) => void = () => {};
  readonly kernelId: string;
  readonly kernelPid: number;
  readonly maxFrame: number;
  private readonly port: MessagePort;
  private readonly replies: MessagePort;
  private readonly flag: Int32Array;
  private lost: string | null = null;
  private refs = 0;

  /** Join over `port` (blocks until the kernel's thread answered). */
  constructor(port: MessagePort, info: ClientInfo) {
    if (typeof port !== 'object' || port === null || typeof (port as MessagePort).postMessage !== 'function') {
      throw new TypeError('joinKernel: the transport must be the MessagePort workerTransport() returned');
    }
    this.port = port;
    const { port1, port2 } = new MessageChannel();
    this.replies = port1;
    const sab = new SharedArrayBuffer(4);
    this.flag = new Int32Array(sab);
    const hello = ownedCopy(helloFrame(ROLE.BOTH, randomBytes(16), info.pid, info.title));
    port.postMessage({ hello, syncPort: port2, flag: sab }, [port2, hello.buffer]);
    const first = this.wait();
    if (first === null) throw new Error('machport: joinKernel: the kernel thread did not answer');
    const frame = parseFrame(first);
    if (frame.type !== F.WELCOME) throw new Error(`machport: joinKernel: refused: ${reasonOf(frame)}`);
    const w = parseWelcome(frame);
    if (w.version !== PROTOCOL_VERSION) throw new Error(`machport: joinKernel: the kernel speaks protocol ${w.version}`);
    this.kernelId = w.kernelId;
    this.kernelPid = w.pid;
    this.maxFrame = w.maxFrame > 0 ? w.maxFrame : DEFAULT_MAX_FRAME;
    port.on('message', (m: unknown) => {
      if (!(m instanceof Uint8Array)) return;
      const bytes = Buffer.from(m.buffer, m.byteOffset, m.byteLength);
      if (bytes[4] === F.PROTOCOL_ERROR) {
        this.lose(`the kernel reported a protocol error: ${reasonOf(parseFrame(bytes))}`);
        return;
      }
      this.onFrame(bytes);
    });
    port.on('close', () => this.lose('the kernel thread closed the transport'));
    port.unref();
  }

  /** Block for the next synchronous reply; null when the kernel says it is gone. */
  private wait(): Buffer | null {
    for (;;) {
      const seen = Atomics.load(this.flag, 0);
      const got = receiveMessageOnPort(this.replies);
      if (got !== undefined) {
        const m = got.message as unknown;
        if (m instanceof Uint8Array) return Buffer.from(m.buffer, m.byteOffset, m.byteLength);
        const lost = (m as { lost?: unknown } | null)?.lost;
        this.lose(typeof lost === 'string' ? lost : 'the kernel thread went away');
        return null;
      }
      Atomics.wait(this.flag, 0, seen, 1000);
    }
  }

  /**
   * Post a frame on the port without waiting; frames arrive in the order posted, so a
   * later synchronous request sees this one processed first. A copy is transferred (the
   * caller keeps `frame`). A no-op once the transport is lost; a closed port loses it.
   */
  post(frame: Buffer): void {
    if (this.lost !== null) return;
    const u = ownedCopy(frame);
    try {
      this.port.postMessage(u, [u.buffer]);
    } catch (err) {
      this.lose(`the transport is closed: ${(err as Error).message}`);
    }
  }

  /**
   * Post a request on the port and block this thread in `Atomics.wait` until the kernel's
   * thread has posted the reply on the reply port. Throws {@link TransportLost} if the
   * transport is already lost, the kernel's thread goes away, or it answers
   * PROTOCOL_ERROR (the transport is then lost too). Must not be called from the
   * kernel's own thread: it would wait for itself.
   */
  request(frame: Buffer): Buffer {
    if (this.lost !== null) throw new TransportLost(this.lost);
    this.post(frame);
    if (this.lost !== null) throw new TransportLost(this.lost);
    const reply = this.wait();
    if (reply === null) throw new TransportLost(this.lost ?? 'the kernel thread went away');
    if (reply[4] === F.PROTOCOL_ERROR) {
      this.lose(`the kernel reported a protocol error: ${reasonOf(parseFrame(reply))}`);
      throw new TransportLost(this.lost!);
    }
    return reply;
  }

  private lose(reason: string): void {
    if (this.lost !== null) return;
    this.lost = reason;
    this.port.close();
    this.replies.close();
    this.onLost(reason);
  }

  /** Keep the process alive (counted: one per pending mach_msg); the port is referenced while the count is above 0. */
  ref(): void {
    if (this.refs++ === 0) this.port.ref();
  }

  /** Undo one {@link ref}; at 0 the port no longer keeps the process alive. Extra calls are ignored. */
  unref(): void {
    if (this.refs > 0 && --this.refs === 0) this.port.unref();
  }

  /**
   * Close both ports and report the loss (`onLost('closed by the client')`); the kernel's
   * thread sees the port close and ends the session, terminating its tasks. Idempotent.
   */
  close(): void {
    this.lose('closed by the client');
  }
}
