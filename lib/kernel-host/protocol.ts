/**
 * The kernel-host wire protocol: constants shared by the kernel host and its clients.
 * Every frame, in both directions, starts with the same 16-byte header:
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | u32 | length of the whole frame, header included (16 … maxFrame) |
 * | 4 | u8 | frame type ({@link F}) |
 * | 5 | u8 | flags (per type) |
 * | 6 | u16 | reserved, 0 |
 * | 8 | u32 | task handle (0 when the frame concerns no task) |
 * | 12 | u32 | sequence number: of the request (requests), of the request answered (replies) |
 *
 * All integers are little endian. See docs/KERNEL-PROTOCOL.md for the payloads.
 * @module
 */

/** The protocol version a HELLO names; a kernel refuses any other. */
export const PROTOCOL_VERSION = 1;

/** The 4 bytes every HELLO payload starts with. */
export const HELLO_MAGIC = 0x50484b4d; // 'MKHP' read as a little-endian u32

/** Size of the frame header. */
export const HEADER_SIZE = 16;

/** The largest frame either side accepts by default (a 48 MiB message plus large OOL regions). */
export const DEFAULT_MAX_FRAME = 256 * 1024 * 1024;

/** Frame types. */
export const F = {
  /** client → kernel, first frame of a connection: magic, version, role, session id, client info. */
  HELLO: 0x01,
  /** kernel → client: the HELLO is accepted. */
  WELCOME: 0x02,
  /** kernel → client: the HELLO is refused (reason), the connection closes. */
  REFUSE: 0x03,

  /** Create a task (options) → RESULT {handle, self, bootstrap, pid, name, uid, gid} or ERROR. */
  OPEN_TASK: 0x10,
  /** A synchronous MachApi call: u8 method id, then the argument list → RESULT or ERROR. */
  CALL: 0x11,
  /** mach_msg: the argument list → MSG_RESULT or MSG_ERROR, when the call completes. */
  MSG: 0x12,
  /** Abort the pending MSG whose sequence number is the u32 payload (no reply of its own). */
  CANCEL: 0x13,
  /** Terminate the task (as XNU does on process exit) → RESULT. */
  CLOSE_TASK: 0x14,
  /** Kernel administration: {op, …} → RESULT or ERROR. */
  ADMIN: 0x15,

  /** Reply to OPEN_TASK, CALL, CLOSE_TASK, ADMIN: the return value. */
  RESULT: 0x20,
  /** Reply to OPEN_TASK, CALL, CLOSE_TASK, ADMIN: the error thrown. */
  ERROR: 0x21,
  /** Reply to MSG: the received message (or undefined). */
  MSG_RESULT: 0x22,
  /** Reply to MSG: the error, and the send buffer's rewrite when the kernel pseudo-received it. */
  MSG_ERROR: 0x23,
  /** kernel → client: the connection broke the protocol (reason); the kernel closes it. */
  PROTOCOL_ERROR: 0x24,
} as const;

/** The request types, processed in sequence-number order. */
export const SEQUENCED = new Set<number>([F.OPEN_TASK, F.CALL, F.MSG, F.CANCEL, F.CLOSE_TASK, F.ADMIN]);

/** Requests answered on the session's synchronous channel. */
export const SYNC_REQUESTS = new Set<number>([F.OPEN_TASK, F.CALL, F.CLOSE_TASK, F.ADMIN]);

/** HELLO roles: which replies a connection carries. */
export const ROLE = {
  /** MSG replies (and the requests a client writes without waiting). Joins a session. */
  ASYNC: 1,
  /** Replies to synchronous requests. Creates a session. */
  SYNC: 2,
  /** Everything on one connection. Creates a session. */
  BOTH: 3,
} as const;

/** MSG flags. */
export const MSG_FLAG = {
  /** The caller passed an AbortSignal: the kernel arms one it can abort on CANCEL. */
  SIGNAL: 0x01,
  /** The caller's AbortSignal had already fired. */
  ABORTED: 0x02,
} as const;

/** The first MachApi calls of the protocol, method ids 0 … 32. */
const FIRST_MACH_API_CALLS = [
  'mach_host_self',
  'mach_port_allocate',
  'mach_port_allocate_name',
  'mach_port_deallocate',
  'mach_port_destroy',
  'mach_port_mod_refs',
  'mach_port_get_refs',
  'mach_port_insert_right',
  'mach_port_extract_right',
  'mach_port_type',
  'mach_port_names',
  'mach_port_move_member',
  'mach_port_insert_member',
  'mach_port_extract_member',
  'mach_port_get_set_status',
  'mach_port_request_notification',
  'mach_port_get_attributes',
  'mach_port_set_attributes',
  'mach_port_set_mscount',
  'mach_port_set_seqno',
  'mach_port_get_context',
  'mach_port_set_context',
  'mach_port_construct',
  'mach_port_destruct',
  'mach_port_guard',
  'mach_port_unguard',
  'mach_port_kobject',
  'bootstrap_check_in',
  'bootstrap_look_up',
  'bootstrap_register',
  'host_info',
  'host_statistics64',
  'task_info',
] as const;

/** MachApi calls added after the kernel host's own methods, appended from method id 37. */
const LATER_MACH_API_CALLS = [
  'mach_port_guard_with_flags',
  'mach_port_swap_guard',
  'mach_port_peek',
  'mach_port_get_srights',
  'mach_port_dnrequest_info',
  'mach_port_space_basic_info',
  'mach_port_kobject_description',
  'task_get_special_port',
  'task_set_special_port',
  'task_set_exception_ports',
  'task_get_exception_ports',
  'task_swap_exception_ports',
] as const;

/** The MachApi calls a remote task forwards as CALL frames, in protocol order. */
export const MACH_API_CALLS = [...FIRST_MACH_API_CALLS, ...LATER_MACH_API_CALLS] as const;

/**
 * The synchronous calls, by method id (the CALL frame's first payload byte). The order
 * is part of the protocol: the MachApi calls, then the kernel host's own. New methods
 * are only ever appended (a kernel that predates one answers it with a `Protocol`
 * ERROR, "unknown method id", and the session goes on).
 */
export const METHODS = [...FIRST_MACH_API_CALLS, 'spaceInfo', 'kernelCall', 'inspect', 'kernelSend', ...LATER_MACH_API_CALLS] as const;

/** A method name of {@link METHODS}. */
export type MethodName = (typeof METHODS)[number];

/** Method id by name. */
export const METHOD_ID: Readonly<Record<MethodName, number>> = Object.freeze(
  Object.fromEntries(METHODS.map((m, i) => [m, i])) as Record<MethodName, number>,
);

/** Administration operations (ADMIN payload `op`). */
export type AdminOp = 'status' | 'invariants' | 'drop-realm';
