/**
 * One client session on the kernel's side: the tasks a client process (or worker thread)
 * opened, the requests it sent in sequence-number order, and the calls still pending.
 *
 * A session has an asynchronous link (MSG replies) and a synchronous one (replies the
 * client waits for, blocked). Requests may arrive on either link; they carry one
 * session-wide sequence number and are processed strictly in its order, so a
 * synchronous call sees every earlier mach_msg of the same client, whichever link
 * each travelled on. A request that arrives twice (a client re-sends frames it could
 * not flush before blocking) is processed once.
 * @module
 */
import { KERN_RESOURCE_SHORTAGE, MACH_SEND_INVALID_DEST } from '../constants.js';
import type { EmulatedTask } from '../emulator/task.js';
import { MachError } from '../errors.js';
import { errorRecord, KernelProtocolError, type ErrorRecord } from './error-codec.js';
import { payload, valueFrame, type Frame } from './frames.js';
import { inspectForClient } from './host-inspect.js';
import type { Link } from './link.js';
import { F, METHODS, MSG_FLAG, SYNC_REQUESTS } from './protocol.js';
import { DecodeError, readValue } from './values.js';

/** What a session needs from its host. */
export interface SessionHost {
  /** Create a task in `realm`'s kernel. */
  openTask(session: HostSession, options: Record<string, unknown>): { task: EmulatedTask; realm: string };
  /** A task of `realm` ended (the realm may go). */
  taskEnded(realm: string): void;
  /** Administration requests. */
  admin(session: HostSession, request: Record<string, unknown>): unknown;
  /** The session ended. */
  sessionEnded(session: HostSession, reason: string): void;
  /** Most mach_msg calls a session may have pending (XNU: one per thread). */
  readonly maxPendingMsgs: number;
  /** Backlog at which a session is dropped (its client stopped reading). */
  readonly hardLimit: number;
  /** Most out-of-order requests a session may have waiting. */
  readonly maxHeld: number;
}

/** A task of a session. */
interface TaskEntry {
  task: EmulatedTask;
  realm: string;
}

/** The rejection the kernel's AbortController uses for CANCEL. */
const ABORTED = Symbol('kernel-host: cancelled by the client');

/** What a send buffer looked like before the call (to detect a pseudo-receive rewrite). */
interface SendSnapshot {
  header: Record<string, unknown>;
  bits: unknown;
  remote: unknown;
  local: unknown;
  descriptors: unknown;
}

function snapshot(msg: unknown): SendSnapshot | null {
  if (typeof msg !== 'object' || msg === null) return null;
  const m = msg as Record<string, unknown>;
  const h = m.header;
  if (typeof h !== 'object' || h === null) return null;
  const header = h as Record<string, unknown>;
  return { header, bits: header.msgh_bits, remote: header.msgh_remote_port, local: header.msgh_local_port, descriptors: m.descriptors };
}

/** The rewrite a failed send left in the kernel's copy of the send buffer, if any. */
function rewriteOf(s: SendSnapshot | null, msg: unknown): Record<string, unknown> | undefined {
  if (s === null) return undefined;
  const m = msg as Record<string, unknown>;
  const h = s.header;
  const headerChanged = h.msgh_bits !== s.bits || h.msgh_remote_port !== s.remote || h.msgh_local_port !== s.local;
  const descriptorsReplaced = m.descriptors !== s.descriptors;
  if (!headerChanged && !descriptorsReplaced) return undefined;
  const out: Record<string, unknown> = {
    msgh_bits: h.msgh_bits,
    msgh_remote_port: h.msgh_remote_port,
    msgh_local_port: h.msgh_local_port,
  };
  if (descriptorsReplaced) out.descriptors = m.descriptors;
  return out;
}

/** One client session. */
export class HostSession {
  /** Session id (hex) as the client chose it. */
  readonly id: string;
  /** The client's pid and process title, as its HELLO gave them (for logs and status). */
  readonly clientPid: number;
  readonly clientTitle: string;
  /** Replies the client waits for. */
  syncLink: Link | null = null;
  /** MSG replies. */
  asyncLink: Link | null = null;
  /** MSG replies produced before the asynchronous link attached. */
  private outbox: Buffer[] = [];
  private readonly host: SessionHost;
  private expected = 1;
  private readonly held = new Map<number, Frame>();
  private readonly tasks = new Map<number, TaskEntry>();
  private nextHandle = 1;
  private readonly inflight = new Map<number, AbortController>();
  /** mach_msg calls not settled yet. */
  private pendingMsgs = 0;
  private ended = false;
  /** When the session began (ms since the epoch). */
  readonly since = Date.now();

  constructor(host: SessionHost, id: string, clientPid: number, clientTitle: string) {
    this.host = host;
    this.id = id;
    this.clientPid = clientPid;
    this.clientTitle = clientTitle;
  }

