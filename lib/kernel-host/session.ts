/**
 * A client session with a kernel host: the tasks this process (or worker thread) opened
 * there, one sequence of requests, and the mach_msg calls waiting for their replies.
 * @module
 */
import {
  MACH_MSG_OOL_DESCRIPTOR,
  MACH_MSG_OOL_VOLATILE_DESCRIPTOR,
  MACH_RCV_MSG,
  MACH_RCV_PORT_CHANGED,
  MACH_SEND_INVALID_DEST,
  MACH_SEND_INVALID_MEMORY,
  MACH_SEND_MSG,
  MACH_SEND_TOO_LARGE,
} from '../constants.js';
import { MachError } from '../errors.js';
import type { MachMessage, ReceivedMessage } from '../types.js';
import { coversWholeBuffer, detachTakenBuffers, wasTakenBySend } from '../message/ool-deallocate.js';
import { errorFromRecord, KernelProtocolError } from './error-codec.js';
import { beginFrame, endFrame, parseFrame, payload, setSeq } from './frames.js';
import { F, METHOD_ID, MSG_FLAG, type MethodName } from './protocol.js';
import { RemoteTask, type RemoteTaskInfo } from './remote-task.js';
import { TransportLost, type ClientTransport } from './transport.js';
import { readValue, writeValue } from './values.js';

/** Options of a task opened on a kernel host. */
export interface RemoteTaskOptions {
  /** The task's name (default: this process's title). */
  name?: string;
  /** Process id in audit tokens (default: this process's pid; `null` lets the kernel pick one). */
  pid?: number | null;
  /** User and group ids (default: this process's, where the platform has them). */
  uid?: number;
  gid?: number;
  /** Guard-exception policy. */
  guardPolicy?: 'default' | 'hardened';
  /** The kernel (realm) to join; '' (default) is the host's own kernel. */
  realm?: string;
}

/** A mach_msg call waiting for its reply. */
interface PendingMsg {
  resolve: (v: ReceivedMessage | undefined) => void;
  reject: (e: unknown) => void;
  msg: unknown;
  option: number;
  signal: AbortSignal | null;
  onAbort: (() => void) | null;
  task: number;
  /** The caller's whole buffers of deallocate OOL descriptors: detached once the host has copied the send in. */
  toDetach: ArrayBuffer[] | null;
}

/**
 * The buffers a deallocate send takes from the caller (message/ool-deallocate.ts): the
 * host copies the message's bytes in its own process, so the caller's buffers are
 * detached here once its reply shows the send got past copy-in. Throws
 * MACH_SEND_INVALID_MEMORY for a view of a buffer an earlier deallocate send took.
 * Anything malformed is left for the host to refuse.
 */
function buffersTakenBy(msg: unknown, option: number): ArrayBuffer[] | null {
  if ((option & MACH_SEND_MSG) === 0 || typeof msg !== 'object' || msg === null) return null;
  const descriptors = (msg as MachMessage).descriptors;
  if (!Array.isArray(descriptors)) return null;
  let out: ArrayBuffer[] | null = null;
  for (let i = 0; i < descriptors.length; i++) {
    const d = descriptors[i] as { type?: unknown; data?: unknown; deallocate?: unknown } | null;
    if (typeof d !== 'object' || d === null || (d.type !== MACH_MSG_OOL_DESCRIPTOR && d.type !== MACH_MSG_OOL_VOLATILE_DESCRIPTOR)) continue;
    const data = d.data;
    if (!(data instanceof Uint8Array)) continue;
    if (wasTakenBySend(data)) throw new MachError(MACH_SEND_INVALID_MEMORY, `mach_msg: OOL region ${i} was taken by an earlier deallocate send`);
    if (d.deallocate === true && data.length !== 0 && coversWholeBuffer(data)) (out ??= []).push(data.buffer as ArrayBuffer);
  }
  return out;
}

/**
 * Whether a mach_msg that ended with `err` (and `rewrite`, the pseudo-receive) had its
 * send copied in: a pseudo-receive, or a receive-half error (MACH_RCV_*, 0x10004xxx),
 * which comes only after the send half succeeded.
 */
function sendWasCopiedIn(err: unknown, rewrite: unknown): boolean {
  if (rewrite !== undefined) return true;
  return err instanceof MachError && (err.kr & 0xffffc000) === 0x10004000;
}


/** The error a call gets once the kernel host is gone. */
export function kernelGone(option: number, context: string, reason: string): MachError {
  const rcvOnly = (option & MACH_RCV_MSG) !== 0 && (option & MACH_SEND_MSG) === 0;
  return new MachError(rcvOnly ? MACH_RCV_PORT_CHANGED : MACH_SEND_INVALID_DEST, `${context}: the kernel host is gone (${reason})`);
}

