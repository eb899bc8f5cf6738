/**
 * Joining a kernel host: from another process over its socket, or from a worker thread
 * over a MessagePort its parent handed over.
 *
 * ```ts
 * // a client process
 * const task = await connectKernel('/tmp/machport-kernel.sock');
 * const svc = task.bootstrap_look_up(task.bootstrap_port, 'com.example.service');
 *
 * // a parent thread and its worker
 * const worker = new Worker(url, { workerData: { kernel: workerTransport() }, transferList: [...] });
 * // in the worker:
 * const task = joinKernel(workerData.kernel);
 * ```
 * @module
 */
import { processKernel } from '../emulator/process.js';
import type { Kernel } from '../emulator/kernel.js';
import type { MessagePort } from 'node:worker_threads';
import { KernelHost } from './host.js';
import { PortTransport } from './port-transport.js';
import type { RemoteTask } from './remote-task.js';
import { KernelSession, type RemoteTaskOptions } from './session.js';
import { SocketTransport, type ClientInfo, type SocketOptions } from './socket-transport.js';

/** Options of a connection. */
export interface ConnectOptions extends RemoteTaskOptions, SocketOptions {}

/** A worker's way to its parent's kernel: a MessagePort, or the path of a kernel host's socket. */
export type WorkerTransport = MessagePort | { socket: string };

function clientInfo(): ClientInfo {
  return { pid: process.pid, title: process.title || 'node' };
}

function checkPath(path: unknown): string {
  if (typeof path !== 'string' || path === '') throw new TypeError('the kernel host socket path must be a non-empty string');
  return path;
}

/** Open a session with the kernel host at `path` without blocking. */
export async function openKernelSession(path: string, options: SocketOptions = {}): Promise<KernelSession> {
  return new KernelSession(await SocketTransport.open(checkPath(path), clientInfo(), options));
}

/** Open a session with the kernel host at `path`, blocking until it answered. */
export function openKernelSessionSync(path: string, options: SocketOptions = {}): KernelSession {
  return new KernelSession(SocketTransport.openSync(checkPath(path), clientInfo(), options));
}

/**
 * Connect to the kernel host at `path` and open a task there: this process's pid, uid
 * and gid, its title as the name. Each call opens a new session (its own task).
 */
export async function connectKernel(path: string, options: ConnectOptions = {}): Promise<RemoteTask> {
  const session = await openKernelSession(path, options);
  try {
    return session.openTask(options);
  } catch (err) {
    session.close();
    throw err;
  }
}

/** As {@link connectKernel}, blocking this thread until the task is open. */
export function connectKernelSync(path: string, options: ConnectOptions = {}): RemoteTask {
  const session = openKernelSessionSync(path, options);
  try {
    return session.openTask(options);
  } catch (err) {
    session.close();
    throw err;
  }
}

/**
 * In a worker thread: join the kernel `transport` leads to (what the parent's
 * {@link workerTransport} or `KernelHost.workerTransport()` returned) as a task of its
 * own. Blocks until the kernel answered; the parent thread must be free to answer.
 */
export function joinKernel(transport: WorkerTransport, options: RemoteTaskOptions = {}): RemoteTask {
  if (typeof transport === 'object' && transport !== null && typeof (transport as { socket?: unknown }).socket === 'string') {
    return connectKernelSync((transport as { socket: string }).socket, options);
  }
  const session = new KernelSession(new PortTransport(transport as MessagePort, clientInfo()));
  try {
    return session.openTask(options);
  } catch (err) {
    session.close();
    throw err;
  }
}

let processHost: KernelHost | undefined;

/** The kernel host serving worker threads from this process's emulated kernel. */
export function processKernelHost(kernel: Kernel = processKernel()): KernelHost {
  if (processHost === undefined || processHost.closed || processHost.kernel !== kernel) processHost = new KernelHost({ kernel });
  return processHost;
}

/**
 * A transport for a worker thread to join this process's kernel: when this process is
 * itself a client of a kernel host (MACHPORT_KERNEL), the host's socket path (the
 * worker connects there); otherwise a MessagePort to this process's emulated kernel
 * (transfer it to the worker). The worker calls {@link joinKernel} with it.
 */
export function workerTransport(env: NodeJS.ProcessEnv = process.env): WorkerTransport {
  const path = env.MACHPORT_KERNEL;
  if (typeof path === 'string' && path !== '') return { socket: path };
  return processKernelHost().workerTransport();
}
