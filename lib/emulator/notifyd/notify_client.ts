/**
 * The client library (Libnotify's notify_client.c) for an emulated task: the notify_*
 * functions, talking to the kernel's emulated notifyd over MIG. The task is an
 * {@link EmulatedTask} of this process, or any task that offers MachApi, `kernelCall` and
 * `kernelSend`, such as a kernel host's client task (RemoteTask, lib/kernel-host): that one
 * reaches the host kernel's notifyd, shared by every process and worker of the host,
 * through the calls it forwards (bootstrap_look_up; kernelCall for routines, kernelSend
 * for simpleroutines, see sendSimple; mach_msg for "self." notifications). Per task it keeps what
 * libnotify keeps per process: the token counter (starting at 1, so the first token is 2,
 * shared by all registration kinds), the registrations by token, and a count of
 * registrations per port, so the port notifyd created for the caller is destroyed with the
 * last token on it (notify_release_mach_port_locked → mach_port_destruct).
 *
 * Names beginning with "self." never leave the task: the library registers them in its own
 * state, allocates the port itself (default queue limit) and sends the messages from the
 * task; a full queue drops the notification (notify_register_mach_port_self).
 *
 * Not modelled: dispatch-based registrations (NOTIFY_OPT_DISPATCH), signal and file
 * descriptor delivery, shared-memory check slots (notify_register_check registers a plain
 * client and notify_check asks notifyd, the fallback libnotify itself uses), and the post
 * by name id optimisation (every post goes by name, post_4).
 * @module
 */
import {
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_SUCCESS,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_PORT_RECEIVE,
  MACH_MSGH_BITS,
  MACH_MSGH_BITS_COMPLEX,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_VALID,
  MACH_SEND_MSG,
  MACH_SEND_TIMEOUT,
  MACH_SEND_TIMED_OUT,
  MACH_PORT_RECEIVE_STATUS,
} from '../../constants.js';
import { MachError } from '../../errors.js';
import type { MachApi, MachMessage, mach_port_status_t, PortDescriptor, ReceivedMessage } from '../../types.js';
import { MigWriter } from '../kobject/mig.js';
import { msgSend } from '../mach-msg.js';
import { EmulatedTask } from '../task.js';
import { NOTIFY_IPC, NOTIFY_SERVICE_NAME, writeNotifyName } from './notify_ipc.js';
import { type DeliveryResult, NotifyState } from './notify_state.js';
import {
  NOTIFY_REUSE,
  NOTIFY_STATUS_FAILED,
  NOTIFY_STATUS_INVALID_NAME,
  NOTIFY_STATUS_INVALID_PORT,
  NOTIFY_STATUS_INVALID_TOKEN,
  NOTIFY_STATUS_OK,
  NOTIFY_STATUS_SERVER_NOT_FOUND,
  NotifyError,
} from './notify_status.js';

/** NOTIFY_CLIENT_SELF: the pid under which "self." registrations are kept (Libnotify:libnotify.h). */
const NOTIFY_CLIENT_SELF = 0;
const SELF_PREFIX = 'self.';

/** One registration of the task (registration_node_t). */
interface Registration {
  readonly name: string;
  /** The port name in the task, or null for a check (plain) registration. */
  readonly port: number | null;
  readonly self: boolean;
}

/** A port the task's registrations use (mp_entry). */
interface PortUse {
  refs: number;
  /** Created for the caller (no NOTIFY_REUSE on first use): destroyed with the last token. */
  readonly mine: boolean;
  /** The library added a send right (self registrations): released with the last token. */
  readonly releaseSend: boolean;
}

/**
 * A task the client library works with: MachApi plus a synchronous kernel-object call
 * (kernelCall, for MIG routines) and a synchronous send to a port the kernel serves
 * (kernelSend, for simpleroutines). An {@link EmulatedTask} of this process, or a kernel
 * host's client task (RemoteTask), whose calls the host's kernel answers.
 */
export type NotifyTask = MachApi & {
  kernelCall(request: MachMessage): ReceivedMessage;
  kernelSend(msg: MachMessage): number;
};