/** A session: one connection (pair) to a kernel host. */
export class KernelSession {
  /** The kernel instance (changes when the kernel host restarts). */
  readonly kernelId: string;
  /** The kernel host's process id. */
  readonly kernelPid: number;
  /** The kernel host's socket path; null for a worker thread joined over a MessagePort. */
  readonly socket: string | null;
  private readonly transport: ClientTransport;
  private seq = 0;
  private readonly pending = new Map<number, PendingMsg>();
  private readonly lostListeners = new Set<(reason: string) => void>();
  private lost: string | null = null;

  constructor(transport: ClientTransport) {
    this.transport = transport;
    this.kernelId = transport.kernelId;
    this.kernelPid = transport.kernelPid;
    this.socket = transport.path ?? null;
    transport.onFrame = (f) => this.onFrame(f);
    transport.onLost = (r) => this.onLost(r);
  }

  /** Why the session is gone (the kernel host exited, the connection broke), or null. */
  get lostReason(): string | null {
    return this.lost;
  }

  /** Call `fn` once when the session is lost. */
  onceLost(fn: (reason: string) => void): void {
    if (this.lost !== null) queueMicrotask(() => fn(this.lost!));
    else this.lostListeners.add(fn);
  }

  /** Open a task (synchronous). */
  openTask(options: RemoteTaskOptions = {}): RemoteTask {
    if (typeof options !== 'object' || options === null) throw new TypeError('task options must be an object');
    const o: Record<string, unknown> = {};
    const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
    const gid = typeof process.getgid === 'function' ? process.getgid() : undefined;
    o.name = options.name ?? (process.title || 'node');
    if (options.pid !== null) o.pid = options.pid ?? process.pid;
    if ((options.uid ?? uid) !== undefined) o.uid = options.uid ?? uid;
    if ((options.gid ?? gid) !== undefined) o.gid = options.gid ?? gid;
    if (options.guardPolicy !== undefined) o.guardPolicy = options.guardPolicy;
    if (options.realm !== undefined) o.realm = options.realm;
    const info = this.request(F.OPEN_TASK, 0, 'openTask', (w) => writeValue(w, o)) as RemoteTaskInfo;
    return new RemoteTask(this, info);
  }

