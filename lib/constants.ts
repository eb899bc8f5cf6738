/**
 * Mach constants under their `<mach/*.h>` names, with Darwin's values (64-bit user
 * process). Values come from XNU's public headers (xnu:osfmk/mach/port.h, message.h,
 * kern_return.h, mig_errors.h, notify.h, host_info.h, task_info.h) and launchd's
 * bootstrap.h. Macros become functions.
 * @module
 */

// ---------------------------------------------------------------------------
// Port names (xnu:osfmk/mach/port.h)

/** The null port name. */
export const MACH_PORT_NULL = 0;
/** The dead port name: a right whose port has died may be reported as this. */
export const MACH_PORT_DEAD = 0xffffffff;
/** MACH_PORT_VALID(name): neither NULL nor DEAD. */
export function MACH_PORT_VALID(name: number): boolean {
  return name !== MACH_PORT_NULL && name !== MACH_PORT_DEAD;
}
/** MACH_PORT_INDEX(name): the table index of a name (name >> 8). */
export function MACH_PORT_INDEX(name: number): number {
  return name >>> 8;
}
/** MACH_PORT_GEN(name): the generation byte of a name, shifted as XNU does. */
export function MACH_PORT_GEN(name: number): number {
  return ((name & 0xff) << 24) >>> 0;
}
/** MACH_PORT_MAKE(index, gen): compose a name from an index and a MACH_PORT_GEN value. */
export function MACH_PORT_MAKE(index: number, gen: number): number {
  return ((index << 8) | (gen >>> 24)) >>> 0;
}

// ---------------------------------------------------------------------------
// Rights (mach_port_right_t)

export const MACH_PORT_RIGHT_SEND = 0;
export const MACH_PORT_RIGHT_RECEIVE = 1;
export const MACH_PORT_RIGHT_SEND_ONCE = 2;
export const MACH_PORT_RIGHT_PORT_SET = 3;
export const MACH_PORT_RIGHT_DEAD_NAME = 4;
export const MACH_PORT_RIGHT_LABELH = 5;
export const MACH_PORT_RIGHT_NUMBER = 6;

// ---------------------------------------------------------------------------
// Types (mach_port_type_t): MACH_PORT_TYPE(right) = 1 << (right + 16)

/** MACH_PORT_TYPE(right): the type bit of a right. */
export function MACH_PORT_TYPE(right: number): number {
  return (1 << (right + 16)) >>> 0;
}
export const MACH_PORT_TYPE_NONE = 0;
export const MACH_PORT_TYPE_SEND = 0x00010000;
export const MACH_PORT_TYPE_RECEIVE = 0x00020000;
export const MACH_PORT_TYPE_SEND_ONCE = 0x00040000;
export const MACH_PORT_TYPE_PORT_SET = 0x00080000;
export const MACH_PORT_TYPE_DEAD_NAME = 0x00100000;
export const MACH_PORT_TYPE_LABELH = 0x00200000;
export const MACH_PORT_TYPE_DNREQUEST = 0x80000000;
export const MACH_PORT_TYPE_SPREQUEST = 0x40000000;
export const MACH_PORT_TYPE_SPREQUEST_DELAYED = 0x20000000;
export const MACH_PORT_TYPE_SEND_RECEIVE = 0x00030000;
export const MACH_PORT_TYPE_SEND_RIGHTS = 0x00050000;
export const MACH_PORT_TYPE_PORT_RIGHTS = 0x00070000;
export const MACH_PORT_TYPE_PORT_OR_DEAD = 0x00170000;
export const MACH_PORT_TYPE_ALL_RIGHTS = 0x001f0000;

// ---------------------------------------------------------------------------
// User references (xnu:osfmk/ipc/port.h, kernel-private)

/** User references saturate here instead of overflowing (xnu:osfmk/ipc/ipc_right.c:ipc_right_delta). */
export const MACH_PORT_UREFS_MAX = 0xffff;

// ---------------------------------------------------------------------------
// Dispositions (mach_msg_type_name_t, xnu:osfmk/mach/message.h)

export const MACH_MSG_TYPE_NONE = 0;
export const MACH_MSG_TYPE_PORT_NONE = 0;
export const MACH_MSG_TYPE_PORT_NAME = 15;
export const MACH_MSG_TYPE_MOVE_RECEIVE = 16;
export const MACH_MSG_TYPE_MOVE_SEND = 17;
export const MACH_MSG_TYPE_MOVE_SEND_ONCE = 18;
export const MACH_MSG_TYPE_COPY_SEND = 19;
export const MACH_MSG_TYPE_MAKE_SEND = 20;
export const MACH_MSG_TYPE_MAKE_SEND_ONCE = 21;
export const MACH_MSG_TYPE_COPY_RECEIVE = 22;
export const MACH_MSG_TYPE_DISPOSE_RECEIVE = 24;
export const MACH_MSG_TYPE_DISPOSE_SEND = 25;
export const MACH_MSG_TYPE_DISPOSE_SEND_ONCE = 26;
export const MACH_MSG_TYPE_PORT_RECEIVE = MACH_MSG_TYPE_MOVE_RECEIVE;
export const MACH_MSG_TYPE_PORT_SEND = MACH_MSG_TYPE_MOVE_SEND;
export const MACH_MSG_TYPE_PORT_SEND_ONCE = MACH_MSG_TYPE_MOVE_SEND_ONCE;
export const MACH_MSG_TYPE_LAST = 22;
export const MACH_MSG_TYPE_POLYMORPHIC = 0xffffffff;

