/**
 * A session over a Unix-domain socket: two connections to the kernel host.
 *
 * - The synchronous connection belongs to this thread's helper worker
 *   ({@link SyncHelper}); it carries the replies this thread waits for, blocked.
 * - The asynchronous connection belongs to this thread; it carries requests (all of
 *   them, when it can take them at once) and the replies to mach_msg.
 *
 * A synchronous request is written on the asynchronous connection when everything
 * written there has reached the kernel (`writableLength` is 0); otherwise — still
 * connecting, or a large message only partly written — the request and every frame
 * that may not have reached the kernel are handed to the helper, which writes them on
 * the synchronous connection. The kernel processes requests by sequence number and
 * ignores the copies it has already seen, so order holds either way and the blocked
 * thread never waits for bytes it still holds.
 * @module
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { parseFrame, FrameCutter, FramingError } from './frames.js';
import { helloFrame, parseWelcome, reasonOf } from './handshake.js';
import { ownedCopy } from './link.js';
import { DEFAULT_MAX_FRAME, F, PROTOCOL_VERSION, ROLE } from './protocol.js';
import { SyncHelper, type HelperNote } from './sync-worker.js';
import { TransportLost, type ClientTransport } from './transport.js';

/** How the client describes itself in its HELLO. */
export interface ClientInfo {
  pid: number;
  title: string;
}

/** Options of a socket session. */
export interface SocketOptions {
  /** How long to wait for the kernel's WELCOME (ms). */
  timeoutMs?: number;
}

/** Size of the asynchronous connection's read buffer (larger replies arrive in several reads). */
const READ_BUFFER = 64 * 1024;

function openError(path: string, why: string): Error {
  return new Error(`machport: cannot use the kernel host at ${path}: ${why}`);
}

/** Check a helper note that answers an open. */
function welcomed(path: string, note: HelperNote): { kernelId: string; kernelPid: number; maxFrame: number } {
  if (note.kind === 'error' || note.kind === 'lost') throw openError(path, note.message);
  const frame = parseFrame(Buffer.from(note.frame.buffer, note.frame.byteOffset, note.frame.byteLength));
  if (note.kind === 'refused' || frame.type !== F.WELCOME) throw openError(path, `refused: ${reasonOf(frame)}`);
  const w = parseWelcome(frame);
  if (w.version !== PROTOCOL_VERSION) throw openError(path, `the kernel speaks protocol ${w.version}, not ${PROTOCOL_VERSION}`);
  return { kernelId: w.kernelId, kernelPid: w.pid, maxFrame: w.maxFrame > 0 ? w.maxFrame : DEFAULT_MAX_FRAME };
}

/** A session's socket transport. */
export class SocketTransport implements ClientTransport {
  /** Open synchronously (blocks this thread until the kernel answered the HELLO). */
  static openSync(path: string, info: ClientInfo, options: SocketOptions = {}): SocketTransport {
    const helper = SyncHelper.get(2 * DEFAULT_MAX_FRAME);
    const sid = randomBytes(16);
    const sidHex = sid.toString('hex');
    helper.post({ op: 'open', sid: sidHex, path, hello: helloFrame(ROLE.SYNC, sid, info.pid, info.title), mode: 'sync', timeoutMs: options.timeoutMs ?? 10_000 });
    const k = welcomed(path, helper.wait(sidHex));
    return new SocketTransport(path, sid, helper, info, k);
  }

  /** Open without blocking; resolves once both connections are accepted. */
  static async open(path: string, info: ClientInfo, options: SocketOptions = {}): Promise<SocketTransport> {
    const helper = SyncHelper.get(2 * DEFAULT_MAX_FRAME);
    const sid = randomBytes(16);
    const sidHex = sid.toString('hex');
    helper.ref();
    let note: HelperNote;
    try {
      note = await new Promise<HelperNote>((resolve) => {
        helper.listen(sidHex, resolve);
        helper.post({ op: 'open', sid: sidHex, path, hello: helloFrame(ROLE.SYNC, sid, info.pid, info.title), mode: 'async', timeoutMs: options.timeoutMs ?? 10_000 });
      });
    } finally {
      helper.unlisten(sidHex);
      helper.unref();
    }
    const k = welcomed(path, note);
    const t = new SocketTransport(path, sid, helper, info, k);
    await t.attached;
    return t;
  }

