/**
 * notifyd's state engine, as Libnotify's libnotify.c keeps it (linked into notifyd): names
 * with their post counter and state, clients keyed by (pid, token), access control, and
 * delivery to registered Mach ports with notifyd's queue-full behaviour. The transport
 * (how a message reaches a port) is supplied by the daemon.
 *
 * Facts (Libnotify-327.0.5):
 * - a name's counter starts at 1 and each post adds one; a client's last-seen value starts
 *   at 0, so the first check reports 1 (libnotify.c:_internal_new_name, _notify_lib_check);
 * - a post checks WRITE access, bumps the counter, then sends to every subscription, the
 *   newest first (LIST_INSERT_HEAD; libnotify.c:_internal_post_name, _internal_client_new);
 * - registering checks READ access (libnotify.c:_internal_register_common);
 * - a send that finds the queue full suspends the client (SUSPENDED|PENDING|TIMEOUT) and the
 *   whole port; a send-possible notification resumes the port's clients one by one, each
 *   sending once, and stops at the first that fails again
 *   (libnotify.c:_internal_send_port; notifyd/notify_proc.c:do_mach_notify_send_possible);
 * - a dead port cancels all its clients (notify_proc.c:do_mach_notify_dead_name);
 * - a name is forgotten when its last client goes (libnotify.c:_internal_release_name_info).
 * @module
 */
import {
  NOTIFY_STATUS_INVALID_NAME,
  NOTIFY_STATUS_INVALID_TOKEN,
  NOTIFY_STATUS_NOT_AUTHORIZED,
  NOTIFY_STATUS_OK,
} from './notify_status.js';

/** Access bits (Libnotify:libnotify.h). */
export const NOTIFY_ACCESS_READ = 1;
export const NOTIFY_ACCESS_WRITE = 2;
const NOTIFY_ACCESS_USER_SHIFT = 0;
const NOTIFY_ACCESS_GROUP_SHIFT = 4;
const NOTIFY_ACCESS_OTHER_SHIFT = 8;
const USER_PROTECTED_UID_PREFIX = 'user.uid.';

/** Who is asking: from the request's audit token. */
export interface NotifyCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/** The result of trying to deliver one notification message. */
export type DeliveryResult = 'sent' | 'full' | 'failed';

/** How the state engine reaches a registered port. */
export interface NotifyTransport<P> {
  /**
   * Send the 24-byte message with msgh_id = token to the port of client (pid, token), with a
   * zero send timeout. 'full' means the queue had no room (MACH_SEND_TIMED_OUT).
   */
  send(port: P, token: number, pid: number): DeliveryResult;
  /** The client (pid, token) on `port` was cancelled: forget anything still owed to it. */
  cancelled(port: P, token: number, pid: number): void;
}

/** A reserved name prefix (notify.conf `reserve name uid gid mode`). */
interface ControlledName {
  readonly prefix: string;
  readonly uid: number;
  readonly gid: number;
  readonly access: number;
}

/** One posted name. */
interface NameInfo {
  readonly name: string;
  readonly nameId: bigint;
  /** The post counter, starting at 1. */
  val: number;
  /** The name's 64-bit state (notify_set_state), independent of posts. */
  state: bigint;
  /** Subscriptions, newest first. */
  readonly clients: Client<unknown>[];
}

/** One registration (client_t). */
interface Client<P> {
  readonly pid: number;
  readonly token: number;
  readonly nameInfo: NameInfo;
  /** The registered port; null for a plain (check-only) registration. */
  readonly port: P | null;
  lastval: number;
  suspendCount: number;
  suspended: boolean;
  pending: boolean;
}

/** notifyd's book-keeping for one registered port (port_data_t). */
interface PortData<P> {
  /** Clients on the port, newest first. */
  readonly clients: Client<P>[];
  /** Set when a send found the queue full, until send-possible. */
  suspended: boolean;
}