  /** Whether the session has ended. */
  get closed(): boolean {
    return this.ended;
  }

  /** Live tasks of this session. */
  liveTasks(): EmulatedTask[] {
    return [...this.tasks.values()].filter((e) => !e.task.terminated).map((e) => e.task);
  }

  /** Attach the asynchronous link (the second connection of a socket client). */
  attachAsync(link: Link): void {
    this.asyncLink = link;
    const queued = this.outbox;
    this.outbox = [];
    for (const f of queued) link.write(f);
  }

  // -------------------------------------------------------------------------
  // Sequencing

  /** A frame arrived on one of the session's links. */
  receive(frame: Frame): void {
    if (this.ended) return;
    const d = (frame.seq - this.expected) | 0;
    if (d < 0) return; // already processed (a re-sent frame)
    if (d > 0) {
      if (!this.held.has(frame.seq)) {
        if (this.held.size >= this.host.maxHeld) {
          this.protocolError(`more than ${this.host.maxHeld} requests arrived ahead of sequence number ${this.expected}`);
          return;
        }
        this.held.set(frame.seq, frame);
      }
      return;
    }
    this.process(frame);
    this.expected = (this.expected + 1) >>> 0;
    while (this.held.size > 0 && !this.ended) {
      const next = this.held.get(this.expected);
      if (next === undefined) break;
      this.held.delete(this.expected);
      this.process(next);
      this.expected = (this.expected + 1) >>> 0;
    }
  }

  // -------------------------------------------------------------------------
  // Requests

  private process(frame: Frame): void {
    try {
      switch (frame.type) {
        case F.OPEN_TASK:
          this.openTask(frame);
          return;
        case F.CALL:
          this.call(frame);
          return;
        case F.MSG:
          this.msg(frame);
          return;
        case F.CANCEL: {
          const r = payload(frame);
          this.inflight.get(r.u32())?.abort(ABORTED);
          return;
        }
        case F.CLOSE_TASK:
          this.closeTask(frame);
          return;
        case F.ADMIN:
          this.admin(frame);
          return;
        default:
          this.protocolError(`frame type 0x${frame.type.toString(16)} is not a request`);
      }
    } catch (err) {
      // A request that does not decode is answered with a protocol error; the session goes on.
      const rec = err instanceof DecodeError ? errorRecord(new KernelProtocolError(`malformed request: ${err.message}`)) : errorRecord(err);
      if (frame.type === F.MSG) this.sendAsync(valueFrame(F.MSG_ERROR, 0, frame.task, frame.seq, { error: rec }));
      else if (SYNC_REQUESTS.has(frame.type)) this.sendSync(valueFrame(F.ERROR, 0, frame.task, frame.seq, rec));
    }
  }

  private entry(handle: number): TaskEntry {
    const e = this.tasks.get(handle);
    if (e === undefined) throw new MachError(MACH_SEND_INVALID_DEST, `kernel host: no task with handle ${handle} in this session`);
    return e;
  }

  private openTask(frame: Frame): void {
    const options = readValue(payload(frame));
    if (typeof options !== 'object' || options === null) throw new KernelProtocolError('OPEN_TASK needs an options object');
    const { task, realm } = this.host.openTask(this, options as Record<string, unknown>);
    const handle = this.nextHandle++;
    this.tasks.set(handle, { task, realm });
    this.sendSync(
      valueFrame(F.RESULT, 0, handle, frame.seq, {
        handle,
        self: task.mach_task_self(),
        bootstrap: task.bootstrap_port,
        pid: task.pid,
        name: task.name,
        uid: task.uid,
        gid: task.gid,
        realm,
      }),
    );
  }

