/**
 * An embedded kernel host: this process serves its own emulated kernel — the one its
 * default API's task lives in — to other processes over a Unix-domain socket. An app
 * that hosts its helper processes, or a launchd-style broker, then talks to its clients
 * with its task local to the kernel: a message between it and a client crosses one
 * socket each way, where two clients of a separate `machport kernel` process cross two.
 *
 * ```ts
 * const { task } = await hostKernel({ socket: '/tmp/app.sock' });
 * // children: MACHPORT_KERNEL=/tmp/app.sock node helper.js
 * const port = task.bootstrap_check_in(task.bootstrap_port, 'com.example.app');
 * ```
 * @module
 */
import { processKernel, processTask } from '../emulator/process.js';
import type { EmulatedTask } from '../emulator/task.js';
import { processKernelHost } from './connect.js';
import type { KernelHost } from './host.js';

/** Options of {@link hostKernel}. */
export interface HostKernelOptions {
  /** Where to listen (mode 0600; a stale socket file is replaced, a live one refused). */
  socket: string;
  /** One line per client connect and disconnect. */
  log?: (line: string) => void;
}

/** What {@link hostKernel} returns. */
export interface HostedKernel {
  /** The host serving this process's kernel (also to worker threads: `host.workerTransport()`). */
  host: KernelHost;
  /**
   * This process's own task in that kernel: the emulator's task for this process
   * (`processTask()`), which is the default API's task whenever the emulator backend
   * serves the process (everywhere but Darwin, or with `MACHPORT_BACKEND=emulator`).
   */
  task: EmulatedTask;
}

/**
 * Serve this process's emulated kernel on the Unix-domain socket `options.socket`.
 * Clients join it as they join `machport kernel` (`MACHPORT_KERNEL=PATH`,
 * `connectKernel(path)`); the returned task is this process's own, in the same kernel,
 * so its calls involve no socket. Listening on more sockets: call again with another
 * path. `host.close()` stops serving (the clients' tasks terminate).
 *
 * Throws when this process's default API is itself a task of another kernel host
 * (`MACHPORT_KERNEL` is set): its tasks live there, and a `new KernelHost()` serves a
 * separate kernel if that is what is wanted.
 */
export async function hostKernel(options: HostKernelOptions, env: NodeJS.ProcessEnv = process.env): Promise<HostedKernel> {
  if (typeof options !== 'object' || options === null) throw new TypeError('hostKernel options must be an object');
  // Checked here: the host first calls it when a client connects, inside a socket callback.
  if (options.log !== undefined && typeof options.log !== 'function') throw new TypeError('hostKernel options.log must be a function');
  const remote = env.MACHPORT_KERNEL;
  if (typeof remote === 'string' && remote !== '') {
    throw new Error(`hostKernel: this process's tasks live in the kernel host at ${remote} (MACHPORT_KERNEL); it cannot host its own`);
  }
  const host = processKernelHost(processKernel());
  if (options.log !== undefined) host.setLog(options.log);
  await host.listen(options.socket);
  return { host, task: processTask() as EmulatedTask };
}