  onFrame: (frame: Buffer) => void = () => {};
  onLost: (reason: string) => void = () => {};
  readonly kernelId: string;
  readonly kernelPid: number;
  readonly maxFrame: number;
  readonly path: string;
  /** Settles when the asynchronous connection is accepted (rejects if it is not). */
  readonly attached: Promise<void>;
  private readonly sid: string;
  private readonly helper: SyncHelper;
  private readonly sock: net.Socket;
  /**
   * Replies carry at most a message sent in one frame, plus a trailer: leave room. The
   * socket reads into one buffer of its own (`onread`), so the cutter copies what it
   * keeps of an incomplete frame.
   */
  private readonly cutter = new FrameCutter(2 * DEFAULT_MAX_FRAME, { reusedChunks: true });
  /** Bytes read from the asynchronous connection (a view of the read buffer, valid during the call). */
  private onBytes: (chunk: Buffer) => void = () => {};
  private unconfirmed: Buffer[] = [];
  private lost: string | null = null;
  private refs = 0;
  private welcomedAsync = false;
  private attachedRef: boolean;

  private constructor(path: string, sid: Buffer, helper: SyncHelper, info: ClientInfo, k: { kernelId: string; kernelPid: number; maxFrame: number }) {
    this.path = path;
    this.sid = sid.toString('hex');
    this.helper = helper;
    this.kernelId = k.kernelId;
    this.kernelPid = k.kernelPid;
    this.maxFrame = k.maxFrame;
    helper.listen(this.sid, (note) => {
      if (note.kind === 'lost') this.lose(note.message);
    });
    // Replies are read into one buffer reused for every read, past the readable stream
    // (no chunk allocated, no 'data' event): a reply is decoded, its bytes copied out,
    // before the next read can overwrite them.
    const sock = net.createConnection({
      path,
      onread: {
        buffer: Buffer.allocUnsafe(READ_BUFFER),
        callback: (n: number, buf: Uint8Array) => {
          this.onBytes((buf as Buffer).subarray(0, n));
          return true;
        },
      },
    });
    this.sock = sock;
    // Referenced until the kernel accepted it (connectKernel awaits that), then only
    // while mach_msg calls are pending.
    this.attachedRef = true;
    const hello = helloFrame(ROLE.ASYNC, sid, info.pid, info.title);
    sock.write(hello);
    this.unconfirmed.push(hello);
    let settle!: { resolve: () => void; reject: (e: Error) => void };
    this.attached = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    this.attached.catch(() => undefined);
    this.onBytes = (chunk: Buffer) => {
      try {
        this.cutter.push(chunk, (bytes) => {
          if (!this.welcomedAsync) {
            const f = parseFrame(bytes);
            if (f.type === F.WELCOME) {
              this.welcomedAsync = true;
              this.dropAttachRef();
              settle.resolve();
              return;
            }
            const why = `asynchronous connection refused: ${reasonOf(f)}`;
            settle.reject(openError(path, why));
            this.lose(why);
            return;
          }
          if (bytes[4] === F.PROTOCOL_ERROR) {
            this.lose(`the kernel host reported a protocol error: ${reasonOf(parseFrame(bytes))}`);
            return;
          }
          this.onFrame(bytes);
        });
      } catch (err) {
        this.lose(err instanceof FramingError ? `bad frame from the kernel host: ${err.message}` : String(err));
      }
    };
    sock.on('error', (err) => {
      settle.reject(openError(path, err.message));
      this.lose(`the connection to the kernel host failed: ${err.message}`);
    });
    sock.on('close', () => {
      settle.reject(openError(path, 'the kernel host closed the connection'));
      this.lose('the kernel host closed the connection');
    });
  }

