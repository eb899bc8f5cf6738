/**
 * The contract every backend keeps: {@link MachApi}, the Mach-named API mirroring
 * `<mach/mach.h>`, and the message shapes `mach_msg` sends and receives.
 * Names, argument order and meaning are C's; out-parameters become return values.
 * @module
 */

/** A port name (mach_port_name_t), a uint32 in the caller's space. */
export type mach_port_name_t = number;
/** A task argument: a name for a task port in the caller's space (usually mach_task_self()). */
export type task_t = number;

// The info structs decoded by host_info, host_statistics64 and task_info besides the ones
// declared below, and their result types by flavor (lib/kernel-info/info_flavors.ts).
import type { HostInfoResult, HostStatistics64Result, TaskInfoResult } from './kernel-info/info_flavors.js';
export type {
  HostInfoFlavors,
  HostInfoResult,
  HostStatistics64Flavors,
  HostStatistics64Result,
  InfoResult,
  RawInfo,
  TaskInfoFlavors,
  TaskInfoResult,
  host_can_has_debugger_info,
  host_cpu_load_info,
  host_load_info,
  host_preferred_user_arch,
  host_priority_info,
  host_sched_info,
  task_events_info,
  task_thread_times_info,
  vm_extmod_statistics,
  vm_statistics,
} from './kernel-info/info_flavors.js';
export type { task_basic_info_32, task_basic_info_64 } from './kernel-info/task_basic_info.js';
export type { time_value_t } from './kernel-info/integer_t.js';

// ---------------------------------------------------------------------------
// Messages as user code writes them

/** mach_msg_header_t as the sender fills it in. */
export interface MachMsgHeader {
  msgh_bits: number;
  /** Ignored on send (the encoded size is used); on receive the message size without trailer. */
  msgh_size?: number;
  msgh_remote_port: mach_port_name_t;
  msgh_local_port?: mach_port_name_t;
  msgh_voucher_port?: mach_port_name_t;
  msgh_id: number;
}

/** mach_msg_port_descriptor_t. */
export interface PortDescriptor {
  type: 0; // MACH_MSG_PORT_DESCRIPTOR
  name: mach_port_name_t;
  disposition: number;
}

/** mach_msg_ool_descriptor64_t: out-of-line memory. The kernel copies it at send time. */
export interface OolDescriptor {
  type: 1 | 3; // MACH_MSG_OOL_DESCRIPTOR or MACH_MSG_OOL_VOLATILE_DESCRIPTOR
  /**
   * The region's bytes. Received, it is the receiver's own copy, but possibly a view into
   * a larger buffer shared with other regions (as Node's pooled Buffers are): read it
   * through the view, or `data.buffer` with `byteOffset` and `byteLength`, never
   * `data.buffer` alone.
   */
  data: Uint8Array;
  /** Sender: deallocate the region after the send. Receiver: true iff copy was VIRTUAL. */
  deallocate?: boolean;
  /** MACH_MSG_PHYSICAL_COPY (0) or MACH_MSG_VIRTUAL_COPY (1, the default). */
  copy?: number;
  /** Size in bytes; defaults to data.byteLength. */
  size?: number;
  /**
   * The region's address in the sender's or receiver's address space, when a wire
   * decoder saw one but was not asked to read the memory (machport/message's
   * decodeMessage without a resolver, decodeSendBuffer). Ignored on send.
   */
  address?: bigint;
}

/** mach_msg_ool_ports_descriptor64_t: an out-of-line array of rights. */
export interface OolPortsDescriptor {
  type: 2; // MACH_MSG_OOL_PORTS_DESCRIPTOR
  /**
   * The names. A received descriptor always has an array; on send a Uint32Array (what
   * mach_port_names returns) is taken as well, at run time, and copied.
   */
  names: mach_port_name_t[];
  disposition: number;
  deallocate?: boolean;
  copy?: number;
  /** The array's address, when a wire decoder saw one but did not read the names (see OolDescriptor.address). Ignored on send. */
  address?: bigint;
  /** The descriptor's count, when a wire decoder did not read the names (then `names` is empty). Ignored on send. */
  count?: number;
}

