/**
 * Temporary stand-ins for the emulator core's types (Kernel, EmulatedTask, Port), used
 * until the core's kernel.ts and task.ts land; replaced by imports from them.
 * @module
 */
import type { host_basic_info, MachMessage, ReceivedMessage } from '../../types.js';

/** The core's Port (opaque here). */
export interface Port {
  readonly [key: string]: unknown;
}

/** The core's EmulatedTask, as far as the services use it. */
export interface EmulatedTask {
  kernelCall(request: MachMessage): ReceivedMessage;
  mach_msg: (...args: never[]) => unknown;
}

/** A request served synchronously by a kernel object. */
export interface KobjectRequest {
  id: number;
  body: Uint8Array;
  descriptors: unknown[];
  caller: EmulatedTask;
  port: Port;
  kernel: Kernel;
}

/** The reply a kernel object gives. */
export interface KobjectReply {
  body: Uint8Array;
  descriptors?: unknown[];
  retCode?: number;
}

/** A kernel object's server function. */
export type KobjectServer = (req: KobjectRequest) => KobjectReply | undefined;

/** The core's Kernel, as far as the services use it. */
export interface Kernel {
  createKobjectPort(ikot: number, server: KobjectServer, options?: { userService?: boolean; label?: string }): Port;
}

/** Unused marker so the host_basic_info import is kept for later. */
export type _HostBasicInfo = host_basic_info;