/** MACH_MSG_TYPE_PORT_ANY(x): 16..21. */
export function MACH_MSG_TYPE_PORT_ANY(x: number): boolean {
  return x >= MACH_MSG_TYPE_MOVE_RECEIVE && x <= MACH_MSG_TYPE_MAKE_SEND_ONCE;
}
/** MACH_MSG_TYPE_PORT_ANY_SEND(x): 17..21. */
export function MACH_MSG_TYPE_PORT_ANY_SEND(x: number): boolean {
  return x >= MACH_MSG_TYPE_MOVE_SEND && x <= MACH_MSG_TYPE_MAKE_SEND_ONCE;
}
/** MACH_MSG_TYPE_PORT_ANY_SEND_ONCE(x): 18 or 21. */
export function MACH_MSG_TYPE_PORT_ANY_SEND_ONCE(x: number): boolean {
  return x === MACH_MSG_TYPE_MOVE_SEND_ONCE || x === MACH_MSG_TYPE_MAKE_SEND_ONCE;
}
/** MACH_MSG_TYPE_PORT_ANY_RIGHT(x): 16..18. */
export function MACH_MSG_TYPE_PORT_ANY_RIGHT(x: number): boolean {
  return x >= MACH_MSG_TYPE_MOVE_RECEIVE && x <= MACH_MSG_TYPE_MOVE_SEND_ONCE;
}

// ---------------------------------------------------------------------------
// Header bits (xnu:osfmk/mach/message.h)

export const MACH_MSGH_BITS_ZERO = 0;
export const MACH_MSGH_BITS_REMOTE_MASK = 0x0000001f;
export const MACH_MSGH_BITS_LOCAL_MASK = 0x00001f00;
export const MACH_MSGH_BITS_VOUCHER_MASK = 0x001f0000;
export const MACH_MSGH_BITS_PORTS_MASK = 0x001f1f1f;
export const MACH_MSGH_BITS_COMPLEX = 0x80000000;
export const MACH_MSGH_BITS_USER = 0x801f1f1f;
export const MACH_MSGH_BITS_RAISEIMP = 0x20000000;
export const MACH_MSGH_BITS_DENAP = MACH_MSGH_BITS_RAISEIMP;
export const MACH_MSGH_BITS_IMPHOLDASRT = 0x10000000;
export const MACH_MSGH_BITS_USED = 0xb01f1f1f;

/** MACH_MSGH_BITS(remote, local). */
export function MACH_MSGH_BITS(remote: number, local: number): number {
  return (remote | (local << 8)) >>> 0;
}
/** MACH_MSGH_BITS_SET_PORTS(remote, local, voucher). */
export function MACH_MSGH_BITS_SET_PORTS(remote: number, local: number, voucher: number): number {
  return ((remote & 0x1f) | ((local << 8) & 0x1f00) | ((voucher << 16) & 0x1f0000)) >>> 0;
}
/** MACH_MSGH_BITS_SET(remote, local, voucher, other). */
export function MACH_MSGH_BITS_SET(remote: number, local: number, voucher: number, other: number): number {
  return (MACH_MSGH_BITS_SET_PORTS(remote, local, voucher) | (other & ~MACH_MSGH_BITS_PORTS_MASK)) >>> 0;
}
/** MACH_MSGH_BITS_REMOTE(bits). */
export function MACH_MSGH_BITS_REMOTE(bits: number): number {
  return bits & MACH_MSGH_BITS_REMOTE_MASK;
}
/** MACH_MSGH_BITS_LOCAL(bits). */
export function MACH_MSGH_BITS_LOCAL(bits: number): number {
  return (bits & MACH_MSGH_BITS_LOCAL_MASK) >>> 8;
}
/** MACH_MSGH_BITS_VOUCHER(bits). */
export function MACH_MSGH_BITS_VOUCHER(bits: number): number {
  return (bits & MACH_MSGH_BITS_VOUCHER_MASK) >>> 16;
}
/** MACH_MSGH_BITS_PORTS(bits). */
export function MACH_MSGH_BITS_PORTS(bits: number): number {
  return bits & MACH_MSGH_BITS_PORTS_MASK;
}
/** MACH_MSGH_BITS_OTHER(bits). */
export function MACH_MSGH_BITS_OTHER(bits: number): number {
  return (bits & ~MACH_MSGH_BITS_PORTS_MASK) >>> 0;
}
/** MACH_MSGH_BITS_IS_COMPLEX(bits). */
export function MACH_MSGH_BITS_IS_COMPLEX(bits: number): boolean {
  return (bits & MACH_MSGH_BITS_COMPLEX) !== 0;
}

// ---------------------------------------------------------------------------
// Descriptors (xnu:osfmk/mach/message.h)

export const MACH_MSG_PORT_DESCRIPTOR = 0;
export const MACH_MSG_OOL_DESCRIPTOR = 1;
export const MACH_MSG_OOL_PORTS_DESCRIPTOR = 2;
export const MACH_MSG_OOL_VOLATILE_DESCRIPTOR = 3;
export const MACH_MSG_GUARDED_PORT_DESCRIPTOR = 4;
export const MACH_MSG_DESCRIPTOR_MAX = MACH_MSG_GUARDED_PORT_DESCRIPTOR;

export const MACH_MSG_PHYSICAL_COPY = 0;
export const MACH_MSG_VIRTUAL_COPY = 1;
export const MACH_MSG_ALLOCATE = 2;
export const MACH_MSG_OVERWRITE = 3;

export const MACH_MSG_GUARD_FLAGS_NONE = 0x0;
export const MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE = 0x1;
export const MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND = 0x2;
export const MACH_MSG_GUARD_FLAGS_MASK = 0x3;