/** Parse a notify.conf mode such as `rwr-r-` (user, group, other) into access bits. */
function parseMode(mode: string): number {
  let access = 0;
  const shifts = [NOTIFY_ACCESS_USER_SHIFT, NOTIFY_ACCESS_GROUP_SHIFT, NOTIFY_ACCESS_OTHER_SHIFT];
  for (let i = 0; i < 3; i++) {
    const pair = mode.slice(2 * i, 2 * i + 2);
    if (pair[0] === 'r') access |= NOTIFY_ACCESS_READ << shifts[i]!;
    if (pair[1] === 'w') access |= NOTIFY_ACCESS_WRITE << shifts[i]!;
  }
  return access;
}

/** The reservations notifyd loads from notify.conf on macOS (Libnotify:notifyd/notify.conf.MacOSX). */
const MACOS_RESERVATIONS: readonly ControlledName[] = [
  { prefix: 'com.apple.system.', uid: 0, gid: 0, access: parseMode('rwr-r-') },
  { prefix: 'com.apple.system.clock_set', uid: 0, gid: 266, access: parseMode('rwrwr-') },
];

/** notifyd's state: names, clients and ports, over a transport of port handles P. */
export class NotifyState<P> {
  private readonly names = new Map<string, NameInfo>();
  private readonly namesById = new Map<bigint, NameInfo>();
  private readonly clients = new Map<string, Client<P>>();
  private readonly ports = new Map<P, PortData<P>>();
  /** Reserved prefixes, kept in descending strcmp order so longer names are tried first. */
  private readonly controlled: ControlledName[];
  private nextNameId = 0n;

  constructor(private readonly transport: NotifyTransport<P>) {
    this.controlled = [...MACOS_RESERVATIONS].sort((a, b) => (a.prefix < b.prefix ? 1 : a.prefix > b.prefix ? -1 : 0));
  }

  /** _internal_check_access: root may do anything; user.uid.N only uid N; reserved prefixes by mode. */
  checkAccess(name: string, uid: number, gid: number, req: number): number {
    if (uid === 0) return NOTIFY_STATUS_OK;
    if (name.startsWith(USER_PROTECTED_UID_PREFIX)) {
      const own = `${USER_PROTECTED_UID_PREFIX}${uid}`;
      const rest = name.slice(own.length);
      return name.startsWith(own) && (rest === '' || rest.startsWith('.')) ? NOTIFY_STATUS_OK : NOTIFY_STATUS_NOT_AUTHORIZED;
    }
    for (const p of this.controlled) {
      if (!name.startsWith(p.prefix)) continue;
      if (p.uid === uid && p.access & (req << NOTIFY_ACCESS_USER_SHIFT)) return NOTIFY_STATUS_OK;
      if (p.gid === gid && p.access & (req << NOTIFY_ACCESS_GROUP_SHIFT)) return NOTIFY_STATUS_OK;
      if (p.access & (req << NOTIFY_ACCESS_OTHER_SHIFT)) return NOTIFY_STATUS_OK;
      return NOTIFY_STATUS_NOT_AUTHORIZED;
    }
    return NOTIFY_STATUS_OK;
  }

  private static key(pid: number, token: number): string {
    return `${pid}:${token}`;
  }

  /** Whether notifyd already knows `port` (it created or was given it for a registration). */
  knowsPort(port: P): boolean {
    return this.ports.has(port);
  }

  /**
   * Register a Mach-port client (_notify_lib_register_mach_port plus notifyd's port
   * book-keeping). A duplicate (pid, token) first cancels the old client, as notifyd's
   * server_preflight does after an exec.
   */
  registerMachPort(name: string, cred: NotifyCredentials, token: number, port: P): number {
    return this.registerClient(name, cred, token, port);
  }

  /** Register a plain client, one that only notify_check sees (_notify_lib_register_plain). */
  registerPlain(name: string, cred: NotifyCredentials, token: number): number {
    return this.registerClient(name, cred, token, null);
  }

