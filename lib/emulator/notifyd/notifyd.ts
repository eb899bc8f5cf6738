/**
 * The emulated notifyd: the Darwin notification daemon of one kernel, registered with the
 * kernel's launchd as "com.apple.system.notification_center" and served on a user-service
 * port (synchronously, inside the sender's mach_msg). It answers the notify_ipc routines
 * the client library sends (./notify_ipc.ts) with the state engine of ./notify_state.ts.
 *
 * Delivery follows Libnotify (libnotify.c:_internal_send_port; notifyd/notify_proc.c):
 * - a registration made without NOTIFY_REUSE gets a port notifyd creates with qlimit 16
 *   (mach_port_construct MPO_QLIMIT); notifyd keeps a send right (mscount 1) and the
 *   caller gets the receive right;
 * - each post sends, to every registration of the name, a 24-byte message: bits
 *   MACH_MSGH_BITS(COPY_SEND, 0), no reply port, msgh_id = the registration's token, sent
 *   with a zero send timeout (received as bits 0x1100, remote 0, size 24);
 * - on a full queue the registration and its port are suspended and the post is owed;
 *   notifyd sends with MACH_SEND_NOTIFY so the kernel tells it (send-possible) when a
 *   message is dequeued, and then sends exactly one message per owed registration. Here the
 *   owed message waits in the port's blocked-sender list, which the kernel serves at the
 *   same moment (the first free slot), and the other owed registrations follow;
 * - a port whose receive right died, and a process that exited, lose their registrations
 *   (notifyd's dead-name and process-exit handlers, run before each request here).
 * notifyd runs as root under launchd: its messages carry uid 0 and a fixed pid below the
 * emulator's task pids.
 * @module
 */
import {
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_SUCCESS,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_PORT_RECEIVE,
  MACH_MSG_TYPE_PORT_SEND,
  MACH_SEND_TIMEOUT,
  MACH_SEND_TIMED_OUT,
  MIG_BAD_ARGUMENTS,
  MIG_BAD_ID,
} from '../../constants.js';
import type { Kernel } from '../kernel.js';
import { Kmsg, type KDescriptor, type SenderIdentity } from '../kmsg.js';
import type { KobjectReply, KobjectRequest } from '../kobject.js';
import { MigBadArguments, MigReader, migReplyErrorBody, MigWriter, requireEmptyBody } from '../kobject/mig.js';
import { launchdOf } from '../launchd/install.js';
import { mqueueSend } from '../mqueue.js';
import { IP_VALID, type Port } from '../port.js';
import type { EmulatedTask } from '../task.js';
import { SendWaiter } from '../waiter.js';
import { NOTIFY_IPC, NOTIFY_IPC_VERSION, NOTIFY_SERVICE_NAME, readNamedRequest } from './notify_ipc.js';
import { type DeliveryResult, type NotifyCredentials, NotifyState } from './notify_state.js';
import { NOTIFY_STATUS_OK } from './notify_status.js';

/** The pid the emulated notifyd reports (checkin) and sends with. */
export const NOTIFYD_PID = 90;
/** The queue limit of ports notifyd creates (Libnotify:notifyd/notify_proc.c:__notify_server_register_mach_port_3). */
export const NOTIFYD_PORT_QLIMIT = 16;

/** notifyd's identity in trailers: root, no audit user (a launchd daemon), NOTIFYD_PID. */
const NOTIFYD_SENDER: SenderIdentity = Object.freeze({
  token: Object.freeze({ uid: 0, gid: 0 }),
  audit: Object.freeze({ auid: 0xffffffff, euid: 0, egid: 0, ruid: 0, rgid: 0, pid: NOTIFYD_PID, asid: 0, pidversion: NOTIFYD_PID }),
});

const EMPTY = new Uint8Array(0);
const notifyds = new WeakMap<Kernel, EmulatedNotifyd>();

/** A reply of NDR, RetCode 0 and 32-bit out arguments. */
function reply(out: (w: MigWriter) => void): KobjectReply {
  const w = new MigWriter().ndr().u32(0);
  out(w);
  return { body: w.finish(), retCode: 0 };
}

/** The emulated notifyd of one kernel. */
export class EmulatedNotifyd {
  /** notifyd's service port (what bootstrap_look_up of NOTIFY_SERVICE_NAME returns a send right to). */
  readonly port: Port;
  /** The state engine: names, clients, ports. */
  readonly state: NotifyState<Port>;
  private readonly tasks = new Map<number, EmulatedTask>();
  private readonly owed = new Map<string, SendWaiter>();
  /** Extra send rights held for NOTIFY_REUSE registrations, released at cancel. */
  private readonly reuseRights = new Map<string, Port>();