/** Sizes of the 64-bit user layout (pack 4). */
export const MACH_MSG_HEADER_SIZE = 24;
export const MACH_MSG_BODY_SIZE = 4;
export const MACH_MSG_PORT_DESCRIPTOR_SIZE = 12;
export const MACH_MSG_OOL_DESCRIPTOR_SIZE = 16;
export const MACH_MSG_OOL_PORTS_DESCRIPTOR_SIZE = 16;
export const MACH_MSG_GUARDED_PORT_DESCRIPTOR_SIZE = 16;

// ---------------------------------------------------------------------------
// mach_msg options (mach_msg_option_t)

export const MACH_MSG_OPTION_NONE = 0x00000000;
export const MACH_SEND_MSG = 0x00000001;
export const MACH_RCV_MSG = 0x00000002;
export const MACH_RCV_LARGE = 0x00000004;
export const MACH_RCV_LARGE_IDENTITY = 0x00000008;
export const MACH_SEND_TIMEOUT = 0x00000010;
export const MACH_SEND_OVERRIDE = 0x00000020;
export const MACH_SEND_INTERRUPT = 0x00000040;
export const MACH_SEND_NOTIFY = 0x00000080;
export const MACH_RCV_TIMEOUT = 0x00000100;
export const MACH_RCV_NOTIFY = 0x00000000;
export const MACH_MSG_STRICT_REPLY = 0x00000200;
export const MACH_RCV_INTERRUPT = 0x00000400;
export const MACH_RCV_VOUCHER = 0x00000800;
export const MACH_RCV_OVERWRITE = 0x00000000;
export const MACH_RCV_GUARDED_DESC = 0x00001000;
export const MACH_RCV_SYNC_WAIT = 0x00004000;
export const MACH_RCV_SYNC_PEEK = 0x00008000;
export const MACH_SEND_FILTER_NONFATAL = 0x00010000;
export const MACH_SEND_TRAILER = 0x00020000;
export const MACH_SEND_NOIMPORTANCE = 0x00040000;
export const MACH_SEND_NODENAP = MACH_SEND_NOIMPORTANCE;
export const MACH_SEND_SYNC_OVERRIDE = 0x00100000;
export const MACH_SEND_PROPAGATE_QOS = 0x00200000;
export const MACH_SEND_SYNC_BOOTSTRAP_CHECKIN = 0x00800000;

export const MACH_MSG_TIMEOUT_NONE = 0;

export const MACH_RCV_TRAILER_NULL = 0;
export const MACH_RCV_TRAILER_SEQNO = 1;
export const MACH_RCV_TRAILER_SENDER = 2;
export const MACH_RCV_TRAILER_AUDIT = 3;
export const MACH_RCV_TRAILER_CTX = 4;
export const MACH_RCV_TRAILER_AV = 7;
export const MACH_RCV_TRAILER_LABELS = 8;
export const MACH_RCV_TRAILER_MASK = 0x0f000000;
export const MACH_MSG_TRAILER_FORMAT_0 = 0;

/** MACH_RCV_TRAILER_TYPE(x). */
export function MACH_RCV_TRAILER_TYPE(x: number): number {
  return ((x & 0xf) << 28) >>> 0;
}
/** MACH_RCV_TRAILER_ELEMENTS(x). */
export function MACH_RCV_TRAILER_ELEMENTS(x: number): number {
  return ((x & 0xf) << 24) >>> 0;
}
/** GET_RCV_ELEMENTS(option). */
export function GET_RCV_ELEMENTS(option: number): number {
  return (option >>> 24) & 0xf;
}
/**
 * REQUESTED_TRAILER_SIZE(option): the trailer size a receive asks for
 * (xnu:osfmk/mach/message.h; unknown element counts give the 68-byte maximum).
 */
export function REQUESTED_TRAILER_SIZE(option: number): number {
  switch (GET_RCV_ELEMENTS(option)) {
    case MACH_RCV_TRAILER_NULL:
      return 8;
    case MACH_RCV_TRAILER_SEQNO:
      return 12;
    case MACH_RCV_TRAILER_SENDER:
      return 20;
    case MACH_RCV_TRAILER_AUDIT:
      return 52;
    case MACH_RCV_TRAILER_CTX:
      return 60;
    default:
      return 68;
  }
}
export const MACH_MSG_TRAILER_MINIMUM_SIZE = 8;
export const MAX_TRAILER_SIZE = 68;

// ---------------------------------------------------------------------------
// mach_msg_return_t (xnu:osfmk/mach/message.h)