/** libnotify's per-process globals, per emulated task. */
interface ClientGlobals {
  /** The task when it is an EmulatedTask of this process (sends go straight to its kernel), else null. */
  readonly local: EmulatedTask | null;
  tokenId: number;
  server: number | null;
  readonly registrations: Map<number, Registration>;
  readonly ports: Map<number, PortUse>;
  readonly self: NotifyState<number>;
}

const globals = new WeakMap<NotifyTask, ClientGlobals>();

/** The task's libnotify globals, created on first use. */
function globalsOf(task: NotifyTask): ClientGlobals {
  let g = globals.get(task);
  if (g === undefined) {
    const local = task instanceof EmulatedTask ? task : null;
    g = {
      local,
      tokenId: 1,
      server: null,
      registrations: new Map(),
      ports: new Map(),
      self: new NotifyState<number>({
        send: local !== null ? (port, token) => sendFromTask(local, port, token) : (port, token) => sendFromRemoteTask(task, port, token),
        cancelled: () => {},
      }),
    };
    globals.set(task, g);
  }
  return g;
}

/** Check an emulated task argument (an EmulatedTask, or a kernel host's client task). */
function taskOf(task: unknown): NotifyTask {
  if (typeof task !== 'object' || task === null || typeof (task as NotifyTask).kernelCall !== 'function' || typeof (task as NotifyTask).kernelSend !== 'function') {
    throw new TypeError('task must be an emulated task');
  }
  return task as NotifyTask;
}

/** A notification name: a string, or null/undefined for C's NULL (NOTIFY_STATUS_INVALID_NAME). */
function nameOf(name: unknown, context: string): string {
  if (name === null || name === undefined) throw new NotifyError(NOTIFY_STATUS_INVALID_NAME, context);
  if (typeof name !== 'string') throw new TypeError(`${context}: name must be a string`);
  return name;
}

/** A token: an int. */
function tokenOf(token: unknown, context: string): number {
  if (typeof token !== 'number' || !Number.isInteger(token)) throw new TypeError(`${context}: token must be an integer`);
  return token | 0;
}

/** The name's bytes as the MIG stub copies them (C string: up to the first NUL). */
function nameBytes(name: string): Uint8Array {
  const b = new TextEncoder().encode(name);
  const nul = b.indexOf(0);
  return nul >= 0 ? b.subarray(0, nul) : b;
}

/**
 * Send a simpleroutine to notifyd and return the mach_msg_return_t: the message as
 * libnotify's MIG stub sends it (MACH_SEND_MSG, no reply port). notifyd's port is served
 * inside the send, so the send completes synchronously, on this process's kernel or on a
 * kernel host's (kernelSend is one synchronous request there). Send errors
 * (MACH_SEND_INVALID_DEST, _RIGHT, …) are kernelSend's result. A failure of the call
 * itself (the task or its kernel host gone, a fatal guard) is a transport failure too: its
 * code is returned and the caller fails with NOTIFY_STATUS_FAILED.
 */
function sendSimple(task: NotifyTask, msg: MachMessage): number {
  try {
    return task.kernelSend(msg);
  } catch (e) {
    if (!(e instanceof MachError)) throw e;
    return e.kr;
  }
}

/**
 * mach_msg's send half to an ordinary port for a task of this process, synchronously (the
 * mach_msg_return_t): the self-notifications' zero-timeout send, which must know at once
 * whether the queue took the message. (kernelSend serves notifyd's requests; it refuses
 * ordinary ports by design.)
 */
function sendLocal(task: EmulatedTask, msg: MachMessage, option: number): number {
  const kernel = task.kernel;
  kernel.enter(task);
  try {
    const r = msgSend(task, msg, option, 0, { kobjectCall: false, anyCall: true, signal: null });
    return typeof r === 'number' ? r : MACH_MSG_SUCCESS;
  } finally {
    kernel.takeGuard();
    kernel.leave();
  }
}

/**
 * A self-notification: the task sends the 24-byte message itself with a zero timeout. A full
 * queue drops it (the library's own state does not resend), and, as libnotify does with
 * mach_msg_destroy, the right the failed send handed back is released.
 */
