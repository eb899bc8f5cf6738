/**
 * The kernel host: one emulated Kernel serving tasks of other processes over a
 * Unix-domain socket, and of worker threads over MessagePorts. Each client session
 * opens tasks in a realm (a kernel: the default realm '' is the host's kernel; other
 * realms are separate kernels, created on first use and dropped when their last task
 * ends — the conformance suite uses one per scenario).
 *
 * ```ts
 * const host = new KernelHost({ log: console.log });
 * await host.listen('/tmp/machport-kernel.sock');
 * ```
 * @module
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Kernel, type KernelOptions } from '../emulator/kernel.js';
import type { EmulatedTask } from '../emulator/task.js';
import { acceptPort, acceptSocket } from './host-connection.js';
import { HostSession, type SessionHost } from './host-session.js';
import { DEFAULT_MAX_FRAME, PROTOCOL_VERSION } from './protocol.js';

/** Options of a kernel host. */
export interface KernelHostOptions {
  /** The kernel of the default realm (e.g. this process's emulated kernel); a new one by default. */
  kernel?: Kernel;
  /** Options of the kernels the host creates (default realm when `kernel` is not given, and other realms). */
  kernelOptions?: KernelOptions;
  /** One line per client connect and disconnect. */
  log?: (line: string) => void;
  /** Largest frame accepted (bytes). */
  maxFrame?: number;
  /** Most mach_msg calls one client may have pending. */
  maxPendingMsgs?: number;
  /** Unread reply bytes at which a client is disconnected. */
  hardLimit?: number;
  /** Most requests a session may have waiting for an earlier sequence number. */
  maxHeld?: number;
  /** How long a new connection may take to send its HELLO (ms). */
  helloTimeoutMs?: number;
}

/** One task as `status()` lists it. */
export interface HostTaskStatus {
  pid: number;
  name: string;
  realm: string;
}

/** What the host reports about itself. */
export interface KernelHostStatus {
  pid: number;
  protocol: number;
  kernelId: string;
  sockets: string[];
  sessions: Array<{ id: string; pid: number; title: string; tasks: HostTaskStatus[] }>;
  realms: Array<{ realm: string; tasks: number; ports: number }>;
}

/** A kernel serving other processes and threads. */
export class KernelHost implements SessionHost {
  /** This kernel instance's id (a client reconnecting sees a different one after a restart). */
  readonly kernelId: Buffer = randomBytes(16);
  readonly maxFrame: number;
  readonly maxPendingMsgs: number;
  readonly hardLimit: number;
  readonly maxHeld: number;
  readonly helloTimeoutMs: number;
  private readonly kernelOptions: KernelOptions;
  private logFn: (line: string) => void;
  private readonly realms = new Map<string, Kernel>();
  /** Sessions that opened tasks in each realm (a realm other than '' lives while one of them does). */
  private readonly realmUsers = new Map<string, Set<HostSession>>();
  /** Sessions by id (socket clients). */
  readonly sessions = new Map<string, HostSession>();
  /** Sessions of worker threads. */
  private readonly portSessions = new Set<HostSession>();
  private readonly servers = new Map<string, net.Server>();
  private closing = false;

  constructor(options: KernelHostOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new TypeError('KernelHost options must be an object');
    this.kernelOptions = options.kernelOptions ?? {};
    this.logFn = options.log ?? (() => {});
    this.maxFrame = options.maxFrame ?? DEFAULT_MAX_FRAME;
    this.maxPendingMsgs = options.maxPendingMsgs ?? 100_000;
    this.hardLimit = options.hardLimit ?? 512 * 1024 * 1024;
    this.maxHeld = options.maxHeld ?? 65536;
    this.helloTimeoutMs = options.helloTimeoutMs ?? 10_000;
    this.realms.set('', options.kernel ?? new Kernel(this.kernelOptions));
  }

  /** The kernel of the default realm. */
  get kernel(): Kernel {
    return this.realms.get('')!;
  }

  /** The kernel of a realm, if it exists. */
  realmKernel(realm: string): Kernel | undefined {
    return this.realms.get(realm);
  }

  /** Write a log line. */
  log(line: string): void {
    this.logFn(line);
  }

  /** Replace the log function (one line per client connect and disconnect). */
  setLog(log: (line: string) => void): void {
    this.logFn = log;
  }

  // -------------------------------------------------------------------------
  // Transports