  /** The notifyd of `kernel`, started (and registered with its launchd) on first use. */
  static of(kernel: Kernel): EmulatedNotifyd {
    let d = notifyds.get(kernel);
    if (d === undefined) {
      d = new EmulatedNotifyd(kernel);
      notifyds.set(kernel, d);
    }
    return d;
  }

  private constructor(private readonly kernel: Kernel) {
    this.port = kernel.createKobjectPort(0, (req) => this.serve(req), { userService: true, label: 'notifyd' });
    this.state = new NotifyState<Port>({
      send: (port, token, pid) => this.deliver(port, token, pid),
      cancelled: (port, token, pid) => this.forget(port, token, pid),
    });
    launchdOf(kernel).addDaemonService(NOTIFY_SERVICE_NAME, this.port);
  }

  private static key(pid: number, token: number): string {
    return `${pid}:${token}`;
  }

  // -------------------------------------------------------------------------
  // Delivery

  /** _internal_send_port: one 24-byte message, COPY_SEND of notifyd's right, zero timeout. */
  private deliver(port: Port, token: number, pid: number): DeliveryResult {
    if (!port.active) return 'failed';
    const kernel = this.kernel;
    kernel.enter(null);
    try {
      port.copySend();
      const kmsg = new Kmsg(MACH_MSG_TYPE_PORT_SEND, port, null, 0, token | 0, null, EMPTY, NOTIFYD_SENDER);
      const mr = mqueueSend(port, kmsg, MACH_SEND_TIMEOUT, 0);
      if (mr === MACH_MSG_SUCCESS) return 'sent';
      if (mr !== MACH_SEND_TIMED_OUT) {
        kernel.destroyKmsg(kmsg);
        return 'failed';
      }
      this.owe(port, kmsg, token, pid);
      return 'full';
    } finally {
      kernel.leave();
    }
  }

  /**
   * The queue was full: keep the message as the one owed to (pid, token) until a message is
   * dequeued, then let the other suspended registrations of the port follow
   * (do_mach_notify_send_possible).
   */
  private owe(port: Port, kmsg: Kmsg, token: number, pid: number): void {
    const key = EmulatedNotifyd.key(pid, token);
    const task = this.tasks.get(pid);
    if (task === undefined || this.owed.has(key)) {
      this.kernel.destroyKmsg(kmsg);
      return;
    }
    const w = new SendWaiter(
      task,
      kmsg,
      port,
      { header: { msgh_bits: 0x13, msgh_remote_port: 0, msgh_id: token } },
      MACH_SEND_TIMEOUT,
      () => {
        this.owed.delete(key);
        if (port.active) this.state.sendPossible(port, { pid, token });
      },
      () => this.owed.delete(key),
    );
    (port.sendWaiters ??= []).push(w);
    this.owed.set(key, w);
  }

  /** A registration went away: drop what it was owed and the right it held. */
  private forget(_port: Port, token: number, pid: number): void {
    const key = EmulatedNotifyd.key(pid, token);
    const w = this.owed.get(key);
    if (w !== undefined) {
      this.owed.delete(key);
      w.done = true;
      w.unlink();
      this.kernel.destroyKmsg(w.kmsg);
    }
    const extra = this.reuseRights.get(key);
    if (extra !== undefined) {
      this.reuseRights.delete(key);
      this.kernel.releaseRight(extra, MACH_MSG_TYPE_PORT_SEND);
    }
  }

  /** Release notifyd's own send right to a port it no longer tracks (port_free). */
  private releasePort(port: Port): void {
    this.kernel.releaseRight(port, MACH_MSG_TYPE_PORT_SEND);
  }

  /** Handle the dead-name notifications and process exits notifyd would have received. */
  private reap(): void {
    for (const port of this.state.knownPorts()) {
      if (port.active) continue;
      this.state.portDied(port);
      this.releasePort(port);
    }
    for (const [pid, task] of this.tasks) {
      if (!task.terminated) continue;
      this.tasks.delete(pid);
      for (const port of this.state.processExited(pid)) this.releasePort(port);
    }
  }

  // -------------------------------------------------------------------------
  // The notify_ipc server

  private serve(req: KobjectRequest): KobjectReply | undefined {
    this.reap();
    const audit = req.caller.sender.audit;
    const cred: NotifyCredentials = { pid: audit.pid, uid: audit.euid, gid: audit.egid };
    if (!this.tasks.has(cred.pid)) this.tasks.set(cred.pid, req.caller);
    try {
      if (req.id !== NOTIFY_IPC.register_mach_port_2 && req.descriptors.length !== 0) throw new MigBadArguments('unexpected descriptors');
      return this.route(req, cred);
    } catch (e) {
      if (e instanceof MigBadArguments) return { body: migReplyErrorBody(MIG_BAD_ARGUMENTS), retCode: MIG_BAD_ARGUMENTS };
      throw e;
    }
  }