/** mach_msg_guarded_port_descriptor64_t. */
export interface GuardedPortDescriptor {
  type: 4; // MACH_MSG_GUARDED_PORT_DESCRIPTOR
  name: mach_port_name_t;
  disposition: number;
  /** The guard value (mach_port_context_t), a 64-bit integer. */
  context: bigint;
  flags: number;
}

/** Any descriptor. */
export type MachMsgDescriptor = PortDescriptor | OolDescriptor | OolPortsDescriptor | GuardedPortDescriptor;

/** A message to send (the spec's MachMessage). */
export interface MachMessage {
  header: MachMsgHeader;
  /** Present iff MACH_MSGH_BITS_COMPLEX is set in msgh_bits. */
  descriptors?: MachMsgDescriptor[];
  /** The inline bytes after the descriptors. Darwin requires the send size to be a multiple of 4: a body whose length is not is refused with MACH_SEND_MSG_TOO_SMALL. */
  body?: Uint8Array;
}

// ---------------------------------------------------------------------------
// Messages as a receiver sees them

/** audit_token_t, named by word. */
export interface AuditToken {
  auid: number;
  euid: number;
  egid: number;
  ruid: number;
  rgid: number;
  pid: number;
  asid: number;
  pidversion: number;
}

/** The format-0 trailer, with as many fields as MACH_RCV_TRAILER_ELEMENTS asked for. */
export interface MachMsgTrailer {
  msgh_trailer_type: number;
  msgh_trailer_size: number;
  seqno: number;
  /** security_token_t (euid, egid). */
  sender: { uid: number; gid: number };
  audit: AuditToken;
  /** The receiving port's context (mach_port_context_t), present from MACH_RCV_TRAILER_CTX. */
  context: bigint;
  /** msgh_ad (mach_msg_filter_id), present in the 68-byte trailer (MACH_RCV_TRAILER_AV and up). */
  ad?: number;
  /** msgh_labels (msg_labels_t), present in the 68-byte trailer. */
  labels?: { sender: number };
}

/** A received message: same shape as MachMessage, names in the receiver's space. */
export interface ReceivedMessage {
  header: Required<MachMsgHeader>;
  descriptors: MachMsgDescriptor[];
  /** The inline bytes after the descriptors: a view, possibly into a larger shared buffer (see OolDescriptor.data). */
  body: Uint8Array;
  /** msgh_size as Darwin reports it (without trailer). */
  size: number;
  trailer: MachMsgTrailer;
}

// ---------------------------------------------------------------------------
// Attribute structures (objects named after the C struct fields)

/** mach_port_limits_t. */
export interface mach_port_limits_t {
  mpl_qlimit: number;
}

/** mach_port_status_t (MACH_PORT_RECEIVE_STATUS). */
export interface mach_port_status_t {
  mps_pset: number;
  mps_seqno: number;
  mps_mscount: number;
  mps_qlimit: number;
  mps_msgcount: number;
  mps_sorights: number;
  mps_srights: number;
  mps_pdrequest: number;
  mps_nsrequest: number;
  mps_flags: number;
}

/** mach_port_info_ext_t (MACH_PORT_INFO_EXT). */
export interface mach_port_info_ext_t {
  mpie_status: mach_port_status_t;
  mpie_boost_cnt: number;
}

/** What mach_port_get_attributes returns, by flavor. */
export type PortAttributes = mach_port_limits_t | mach_port_status_t | mach_port_info_ext_t | { count: number } | number[];

/**
 * What mach_port_peek returns: its out-parameters, named as in C
 * (`mach_port_peek(task, name, trailer_type, &seqno, &msg_size, &msg_id, trailer_info, &trailer_size)`).
 */