  private call(frame: Frame): void {
    const r = payload(frame);
    const id = r.u8();
    const method = METHODS[id];
    if (method === undefined) throw new KernelProtocolError(`unknown method id ${id}`);
    const args = readValue(r);
    if (!Array.isArray(args)) throw new KernelProtocolError('CALL arguments must be an array');
    const { task } = this.entry(frame.task);
    // 'inspect' is the host's own (lsmp over the task's kernel); the others are the task's methods.
    const value =
      method === 'inspect' ? inspectForClient(task, args[0]) : (task as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!.apply(task, args);
    this.sendSync(valueFrame(F.RESULT, 0, frame.task, frame.seq, value));
  }

  private msg(frame: Frame): void {
    const args = readValue(payload(frame));
    if (!Array.isArray(args)) throw new KernelProtocolError('MSG arguments must be an array');
    const { task } = this.entry(frame.task);
    const seq = frame.seq;
    const handle = frame.task;
    if (this.pendingMsgs >= this.host.maxPendingMsgs) {
      // Like a process out of threads: the call cannot be made.
      throw new MachError(KERN_RESOURCE_SHORTAGE, `mach_msg: more than ${this.host.maxPendingMsgs} calls pending in this client`);
    }
    this.pendingMsgs++;
    let ac: AbortController | null = null;
    if ((frame.flags & MSG_FLAG.SIGNAL) !== 0) {
      ac = new AbortController();
      const c = args[5];
      args[5] = typeof c === 'object' && c !== null ? { ...(c as object), signal: ac.signal } : { signal: ac.signal };
      if ((frame.flags & MSG_FLAG.ABORTED) !== 0) ac.abort(ABORTED);
      else this.inflight.set(seq, ac);
    }
    const msg = args[0];
    const before = snapshot(msg);
    let p: Promise<unknown>;
    try {
      p = (task.mach_msg as (...a: unknown[]) => Promise<unknown>)(...args);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (value) => {
        this.pendingMsgs--;
        if (ac !== null) this.inflight.delete(seq);
        this.sendAsync(valueFrame(F.MSG_RESULT, 0, handle, seq, value));
      },
      (err: unknown) => {
        this.pendingMsgs--;
        if (ac !== null) this.inflight.delete(seq);
        let rec: ErrorRecord;
        let requestInDetails = false;
        if (err === ABORTED) rec = { kind: 'Aborted', message: 'aborted' };
        else {
          rec = errorRecord(err);
          if (rec.details !== undefined && rec.details.message === msg && msg !== undefined) {
            const { message: _m, ...rest } = rec.details;
            rec.details = rest;
            requestInDetails = true;
          }
        }
        const out: Record<string, unknown> = { error: rec };
        const rewrite = rewriteOf(before, msg);
        if (rewrite !== undefined) out.rewrite = rewrite;
        if (requestInDetails) out.requestInDetails = true;
        this.sendAsync(valueFrame(F.MSG_ERROR, 0, handle, seq, out));
      },
    );
  }

  private closeTask(frame: Frame): void {
    const e = this.entry(frame.task);
    if (!e.task.terminated) {
      e.task.terminate();
      this.host.taskEnded(e.realm);
    }
    this.sendSync(valueFrame(F.RESULT, 0, frame.task, frame.seq, undefined));
  }

  private admin(frame: Frame): void {
    const req = readValue(payload(frame));
    if (typeof req !== 'object' || req === null) throw new KernelProtocolError('ADMIN needs a request object');
    const value = this.host.admin(this, req as Record<string, unknown>);
    this.sendSync(valueFrame(F.RESULT, 0, 0, frame.seq, value));
  }

  /** Forget the tasks of a dropped realm (their pending calls never settle for the client). */
  forgetRealm(realm: string): void {
    for (const [h, e] of this.tasks) if (e.realm === realm) this.tasks.delete(h);
  }

  // -------------------------------------------------------------------------
  // Output and flow control

  private sendSync(frame: Buffer): void {
    if (this.ended) return;
    const link = this.syncLink ?? this.asyncLink;
    if (link === null) return;
    link.write(frame);
    this.checkBacklog(link);
  }

  private sendAsync(frame: Buffer): void {
    if (this.ended) return;
    const link = this.asyncLink;
    if (link === null) {
      this.outbox.push(frame);
      let size = 0;
      for (const f of this.outbox) size += f.length;
      if (size > this.host.hardLimit) this.end('the client never attached its asynchronous connection');
      return;
    }
    link.write(frame);
    this.checkBacklog(link);
  }

  /**
   * Drop a client that does not take its replies. Reading is never paused: a client
   * blocked in a synchronous call may have its request behind unread replies, and
   * pausing would deadlock it. The unread backlog is bounded instead.
   */
  private checkBacklog(link: Link): void {
    const backlog = link.backlog;
    if (backlog > this.host.hardLimit) this.end(`the client stopped reading (${backlog} bytes unread)`);
  }

  /** The client broke the protocol: say why and end the session. */
  protocolError(message: string): void {
    if (this.ended) return;
    const frame = valueFrame(F.PROTOCOL_ERROR, 0, 0, 0, { message });
    this.syncLink?.write(frame);
    if (this.asyncLink !== this.syncLink) this.asyncLink?.write(frame);
    this.end(`protocol error: ${message}`);
  }

  /**
   * End the session: every task it opened terminates as XNU terminates a task whose
   * process exited (reference S99), and the links close.
   */
  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    // Pending calls are not aborted: terminating the task settles them as the emulator
    // settles a dying task's blocked calls.
    this.inflight.clear();
    this.held.clear();
    this.outbox = [];
    let terminated = 0;
    for (const e of this.tasks.values()) {
      if (!e.task.terminated) {
        e.task.terminate();
        terminated++;
        this.host.taskEnded(e.realm);
      }
    }
    this.syncLink?.close();
    this.asyncLink?.close();
    this.host.sessionEnded(this, `${reason}; ${terminated} task${terminated === 1 ? '' : 's'} terminated`);
  }
}