  private route(req: KobjectRequest, cred: NotifyCredentials): KobjectReply | undefined {
    const body = req.body;
    const text = (b: Uint8Array): string => new TextDecoder().decode(b);
    switch (req.id) {
      case NOTIFY_IPC.checkin:
        requireEmptyBody(body);
        return reply((w) => w.u32(NOTIFY_IPC_VERSION).u32(NOTIFYD_PID).u32(NOTIFY_STATUS_OK));

      case NOTIFY_IPC.register_mach_port_3: {
        const { name, rest } = readNamedRequest(body, 4);
        const token = rest.i32();
        // mach_port_construct({MPO_QLIMIT, 16}) then MAKE_SEND for notifyd itself.
        const port = this.kernel.createPort(`notify ${text(name)}`);
        port.qlimit = NOTIFYD_PORT_QLIMIT;
        this.kernel.makeRight(port, MACH_MSG_TYPE_MAKE_SEND);
        const status = this.state.registerMachPort(text(name), cred, token, port);
        let out: Port | null = port;
        if (status !== NOTIFY_STATUS_OK) {
          this.kernel.releaseRight(port, MACH_MSG_TYPE_PORT_SEND);
          this.kernel.releaseRight(port, MACH_MSG_TYPE_PORT_RECEIVE);
          out = null;
        }
        const descriptors: KDescriptor[] = [{ type: MACH_MSG_PORT_DESCRIPTOR, port: out, disposition: MACH_MSG_TYPE_PORT_RECEIVE }];
        return { descriptors, body: new MigWriter().ndr().u32(status).finish(), retCode: 0 };
      }

      case NOTIFY_IPC.register_mach_port_2: {
        const d = req.descriptors;
        if (d.length !== 1 || d[0]!.type !== MACH_MSG_PORT_DESCRIPTOR) throw new MigBadArguments('one port descriptor expected');
        const { name, rest } = readNamedRequest(body, 4);
        const token = rest.i32();
        const right = d[0]!.port;
        // notifyd honours NOTIFY_REUSE only for ports it created; others are dropped silently.
        if (!IP_VALID(right) || !this.state.knowsPort(right)) {
          if (IP_VALID(right)) this.kernel.releaseRight(right, MACH_MSG_TYPE_PORT_SEND);
          return undefined;
        }
        if (this.state.registerMachPort(text(name), cred, token, right) === NOTIFY_STATUS_OK) {
          this.reuseRights.set(EmulatedNotifyd.key(cred.pid, token), right);
        } else {
          this.kernel.releaseRight(right, MACH_MSG_TYPE_PORT_SEND);
        }
        return undefined;
      }

      case NOTIFY_IPC.register_plain_2: {
        const { name, rest } = readNamedRequest(body, 4);
        this.state.registerPlain(text(name), cred, rest.i32());
        return undefined;
      }

      case NOTIFY_IPC.post_4: {
        const { name, rest } = readNamedRequest(body, 4);
        rest.u32(); // claim_root_access: needs an entitlement the emulator does not model
        // A simpleroutine: whether anyone listened, or the caller may post, is not reported.
        this.state.post(text(name), cred);
        return undefined;
      }

      case NOTIFY_IPC.cancel_2: {
        const token = new MigReader(body, 12).i32();
        const r = this.state.cancel(cred.pid, token);
        if (r.releasedPort !== undefined) this.releasePort(r.releasedPort);
        return undefined;
      }

      case NOTIFY_IPC.check: {
        const token = new MigReader(body, 12).i32();
        const r = this.state.check(cred.pid, token);
        return reply((w) => w.u32(r.check).u32(r.status));
      }

      case NOTIFY_IPC.suspend:
      case NOTIFY_IPC.resume: {
        const token = new MigReader(body, 12).i32();
        const status = req.id === NOTIFY_IPC.suspend ? this.state.suspend(cred.pid, token) : this.state.resume(cred.pid, token);
        return reply((w) => w.u32(status));
      }

      case NOTIFY_IPC.get_state_3: {
        const token = new MigReader(body, 12).i32();
        const r = this.state.getState(cred.pid, token);
        return reply((w) => w.u64(r.state).u64(r.nameId).u32(r.status));
      }

      case NOTIFY_IPC.set_state_3: {
        const r = new MigReader(body, 24);
        const token = r.i32();
        const value = r.u64();
        r.u32(); // claim_root_access
        const s = this.state.setState(cred.pid, token, value, cred);
        return reply((w) => w.u64(s.nameId).u32(s.status));
      }

      default:
        return { body: migReplyErrorBody(MIG_BAD_ID), retCode: MIG_BAD_ID };
    }
  }
}
