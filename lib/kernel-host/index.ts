/**
 * machport's kernel host: one emulated kernel shared by several processes (over a
 * Unix-domain socket) and worker threads (over MessagePorts), with Mach's semantics
 * between them — rights and OOL memory move between processes, bootstrap look-ups see
 * every process's services, a process that dies has its task terminated.
 *
 * - Server: {@link KernelHost} (`machport kernel [--socket PATH]` runs one).
 * - Clients: {@link connectKernel} / {@link connectKernelSync} → {@link RemoteTask}
 *   (a MachApi); `MACHPORT_KERNEL=PATH` makes it the default API of a process.
 * - Workers: {@link workerTransport} in the parent, {@link joinKernel} in the worker.
 * - Embedded: {@link hostKernel} serves this process's own kernel, its task local.
 *
 * The protocol is documented in docs/KERNEL-PROTOCOL.md.
 * @module
 */
export { KernelHost, type KernelHostOptions, type KernelHostStatus, type HostTaskStatus } from './host.js';
export {
  connectKernel,
  connectKernelSync,
  joinKernel,
  openKernelSession,
  openKernelSessionSync,
  processKernelHost,
  workerTransport,
  type ConnectOptions,
  type WorkerTransport,
} from './connect.js';
export { hostKernel, type HostKernelOptions, type HostedKernel } from './embedded.js';
export { KernelSession, type RemoteTaskOptions } from './session.js';
export { RemoteTask, type RemoteTaskInfo } from './remote-task.js';
export { KernelProtocolError } from './error-codec.js';
export { defaultSocketPath } from './socket-path.js';
export { PROTOCOL_VERSION, DEFAULT_MAX_FRAME } from './protocol.js';