  private registerClient(name: string, cred: NotifyCredentials, token: number, port: P | null): number {
    const dup = this.clients.get(NotifyState.key(cred.pid, token));
    if (dup) this.cancelClient(dup);
    if (this.checkAccess(name, cred.uid, cred.gid, NOTIFY_ACCESS_READ) !== NOTIFY_STATUS_OK) return NOTIFY_STATUS_NOT_AUTHORIZED;
    let n = this.names.get(name);
    if (n === undefined) {
      n = { name, nameId: this.nextNameId++, val: 1, state: 0n, clients: [] };
      this.names.set(name, n);
      this.namesById.set(n.nameId, n);
    }
    const c: Client<P> = { pid: cred.pid, token, nameInfo: n, port, lastval: 0, suspendCount: 0, suspended: false, pending: false };
    n.clients.unshift(c as Client<unknown>);
    this.clients.set(NotifyState.key(cred.pid, token), c);
    if (port === null) return NOTIFY_STATUS_OK;
    let pd = this.ports.get(port);
    if (pd === undefined) {
      pd = { clients: [], suspended: false };
      this.ports.set(port, pd);
    }
    pd.clients.unshift(c);
    return NOTIFY_STATUS_OK;
  }

  /** Post `name` (_internal_post_name). Unknown name: NOTIFY_STATUS_INVALID_NAME (posting has no effect). */
  post(name: string, cred: NotifyCredentials): number {
    const n = this.names.get(name);
    if (n === undefined) return NOTIFY_STATUS_INVALID_NAME;
    return this.postName(n, cred);
  }

  /** Post by name id (_notify_server_post_3). */
  postById(nameId: bigint, cred: NotifyCredentials): number {
    const n = this.namesById.get(nameId);
    if (n === undefined) return NOTIFY_STATUS_INVALID_NAME;
    return this.postName(n, cred);
  }

  /** The id of a known name, if any. */
  nameIdOf(name: string): bigint | undefined {
    return this.names.get(name)?.nameId;
  }

  private postName(n: NameInfo, cred: NotifyCredentials): number {
    if (this.checkAccess(n.name, cred.uid, cred.gid, NOTIFY_ACCESS_WRITE) !== NOTIFY_STATUS_OK) return NOTIFY_STATUS_NOT_AUTHORIZED;
    n.val++;
    for (const c of [...n.clients] as Client<P>[]) this.send(c);
    return NOTIFY_STATUS_OK;
  }

  /** _internal_send for a port client. */
  private send(c: Client<P>): void {
    if (c.port === null) return;
    if (c.suspended) {
      c.pending = true;
      return;
    }
    const pd = this.ports.get(c.port);
    if (pd?.suspended) {
      c.suspendCount++;
      c.suspended = true;
      c.pending = true;
      return;
    }
    const r = this.transport.send(c.port, c.token, c.pid);
    if (r === 'full') {
      // Suspend on timeout; notifyd resumes on MACH_NOTIFY_SEND_POSSIBLE.
      c.suspendCount++;
      c.suspended = true;
      c.pending = true;
      if (pd) pd.suspended = true;
      return;
    }
    if (r === 'sent') c.pending = false;
  }

  /**
   * A send-possible notification for `port`: resume its clients until one fails again.
   * `delivered` names the client whose pending message the transport already delivered
   * when room opened (its send is not repeated).
   */
  sendPossible(port: P, delivered?: { pid: number; token: number }): void {
    const pd = this.ports.get(port);
    if (pd === undefined) return;
    pd.suspended = false;
    if (delivered !== undefined) {
      const c = this.clients.get(NotifyState.key(delivered.pid, delivered.token));
      if (c !== undefined) c.pending = false;
    }
    for (const c of [...pd.clients]) {
      this.resumeClient(c);
      if (pd.suspended) break;
    }
  }

  private resumeClient(c: Client<P>): void {
    if (c.suspendCount > 0) c.suspendCount--;
    if (c.suspendCount === 0) {
      c.suspended = false;
      if (c.pending) this.send(c);
    }
  }

  /** notify_suspend on the server side. */
  suspend(pid: number, token: number): number {
    const c = this.clients.get(NotifyState.key(pid, token));
    if (c === undefined) return NOTIFY_STATUS_INVALID_TOKEN;
    c.suspended = true;
    if (c.suspendCount < 255) c.suspendCount++;
    return NOTIFY_STATUS_OK;
  }

