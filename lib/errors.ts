/**
 * Errors: every failing Mach call throws a {@link MachError} carrying Darwin's numeric
 * return code (`kr`) and its symbolic name (`code`). Misuse that current macOS answers
 * with a fatal EXC_GUARD instead of a return code throws {@link MachGuardError}.
 * @module
 */
import * as C from './constants.js';

const KERN_NAMES = [
  'KERN_SUCCESS', 'KERN_INVALID_ADDRESS', 'KERN_PROTECTION_FAILURE', 'KERN_NO_SPACE',
  'KERN_INVALID_ARGUMENT', 'KERN_FAILURE', 'KERN_RESOURCE_SHORTAGE', 'KERN_NOT_RECEIVER',
  'KERN_NO_ACCESS', 'KERN_MEMORY_FAILURE', 'KERN_MEMORY_ERROR', 'KERN_ALREADY_IN_SET',
  'KERN_NOT_IN_SET', 'KERN_NAME_EXISTS', 'KERN_ABORTED', 'KERN_INVALID_NAME', 'KERN_INVALID_TASK',
  'KERN_INVALID_RIGHT', 'KERN_INVALID_VALUE', 'KERN_UREFS_OVERFLOW', 'KERN_INVALID_CAPABILITY',
  'KERN_RIGHT_EXISTS', 'KERN_INVALID_HOST', 'KERN_MEMORY_PRESENT', 'KERN_MEMORY_DATA_MOVED',
  'KERN_MEMORY_RESTART_COPY', 'KERN_INVALID_PROCESSOR_SET', 'KERN_POLICY_LIMIT',
  'KERN_INVALID_POLICY', 'KERN_INVALID_OBJECT', 'KERN_ALREADY_WAITING', 'KERN_DEFAULT_SET',
  'KERN_EXCEPTION_PROTECTED', 'KERN_INVALID_LEDGER', 'KERN_INVALID_MEMORY_CONTROL',
  'KERN_INVALID_SECURITY', 'KERN_NOT_DEPRESSED', 'KERN_TERMINATED', 'KERN_LOCK_SET_DESTROYED',
  'KERN_LOCK_UNSTABLE', 'KERN_LOCK_OWNED', 'KERN_LOCK_OWNED_SELF', 'KERN_SEMAPHORE_DESTROYED',
  'KERN_RPC_SERVER_TERMINATED', 'KERN_RPC_TERMINATE_ORPHAN', 'KERN_RPC_CONTINUE_ORPHAN',
  'KERN_NOT_SUPPORTED', 'KERN_NODE_DOWN', 'KERN_NOT_WAITING', 'KERN_OPERATION_TIMED_OUT',
  'KERN_CODESIGN_ERROR', 'KERN_POLICY_STATIC', 'KERN_INSUFFICIENT_BUFFER_SIZE', 'KERN_DENIED',
  'KERN_MISSING_KC', 'KERN_INVALID_KC', 'KERN_NOT_FOUND',
] as const;

/** Names of every exported constant with the given prefixes, by value. */
function namesByValue(prefixes: string[]): Map<number, string> {
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(C)) {
    if (typeof v !== 'number') continue;
    if (!prefixes.some((p) => k.startsWith(p))) continue;
    if (!m.has(v)) m.set(v, k);
  }
  return m;
}

const MSG_RETURN_NAMES = namesByValue(['MACH_SEND_', 'MACH_RCV_']);
const MIG_NAMES = namesByValue(['MIG_']);
const BOOTSTRAP_NAMES = namesByValue(['BOOTSTRAP_']);
const MSG_SPECIAL_BITS: Array<[number, string]> = [
  [C.MACH_MSG_IPC_SPACE, 'MACH_MSG_IPC_SPACE'],
  [C.MACH_MSG_VM_SPACE, 'MACH_MSG_VM_SPACE'],
  [C.MACH_MSG_IPC_KERNEL, 'MACH_MSG_IPC_KERNEL'],
  [C.MACH_MSG_VM_KERNEL, 'MACH_MSG_VM_KERNEL'],
];

/**
 * The symbolic name of a kern_return_t, mach_msg_return_t, MIG or bootstrap code,
 * e.g. `machErrorName(17) === 'KERN_INVALID_RIGHT'`. mach_msg returns with special bits
 * OR-ed in are named like `MACH_RCV_BODY_ERROR|MACH_MSG_IPC_SPACE`.
 */
export function machErrorName(kr: number): string {
  if (kr >= 0 && kr < KERN_NAMES.length) return KERN_NAMES[kr]!;
  if (kr < 0) return MIG_NAMES.get(kr) ?? `UNKNOWN_ERROR_${kr}`;
  const bootstrap = BOOTSTRAP_NAMES.get(kr);
  if (bootstrap && kr >= 1100 && kr <= 1106) return bootstrap;
  if ((kr & 0x10000000) !== 0) {
    const base = (kr & ~C.MACH_MSG_MASK) >>> 0;
    const name = MSG_RETURN_NAMES.get(base);
    if (name) {
      const bits = MSG_SPECIAL_BITS.filter(([b]) => (kr & b) !== 0).map(([, n]) => n);
      return [name, ...bits].join('|');
    }
  }
  return `UNKNOWN_ERROR_0x${(kr >>> 0).toString(16)}`;
}