function sendFromTask(task: EmulatedTask, port: number, token: number): DeliveryResult {
  const msg: MachMessage = { header: { msgh_bits: MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), msgh_remote_port: port, msgh_id: token } };
  const mr = sendLocal(task, msg, MACH_SEND_MSG | MACH_SEND_TIMEOUT);
  if (mr === MACH_MSG_SUCCESS) return 'sent';
  if (mr === MACH_SEND_TIMED_OUT) {
    try {
      task.mach_port_deallocate(task.mach_task_self(), msg.header.msgh_remote_port);
    } catch (e) {
      if (!(e instanceof MachError)) throw e;
    }
  }
  return 'failed';
}

/**
 * A self-notification from a task of a kernel host, whose mach_msg completes later. A
 * queue the task receives on and sees full drops the notification here ('failed'), as the
 * in-process zero-timeout send would; otherwise the message is sent and counted as sent
 * (a send that still times out, another sender having filled the queue meanwhile, drops it
 * and the right it handed back is released when the failure arrives).
 */
function sendFromRemoteTask(task: NotifyTask, port: number, token: number): DeliveryResult {
  try {
    const st = task.mach_port_get_attributes(task.mach_task_self(), port, MACH_PORT_RECEIVE_STATUS) as mach_port_status_t;
    if (st.mps_msgcount >= st.mps_qlimit) return 'failed';
  } catch (e) {
    // Not a receive right of the task (a send right it registered with NOTIFY_REUSE): just send.
    if (!(e instanceof MachError)) throw e;
  }
  const msg: MachMessage = { header: { msgh_bits: MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), msgh_remote_port: port, msgh_id: token } };
  task.mach_msg(msg, MACH_SEND_MSG | MACH_SEND_TIMEOUT, 0, 0).then(undefined, (e: unknown) => {
    if (!(e instanceof MachError) || e.kr !== MACH_SEND_TIMED_OUT) return;
    try {
      task.mach_port_deallocate(task.mach_task_self(), msg.header.msgh_remote_port);
    } catch (err) {
      // The task may be gone by now; libnotify ignores the result too.
      if (!(err instanceof MachError)) throw err;
    }
  });
  return 'sent';
}

/**
 * _notify_lib_init: look notifyd up through the task's bootstrap port (NOTIFY_STATUS_SERVER_NOT_FOUND
 * on failure). notifyd is a service launchd declares: the look-up starts the kernel's notifyd
 * if it is not running yet (lib/emulator/launchd/install.ts), for a task of a kernel host too.
 */
function server(task: NotifyTask, g: ClientGlobals): number {
  if (g.server !== null) return g.server;
  try {
    g.server = task.bootstrap_look_up(task.bootstrap_port, NOTIFY_SERVICE_NAME);
  } catch (e) {
    if (e instanceof MachError) throw new NotifyError(NOTIFY_STATUS_SERVER_NOT_FOUND, 'notify');
    throw e;
  }
  return g.server;
}

/** The header of a request to notifyd. */
function header(server: number, id: number, withReply: boolean, complex = false): MachMessage['header'] {
  const local = withReply ? MACH_MSG_TYPE_MAKE_SEND_ONCE : 0;
  return { msgh_bits: (MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, local) | (complex ? MACH_MSGH_BITS_COMPLEX : 0)) >>> 0, msgh_remote_port: server, msgh_id: id };
}

/** A routine call to notifyd; transport failures become NOTIFY_STATUS_FAILED. */
function call(task: NotifyTask, g: ClientGlobals, id: number, body: Uint8Array, context: string): ReceivedMessage {
  try {
    const reply = task.kernelCall({ header: header(server(task, g), id, true), body });
    if (reply.header.msgh_id !== id + 100) throw new NotifyError(NOTIFY_STATUS_FAILED, context);
    return reply;
  } catch (e) {
    if (e instanceof MachError) throw new NotifyError(NOTIFY_STATUS_FAILED, context);
    throw e;
  }
}

/** The 32-bit word at `offset` of a reply body. */
function word(reply: ReceivedMessage, offset: number): number {
  if (reply.body.length < offset + 4) throw new NotifyError(NOTIFY_STATUS_FAILED, 'notify');
  return new DataView(reply.body.buffer, reply.body.byteOffset).getInt32(offset, true);
}