  /** notify_resume on the server side: the last resume sends one message if posts were missed. */
  resume(pid: number, token: number): number {
    const c = this.clients.get(NotifyState.key(pid, token));
    if (c === undefined) return NOTIFY_STATUS_INVALID_TOKEN;
    this.resumeClient(c);
    return NOTIFY_STATUS_OK;
  }

  /** _notify_lib_check: 1 if the name was posted since this client last checked. */
  check(pid: number, token: number): { status: number; check: number } {
    const c = this.clients.get(NotifyState.key(pid, token));
    if (c === undefined) return { status: NOTIFY_STATUS_INVALID_TOKEN, check: 0 };
    if (c.nameInfo.val === c.lastval) return { status: NOTIFY_STATUS_OK, check: 0 };
    c.lastval = c.nameInfo.val;
    return { status: NOTIFY_STATUS_OK, check: 1 };
  }

  /** The name's state word, by client token. */
  getState(pid: number, token: number): { status: number; state: bigint; nameId: bigint } {
    const c = this.clients.get(NotifyState.key(pid, token));
    if (c === undefined) return { status: NOTIFY_STATUS_INVALID_TOKEN, state: 0n, nameId: 0n };
    return { status: NOTIFY_STATUS_OK, state: c.nameInfo.state, nameId: c.nameInfo.nameId };
  }

  /** Set the name's state word, by client token (WRITE access needed; does not post). */
  setState(pid: number, token: number, state: bigint, cred: NotifyCredentials): { status: number; nameId: bigint } {
    const c = this.clients.get(NotifyState.key(pid, token));
    if (c === undefined) return { status: NOTIFY_STATUS_INVALID_TOKEN, nameId: 0n };
    if (this.checkAccess(c.nameInfo.name, cred.uid, cred.gid, NOTIFY_ACCESS_WRITE) !== NOTIFY_STATUS_OK) {
      return { status: NOTIFY_STATUS_NOT_AUTHORIZED, nameId: c.nameInfo.nameId };
    }
    c.nameInfo.state = BigInt.asUintN(64, state);
    return { status: NOTIFY_STATUS_OK, nameId: c.nameInfo.nameId };
  }

  /**
   * Cancel the client (pid, token). Returns the port it used when that was the port's last
   * client (notifyd then releases its send right), else undefined.
   */
  cancel(pid: number, token: number): { found: boolean; releasedPort?: P } {
    const c = this.clients.get(NotifyState.key(pid, token));
    if (c === undefined) return { found: false };
    return { found: true, releasedPort: this.cancelClient(c) };
  }

  private cancelClient(c: Client<P>): P | undefined {
    this.clients.delete(NotifyState.key(c.pid, c.token));
    const n = c.nameInfo;
    n.clients.splice(n.clients.indexOf(c as Client<unknown>), 1);
    if (n.clients.length === 0) {
      this.names.delete(n.name);
      this.namesById.delete(n.nameId);
    }
    if (c.port === null) return undefined;
    this.transport.cancelled(c.port, c.token, c.pid);
    const pd = this.ports.get(c.port);
    if (pd) {
      pd.clients.splice(pd.clients.indexOf(c), 1);
      if (pd.clients.length === 0) {
        this.ports.delete(c.port);
        return c.port;
      }
    }
    return undefined;
  }

  /** The ports notifyd knows (it holds a send right to each). */
  knownPorts(): P[] {
    return [...this.ports.keys()];
  }

  /** A dead-name notification for `port`: cancel every client on it (do_mach_notify_dead_name). */
  portDied(port: P): void {
    const pd = this.ports.get(port);
    if (pd === undefined) return;
    for (const c of [...pd.clients]) this.cancelClient(c);
    this.ports.delete(port);
  }

  /** Cancel every client of a process (its exit, notify_proc.c:proc_cancel). */
  processExited(pid: number): P[] {
    const released: P[] = [];
    for (const c of [...this.clients.values()]) {
      if (c.pid !== pid) continue;
      const p = this.cancelClient(c);
      if (p !== undefined) released.push(p);
    }
    return released;
  }

  /** Used by tests and status output: the number of live clients. */
  get clientCount(): number {
    return this.clients.size;
  }
}