export interface PortPeekResult {
  /** The sequence number of the message peeked at (the one it will be received with). */
  seqno: number;
  /**
   * msgh_size as the kernel holds the message: its kernel representation, not the size a
   * receive reports. For a 64-bit receiver that is the received size plus 8 (the kernel
   * header holds pointers where the user header holds names) plus 4 per port descriptor
   * (kernel descriptors are all 16 bytes, a user port descriptor 12).
   */
  msg_size: number;
  /** msgh_id. */
  msg_id: number;
  /**
   * The requested trailer elements, decoded as a received message's trailer (fields
   * beyond `trailer_size` read as zero). `msgh_trailer_size` is the kernel's stored value,
   * MACH_MSG_TRAILER_MINIMUM_SIZE (8): only a receive rewrites it to the requested size.
   */
  trailer: MachMsgTrailer;
  /** The trailer size the kernel copied out (REQUESTED_TRAILER_SIZE of `trailer_type`: 8, 12, 20 or 52). */
  trailer_size: number;
}

/** What mach_port_dnrequest_info returns: its out-parameters, named as in C. */
export interface PortDnrequestInfo {
  /**
   * The size of the port's request table in slots, 0 before any dead-name or send-possible
   * request was made on the port (the table is allocated on the first one). Slot 0 is the
   * table's own free-list head, so a table of n slots holds n − 1 requests; it grows
   * through kalloc's size classes (2, 3, 4, 6, 8, 12, …) and never shrinks. The same value
   * as MACH_PORT_DNREQUESTS_SIZE.
   */
  dnr_total: number;
  /** The requests that still hold their send-once right (a fired send-possible request keeps its slot but not its right). */
  dnr_used: number;
}

/** ipc_info_space_basic_t, what mach_port_space_basic_info returns. */
export interface ipc_info_space_basic_t {
  /** The generation mask, MACH_PORT_NGEN(MACH_PORT_DEAD): 0xff (a name's generation is its low byte). */
  iisb_genno_mask: number;
  /** Slots in the space's name table, slot 0 included. */
  iisb_table_size: number;
  /** Unused by the kernel ("next possible size of table"): always 0. */
  iisb_table_next: number;
  /** Names in use (the table's size minus its free slots minus slot 0). */
  iisb_table_inuse: number;
  /** Reserved: [0, 0]. */
  iisb_reserved: [number, number];
}

/** What mach_port_kobject_description returns: its out-parameters, named as in C. */
export interface PortKobjectDescription {
  /** IKOT_* of the kernel object (IKOT_NONE for an ordinary port). */
  object_type: number;
  /** The object's address: 0 on release kernels (only DEVELOPMENT / DEBUG kernels report a hashed address). */
  object_addr: bigint;
  /** The kernel's description (kobject_description_t): IOKit objects and task identity tokens have one; other objects ''. */
  description: string;
}

/**
 * What task_get_exception_ports and task_swap_exception_ports return: the C arrays (the
 * count is their length), one entry per distinct (handler, behavior, flavor) over the
 * exception types asked about, in exception-type order.
 */
export interface ExceptionPortsInfo {
  /** EXC_MASK_* of the exception types each entry covers, OR-ed together. */
  masks: number[];
  /**
   * The handlers' send rights, copied out into the caller's space (a send right the caller
   * already holds gains a user reference under its name); MACH_PORT_NULL where none is set,
   * MACH_PORT_DEAD where the handler's port died.
   */
  old_handlers: number[];
  /** exception_behavior_t, as the C int: with MACH_EXCEPTION_CODES set it is negative. */
  old_behaviors: number[];
  /** thread_state_flavor_t (THREAD_STATE_NONE, MACHINE_THREAD_STATE, …; 0 where none is set). */
  old_flavors: number[];
}

/** mach_port_options_t for mach_port_construct. */
export interface mach_port_options_t {
  flags: number;
  mpl?: mach_port_limits_t;
}

/** host_basic_info_data_t. */
export interface host_basic_info {
  max_cpus: number;
  avail_cpus: number;
  memory_size: number;
  cpu_type: number;
  cpu_subtype: number;
  cpu_threadtype: number;
  physical_cpu: number;
  physical_cpu_max: number;
  logical_cpu: number;
  logical_cpu_max: number;
  max_mem: bigint;
}