export const MACH_MSG_SUCCESS = 0x00000000;
export const MACH_MSG_MASK = 0x00003e00;
export const MACH_MSG_IPC_SPACE = 0x00002000;
export const MACH_MSG_VM_SPACE = 0x00001000;
export const MACH_MSG_IPC_KERNEL = 0x00000800;
export const MACH_MSG_VM_KERNEL = 0x00000400;
export const MACH_SEND_IN_PROGRESS = 0x10000001;
export const MACH_SEND_INVALID_DATA = 0x10000002;
export const MACH_SEND_INVALID_DEST = 0x10000003;
export const MACH_SEND_TIMED_OUT = 0x10000004;
export const MACH_SEND_INVALID_VOUCHER = 0x10000005;
export const MACH_SEND_INTERRUPTED = 0x10000007;
export const MACH_SEND_MSG_TOO_SMALL = 0x10000008;
export const MACH_SEND_INVALID_REPLY = 0x10000009;
export const MACH_SEND_INVALID_RIGHT = 0x1000000a;
export const MACH_SEND_INVALID_NOTIFY = 0x1000000b;
export const MACH_SEND_INVALID_MEMORY = 0x1000000c;
export const MACH_SEND_NO_BUFFER = 0x1000000d;
export const MACH_SEND_TOO_LARGE = 0x1000000e;
export const MACH_SEND_INVALID_TYPE = 0x1000000f;
export const MACH_SEND_INVALID_HEADER = 0x10000010;
export const MACH_SEND_INVALID_TRAILER = 0x10000011;
export const MACH_SEND_INVALID_CONTEXT = 0x10000012;
export const MACH_SEND_INVALID_OPTIONS = 0x10000013;
export const MACH_SEND_INVALID_RT_OOL_SIZE = 0x10000015;
export const MACH_SEND_NO_GRANT_DEST = 0x10000016;
export const MACH_SEND_MSG_FILTERED = 0x10000017;
export const MACH_SEND_AUX_TOO_SMALL = 0x10000018;
export const MACH_SEND_AUX_TOO_LARGE = 0x10000019;
export const MACH_RCV_IN_PROGRESS = 0x10004001;
export const MACH_RCV_INVALID_NAME = 0x10004002;
export const MACH_RCV_TIMED_OUT = 0x10004003;
export const MACH_RCV_TOO_LARGE = 0x10004004;
export const MACH_RCV_INTERRUPTED = 0x10004005;
export const MACH_RCV_PORT_CHANGED = 0x10004006;
export const MACH_RCV_INVALID_NOTIFY = 0x10004007;
export const MACH_RCV_INVALID_DATA = 0x10004008;
export const MACH_RCV_PORT_DIED = 0x10004009;
export const MACH_RCV_IN_SET = 0x1000400a;
export const MACH_RCV_HEADER_ERROR = 0x1000400b;
export const MACH_RCV_BODY_ERROR = 0x1000400c;
export const MACH_RCV_INVALID_TYPE = 0x1000400d;
export const MACH_RCV_SCATTER_SMALL = 0x1000400e;
export const MACH_RCV_INVALID_TRAILER = 0x1000400f;
export const MACH_RCV_IN_PROGRESS_TIMED = 0x10004011;
export const MACH_RCV_INVALID_REPLY = 0x10004012;
export const MACH_RCV_INVALID_ARGUMENTS = 0x10004013;

// ---------------------------------------------------------------------------
// kern_return_t (xnu:osfmk/mach/kern_return.h)

export const KERN_SUCCESS = 0;
export const KERN_INVALID_ADDRESS = 1;
export const KERN_PROTECTION_FAILURE = 2;
export const KERN_NO_SPACE = 3;
export const KERN_INVALID_ARGUMENT = 4;
export const KERN_FAILURE = 5;
export const KERN_RESOURCE_SHORTAGE = 6;
export const KERN_NOT_RECEIVER = 7;
export const KERN_NO_ACCESS = 8;
export const KERN_MEMORY_FAILURE = 9;
export const KERN_MEMORY_ERROR = 10;
export const KERN_ALREADY_IN_SET = 11;
export const KERN_NOT_IN_SET = 12;
export const KERN_NAME_EXISTS = 13;
export const KERN_ABORTED = 14;
export const KERN_INVALID_NAME = 15;
export const KERN_INVALID_TASK = 16;
export const KERN_INVALID_RIGHT = 17;
export const KERN_INVALID_VALUE = 18;
export const KERN_UREFS_OVERFLOW = 19;
export const KERN_INVALID_CAPABILITY = 20;
export const KERN_RIGHT_EXISTS = 21;
export const KERN_INVALID_HOST = 22;
export const KERN_MEMORY_PRESENT = 23;
export const KERN_MEMORY_DATA_MOVED = 24;
export const KERN_MEMORY_RESTART_COPY = 25;
export const KERN_INVALID_PROCESSOR_SET = 26;
export const KERN_POLICY_LIMIT = 27;
export const KERN_INVALID_POLICY = 28;
export const KERN_INVALID_OBJECT = 29;
export const KERN_ALREADY_WAITING = 30;
export const KERN_DEFAULT_SET = 31;
export const KERN_EXCEPTION_PROTECTED = 32;
export const KERN_INVALID_LEDGER = 33;
export const KERN_INVALID_MEMORY_CONTROL = 34;
export const KERN_INVALID_SECURITY = 35;
export const KERN_NOT_DEPRESSED = 36;
export const KERN_TERMINATED = 37;
export const KERN_LOCK_SET_DESTROYED = 38;
export const KERN_LOCK_UNSTABLE = 39;
export const KERN_LOCK_OWNED = 40;
export const KERN_LOCK_OWNED_SELF = 41;
export const KERN_SEMAPHORE_DESTROYED = 42;
export const KERN_RPC_SERVER_TERMINATED = 43;
export const KERN_RPC_TERMINATE_ORPHAN = 44;
export const KERN_RPC_CONTINUE_ORPHAN = 45;
export const KERN_NOT_SUPPORTED = 46;
export const KERN_NODE_DOWN = 47;
export const KERN_NOT_WAITING = 48;
export const KERN_OPERATION_TIMED_OUT = 49;
export const KERN_CODESIGN_ERROR = 50;
export const KERN_POLICY_STATIC = 51;
export const KERN_INSUFFICIENT_BUFFER_SIZE = 52;
export const KERN_DENIED = 53;
export const KERN_MISSING_KC = 54;
export const KERN_INVALID_KC = 55;
export const KERN_NOT_FOUND = 56;

