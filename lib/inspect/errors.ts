/**
 * Why a task could not be inspected: {@link InspectError}, with a reason a CLI can act on
 * and a sentence a person can act on.
 * @module
 */
import { MachError, machErrorName } from '../errors.js';
import * as C from '../constants.js';
import type { Unreadable, UnreadableReason } from './types.js';

/** A task could not be inspected. */
export class InspectError extends Error {
  /** The pid asked for. */
  readonly pid: number;
  /** `not-permitted`, `no-such-process` or `failed`. */
  readonly reason: UnreadableReason;
  /** Darwin's symbolic code (`'KERN_FAILURE'`, …) or `'ESRCH'`. */
  readonly code: string;
  /** The numeric kern_return_t, when the kernel gave one. */
  readonly kr?: number;
  /** The process's name, when known. */
  readonly process?: string;

  constructor(pid: number, reason: UnreadableReason, code: string, message: string, kr?: number, process?: string) {
    super(message);
    this.name = 'InspectError';
    this.pid = pid;
    this.reason = reason;
    this.code = code;
    if (kr !== undefined) this.kr = kr;
    if (process !== undefined) this.process = process;
  }

  /** The entry listed under `unreadable` for this failure. */
  toUnreadable(): Unreadable {
    const u: Unreadable = { pid: this.pid, reason: this.reason, code: this.code, error: this.message };
    if (this.process !== undefined) u.process = this.process;
    if (this.kr !== undefined) u.kr = this.kr;
    return u;
  }
}

/** The privilege reading another process's ports needs on macOS, said once. */
export const TASK_READ_PRIVILEGE =
  'reading another process\'s Mach ports needs root (run with sudo) or the com.apple.security.cs.debugger entitlement, ' +
  'and hardened-runtime or SIP-protected processes refuse unless they carry get-task-allow';

/** kern_return_t values task_read_for_pid / task_for_pid use to refuse. */
const REFUSALS = new Set([C.KERN_FAILURE, C.KERN_PROTECTION_FAILURE, C.KERN_NO_ACCESS, C.KERN_DENIED, C.KERN_INVALID_SECURITY]);

/** No process has this pid. */
export function noSuchProcess(pid: number, where: string): InspectError {
  return new InspectError(pid, 'no-such-process', 'ESRCH', `ESRCH: no process with pid ${pid}${where}`);
}

/** Turn a task_read_for_pid failure into an InspectError that says what is needed. */
export function taskReadRefused(pid: number, err: unknown, process?: string): InspectError {
  if (err instanceof InspectError) return err;
  if (err instanceof MachError) {
    if (REFUSALS.has(err.kr)) {
      return new InspectError(pid, 'not-permitted', err.code, `${err.code}: task_read_for_pid(${pid}) was refused: ${TASK_READ_PRIVILEGE}`, err.kr, process);
    }
    if (err.kr === C.KERN_INVALID_ARGUMENT) {
      return new InspectError(pid, 'no-such-process', err.code, `${err.code}: task_read_for_pid(${pid}): no such process, or it is exiting`, err.kr, process);
    }
    return new InspectError(pid, 'failed', err.code, `${err.code}: task_read_for_pid(${pid}) failed: ${err.message}`, err.kr, process);
  }
  return failure(pid, err, 'task_read_for_pid', process);
}

/** Any other failure while reading a task. */
export function failure(pid: number, err: unknown, what: string, process?: string): InspectError {
  if (err instanceof InspectError) return err;
  if (err instanceof MachError) return new InspectError(pid, 'failed', err.code, `${err.code}: ${what} for pid ${pid} failed: ${err.message}`, err.kr, process);
  const msg = err instanceof Error ? err.message : String(err);
  return new InspectError(pid, 'failed', 'KERN_FAILURE', `KERN_FAILURE: ${what} for pid ${pid} failed: ${msg}`, undefined, process);
}

/** The symbolic name of a kern_return_t (re-exported for the CLI). */
export { machErrorName };