/** vm_statistics64_data_t (HOST_VM_INFO64), the fields by their C names. */
export interface vm_statistics64 {
  free_count: number;
  active_count: number;
  inactive_count: number;
  wire_count: number;
  zero_fill_count: bigint;
  reactivations: bigint;
  pageins: bigint;
  pageouts: bigint;
  faults: bigint;
  cow_faults: bigint;
  lookups: bigint;
  hits: bigint;
  purges: bigint;
  purgeable_count: number;
  speculative_count: number;
  decompressions: bigint;
  compressions: bigint;
  swapins: bigint;
  swapouts: bigint;
  compressor_page_count: number;
  throttled_count: number;
  external_page_count: number;
  internal_page_count: number;
  total_uncompressed_pages_in_compressor: bigint;
}

/** mach_task_basic_info (MACH_TASK_BASIC_INFO). */
export interface mach_task_basic_info {
  virtual_size: bigint;
  resident_size: bigint;
  resident_size_max: bigint;
  user_time: { seconds: number; microseconds: number };
  system_time: { seconds: number; microseconds: number };
  policy: number;
  suspend_count: number;
}

// ---------------------------------------------------------------------------
// The API

/** mach_msg's optional JS-side controls. */
export interface MachMsgControl {
  /** Cancels a pending send or receive; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Send as a kernel-object call (XNU's MACH64_SEND_KOBJECT_CALL), as libSystem's MIG
   * stubs do. On macOS 13+ a message to a kernel object (task, host, thread port) must be
   * sent this way; a plain mach_msg to one is refused (reference S98).
   */
  kobjectCall?: boolean;
}

/**
 * The Mach-named API. Implemented by the package's default surface (the current
 * process's task) and by every emulated task (`new Kernel().createTask()`).
 * Every synchronous call throws {@link MachError} on failure and TypeError on
 * arguments of the wrong JS type.
 */
export interface MachApi {
  /** Which backend serves this task: 'native' (the real kernel) or 'emulator'. */
  readonly backendName: 'native' | 'emulator';

  /** The name of this task's own task port (a send right). */
  mach_task_self(): task_t;
  /** The name of a send right to the host port. */
  mach_host_self(): mach_port_name_t;
  /** This task's bootstrap port (a send right to launchd or the emulated launchd). */
  readonly bootstrap_port: mach_port_name_t;