// ---------------------------------------------------------------------------
// MIG errors (xnu:osfmk/mach/mig_errors.h)

export const MIG_TYPE_ERROR = -300;
export const MIG_REPLY_MISMATCH = -301;
export const MIG_REMOTE_ERROR = -302;
export const MIG_BAD_ID = -303;
export const MIG_BAD_ARGUMENTS = -304;
export const MIG_NO_REPLY = -305;
export const MIG_EXCEPTION = -306;
export const MIG_ARRAY_TOO_LARGE = -307;
export const MIG_SERVER_DIED = -308;
export const MIG_TRAILER_ERROR = -309;

// ---------------------------------------------------------------------------
// Bootstrap (launchd's <servers/bootstrap.h>)

export const BOOTSTRAP_SUCCESS = 0;
export const BOOTSTRAP_NOT_PRIVILEGED = 1100;
export const BOOTSTRAP_NAME_IN_USE = 1101;
export const BOOTSTRAP_UNKNOWN_SERVICE = 1102;
export const BOOTSTRAP_SERVICE_ACTIVE = 1103;
export const BOOTSTRAP_BAD_COUNT = 1104;
export const BOOTSTRAP_NO_MEMORY = 1105;
export const BOOTSTRAP_NO_CHILDREN = 1106;
export const BOOTSTRAP_MAX_NAME_LEN = 128;

// ---------------------------------------------------------------------------
// Notifications (xnu:osfmk/mach/notify.h)

export const MACH_NOTIFY_FIRST = 64;
export const MACH_NOTIFY_PORT_DELETED = 65;
export const MACH_NOTIFY_SEND_POSSIBLE = 66;
export const MACH_NOTIFY_PORT_DESTROYED = 69;
export const MACH_NOTIFY_NO_SENDERS = 70;
export const MACH_NOTIFY_SEND_ONCE = 71;
export const MACH_NOTIFY_DEAD_NAME = 72;
export const MACH_NOTIFY_LAST = 77;

// ---------------------------------------------------------------------------
// Queue limits (xnu:osfmk/mach/port.h)

export const MACH_PORT_QLIMIT_ZERO = 0;
export const MACH_PORT_QLIMIT_BASIC = 5;
export const MACH_PORT_QLIMIT_SMALL = 16;
export const MACH_PORT_QLIMIT_LARGE = 1024;
export const MACH_PORT_QLIMIT_KERNEL = 65534;
export const MACH_PORT_QLIMIT_MIN = MACH_PORT_QLIMIT_ZERO;
export const MACH_PORT_QLIMIT_DEFAULT = MACH_PORT_QLIMIT_BASIC;
export const MACH_PORT_QLIMIT_MAX = MACH_PORT_QLIMIT_LARGE;

// ---------------------------------------------------------------------------
// Port attributes (xnu:osfmk/mach/port.h)

export const MACH_PORT_LIMITS_INFO = 1;
export const MACH_PORT_RECEIVE_STATUS = 2;
export const MACH_PORT_DNREQUESTS_SIZE = 3;
export const MACH_PORT_TEMPOWNER = 4;
export const MACH_PORT_IMPORTANCE_RECEIVER = 5;
export const MACH_PORT_DENAP_RECEIVER = 6;
export const MACH_PORT_INFO_EXT = 7;
export const MACH_PORT_GUARD_INFO = 8;
export const MACH_PORT_SERVICE_THROTTLED = 9;
export const MACH_PORT_LIMITS_INFO_COUNT = 1;
export const MACH_PORT_RECEIVE_STATUS_COUNT = 10;
export const MACH_PORT_DNREQUESTS_SIZE_COUNT = 1;
export const MACH_PORT_INFO_EXT_COUNT = 17;
export const MACH_PORT_GUARD_INFO_COUNT = 2;
export const MACH_PORT_SERVICE_THROTTLED_COUNT = 1;

export const MACH_PORT_STATUS_FLAG_TEMPOWNER = 0x01;
export const MACH_PORT_STATUS_FLAG_GUARDED = 0x02;
export const MACH_PORT_STATUS_FLAG_STRICT_GUARD = 0x04;
export const MACH_PORT_STATUS_FLAG_IMP_DONATION = 0x08;
export const MACH_PORT_STATUS_FLAG_REVIVE = 0x10;
export const MACH_PORT_STATUS_FLAG_TASKPTR = 0x20;
export const MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE = 0x40;
export const MACH_PORT_STATUS_FLAG_NO_GRANT = 0x80;

// mach_port_construct options (mach_port_options_t.flags)
export const MPO_CONTEXT_AS_GUARD = 0x01;
export const MPO_QLIMIT = 0x02;
export const MPO_TEMPOWNER = 0x04;
export const MPO_IMPORTANCE_RECEIVER = 0x08;
export const MPO_INSERT_SEND_RIGHT = 0x10;
export const MPO_STRICT = 0x20;
export const MPO_DENAP_RECEIVER = 0x40;
export const MPO_IMMOVABLE_RECEIVE = 0x80;
export const MPO_FILTER_MSG = 0x100;
export const MPO_TG_BLOCK_TRACKING = 0x200;
export const MPO_SERVICE_PORT = 0x400;
export const MPO_CONNECTION_PORT = 0x800;
export const MPO_REPLY_PORT = 0x1000;
export const MPO_ENFORCE_REPLY_PORT_SEMANTICS = 0x2000;
export const MPO_PROVISIONAL_REPLY_PORT = 0x4000;
export const MPO_EXCEPTION_PORT = 0x8000;