  /**
   * Serve clients on a Unix-domain socket at `path` (mode 0600: only this user's
   * processes may connect). A stale socket file (nobody listening) is replaced; a live
   * one is an error.
   */
  async listen(path: string): Promise<void> {
    if (typeof path !== 'string' || path === '') throw new TypeError('listen: path must be a non-empty string');
    if (this.closing) throw new Error('kernel host is closed');
    await removeStaleSocket(path);
    const server = net.createServer((socket) => acceptSocket(this, socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    try {
      chmodSync(path, 0o600);
    } catch {
      // the file system may not support modes
    }
    server.on('error', (err) => this.log(`socket ${path}: ${err.message}`));
    this.servers.set(path, server);
  }

  /**
   * A MessagePort for a worker thread of this process: pass it to the worker (in
   * workerData or postMessage, listed in the transfer list) and call
   * `joinKernel(port)` there. The worker then has its own task of this kernel.
   */
  workerTransport(): MessagePort {
    if (this.closing) throw new Error('kernel host is closed');
    const { port1, port2 } = new MessageChannel();
    acceptPort(this, port1);
    return port2;
  }

  // -------------------------------------------------------------------------
  // Sessions (SessionHost)

  /** Create and register a session (called by the connection handlers). */
  createSession(id: string, pid: number, title: string, worker: boolean): HostSession {
    const session = new HostSession(this, id, pid, title);
    if (worker) this.portSessions.add(session);
    else this.sessions.set(id, session);
    this.log(`connect: ${worker ? 'worker' : 'client'} ${id.slice(0, 8)} pid ${pid}${title ? ` (${title})` : ''}`);
    return session;
  }

  /**
   * Create a task for `session` in the kernel of `options.realm` (default `''`), creating
   * that realm on first use and recording the session as one of its users. Only `name`,
   * `pid`, `uid`, `gid` and `guardPolicy` reach `Kernel.createTask`. Throws TypeError for
   * a non-string realm, and whatever `createTask` throws (a realm created for the failed
   * call is dropped again).
   */
  openTask(session: HostSession, options: Record<string, unknown>): { task: EmulatedTask; realm: string } {
    const realm = options.realm ?? '';
    if (typeof realm !== 'string') throw new TypeError('realm must be a string');
    const create: Record<string, unknown> = {};
    for (const k of ['name', 'pid', 'uid', 'gid', 'guardPolicy']) if (options[k] !== undefined) create[k] = options[k];
    let kernel = this.realms.get(realm);
    if (kernel === undefined) {
      kernel = new Kernel(this.kernelOptions);
      this.realms.set(realm, kernel);
      this.realmUsers.set(realm, new Set());
    }
    try {
      const task = kernel.createTask(create);
      this.realmUsers.get(realm)?.add(session);
      return { task, realm };
    } finally {
      this.reap(realm);
    }
  }

  /** A task of `realm` ended: drop the realm if nothing uses it any more (never the default realm). */
  taskEnded(realm: string): void {
    this.reap(realm);
  }

  /** Drop a realm other than '' once it has no live task and no live session uses it. */
  private reap(realm: string): void {
    if (realm === '') return;
    const kernel = this.realms.get(realm);
    const users = this.realmUsers.get(realm);
    if (users !== undefined) for (const s of users) if (s.closed) users.delete(s);
    if (kernel !== undefined && kernel.tasks.length === 0 && (users === undefined || users.size === 0)) {
      this.realms.delete(realm);
      this.realmUsers.delete(realm);
    }
  }

  /**
   * Answer an ADMIN request: `status` returns {@link status}, `invariants` runs the
   * realm's `checkInvariants()` (throwing what it throws), `drop-realm` drops a realm
   * other than `''` (see {@link dropRealm}). Throws TypeError for an unknown op, a
   * missing realm or an attempt to drop the default one. Any session may ask.
   */
  admin(_session: HostSession, req: Record<string, unknown>): unknown {
    const realm = req.realm ?? '';
    if (typeof realm !== 'string') throw new TypeError('realm must be a string');
    switch (req.op) {
      case 'status':
        return this.status();
      case 'invariants': {
        const kernel = this.realms.get(realm);
        if (kernel === undefined) throw new TypeError(`no realm '${realm}'`);
        kernel.checkInvariants();
        return undefined;
      }
      case 'drop-realm':
        if (realm === '') throw new TypeError('the default realm cannot be dropped');
        this.dropRealm(realm);
        return undefined;
      default:
        throw new TypeError(`unknown admin op ${JSON.stringify(req.op)}`);
    }
  }

  /** Forget a realm: its kernel goes, its tasks' pending calls never settle. */
  dropRealm(realm: string): void {
    for (const s of this.allSessions()) s.forgetRealm(realm);
    this.realms.delete(realm);
    this.realmUsers.delete(realm);
  }

  /**
   * Called by a session once it has ended (its tasks already terminated): unregister it,
   * log the disconnect, and drop the realms it leaves unused.
   */
  sessionEnded(session: HostSession, reason: string): void {
    if (this.portSessions.delete(session) || this.sessions.get(session.id) === session) {
      this.sessions.delete(session.id);
      this.log(`disconnect: ${session.id.slice(0, 8)} pid ${session.clientPid} (${reason})`);
    }
    for (const realm of [...this.realmUsers.keys()]) this.reap(realm);
  }

  private allSessions(): HostSession[] {
    return [...this.sessions.values(), ...this.portSessions];
  }

  /** Sessions, tasks and realms. */
  status(): KernelHostStatus {
    return {
      pid: process.pid,
      protocol: PROTOCOL_VERSION,
      kernelId: this.kernelId.toString('hex'),
      sockets: [...this.servers.keys()],
      sessions: this.allSessions().map((s) => ({
        id: s.id,
        pid: s.clientPid,
        title: s.clientTitle,
        tasks: s.liveTasks().map((t) => ({ pid: t.pid, name: t.name, realm: this.realmOf(t) })),
      })),
      realms: [...this.realms].map(([realm, k]) => ({ realm, tasks: k.tasks.length, ports: k.ports.size })),
    };
  }

  private realmOf(task: EmulatedTask): string {
    for (const [name, k] of this.realms) if (k === task.kernel) return name;
    return '?';
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.closing;
  }

  /**
   * Stop: every session ends (its tasks terminate; blocked worker threads are woken with
   * the kernel gone), the sockets close and their files are removed.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const closed = [...this.servers].map(
      ([path, server]) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          try {
            unlinkSync(path);
          } catch {
            // already gone
          }
        }),
    );
    for (const s of this.allSessions()) s.end('kernel host closing');
    this.servers.clear();
    await Promise.all(closed);
  }
}

/** Remove a socket file nobody listens on; refuse when a kernel answers there. */
async function removeStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const st = lstatSync(path);
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket`);
  const alive = await new Promise<boolean>((resolve) => {
    const s = net.createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`a kernel host is already listening on ${path}`);
  unlinkSync(path);
}