/** notify_retain_mach_port. */
function retainPort(g: ClientGlobals, port: number, mine: boolean, releaseSend: boolean): void {
  const use = g.ports.get(port);
  if (use !== undefined) use.refs++;
  else g.ports.set(port, { refs: 1, mine, releaseSend });
}

/** notify_release_mach_port_locked: the last registration on a port releases it. */
function releasePort(task: NotifyTask, g: ClientGlobals, port: number): void {
  const use = g.ports.get(port);
  if (use === undefined) return;
  if (use.refs > 1) {
    use.refs--;
    return;
  }
  g.ports.delete(port);
  const self = task.mach_task_self();
  try {
    if (use.mine) task.mach_port_destruct(self, port, use.releaseSend ? -1 : 0, 0n);
    else if (use.releaseSend) task.mach_port_deallocate(self, port);
  } catch (e) {
    // The caller may already have destroyed the port; libnotify ignores the result too.
    if (!(e instanceof MachError)) throw e;
  }
}

/**
 * notify_register_mach_port: register for `name` on a Mach port. Without NOTIFY_REUSE
 * notifyd creates the port (qlimit 16) and the caller receives its receive right; with
 * NOTIFY_REUSE `port` must be a valid name (NOTIFY_STATUS_INVALID_PORT otherwise), and only a
 * port an earlier registration returned is honoured by notifyd. Returns the token and the
 * port name. Throws NotifyError with libnotify's status.
 */
export function notify_register_mach_port(task: NotifyTask, name: string, port: number, flags: number): { token: number; port: number } {
  const t = taskOf(task);
  const n = nameOf(name, 'notify_register_mach_port');
  if (typeof flags !== 'number' || !Number.isInteger(flags)) throw new TypeError('notify_register_mach_port: flags must be an integer');
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 0xffffffff) throw new TypeError('notify_register_mach_port: port must be a port name');
  const g = globalsOf(t);
  const reuse = (flags & NOTIFY_REUSE) !== 0;
  const self = t.mach_task_self();

  if (n.startsWith(SELF_PREFIX)) {
    let p = port;
    if (!reuse) p = t.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    else if (!MACH_PORT_VALID(p)) throw new NotifyError(NOTIFY_STATUS_INVALID_PORT, 'notify_register_mach_port');
    try {
      t.mach_port_insert_right(self, p, p, MACH_MSG_TYPE_MAKE_SEND);
    } catch (e) {
      if (!(e instanceof MachError)) throw e;
      if (!reuse) t.mach_port_destruct(self, p, 0, 0n);
      throw new NotifyError(NOTIFY_STATUS_INVALID_PORT, 'notify_register_mach_port');
    }
    const token = ++g.tokenId;
    g.self.registerMachPort(n, { pid: NOTIFY_CLIENT_SELF, uid: 0, gid: 0 }, token, p);
    g.registrations.set(token, { name: n, port: p, self: true });
    retainPort(g, p, !reuse, true);
    return { token, port: p };
  }

  if (reuse && !MACH_PORT_VALID(port)) throw new NotifyError(NOTIFY_STATUS_INVALID_PORT, 'notify_register_mach_port');
  const srv = server(t, g);
  const token = ++g.tokenId;
  const body = writeNotifyName(new MigWriter().ndr(), nameBytes(n)).u32(token).finish();
  let p = port;
  if (!reuse) {
    const reply = call(t, g, NOTIFY_IPC.register_mach_port_3, body, 'notify_register_mach_port');
    const d = reply.descriptors[0] as PortDescriptor | undefined;
    const status = word(reply, 8);
    if (status !== NOTIFY_STATUS_OK) throw new NotifyError(status > 10 && status !== NOTIFY_STATUS_FAILED ? NOTIFY_STATUS_FAILED : status, 'notify_register_mach_port');
    if (d === undefined || d.type !== MACH_MSG_PORT_DESCRIPTOR || d.disposition !== MACH_MSG_TYPE_PORT_RECEIVE) throw new NotifyError(NOTIFY_STATUS_FAILED, 'notify_register_mach_port');
    p = d.name;
  } else {
    const mr = sendSimple(t, {
      header: header(srv, NOTIFY_IPC.register_mach_port_2, false, true),
      descriptors: [{ type: MACH_MSG_PORT_DESCRIPTOR, name: port, disposition: MACH_MSG_TYPE_MAKE_SEND }],
      body,
    });
    if (mr !== MACH_MSG_SUCCESS) throw new NotifyError(NOTIFY_STATUS_FAILED, 'notify_register_mach_port');
  }
  g.registrations.set(token, { name: n, port: p, self: false });
  retainPort(g, p, !reuse, false);
  return { token, port: p };
}

