/**
 * A task of a kernel host, seen from the process (or worker thread) it belongs to. It
 * implements {@link MachApi} with the contract's shapes: the mach_port_*, bootstrap_*,
 * host_* and task_info calls stay synchronous (the thread blocks until the kernel
 * answered, see sync-worker.ts), mach_msg returns a promise. Every argument travels as
 * the caller wrote it and the kernel's task checks it, so results and errors are the
 * ones an in-process emulated task gives.
 * @module
 */
import type { SpaceInfoEntry } from '../emulator/space-info.js';
import { MACH_MSG_SUCCESS, MACH_SEND_INVALID_OPTIONS, MIG_SERVER_DIED } from '../constants.js';
import { MachError, MachGuardError } from '../errors.js';
import type { MachApi, MachMessage, MachMsgControl, ReceivedMessage } from '../types.js';
import { KernelProtocolError } from './error-codec.js';
import type { KernelInspectRequest, KernelInspectResult } from './host-inspect.js';
import { MACH_API_CALLS, type MethodName } from './protocol.js';
import type { KernelSession } from './session.js';

/** What the kernel says about a task it opened. */
export interface RemoteTaskInfo {
  handle: number;
  self: number;
  bootstrap: number;
  pid: number;
  name: string;
  uid: number;
  gid: number;
  realm: string;
}

/** The synchronous MachApi calls, forwarded as CALL frames. */
const SYNC_CALLS = MACH_API_CALLS satisfies readonly (keyof MachApi & MethodName)[];

type SyncCall = (typeof SYNC_CALLS)[number];

export interface RemoteTask extends Pick<MachApi, SyncCall> {}

/** A task of a kernel host. */
export class RemoteTask implements MachApi {
  /** The emulator serves this task (in another process). */
  readonly backendName = 'emulator' as const;
  /** The session the task belongs to (open more tasks, status, close). */
  readonly session: KernelSession;
  /** The task's handle in its session. */
  readonly handle: number;
  /** The pid in the task's audit tokens (this process's, unless chosen otherwise). */
  readonly pid: number;
  /** The task's name. */
  readonly name: string;
  /** User and group ids. */
  readonly uid: number;
  readonly gid: number;
  /** The kernel (realm) the task lives in. */
  readonly realm: string;
  /** This task's bootstrap port (a send right to the kernel host's launchd). */
  readonly bootstrap_port: number;
  private readonly selfName: number;
  private ended = false;

  constructor(session: KernelSession, info: RemoteTaskInfo) {
    this.session = session;
    this.handle = info.handle;
    this.selfName = info.self;
    this.bootstrap_port = info.bootstrap;
    this.pid = info.pid;
    this.name = info.name;
    this.uid = info.uid;
    this.gid = info.gid;
    this.realm = info.realm;
  }

  /** True once the task was terminated, or the kernel host is gone. */
  get terminated(): boolean {
    return this.ended || this.session.lostReason !== null;
  }

  /** The name of this task's send right to its own task port. */
  mach_task_self(): number {
    return this.selfName;
  }

  /** mach_msg through the kernel host (see MachApi.mach_msg). */
  mach_msg(
    msg: MachMessage | undefined,
    option: number,
    rcv_name?: number,
    timeout?: number,
    rcv_size?: number,
    control?: MachMsgControl,
  ): Promise<ReceivedMessage | undefined>;
  mach_msg(...args: unknown[]): Promise<ReceivedMessage | undefined> {
    return this.session.msg(this.handle, args);
  }

  /** Every name of the task's space with its rights and port state (as EmulatedTask.spaceInfo). */
  spaceInfo(): SpaceInfoEntry[] {
    return this.session.call(this.handle, 'spaceInfo', []) as SpaceInfoEntry[];
  }

  /** A kernel-object call answered synchronously (as EmulatedTask.kernelCall). */
  kernelCall(request: MachMessage): ReceivedMessage {
    return this.session.call(this.handle, 'kernelCall', [request]) as ReceivedMessage;
  }

  /**
   * A send to a port the kernel serves synchronously (as EmulatedTask.kernelSend): one
   * request, answered with the mach_msg_return_t once the kernel has served the message.
   */
  kernelSend(msg: MachMessage): number {
    if (!sessionsWithoutKernelSend.has(this.session)) {
      try {
        return this.session.call(this.handle, 'kernelSend', [msg]) as number;
      } catch (e) {
        if (!(e instanceof KernelProtocolError && /unknown method id/.test(e.message))) throw e;
        sessionsWithoutKernelSend.add(this.session);
      }
    }
    return kernelSendByCall(this, msg);
  }

  /**
   * lsmp on the kernel host: the inspection of this task (no argument), of the task of
   * `pid`, or of every task (`all`) of this task's kernel, peers and holders resolved
   * across all its tasks (`peers: false`: within the task asked for); `self` is true for
   * this task. For a `pid` no task has, `tasks` is empty and `known` lists the kernel's
   * tasks. lib/inspect's `inspectTask`, `inspectSelf` and `inspectAll` call it.
   */
  inspect(request: KernelInspectRequest = {}): KernelInspectResult {
    return this.session.call(this.handle, 'inspect', [request]) as KernelInspectResult;
  }

  /**
   * Terminate the task now, as XNU does when a process exits: its receive rights die,
   * its send rights are released, its blocked calls end. Idempotent.
   */
  terminate(): void {
    if (this.ended) return;
    this.ended = true;
    this.session.closeTask(this.handle);
  }
}

/** Sessions whose kernel host predates `kernelSend` (answered it "unknown method id"). */
const sessionsWithoutKernelSend = new WeakSet<KernelSession>();

/**
 * kernelSend on a kernel host from an older machport, which does not know the method.
 * Falling back (rather than failing with a MachError) keeps notify_post and the other
 * simpleroutine senders working against such a host, as they did before the method
 * existed: the message goes as a kernelCall, which adds a send-once reply right that a
 * simpleroutine's server never answers; the kernel destroys it and its send-once
 * notification comes back as kernelCall's MIG_SERVER_DIED, here success (as is a reply).
 * The differences from a real kernelSend are that right's creation and destruction, and
 * the task's TASK_EVENTS_INFO message counters (the notification counts as a message).
 * kernelCall's own errors are returned as the mach_msg_return_t kernelSend returns, except
 * the ones kernelSend throws too (MACH_SEND_INVALID_OPTIONS for a destination that is not
 * served synchronously, a guard).
 */
function kernelSendByCall(task: RemoteTask, msg: MachMessage): number {
  try {
    task.kernelCall(msg);
  } catch (e) {
    if (!(e instanceof MachError) || e instanceof MachGuardError || e.kr === MACH_SEND_INVALID_OPTIONS) throw e;
    return e.kr === MIG_SERVER_DIED ? MACH_MSG_SUCCESS : e.kr;
  }
  return MACH_MSG_SUCCESS;
}

for (const name of SYNC_CALLS) {
  Object.defineProperty(RemoteTask.prototype, name, {
    value: {
      [name](this: RemoteTask, ...args: unknown[]): unknown {
        return this.session.call(this.handle, name, args);
      },
    }[name],
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