  /** Why the transport is gone, or null. */
  get lostReason(): string | null {
    return this.lost;
  }

  /**
   * Write a frame on the asynchronous connection without waiting. While the connection
   * is still connecting or has unflushed bytes, the frame is kept as unconfirmed so that
   * a later synchronous request can hand it to the helper too (the kernel drops
   * duplicates by sequence number). A no-op once the transport is lost.
   */
  post(frame: Buffer): void {
    if (this.lost !== null) return;
    const sock = this.sock;
    sock.write(frame);
    if (sock.connecting || sock.writableLength > 0) this.unconfirmed.push(frame);
    else this.unconfirmed.length = 0;
  }

  /**
   * Send a request and block this thread until its reply arrives on the synchronous
   * connection. The request goes on the asynchronous connection when that is connected
   * and fully flushed; otherwise it and every unconfirmed frame before it go to the
   * helper, which writes them on the synchronous connection (also when the request
   * itself did not flush at once). Throws {@link TransportLost} if the transport is or
   * becomes lost, including on a PROTOCOL_ERROR reply.
   */
  request(frame: Buffer): Buffer {
    if (this.lost !== null) throw new TransportLost(this.lost);
    const sock = this.sock;
    let viaHelper: Buffer[] | null;
    if (!sock.connecting && !sock.destroyed && sock.writableLength === 0) {
      this.unconfirmed.length = 0;
      sock.write(frame);
      viaHelper = sock.writableLength > 0 ? [frame] : null;
    } else {
      viaHelper = [...this.unconfirmed.filter((f) => f[4] !== F.HELLO), frame];
    }
    if (viaHelper !== null) {
      const frames = viaHelper.map((f) => ownedCopy(f));
      try {
        this.helper.post({ op: 'send', sid: this.sid, frames });
      } catch (err) {
        this.lose((err as Error).message);
        throw new TransportLost(this.lost!);
      }
    }
    const note = this.helper.wait(this.sid);
    if (note.kind === 'frame') {
      const reply = Buffer.from(note.frame.buffer, note.frame.byteOffset, note.frame.byteLength);
      if (reply[4] === F.PROTOCOL_ERROR) {
        this.lose(`the kernel host reported a protocol error: ${reasonOf(parseFrame(reply))}`);
        throw new TransportLost(this.lost!);
      }
      return reply;
    }
    this.lose(note.kind === 'lost' || note.kind === 'error' ? note.message : 'unexpected note from the helper');
    throw new TransportLost(this.lost!);
  }

  private lose(reason: string): void {
    if (this.lost !== null) return;
    this.lost = reason;
    this.unconfirmed = [];
    this.helper.unlisten(this.sid);
    try {
      this.helper.post({ op: 'close', sid: this.sid });
    } catch {
      // the helper is gone too
    }
    this.sock.destroy();
    this.onLost(reason);
  }

  private dropAttachRef(): void {
    if (!this.attachedRef) return;
    this.attachedRef = false;
    if (this.refs === 0) this.sock.unref();
  }

  /**
   * Keep the process alive (counted: one per pending mach_msg). Until the kernel has
   * accepted the asynchronous connection, the socket is referenced regardless.
   */
  ref(): void {
    if (this.refs++ === 0 && !this.attachedRef) this.sock.ref();
  }

  /** Undo one {@link ref}; at 0 (once attached) the socket no longer keeps the process alive. Extra calls are ignored. */
  unref(): void {
    if (this.refs > 0 && --this.refs === 0 && !this.attachedRef) this.sock.unref();
  }

  /**
   * Close both connections (the helper drops the synchronous one) and report the loss
   * (`onLost('closed by the client')`); the kernel ends the session and terminates its
   * tasks. Idempotent.
   */
  close(): void {
    this.lose('closed by the client');
  }
}