  /** Create a right (RECEIVE, PORT_SET or DEAD_NAME) under a fresh name; returns the name. */
  mach_port_allocate(task: task_t, right: number): mach_port_name_t;
  /** Create a right under a name the caller chooses (low two bits set; KERN_NAME_EXISTS if taken). */
  mach_port_allocate_name(task: task_t, right: number, name: mach_port_name_t): void;
  /** Release one user reference of a send, send-once or dead-name right (or destroy a port set). */
  mach_port_deallocate(task: task_t, name: mach_port_name_t): void;
  /** Remove a name and every right it denotes; a receive right's port dies. */
  mach_port_destroy(task: task_t, name: mach_port_name_t): void;
  /** Add `delta` user references of `right` to a name; user references saturate at MACH_PORT_UREFS_MAX. */
  mach_port_mod_refs(task: task_t, name: mach_port_name_t, right: number, delta: number): void;
  /** The user references of `right` held under a name (receive and port-set rights report 1). */
  mach_port_get_refs(task: task_t, name: mach_port_name_t, right: number): number;
  /** Give `task` a right for the port `poly` (a name in the caller's space) under `name`, with disposition `polyPoly`. */
  mach_port_insert_right(task: task_t, name: mach_port_name_t, poly: mach_port_name_t, polyPoly: number): void;
  /** Returns the extracted right's name in the caller's space and its received disposition. */
  mach_port_extract_right(task: task_t, name: mach_port_name_t, msgt_name: number): { poly: mach_port_name_t; polyPoly: number };
  /** The MACH_PORT_TYPE_* bits of a name (dead ports reported as DEAD_NAME), plus the DNREQUEST bit. */
  mach_port_type(task: task_t, name: mach_port_name_t): number;
  /**
   * Every name in the space and its MACH_PORT_TYPE_* bits, in increasing index order:
   * `types[i]` is the type of `names[i]`, and both arrays have the same length.
   *
   * As in C, where mach_port_names returns a `mach_port_name_array_t` and a
   * `mach_port_type_array_t` (arrays of 32-bit natural_t), the arrays are
   * `Uint32Array`s. They are fresh on every call and owned by the caller, like the
   * arrays C's caller receives vm_allocate'd: changing one does not affect the space or
   * another call's result.
   *
   * Note that a typed array's `map` returns a typed array of the same kind:
   * `names.map((n) => n.toString(16))` coerces each string back to a number (0 where it
   * is not decimal). To map to anything other than uint32 values use
   * `Array.from(names, fn)`, e.g. `Array.from(names, (n) => n.toString(16))`. Likewise
   * `JSON.stringify(names)` gives an object keyed by index; use `Array.from(names)` for a
   * JSON array.
   */
  mach_port_names(task: task_t): { names: Uint32Array; types: Uint32Array };
  /** Put a receive right into exactly one port set (`after`), or out of every set with MACH_PORT_NULL. */
  mach_port_move_member(task: task_t, member: mach_port_name_t, after: mach_port_name_t): void;
  /** Add a receive right to a port set; a port may be a member of several sets (Darwin). */
  mach_port_insert_member(task: task_t, name: mach_port_name_t, pset: mach_port_name_t): void;
  /** Remove a receive right from one port set. */
  mach_port_extract_member(task: task_t, name: mach_port_name_t, pset: mach_port_name_t): void;
  /** The member names of a port set, ascending. */
  mach_port_get_set_status(task: task_t, name: mach_port_name_t): mach_port_name_t[];
  /** Returns the previous send-once right's name (or MACH_PORT_NULL). */
  mach_port_request_notification(
    task: task_t,
    name: mach_port_name_t,
    msgid: number,
    sync: number,
    notify: mach_port_name_t,
    notifyPoly: number,
  ): mach_port_name_t;
  /** Read a port attribute flavor (MACH_PORT_LIMITS_INFO, MACH_PORT_RECEIVE_STATUS, MACH_PORT_INFO_EXT, …) as an object named after the C struct. */
  mach_port_get_attributes(task: task_t, name: mach_port_name_t, flavor: number, count?: number): PortAttributes;
  /** Set a port attribute flavor (MACH_PORT_LIMITS_INFO for the queue limit, …). */
  mach_port_set_attributes(task: task_t, name: mach_port_name_t, flavor: number, info: PortAttributes): void;
  /** Set the make-send count of a receive right. */
  mach_port_set_mscount(task: task_t, name: mach_port_name_t, mscount: number): void;
  /** Set the sequence number the next received message gets. */
  mach_port_set_seqno(task: task_t, name: mach_port_name_t, seqno: number): void;
  /** The context value (mach_port_context_t) of a receive right. */
  mach_port_get_context(task: task_t, name: mach_port_name_t): bigint;
  /** Set the context value of a receive right (refused with a guard on a guarded port). */
  mach_port_set_context(task: task_t, name: mach_port_name_t, context: bigint): void;
  /** Create a receive right with options (guard, queue limit, send right inserted, immovable…); returns the name. */
  mach_port_construct(task: task_t, options: mach_port_options_t, context: bigint): mach_port_name_t;
  /** Destroy a receive right created guarded, presenting its guard; `srdelta` send rights are removed with it. */
  mach_port_destruct(task: task_t, name: mach_port_name_t, srdelta: number, guard: bigint): void;
  /** Guard a receive right with a 64-bit value; `strict` also forbids context changes. */
  mach_port_guard(task: task_t, name: mach_port_name_t, guard: bigint, strict: boolean): void;
  /** Remove a receive right's guard, presenting it. */
  mach_port_unguard(task: task_t, name: mach_port_name_t, guard: bigint): void;
  /**
   * Guard a receive right with a 64-bit value and MPG_* flags: MPG_STRICT also forbids
   * context changes and swapping the guard, MPG_IMMOVABLE_RECEIVE makes the receive right
   * immovable for good (unguarding does not clear it). Other flag bits are ignored, as by
   * XNU. The port's context must be 0 (else KERN_INVALID_ARGUMENT with a guard exception).
   */
  mach_port_guard_with_flags(task: task_t, name: mach_port_name_t, guard: bigint, flags: number): void;
  /**
   * Replace a guarded receive right's guard `old_guard` with `new_guard`. Refused with
   * KERN_INVALID_ARGUMENT and a fatal guard exception when the port is not guarded
   * (kGUARD_EXC_UNGUARDED), strictly guarded (kGUARD_EXC_SET_CONTEXT) or guarded with
   * another value (kGUARD_EXC_INCORRECT_GUARD).
   */
  mach_port_swap_guard(task: task_t, name: mach_port_name_t, old_guard: bigint, new_guard: bigint): void;
  /**
   * Look at a queued message of a receive right without dequeuing it: the message whose
   * sequence number is `seqno`, or with `seqno` 0 (the default) the first one. Only
   * format-0 trailers up to MACH_RCV_TRAILER_AUDIT can be asked for in `trailer_type`
   * (`MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) | MACH_RCV_TRAILER_ELEMENTS(e)`);
   * a larger element count is KERN_INVALID_VALUE. No message at that sequence number (or
   * an empty queue) is KERN_FAILURE; a name that is not a receive right KERN_INVALID_RIGHT
   * (KERN_INVALID_NAME for a name that denotes nothing).
   */
  mach_port_peek(task: task_t, name: mach_port_name_t, trailer_type: number, seqno?: number): PortPeekResult;
  /** The number of send rights in existence for a receive right's port (ip_srights: a space's send right counts once, however many user references it has). */
  mach_port_get_srights(task: task_t, name: mach_port_name_t): number;
  /** IKOT_* type of the kernel object behind a right, and its (zero on release kernels) address. */
  mach_port_kobject(task: task_t, name: mach_port_name_t): { object_type: number; object_addr: bigint };
  /**
   * mach_port_kobject_description: mach_port_kobject plus the kernel's description of the
   * object. A name without a send or receive right is KERN_INVALID_RIGHT; a null, unknown
   * or dead name KERN_INVALID_NAME.
   */
  mach_port_kobject_description(task: task_t, name: mach_port_name_t): PortKobjectDescription;
  /**
   * The size of a receive right's dead-name request table and the requests in it with a
   * send-once right still attached. KERN_INVALID_RIGHT for a name that is not a receive
   * right, KERN_INVALID_NAME for one that denotes nothing.
   */
  mach_port_dnrequest_info(task: task_t, name: mach_port_name_t): PortDnrequestInfo;
  /** The size of the task's name table and the names in use. */
  mach_port_space_basic_info(task: task_t): ipc_info_space_basic_t;
  /**
   * A send right for one of a task's special ports (TASK_KERNEL_PORT, TASK_HOST_PORT,
   * TASK_NAME_PORT, TASK_BOOTSTRAP_PORT, TASK_ACCESS_PORT, TASK_DEBUG_CONTROL_PORT,
   * TASK_RESOURCE_NOTIFY_PORT), copied out into the caller's space: a send right the caller
   * already holds for that port gains a user reference under its existing name (so
   * TASK_BOOTSTRAP_PORT gives `bootstrap_port`'s name, TASK_HOST_PORT `mach_host_self()`'s),
   * otherwise the right gets a new name. A special port never set is MACH_PORT_NULL; one
   * whose port died, MACH_PORT_DEAD. Any other `which_port` is KERN_INVALID_ARGUMENT.
   */
  task_get_special_port(task: task_t, which_port: number): mach_port_name_t;
  /**
   * Set one of a task's special ports to a copy of the send right `special_port` (a name in
   * the caller's space; MACH_PORT_NULL clears it): the caller keeps its own right, and the
   * task's previous special port right is released. TASK_KERNEL_PORT and TASK_HOST_PORT are
   * refused with KERN_NO_ACCESS (System Integrity Protection), TASK_ACCESS_PORT once set
   * cannot be replaced (KERN_NO_ACCESS), TASK_NAME_PORT and unknown ports are
   * KERN_INVALID_ARGUMENT. A name that is not a send right fails as the MIG request's copy-in
   * does (MACH_SEND_INVALID_RIGHT). `bootstrap_port` itself does not change, as in C, where
   * libSystem reads it once at start-up.
   */
  task_set_special_port(task: task_t, which_port: number, special_port: mach_port_name_t): void;
  /**
   * Set the task's exception handler for every exception type in `exception_mask` to a
   * copy of the send right `new_port` (MACH_PORT_NULL clears them; the caller keeps its own
   * right), with `behavior` (EXCEPTION_DEFAULT … EXCEPTION_STATE_IDENTITY_PROTECTED,
   * optionally with MACH_EXCEPTION_CODES; signed or unsigned) and the thread state flavor
   * `new_flavor`; the rights it replaces are released. Mask bits outside EXC_MASK_VALID, an
   * unknown behavior (with a valid port), a flavor the architecture does not know, and
   * EXCEPTION_IDENTITY_PROTECTED or MACH_EXCEPTION_BACKTRACE_PREFERRED without
   * MACH_EXCEPTION_CODES are KERN_INVALID_ARGUMENT; a port whose receive right is immovable
   * (and not an exception port) is KERN_INVALID_RIGHT; a name that is not a send right
   * fails as the MIG request's copy-in (MACH_SEND_INVALID_RIGHT).
   */
  task_set_exception_ports(task: task_t, exception_mask: number, new_port: mach_port_name_t, behavior: number, new_flavor: number): void;
  /**
   * The task's exception handlers for the types in `exception_mask`, grouped into one entry
   * per distinct (handler, behavior, flavor). Types with no handler set group too: a task
   * that never set one answers one entry with MACH_PORT_NULL, behavior 0 and flavor 0.
   * Mask bits outside EXC_MASK_VALID are KERN_INVALID_ARGUMENT.
   */
  task_get_exception_ports(task: task_t, exception_mask: number): ExceptionPortsInfo;
  /**
   * task_set_exception_ports that also returns, as task_get_exception_ports does, the
   * handlers it replaced (validated first: a refused call changes and returns nothing).
   */
  task_swap_exception_ports(task: task_t, exception_mask: number, new_port: mach_port_name_t, behavior: number, new_flavor: number): ExceptionPortsInfo;