/**
 * notify_register_check: a registration that notify_check polls. (libnotify uses a shared
 * memory slot when it can; the emulator uses the plain-registration fallback, whose
 * notify_check asks notifyd: the first check reports 1.)
 */
export function notify_register_check(task: NotifyTask, name: string): number {
  const t = taskOf(task);
  const n = nameOf(name, 'notify_register_check');
  const g = globalsOf(t);
  const token = ++g.tokenId;
  if (n.startsWith(SELF_PREFIX)) {
    g.self.registerPlain(n, { pid: NOTIFY_CLIENT_SELF, uid: 0, gid: 0 }, token);
    g.registrations.set(token, { name: n, port: null, self: true });
    return token;
  }
  const body = writeNotifyName(new MigWriter().ndr(), nameBytes(n)).u32(token).finish();
  const mr = sendSimple(t, { header: header(server(t, g), NOTIFY_IPC.register_plain_2, false), body });
  if (mr !== MACH_MSG_SUCCESS) throw new NotifyError(NOTIFY_STATUS_FAILED, 'notify_register_check');
  g.registrations.set(token, { name: n, port: null, self: false });
  return token;
}

/**
 * notify_post: post `name`. Asynchronous on Darwin (a simpleroutine): NOTIFY_STATUS_OK
 * whether or not anyone listens or the caller may post it; only a transport failure fails.
 */
export function notify_post(task: NotifyTask, name: string): void {
  const t = taskOf(task);
  const n = nameOf(name, 'notify_post');
  const g = globalsOf(t);
  if (n.startsWith(SELF_PREFIX)) {
    g.self.post(n, { pid: NOTIFY_CLIENT_SELF, uid: 0, gid: 0 });
    return;
  }
  const body = writeNotifyName(new MigWriter().ndr(), nameBytes(n)).u32(0).finish();
  const mr = sendSimple(t, { header: header(server(t, g), NOTIFY_IPC.post_4, false), body });
  if (mr !== MACH_MSG_SUCCESS) throw new NotifyError(NOTIFY_STATUS_FAILED, 'notify_post');
}

/** The registration of `token`, or NOTIFY_STATUS_INVALID_TOKEN. */
function registration(g: ClientGlobals, token: number, context: string): Registration {
  const r = g.registrations.get(token);
  if (r === undefined) throw new NotifyError(NOTIFY_STATUS_INVALID_TOKEN, context);
  return r;
}

/** notify_check: 1 if the name was posted since the last check (the first check reports 1), else 0. */
export function notify_check(task: NotifyTask, token: number): number {
  const t = taskOf(task);
  const tok = tokenOf(token, 'notify_check');
  const g = globalsOf(t);
  const r = registration(g, tok, 'notify_check');
  if (r.self) {
    const c = g.self.check(NOTIFY_CLIENT_SELF, tok);
    if (c.status !== NOTIFY_STATUS_OK) throw new NotifyError(c.status, 'notify_check');
    return c.check;
  }
  const reply = call(t, g, NOTIFY_IPC.check, new MigWriter().ndr().u32(tok).finish(), 'notify_check');
  const status = word(reply, 16);
  if (status !== NOTIFY_STATUS_OK) throw new NotifyError(status, 'notify_check');
  return word(reply, 12);
}

/**
 * notify_cancel: end the registration. An unknown token → NOTIFY_STATUS_INVALID_TOKEN;
 * otherwise always OK. The last registration on a port notifyd created destroys that port's
 * receive right in the caller's space.
 */
