/**
 * Errors across the wire. The kernel sends what its task threw as a record
 * `{ kind, message, kr?, details?, reason?, portName? }`; the client throws an error of
 * the same class with the same message and fields, created on the client's side (so its
 * stack is the caller's).
 *
 * | kind | thrown on the client |
 * |---|---|
 * | 'MachError' | MachError(kr) with `details` |
 * | 'MachGuardError' | MachGuardError(kr, reason, portName) |
 * | 'TypeError', 'RangeError' | that class |
 * | 'Aborted' | the caller's AbortSignal reason (MSG only) |
 * | 'Protocol' | KernelProtocolError: the kernel could not decode the request |
 * | anything else | Error with `name` = kind |
 * @module
 */
import { MachError, MachGuardError } from '../errors.js';

/** An error record as it travels. */
export interface ErrorRecord {
  kind: string;
  message: string;
  kr?: number;
  details?: Record<string, unknown>;
  reason?: number;
  portName?: number;
}

/** The request could not be decoded or was not valid for the protocol. */
export class KernelProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelProtocolError';
  }
}

/** What the kernel sends for a thrown value. */
export function errorRecord(err: unknown): ErrorRecord {
  if (err instanceof MachGuardError) {
    return { kind: 'MachGuardError', message: err.message, kr: err.kr, reason: err.reason, portName: err.portName };
  }
  if (err instanceof MachError) {
    const rec: ErrorRecord = { kind: 'MachError', message: err.message, kr: err.kr };
    if (Object.keys(err.details).length > 0) rec.details = err.details;
    return rec;
  }
  if (err instanceof KernelProtocolError) return { kind: 'Protocol', message: err.message };
  if (err instanceof TypeError) return { kind: 'TypeError', message: err.message };
  if (err instanceof RangeError) return { kind: 'RangeError', message: err.message };
  if (err instanceof Error) return { kind: err.name || 'Error', message: err.message };
  return { kind: 'Error', message: String(err) };
}

/** Rebuild the error a record describes. */
export function errorFromRecord(rec: unknown): Error {
  if (typeof rec !== 'object' || rec === null) return new KernelProtocolError('malformed error record from the kernel');
  const r = rec as Partial<ErrorRecord>;
  const message = typeof r.message === 'string' ? r.message : '';
  let err: Error;
  switch (r.kind) {
    case 'MachGuardError':
      err = new MachGuardError(Number(r.kr), Number(r.reason), Number(r.portName));
      break;
    case 'MachError':
      err = new MachError(Number(r.kr), undefined, (r.details as Record<string, unknown> | undefined) ?? {});
      break;
    case 'TypeError':
      err = new TypeError(message);
      break;
    case 'RangeError':
      err = new RangeError(message);
      break;
    case 'Protocol':
      err = new KernelProtocolError(message);
      break;
    default:
      err = new Error(message);
      if (typeof r.kind === 'string') err.name = r.kind;
      break;
  }
  err.message = message;
  if (typeof err.stack === 'string') {
    const nl = err.stack.indexOf('\n    at ');
    err.stack = `${err.name}: ${message}${nl >= 0 ? err.stack.slice(nl) : ''}`;
  }
  return err;
}