  // -------------------------------------------------------------------------
  // Requests

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    if (this.seq === 0) this.seq = 1;
    return this.seq;
  }

  /**
   * A request larger than the kernel host takes in one frame is refused here, before
   * anything is sent, as MACH_SEND_TOO_LARGE (the host's limit, 256 MiB by default, is
   * above XNU's 48 MiB for inline data; it bounds inline and OOL data together).
   */
  private checkSize(frame: Buffer, context: string): void {
    if (frame.length > this.transport.maxFrame) {
      throw new MachError(MACH_SEND_TOO_LARGE, `${context}: ${frame.length} bytes exceed the kernel host's ${this.transport.maxFrame}-byte frame limit`);
    }
  }

  /** A synchronous request: returns the RESULT value or throws the ERROR. */
  private request(type: number, task: number, context: string, fill: (w: ReturnType<typeof beginFrame>) => void, option = MACH_SEND_MSG): unknown {
    if (this.lost !== null) throw kernelGone(option, context, this.lost);
    const w = beginFrame(type, 0, task, 0);
    fill(w);
    const frame = endFrame(w);
    this.checkSize(frame, context);
    setSeq(frame, this.nextSeq());
    let reply: Buffer;
    try {
      reply = this.transport.request(frame);
    } catch (err) {
      if (err instanceof TransportLost) {
        this.onLost(err.message);
        throw kernelGone(option, context, err.message);
      }
      throw err;
    }
    const f = parseFrame(reply);
    const value = readValue(payload(f));
    if (f.type === F.RESULT) return value;
    if (f.type === F.ERROR) throw errorFromRecord(value);
    throw new KernelProtocolError(`unexpected reply frame type 0x${f.type.toString(16)}`);
  }

  /** A synchronous MachApi call of `task`. */
  call(task: number, method: MethodName, args: unknown[]): unknown {
    const id = METHOD_ID[method];
    return this.request(F.CALL, task, method, (w) => {
      w.u8(id);
      writeValue(w, args);
    });
  }

  /** Terminate a task. */
  closeTask(task: number): void {
    if (this.lost !== null) return;
    this.request(F.CLOSE_TASK, task, 'terminate', () => {});
  }

  /** An administration request. */
  admin(request: Record<string, unknown>): unknown {
    return this.request(F.ADMIN, 0, `admin ${String(request.op)}`, (w) => writeValue(w, request));
  }

  /** mach_msg of `task`. */
  msg(task: number, args: unknown[]): Promise<ReceivedMessage | undefined> {
    const option = typeof args[1] === 'number' ? args[1] : 0;
    if (this.lost !== null) {
      if ((option & (MACH_SEND_MSG | MACH_RCV_MSG)) === 0) return Promise.resolve(undefined);
      return Promise.reject(kernelGone(option, 'mach_msg', this.lost));
    }
    const control = args[5];
    let signal: AbortSignal | null = null;
    let flags = 0;
    let sent = args;
    if (typeof control === 'object' && control !== null && (control as { signal?: unknown }).signal instanceof AbortSignal) {
      signal = (control as { signal: AbortSignal }).signal;
      flags |= MSG_FLAG.SIGNAL;
      if (signal.aborted) flags |= MSG_FLAG.ABORTED;
      const { signal: _s, ...rest } = control as Record<string, unknown>;
      sent = args.slice();
      sent[5] = rest;
    }
    let frame: Buffer;
    let toDetach: ArrayBuffer[] | null;
    try {
      toDetach = buffersTakenBy(args[0], option);
      const w = beginFrame(F.MSG, flags, task, 0, 192);
      writeValue(w, sent);
      frame = endFrame(w);
      this.checkSize(frame, 'mach_msg');
    } catch (err) {
      return Promise.reject(err);
    }
    const seq = this.nextSeq();
    setSeq(frame, seq);
    return new Promise<ReceivedMessage | undefined>((resolve, reject) => {
      const p: PendingMsg = { resolve, reject, msg: args[0], option, signal, onAbort: null, task, toDetach };
      if (signal !== null && !signal.aborted) {
        p.onAbort = () => this.cancel(seq);
        signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.pending.set(seq, p);
      if (this.pending.size === 1) this.transport.ref();
      this.transport.post(frame);
    });
  }

  /** Ask the kernel to abort a pending mach_msg (its reply says how it ended). */
  private cancel(target: number): void {
    if (this.lost !== null) return;
    const w = beginFrame(F.CANCEL, 0, 0, this.nextSeq(), 32);
    w.u32(target);
    this.transport.post(endFrame(w));
  }

  // -------------------------------------------------------------------------
  // Replies

  private settle(seq: number): PendingMsg | undefined {
    const p = this.pending.get(seq);
    if (p === undefined) return undefined;
    this.pending.delete(seq);
    if (this.pending.size === 0) this.transport.unref();
    if (p.signal !== null && p.onAbort !== null) p.signal.removeEventListener('abort', p.onAbort);
    return p;
  }

  private onFrame(bytes: Buffer): void {
    const f = parseFrame(bytes);
    if (f.type !== F.MSG_RESULT && f.type !== F.MSG_ERROR) return;
    const p = this.settle(f.seq);
    if (p === undefined) return;
    let value: unknown;
    try {
      value = readValue(payload(f));
    } catch (err) {
      p.reject(new KernelProtocolError(`malformed reply from the kernel host: ${(err as Error).message}`));
      return;
    }
    if (f.type === F.MSG_RESULT) {
      detachTakenBuffers(p.toDetach);
      p.resolve(value as ReceivedMessage | undefined);
      return;
    }
    const out = (value ?? {}) as { error?: { kind?: string }; rewrite?: Record<string, unknown>; requestInDetails?: boolean };
    if (out.rewrite !== undefined) applyRewrite(p.msg, out.rewrite);
    if (out.error?.kind === 'Aborted') {
      if (out.rewrite !== undefined) detachTakenBuffers(p.toDetach);
      p.reject(p.signal?.reason);
      return;
    }
    const err = errorFromRecord(out.error);
    if (sendWasCopiedIn(err, out.rewrite)) detachTakenBuffers(p.toDetach);
    if (out.requestInDetails === true && err instanceof MachError) err.details.message = p.msg;
    p.reject(err);
  }

  private onLost(reason: string): void {
    if (this.lost !== null) return;
    this.lost = reason;
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.transport.unref();
    for (const p of pending) {
      if (p.signal !== null && p.onAbort !== null) p.signal.removeEventListener('abort', p.onAbort);
      p.reject(kernelGone(p.option, 'mach_msg', reason));
    }
    const listeners = [...this.lostListeners];
    this.lostListeners.clear();
    for (const fn of listeners) fn(reason);
  }

  /** Close the session: the kernel terminates every task it opened. */
  close(): void {
    this.transport.close();
  }
}

/** Rewrite the caller's send buffer as the kernel rewrote its copy (pseudo-receive). */
function applyRewrite(msg: unknown, rewrite: Record<string, unknown>): void {
  if (typeof msg !== 'object' || msg === null) return;
  const m = msg as MachMessage;
  if (typeof m.header === 'object' && m.header !== null) {
    m.header.msgh_bits = rewrite.msgh_bits as number;
    m.header.msgh_remote_port = rewrite.msgh_remote_port as number;
    m.header.msgh_local_port = rewrite.msgh_local_port as number;
  }
  if ('descriptors' in rewrite) m.descriptors = rewrite.descriptors as MachMessage['descriptors'];
}