  /**
   * mach_msg: send, receive, or both (the RPC form). Resolves with the received message
   * when MACH_RCV_MSG is set, else undefined. Rejects with MachError carrying Darwin's code.
   * `timeout` is in milliseconds, used with MACH_SEND_TIMEOUT / MACH_RCV_TIMEOUT.
   * On a send failure after copy-in (e.g. MACH_SEND_TIMED_OUT) `msg` is rewritten in place
   * as Darwin rewrites the send buffer (pseudo-receive).
   */
  mach_msg(
    msg: MachMessage | undefined,
    option: number,
    rcv_name?: mach_port_name_t,
    timeout?: number,
    rcv_size?: number,
    control?: MachMsgControl,
  ): Promise<ReceivedMessage | undefined>;

  /** Check in a service with launchd; returns the service's receive right. */
  bootstrap_check_in(bp: mach_port_name_t, service_name: string): mach_port_name_t;
  /** Look a service up with launchd; returns a send right (BOOTSTRAP_UNKNOWN_SERVICE if none). */
  bootstrap_look_up(bp: mach_port_name_t, service_name: string): mach_port_name_t;
  /** Register a send right under a service name (where Darwin still allows it; MACH_PORT_NULL unregisters). */
  bootstrap_register(bp: mach_port_name_t, service_name: string, sp: mach_port_name_t): void;