// mach_port_guard_with_flags flags (xnu:osfmk/mach/port.h)
export const MPG_STRICT = 0x01;
export const MPG_IMMOVABLE_RECEIVE = 0x02;

// ---------------------------------------------------------------------------
// Guard exception reasons (kGUARD_EXC_*, xnu:osfmk/mach/port.h)

export const kGUARD_EXC_DESTROY = 1;
export const kGUARD_EXC_MOD_REFS = 2;
export const kGUARD_EXC_INVALID_OPTIONS = 3;
export const kGUARD_EXC_SET_CONTEXT = 4;
export const kGUARD_EXC_THREAD_SET_STATE = 5;
export const kGUARD_EXC_EXCEPTION_BEHAVIOR_ENFORCE = 6;
export const kGUARD_EXC_UNGUARDED = 8;
export const kGUARD_EXC_INCORRECT_GUARD = 16;
export const kGUARD_EXC_IMMOVABLE = 32;
export const kGUARD_EXC_STRICT_REPLY = 64;
export const kGUARD_EXC_MSG_FILTERED = 128;
export const kGUARD_EXC_INVALID_RIGHT = 256;
export const kGUARD_EXC_INVALID_NAME = 512;
export const kGUARD_EXC_INVALID_VALUE = 1024;
export const kGUARD_EXC_INVALID_ARGUMENT = 2048;
export const kGUARD_EXC_RIGHT_EXISTS = 4096;
export const kGUARD_EXC_KERN_NO_SPACE = 8192;
export const kGUARD_EXC_KERN_FAILURE = 16384;
export const kGUARD_EXC_KERN_RESOURCE = 32768;
export const kGUARD_EXC_SEND_INVALID_REPLY = 65536;
export const kGUARD_EXC_SEND_INVALID_VOUCHER = 131072;
export const kGUARD_EXC_SEND_INVALID_RIGHT = 262144;
export const kGUARD_EXC_RCV_INVALID_NAME = 524288;

// ---------------------------------------------------------------------------
// Kernel object types (IKOT_*, xnu:osfmk/kern/ipc_kobject.h)

export const IKOT_NONE = 0;
export const IKOT_THREAD_CONTROL = 1;
export const IKOT_TASK_CONTROL = 2;
export const IKOT_HOST = 3;
export const IKOT_HOST_PRIV = 4;
export const IKOT_PROCESSOR = 5;
export const IKOT_PSET = 6;
export const IKOT_PSET_NAME = 7;
export const IKOT_TIMER = 8;
export const IKOT_PORT_SUBST_ONCE = 9;
export const IKOT_MEMORY_OBJECT = 11;
export const IKOT_UND_REPLY = 15;
export const IKOT_MAIN_DEVICE = 19;
export const IKOT_TASK_NAME = 20;
export const IKOT_SEMAPHORE = 23;
export const IKOT_CLOCK = 25;
export const IKOT_IOKIT_IDENT = 27;
export const IKOT_NAMED_ENTRY = 28;
export const IKOT_IOKIT_CONNECT = 29;
export const IKOT_IOKIT_OBJECT = 30;
export const IKOT_AU_SESSIONPORT = 33;
export const IKOT_FILEPORT = 34;
export const IKOT_TASK_RESUME = 36;
export const IKOT_VOUCHER = 37;
export const IKOT_WORK_INTERVAL = 39;
export const IKOT_UX_HANDLER = 40;
export const IKOT_UEXT_OBJECT = 41;
export const IKOT_ARCADE_REG = 42;
export const IKOT_EVENTLINK = 43;
export const IKOT_TASK_INSPECT = 44;
export const IKOT_TASK_READ = 45;
export const IKOT_THREAD_INSPECT = 46;
export const IKOT_THREAD_READ = 47;
export const IKOT_HYPERVISOR = 49;
export const IKOT_TASK_ID_TOKEN = 50;
export const IKOT_TASK_FATAL = 51;
export const IKOT_KCDATA = 52;
export const IKOT_EXCLAVES_RESOURCE = 53;

// ---------------------------------------------------------------------------
// Task special ports (task_special_port_t, xnu:osfmk/mach/task_special_ports.h)

export const TASK_KERNEL_PORT = 1;
export const TASK_HOST_PORT = 2;
export const TASK_NAME_PORT = 3;
export const TASK_BOOTSTRAP_PORT = 4;
export const TASK_INSPECT_PORT = 5;
export const TASK_READ_PORT = 6;
/** Retired: the header now reads "Was TASK_SEATBELT_PORT 7"; task_get/set_special_port answer it KERN_INVALID_ARGUMENT. */
export const TASK_SEATBELT_PORT = 7;
export const TASK_ACCESS_PORT = 9;
export const TASK_DEBUG_CONTROL_PORT = 10;
export const TASK_RESOURCE_NOTIFY_PORT = 11;
export const TASK_MAX_SPECIAL_PORT = TASK_RESOURCE_NOTIFY_PORT;

// ---------------------------------------------------------------------------
// Exceptions (xnu:osfmk/mach/exception_types.h; the machine parts from
// osfmk/mach/arm/exception.h, i386/exception.h and the thread_status.h headers)

export const EXC_BAD_ACCESS = 1;
export const EXC_BAD_INSTRUCTION = 2;
export const EXC_ARITHMETIC = 3;
export const EXC_EMULATION = 4;
export const EXC_SOFTWARE = 5;
export const EXC_BREAKPOINT = 6;
export const EXC_SYSCALL = 7;
export const EXC_MACH_SYSCALL = 8;
export const EXC_RPC_ALERT = 9;
export const EXC_CRASH = 10;
export const EXC_RESOURCE = 11;
export const EXC_GUARD = 12;
export const EXC_CORPSE_NOTIFY = 13;
/** The first exception type (0 is illegal). */
export const FIRST_EXCEPTION = 1;
/** Exception types including the illegal 0: 14 on both arm64 and x86_64. */
export const EXC_TYPES_COUNT = 14;

