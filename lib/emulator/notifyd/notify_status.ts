/**
 * libnotify's status codes and flags (Libnotify:notify.h), and the error the emulated
 * notify API throws for a status other than NOTIFY_STATUS_OK.
 * @module
 */

export const NOTIFY_STATUS_OK = 0;
export const NOTIFY_STATUS_INVALID_NAME = 1;
export const NOTIFY_STATUS_INVALID_TOKEN = 2;
export const NOTIFY_STATUS_INVALID_PORT = 3;
export const NOTIFY_STATUS_INVALID_FILE = 4;
export const NOTIFY_STATUS_INVALID_SIGNAL = 5;
export const NOTIFY_STATUS_INVALID_REQUEST = 6;
export const NOTIFY_STATUS_NOT_AUTHORIZED = 7;
export const NOTIFY_STATUS_OPT_DISABLE = 8;
export const NOTIFY_STATUS_SERVER_NOT_FOUND = 9;
export const NOTIFY_STATUS_NULL_INPUT = 10;
/** Every internal error (11…62 in notify_internal.h) reaches callers folded into this. */
export const NOTIFY_STATUS_FAILED = 1000000;

/** notify_register_mach_port flag: use the port passed in instead of a new one. */
export const NOTIFY_REUSE = 0x1;
/** A token value that is never valid. */
export const NOTIFY_TOKEN_INVALID = -1;

const STATUS_NAMES: Record<number, string> = {
  [NOTIFY_STATUS_OK]: 'NOTIFY_STATUS_OK',
  [NOTIFY_STATUS_INVALID_NAME]: 'NOTIFY_STATUS_INVALID_NAME',
  [NOTIFY_STATUS_INVALID_TOKEN]: 'NOTIFY_STATUS_INVALID_TOKEN',
  [NOTIFY_STATUS_INVALID_PORT]: 'NOTIFY_STATUS_INVALID_PORT',
  [NOTIFY_STATUS_INVALID_FILE]: 'NOTIFY_STATUS_INVALID_FILE',
  [NOTIFY_STATUS_INVALID_SIGNAL]: 'NOTIFY_STATUS_INVALID_SIGNAL',
  [NOTIFY_STATUS_INVALID_REQUEST]: 'NOTIFY_STATUS_INVALID_REQUEST',
  [NOTIFY_STATUS_NOT_AUTHORIZED]: 'NOTIFY_STATUS_NOT_AUTHORIZED',
  [NOTIFY_STATUS_OPT_DISABLE]: 'NOTIFY_STATUS_OPT_DISABLE',
  [NOTIFY_STATUS_SERVER_NOT_FOUND]: 'NOTIFY_STATUS_SERVER_NOT_FOUND',
  [NOTIFY_STATUS_NULL_INPUT]: 'NOTIFY_STATUS_NULL_INPUT',
  [NOTIFY_STATUS_FAILED]: 'NOTIFY_STATUS_FAILED',
};

/** The symbolic name of a notify status, e.g. `'NOTIFY_STATUS_INVALID_TOKEN'`. */
export function notifyStatusName(status: number): string {
  return STATUS_NAMES[status] ?? `NOTIFY_STATUS_${status}`;
}

/** A notify_* call that returned a status other than NOTIFY_STATUS_OK. */
export class NotifyError extends Error {
  /** The uint32_t status libnotify returned. */
  readonly status: number;
  /** Its symbolic name. */
  readonly code: string;

  constructor(status: number, context?: string) {
    const code = notifyStatusName(status);
    super(`${context ? `${context}: ` : ''}${code} (${status})`);
    this.name = 'NotifyError';
    this.status = status;
    this.code = code;
  }
}