  /**
   * host_info() (a kernel-object call to the host port). Every backend decodes the same
   * flavors (HOST_INFO_FLAVORS, lib/kernel-info/info_flavors.ts), each asked with its
   * *_COUNT, into an object named after the C struct fields:
   * HOST_BASIC_INFO → host_basic_info; HOST_SCHED_INFO → host_sched_info { min_timeout,
   * min_quantum }; HOST_PRIORITY_INFO → host_priority_info { kernel_priority, …,
   * maximum_priority }; HOST_CAN_HAS_DEBUGGER → { can_has_debugger };
   * HOST_PREFERRED_USER_ARCH → { cpu_type, cpu_subtype }. Any other flavor is asked with
   * HOST_INFO_MAX and, if the kernel answers it, returned as its raw words
   * `{ flavor, count, words: number[] }` (RawInfo); a flavor the kernel does not know fails
   * with the kernel's code (KERN_INVALID_ARGUMENT, xnu:osfmk/kern/host.c:host_info).
   *
   * Typed by flavor ({@link HostInfoResult}): a flavor constant's literal type gives its
   * struct (`host_info(host, HOST_SCHED_INFO)` is a host_sched_info), another literal
   * RawInfo, and a flavor typed only as `number` the union of every struct and RawInfo.
   */
  host_info<F extends number>(host: mach_port_name_t, flavor: F): HostInfoResult<F>;
  /**
   * host_statistics64(). Decoded on every backend (HOST_STATISTICS64_FLAVORS), each asked
   * with its *_COUNT: HOST_VM_INFO64 → vm_statistics64; HOST_LOAD_INFO → host_load_info
   * { avenrun[3], mach_factor[3] }; HOST_VM_INFO → vm_statistics (32-bit counters);
   * HOST_CPU_LOAD_INFO → host_cpu_load_info { cpu_ticks[4] }; HOST_EXTMOD_INFO64 →
   * vm_extmod_statistics. Any other flavor: asked with HOST_INFO64_MAX, returned as RawInfo
   * `{ flavor, count, words }` or failing with the kernel's code (KERN_INVALID_ARGUMENT for
   * an unknown flavor, xnu:osfmk/kern/host.c:host_statistics). Typed by flavor
   * ({@link HostStatistics64Result}), as host_info is.
   */
  host_statistics64<F extends number>(host: mach_port_name_t, flavor: F): HostStatistics64Result<F>;
  /**
   * task_info() of a task. Decoded on every backend (TASK_INFO_FLAVORS), each asked with its
   * *_COUNT: MACH_TASK_BASIC_INFO → mach_task_basic_info; TASK_AUDIT_TOKEN → audit_token_t;
   * TASK_BASIC_INFO_32, TASK_BASIC2_INFO_32, TASK_BASIC_INFO_64, TASK_BASIC_INFO_64_2 →
   * task_basic_info_64 or task_basic_info_32 by the count the kernel returned (arm64
   * answers TASK_BASIC_INFO_64 with the 32-bit layout); TASK_EVENTS_INFO → task_events_info;
   * TASK_THREAD_TIMES_INFO → task_thread_times_info. Any other flavor: asked with
   * TASK_INFO_MAX, returned as RawInfo `{ flavor, count, words }` or failing with the
   * kernel's code (KERN_INVALID_ARGUMENT for a flavor it does not know,
   * xnu:osfmk/kern/task.c:task_info). The emulated kernel does not model every flavor
   * Darwin answers (e.g. TASK_EVENTS_INFO, TASK_VM_INFO fail there with KERN_INVALID_ARGUMENT).
   * Typed by flavor ({@link TaskInfoResult}), as host_info is; TASK_BASIC_INFO_64 is
   * `task_basic_info_64 | task_basic_info_32` (the layout depends on the kernel's answer).
   */
  task_info<F extends number>(task: task_t, flavor: F): TaskInfoResult<F>;
}