export const EXC_MASK_BAD_ACCESS = 1 << EXC_BAD_ACCESS;
export const EXC_MASK_BAD_INSTRUCTION = 1 << EXC_BAD_INSTRUCTION;
export const EXC_MASK_ARITHMETIC = 1 << EXC_ARITHMETIC;
export const EXC_MASK_EMULATION = 1 << EXC_EMULATION;
export const EXC_MASK_SOFTWARE = 1 << EXC_SOFTWARE;
export const EXC_MASK_BREAKPOINT = 1 << EXC_BREAKPOINT;
export const EXC_MASK_SYSCALL = 1 << EXC_SYSCALL;
export const EXC_MASK_MACH_SYSCALL = 1 << EXC_MACH_SYSCALL;
export const EXC_MASK_RPC_ALERT = 1 << EXC_RPC_ALERT;
export const EXC_MASK_CRASH = 1 << EXC_CRASH;
export const EXC_MASK_RESOURCE = 1 << EXC_RESOURCE;
export const EXC_MASK_GUARD = 1 << EXC_GUARD;
export const EXC_MASK_CORPSE_NOTIFY = 1 << EXC_CORPSE_NOTIFY;
/** Machine-specific exception masks: 0 on both arm64 and x86_64. */
export const EXC_MASK_MACHINE = 0;
/** Every exception type but EXC_CRASH and EXC_CORPSE_NOTIFY (0x1bfe). */
export const EXC_MASK_ALL =
  EXC_MASK_BAD_ACCESS |
  EXC_MASK_BAD_INSTRUCTION |
  EXC_MASK_ARITHMETIC |
  EXC_MASK_EMULATION |
  EXC_MASK_SOFTWARE |
  EXC_MASK_BREAKPOINT |
  EXC_MASK_SYSCALL |
  EXC_MASK_MACH_SYSCALL |
  EXC_MASK_RPC_ALERT |
  EXC_MASK_RESOURCE |
  EXC_MASK_GUARD |
  EXC_MASK_MACHINE;
/**
 * The kernel's (KERNEL_PRIVATE) set of masks the exception-port calls accept: EXC_MASK_ALL
 * plus EXC_MASK_CRASH and EXC_MASK_CORPSE_NOTIFY (0x3ffe). The same on arm64 and x86_64,
 * since EXC_MASK_MACHINE is 0 on both.
 */
export const EXC_MASK_VALID = EXC_MASK_ALL | EXC_MASK_CRASH | EXC_MASK_CORPSE_NOTIFY;

/** exception_behavior_t: a catch_exception_raise message with the thread's and task's identity. */
export const EXCEPTION_DEFAULT = 1;
/** catch_exception_raise_state: the thread state, no identity. */
export const EXCEPTION_STATE = 2;
/** catch_exception_raise_state_identity: identity and thread state. */
export const EXCEPTION_STATE_IDENTITY = 3;
/** catch_exception_raise_identity_protected: the task's and thread's identity tokens (needs MACH_EXCEPTION_CODES). */
export const EXCEPTION_IDENTITY_PROTECTED = 4;
/** catch_exception_raise_state_identity_protected: identity tokens and thread state. */
export const EXCEPTION_STATE_IDENTITY_PROTECTED = 5;
/** Behavior flag: prefer a catch_exception_raise_backtrace message (needs MACH_EXCEPTION_CODES). */
export const MACH_EXCEPTION_BACKTRACE_PREFERRED = 0x20000000;
/** Behavior flag: exception-specific errors (unused by the kernel yet). */
export const MACH_EXCEPTION_ERRORS = 0x40000000;
/**
 * Behavior flag: 64-bit code and subcode. As a C int the flagged behavior is negative, and
 * JavaScript's `|` gives the same signed value (`EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES`
 * is −2147483647), which is how the exception-port calls report behaviors.
 */
export const MACH_EXCEPTION_CODES = 0x80000000;
/** The behavior flag bits. */
export const MACH_EXCEPTION_MASK = (MACH_EXCEPTION_CODES | MACH_EXCEPTION_ERRORS | MACH_EXCEPTION_BACKTRACE_PREFERRED) >>> 0;

/** arm64 thread state flavors (xnu:osfmk/mach/arm/thread_status.h). */
export const ARM_THREAD_STATE = 1;
export const ARM_VFP_STATE = 2;
export const ARM_EXCEPTION_STATE = 3;
export const ARM_DEBUG_STATE = 4;
export const ARM_THREAD_STATE_NONE = 5;
export const ARM_THREAD_STATE64 = 6;
export const ARM_EXCEPTION_STATE64 = 7;
export const ARM_THREAD_STATE32 = 9;
export const ARM_EXCEPTION_STATE64_V2 = 10;
export const ARM_DEBUG_STATE32 = 14;
export const ARM_DEBUG_STATE64 = 15;
export const ARM_NEON_STATE = 16;
export const ARM_NEON_STATE64 = 17;
export const ARM_PAGEIN_STATE = 27;