export function notify_cancel(task: NotifyTask, token: number): void {
  const t = taskOf(task);
  const tok = tokenOf(token, 'notify_cancel');
  const g = globalsOf(t);
  const r = registration(g, tok, 'notify_cancel');
  g.registrations.delete(tok);
  if (r.self) g.self.cancel(NOTIFY_CLIENT_SELF, tok);
  else if (g.server !== null) sendSimple(t, { header: header(g.server, NOTIFY_IPC.cancel_2, false), body: new MigWriter().ndr().u32(tok).finish() });
  if (r.port !== null) releasePort(t, g, r.port);
}

/** notify_suspend / notify_resume: nested; posts while suspended become one notification on the last resume. */
export function notify_suspend(task: NotifyTask, token: number): void {
  suspendOrResume(task, token, true);
}

/** See {@link notify_suspend}. */
export function notify_resume(task: NotifyTask, token: number): void {
  suspendOrResume(task, token, false);
}

function suspendOrResume(task: NotifyTask, token: number, suspend: boolean): void {
  const t = taskOf(task);
  const context = suspend ? 'notify_suspend' : 'notify_resume';
  const tok = tokenOf(token, context);
  const g = globalsOf(t);
  const r = registration(g, tok, context);
  if (r.self) {
    const s = suspend ? g.self.suspend(NOTIFY_CLIENT_SELF, tok) : g.self.resume(NOTIFY_CLIENT_SELF, tok);
    if (s !== NOTIFY_STATUS_OK) throw new NotifyError(s, context);
    return;
  }
  const reply = call(t, g, suspend ? NOTIFY_IPC.suspend : NOTIFY_IPC.resume, new MigWriter().ndr().u32(tok).finish(), context);
  const status = word(reply, 12);
  if (status !== NOTIFY_STATUS_OK) throw new NotifyError(status === NOTIFY_STATUS_INVALID_TOKEN ? status : NOTIFY_STATUS_FAILED, context);
}

/** notify_get_state: the name's 64-bit state (0 until set). */
export function notify_get_state(task: NotifyTask, token: number): bigint {
  const t = taskOf(task);
  const tok = tokenOf(token, 'notify_get_state');
  const g = globalsOf(t);
  const r = registration(g, tok, 'notify_get_state');
  if (r.self) return g.self.getState(NOTIFY_CLIENT_SELF, tok).state;
  const reply = call(t, g, NOTIFY_IPC.get_state_3, new MigWriter().ndr().u32(tok).finish(), 'notify_get_state');
  const status = word(reply, 28);
  if (status !== NOTIFY_STATUS_OK) throw new NotifyError(status, 'notify_get_state');
  return new DataView(reply.body.buffer, reply.body.byteOffset).getBigUint64(12, true);
}

/** notify_set_state: set the name's state (does not post). Needs write access (NOTIFY_STATUS_NOT_AUTHORIZED). */
export function notify_set_state(task: NotifyTask, token: number, state: bigint): void {
  const t = taskOf(task);
  const tok = tokenOf(token, 'notify_set_state');
  if (typeof state !== 'bigint') throw new TypeError('notify_set_state: state must be a bigint');
  const g = globalsOf(t);
  const r = registration(g, tok, 'notify_set_state');
  if (r.self) {
    g.self.setState(NOTIFY_CLIENT_SELF, tok, state, { pid: NOTIFY_CLIENT_SELF, uid: 0, gid: 0 });
    return;
  }
  const reply = call(t, g, NOTIFY_IPC.set_state_3, new MigWriter().ndr().u32(tok).u64(state).u32(0).finish(), 'notify_set_state');
  const status = word(reply, 20);
  if (status !== NOTIFY_STATUS_OK) throw new NotifyError(status, 'notify_set_state');
}

/** notify_is_valid_token: whether `token` is a live registration of the task. */
export function notify_is_valid_token(task: NotifyTask, token: number): boolean {
  const g = globalsOf(taskOf(task));
  return typeof token === 'number' && g.registrations.has(token | 0);
}