/** A short description of what went wrong, for messages a person reads. */
const DESCRIPTIONS: Record<string, string> = {
  KERN_INVALID_ARGUMENT: 'an argument is not valid for this call',
  KERN_FAILURE: 'the operation failed',
  KERN_NO_SPACE: 'the name space is full or the name index is out of range',
  KERN_INVALID_NAME: 'the name does not denote a right in this task',
  KERN_INVALID_TASK: 'the task argument is not a task',
  KERN_INVALID_RIGHT: 'the name does not denote a right of the required kind',
  KERN_INVALID_VALUE: 'a value argument is out of range',
  KERN_INVALID_CAPABILITY: 'the right is a dead name or not usable here',
  KERN_RIGHT_EXISTS: 'the task already holds a right for this port under another name',
  KERN_NAME_EXISTS: 'the name already denotes a right',
  KERN_ALREADY_IN_SET: 'the port is already a member of that set',
  KERN_NOT_IN_SET: 'the port is not a member of that set',
  KERN_NOT_SUPPORTED: 'this backend does not support the operation',
  KERN_TERMINATED: 'the task has terminated',
  MACH_SEND_INVALID_DEST: 'the destination is not a valid send or send-once right',
  MACH_SEND_INVALID_REPLY: 'the reply port is not a valid right for the given disposition',
  MACH_SEND_INVALID_RIGHT: 'a right carried in the message body is not valid',
  MACH_SEND_INVALID_HEADER: 'a header disposition is not valid',
  MACH_SEND_INVALID_TYPE: 'a descriptor has an invalid type or option',
  MACH_SEND_MSG_TOO_SMALL: 'the message is smaller than its header and descriptors claim',
  MACH_SEND_TOO_LARGE: 'the message is larger than the kernel accepts',
  MACH_SEND_TIMED_OUT: 'the destination queue stayed full until the timeout',
  MACH_SEND_INVALID_OPTIONS: 'raw messages to kernel objects are refused on current macOS',
  MACH_RCV_INVALID_NAME: 'the receive name is not a receive right or port set',
  MACH_RCV_TIMED_OUT: 'no message arrived before the timeout',
  MACH_RCV_TOO_LARGE: 'the message and its trailer do not fit the receive size',
  MACH_RCV_PORT_CHANGED: 'the port or port set was destroyed or moved while receiving',
  MACH_RCV_INTERRUPTED: 'the receive was interrupted',
  MACH_SEND_INTERRUPTED: 'the send was interrupted',
  BOOTSTRAP_UNKNOWN_SERVICE: 'no service is registered under that name',
  BOOTSTRAP_SERVICE_ACTIVE: 'the service is already checked in',
  BOOTSTRAP_NAME_IN_USE: 'the service name is already in use',
  BOOTSTRAP_NOT_PRIVILEGED: 'the caller is not privileged for this bootstrap operation',
  MIG_SERVER_DIED: 'the server destroyed the reply right without replying',
  MIG_BAD_ID: 'the server does not implement this message id',
  MIG_BAD_ARGUMENTS: 'the request is malformed for this routine',
  MIG_TYPE_ERROR: 'the reply does not have the layout the routine expects',
  MIG_REPLY_MISMATCH: 'the reply id does not match the request',
};

/** A failed Mach call: `kr` is Darwin's numeric code, `code` its symbolic name. */
export class MachError extends Error {
  /** The numeric kern_return_t / mach_msg_return_t / MIG / bootstrap code. */
  readonly kr: number;
  /** The symbolic name of `kr`, e.g. `'KERN_INVALID_RIGHT'`. */
  readonly code: string;
  /** Extra facts about the failure (e.g. `size` for MACH_RCV_TOO_LARGE with MACH_RCV_LARGE). */
  readonly details: Record<string, unknown>;

  constructor(kr: number, context?: string, details: Record<string, unknown> = {}) {
    const code = machErrorName(kr);
    const base = code.split('|')[0]!;
    const what = DESCRIPTIONS[base];
    const hex = `0x${(kr >>> 0).toString(16)}`;
    super(`${context ? `${context}: ` : ''}${code} (${kr < 0 ? kr : hex})${what ? `: ${what}` : ''}`);
    this.name = 'MachError';
    this.kr = kr;
    this.code = code;
    this.details = details;
  }
}

const GUARD_NAMES = namesByValue(['kGUARD_EXC_']);

/**
 * Misuse that current macOS punishes with a fatal EXC_GUARD (the process would die on
 * a Mac). `reason` is the kGUARD_EXC_* value, `reasonName` its name; `kr` is the return
 * code the call would have had where the guard is not fatal.
 */
export class MachGuardError extends MachError {
  /** The kGUARD_EXC_* flavor. */
  readonly reason: number;
  /** The name of the kGUARD_EXC_* flavor. */
  readonly reasonName: string;
  /** The port name the guard was raised on. */
  readonly portName: number;

  constructor(kr: number, reason: number, portName: number, context?: string) {
    const reasonName = GUARD_NAMES.get(reason) ?? `kGUARD_EXC_${reason}`;
    super(kr, `${context ? `${context}: ` : ''}EXC_GUARD ${reasonName} on name 0x${(portName >>> 0).toString(16)}`);
    this.name = 'MachGuardError';
    this.reason = reason;
    this.reasonName = reasonName;
    this.portName = portName;
  }
}

/** Throw a MachError unless `kr` is KERN_SUCCESS. */
export function check(kr: number, context?: string): void {
  if (kr !== 0) throw new MachError(kr, context);
}