/** x86_64 thread state flavors (xnu:osfmk/mach/i386/thread_status.h). */
export const x86_THREAD_STATE32 = 1;
export const x86_FLOAT_STATE32 = 2;
export const x86_EXCEPTION_STATE32 = 3;
export const x86_THREAD_STATE64 = 4;
export const x86_FLOAT_STATE64 = 5;
export const x86_EXCEPTION_STATE64 = 6;
export const x86_THREAD_STATE = 7;
export const x86_FLOAT_STATE = 8;
export const x86_EXCEPTION_STATE = 9;
export const x86_DEBUG_STATE32 = 10;
export const x86_DEBUG_STATE64 = 11;
export const x86_DEBUG_STATE = 12;
export const X86_THREAD_STATE_NONE = 13;
export const x86_AVX_STATE32 = 16;
export const x86_AVX_STATE64 = 17;
export const x86_AVX_STATE = 18;
export const x86_AVX512_STATE32 = 19;
export const x86_AVX512_STATE64 = 20;
export const x86_AVX512_STATE = 21;
export const x86_PAGEIN_STATE = 22;
export const x86_THREAD_FULL_STATE64 = 23;
export const x86_INSTRUCTION_STATE = 24;
export const x86_LAST_BRANCH_STATE = 25;

/**
 * THREAD_STATE_NONE for this machine's architecture: 5 on arm64, 13 on x86_64 (the
 * headers give it a different value per architecture; `process.arch` picks, as the C
 * compiler's target does).
 */
export const THREAD_STATE_NONE = process.arch === 'x64' ? X86_THREAD_STATE_NONE : ARM_THREAD_STATE_NONE;
/** MACHINE_THREAD_STATE for this machine: ARM_THREAD_STATE64 on arm64, x86_THREAD_STATE on x86_64. */
export const MACHINE_THREAD_STATE = process.arch === 'x64' ? x86_THREAD_STATE : ARM_THREAD_STATE64;

// ---------------------------------------------------------------------------
// Host and task info flavors (xnu:osfmk/mach/host_info.h, task_info.h, vm_statistics.h)

export const HOST_BASIC_INFO = 1;
export const HOST_SCHED_INFO = 3;
export const HOST_PRIORITY_INFO = 5;
export const HOST_LOAD_INFO = 1;
export const HOST_VM_INFO = 2;
export const HOST_CPU_LOAD_INFO = 3;
export const HOST_VM_INFO64 = 4;
export const HOST_BASIC_INFO_COUNT = 12;
export const HOST_BASIC_INFO_OLD_COUNT = 5;
export const HOST_VM_INFO64_COUNT = 38;
export const HOST_INFO_MAX = 68;
export const HOST_INFO64_MAX = 256;
export const HOST_CAN_HAS_DEBUGGER = 11;
export const HOST_PREFERRED_USER_ARCH = 12;
export const HOST_EXTMOD_INFO64 = 5;
export const HOST_SCHED_INFO_COUNT = 2;
export const HOST_PRIORITY_INFO_COUNT = 8;
export const HOST_CAN_HAS_DEBUGGER_COUNT = 1;
export const HOST_PREFERRED_USER_ARCH_COUNT = 2;
export const HOST_LOAD_INFO_COUNT = 6;
export const HOST_VM_INFO_COUNT = 15;
export const HOST_CPU_LOAD_INFO_COUNT = 4;
export const HOST_EXTMOD_INFO64_COUNT = 12;

export const TASK_BASIC_INFO_32 = 4;
export const TASK_BASIC_INFO_64 = 5;
export const TASK_EVENTS_INFO = 2;
export const TASK_THREAD_TIMES_INFO = 3;
export const TASK_AUDIT_TOKEN = 15;
export const MACH_TASK_BASIC_INFO = 20;
export const TASK_BASIC2_INFO_32 = 6;
export const TASK_BASIC_INFO_64_2 = 18;
export const TASK_BASIC_INFO_32_COUNT = 8;
export const TASK_BASIC_INFO_64_COUNT = 10;
export const TASK_EVENTS_INFO_COUNT = 8;
export const TASK_THREAD_TIMES_INFO_COUNT = 4;
export const TASK_AUDIT_TOKEN_COUNT = 8;
export const MACH_TASK_BASIC_INFO_COUNT = 12;
export const TASK_BASIC2_INFO_32_COUNT = 8;
export const TASK_BASIC_INFO_64_2_COUNT = 10;
export const TASK_INFO_MAX = 94;

export const CPU_ARCH_ABI64 = 0x01000000;
export const CPU_TYPE_X86 = 7;
export const CPU_TYPE_X86_64 = CPU_TYPE_X86 | CPU_ARCH_ABI64;
export const CPU_TYPE_ARM = 12;
export const CPU_TYPE_ARM64 = CPU_TYPE_ARM | CPU_ARCH_ABI64;
export const CPU_SUBTYPE_X86_64_ALL = 3;
export const CPU_SUBTYPE_ARM64_ALL = 0;

// ---------------------------------------------------------------------------
// MIG subsystem bases and routine ids (xnu:osfmk/mach/*.defs)

export const MIG_HOST_INFO_ID = 200;
export const MIG_HOST_STATISTICS64_ID = 219;
export const MIG_TASK_INFO_ID = 3405;
export const MIG_MACH_PORT_NAMES_ID = 3200;
export const MIG_MACH_PORT_TYPE_ID = 3201;
export const MIG_REPLY_ID_OFFSET = 100;

/** NDR_record as the kernel writes it: mig_vers 0, if_vers 0, reserved 0, encoding 0, int_rep 1 (little endian), char_rep 0, float_rep 0, reserved 0. */
export const NDR_RECORD = Object.freeze([0, 0, 0, 0, 1, 0, 0, 0]);
