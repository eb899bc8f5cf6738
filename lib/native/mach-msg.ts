/**
 * mach_msg on the native backend, without ever blocking the event loop.
 *
 * - Send: the message is encoded by the shared codec (lib/message/wire.ts) and sent once
 *   with a zero send timeout; the addon patches the OOL descriptors' addresses to the JS
 *   buffers' memory, which the kernel copies during the call. If the queue is full, that
 *   first attempt pseudo-receives the message back into the buffer (rights returned with
 *   MOVE dispositions) and the rest of the wait happens on the thread pool
 *   (msg_send_async), in slices, until the message is queued, the user's
 *   MACH_SEND_TIMEOUT passes, or the AbortSignal fires. A send that finally fails after
 *   copy-in rewrites `msg` in place as Darwin rewrites the send buffer.
 * - Receive: a poll (MACH_RCV_TIMEOUT 0), into a buffer that grows on MACH_RCV_TOO_LARGE
 *   when the caller gave no rcv_size; when nothing is queued, a wait on the receive loop
 *   (waiters.ts), then another poll. Received OOL regions become ArrayBuffers that free
 *   the region when collected.
 * @module
 */
import * as C from '../constants.js';
import { MachError } from '../errors.js';
import { readDescriptor, type OolResolver } from '../message/descriptors.js';
import { readHeader } from '../message/header.js';
import { coversWholeBuffer, detachTakenBuffers, wasTakenBySend } from '../message/ool-deallocate.js';
import { decodeMessage, encodeMessage } from '../message/wire.js';
import type { MachMessage, MachMsgControl, MachMsgDescriptor, ReceivedMessage } from '../types.js';
import type { NativeAddon } from './addon.js';
import type { GuardChecks, SentNames } from './guards.js';
import { WatchError, type ReceiveWaiters } from './waiters.js';

/** What mach_msg needs from the NativeApi it belongs to. */
export interface MsgContext {
  readonly addon: NativeAddon;
  readonly guards: GuardChecks;
  readonly waiters: ReceiveWaiters;
  readonly task: number;
}

const SEND_OPTIONS = C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT | C.MACH_SEND_OVERRIDE | C.MACH_SEND_INTERRUPT | C.MACH_SEND_NOTIFY |
  C.MACH_SEND_FILTER_NONFATAL | C.MACH_SEND_TRAILER | C.MACH_SEND_NOIMPORTANCE | C.MACH_SEND_SYNC_OVERRIDE |
  C.MACH_SEND_PROPAGATE_QOS | C.MACH_SEND_SYNC_BOOTSTRAP_CHECKIN | C.MACH_MSG_STRICT_REPLY;
const INITIAL_RECEIVE_BUFFER = 4096;
/** Receive buffers up to this size are kept for the next receive. */
const KEEP_RECEIVE_BUFFER = 1 << 20;

function isPseudoReceive(kr: number): boolean {
  const base = (kr & ~C.MACH_MSG_MASK) >>> 0;
  return base === C.MACH_SEND_TIMED_OUT || base === C.MACH_SEND_INTERRUPTED || base === C.MACH_SEND_NO_BUFFER;
}

/** Reads received OOL memory through the addon (each region is taken exactly once). */
export function oolResolver(addon: NativeAddon): OolResolver {
  return {
    ool: (address, size) => new Uint8Array(addon.take_ool(address, size)),
    oolPorts: (address, count) => Array.from(addon.take_ool_ports(address, count)),
  };
}

/**
 * After a failed send that pseudo-received the message: rewrite `msg` from the buffer the
 * kernel wrote (header not swapped; rights under the sender's names with PORT_*
 * dispositions; OOL regions newly mapped in this task).
 */
function rewriteFromPseudoReceive(addon: NativeAddon, msg: MachMessage, bytes: Uint8Array, size: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  const header = readHeader(view, 0);
  const resolver = oolResolver(addon);
  msg.header.msgh_bits = header.msgh_bits;
  msg.header.msgh_size = header.msgh_size;
  msg.header.msgh_remote_port = header.msgh_remote_port;
  msg.header.msgh_local_port = header.msgh_local_port;
  msg.header.msgh_voucher_port = header.msgh_voucher_port;
  msg.header.msgh_id = header.msgh_id;
  if ((header.msgh_bits & C.MACH_MSGH_BITS_COMPLEX) === 0 || size < C.MACH_MSG_HEADER_SIZE + C.MACH_MSG_BODY_SIZE) return;
  const count = view.getUint32(C.MACH_MSG_HEADER_SIZE, true);
  const descriptors: MachMsgDescriptor[] = [];
  let pos = C.MACH_MSG_HEADER_SIZE + C.MACH_MSG_BODY_SIZE;
  for (let i = 0; i < count && pos + 12 <= size; i++) {
    const type = view.getUint8(pos + 11);
    const dsize = type === C.MACH_MSG_PORT_DESCRIPTOR ? 12 : 16;
    if (pos + dsize > size) break;
    descriptors.push(readDescriptor(view, pos, resolver));
    pos += dsize;
  }
  msg.descriptors = descriptors;
}

/**
 * The OOL regions of `encoded` whose descriptor asks for deallocate and that cover the
 * whole of their ArrayBuffer: the ones a successful send takes from JS. The kernel is
 * always told deallocate FALSE (native/messages.cc: the memory belongs to JS, and V8
 * frees it), so the kernel copies them; JS then detaches them (message/ool-deallocate.ts).
 * Throws MACH_SEND_INVALID_MEMORY for a view of a buffer an earlier deallocate send
 * detached, before anything is sent.
 */
function regionsToDetach(encoded: { bytes: Uint8Array; ool: ReadonlyArray<{ descriptorOffset: number; data: Uint8Array }> }): ArrayBuffer[] | null {
  let out: ArrayBuffer[] | null = null;
  for (let i = 0; i < encoded.ool.length; i++) {
    const o = encoded.ool[i]!;
    const data = o.data;
    if (wasTakenBySend(data)) throw new MachError(C.MACH_SEND_INVALID_MEMORY, `mach_msg: OOL region ${i} was taken by an earlier deallocate send`);
    // boolean_t deallocate at +8 of the 16-byte OOL descriptor.
    if (data.length === 0 || encoded.bytes[o.descriptorOffset + 8] === 0 || !coversWholeBuffer(data)) continue;
    (out ??= []).push(data.buffer as ArrayBuffer);
  }
  return out;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

/**
 * The send half. When the first, non-blocking attempt queues the message, this returns
 * synchronously what the guard checks learned about the names (undefined if nothing), so
 * that a receive made straight after, with no JS run in between, can use it. When the
 * queue is full and the caller is willing to wait, it returns a promise that settles once
 * the message is queued. Failures throw MachError (or the abort reason) synchronously, or
 * reject that promise.
 */
export function sendMessage(ctx: MsgContext, msg: MachMessage, option: number, timeout: number, control: MachMsgControl): SentNames | undefined | Promise<void> {
  const { addon } = ctx;
  if (control.kobjectCall) {
    throw new MachError(
      C.KERN_NOT_SUPPORTED,
      'mach_msg: the native backend does not send hand-built kernel-object calls (MACH64_SEND_KOBJECT_CALL is private SPI); use host_info, task_info and the other libSystem routines',
    );
  }
  const encoded = encodeMessage(msg);
  const toDetach = regionsToDetach(encoded);
  const sent = ctx.guards.send(ctx.task, msg.header, msg.descriptors);
  throwIfAborted(control.signal);

  const offsets = new Uint32Array(encoded.ool.length + encoded.oolPorts.length);
  const data: ArrayBufferView[] = [];
  let i = 0;
  for (const o of encoded.ool) {
    offsets[i++] = o.descriptorOffset;
    data.push(o.data);
  }
  for (const p of encoded.oolPorts) {
    offsets[i++] = p.descriptorOffset;
    data.push(p.names);
  }
  const sendOption = (option & SEND_OPTIONS) >>> 0;
  const userTimeout = (option & C.MACH_SEND_TIMEOUT) !== 0 ? timeout : undefined;
  const started = Date.now();
  const kr = addon.msg_send(encoded.bytes, encoded.size, (sendOption | C.MACH_SEND_TIMEOUT) >>> 0, 0, offsets, data);
  // The kernel has copied the regions in (a success, or a pseudo-receive that hands new
  // mappings back): a deallocate send's whole buffers leave JS now.
  if (kr === C.MACH_MSG_SUCCESS || isPseudoReceive(kr)) detachTakenBuffers(toDetach);
  if (kr === C.MACH_MSG_SUCCESS) return sent;
  if (kr === C.MACH_SEND_TIMED_OUT && userTimeout !== 0) {
    // The queue is full and the caller is willing to wait: continue off the event loop.
    const remaining = userTimeout === undefined ? -1 : Math.max(0, userTimeout - (Date.now() - started));
    return sendOnThreadPool(addon, msg, encoded.bytes, encoded.size, sendOption, remaining, control);
  }
  if (isPseudoReceive(kr)) rewriteFromPseudoReceive(addon, msg, encoded.bytes, encoded.size);
  throw new MachError(kr, 'mach_msg');
}

/** The rest of a send whose first attempt found the queue full (msg_send_async, in slices). */
async function sendOnThreadPool(
  addon: NativeAddon,
  msg: MachMessage,
  bytes: Uint8Array,
  size: number,
  sendOption: number,
  remaining: number,
  control: MachMsgControl,
): Promise<void> {
  const [promise, id] = addon.msg_send_async(bytes, size, sendOption, remaining);
  const onAbort = () => addon.msg_send_cancel(id);
  control.signal?.addEventListener('abort', onAbort, { once: true });
  let result: { kr: number; cancelled: boolean };
  try {
    result = await promise;
  } finally {
    control.signal?.removeEventListener('abort', onAbort);
  }
  const kr = result.kr;
  if (result.cancelled) {
    rewriteFromPseudoReceive(addon, msg, bytes, size);
    throw control.signal?.reason ?? new MachError(C.MACH_SEND_INTERRUPTED, 'mach_msg');
  }
  if (kr !== C.MACH_MSG_SUCCESS) {
    if (isPseudoReceive(kr)) rewriteFromPseudoReceive(addon, msg, bytes, size);
    throw new MachError(kr, 'mach_msg');
  }
}

/** A growable receive buffer, reused between receives on one NativeApi. */
export class ReceiveBuffer {
  private buf = new Uint8Array(INITIAL_RECEIVE_BUFFER);

  /** A buffer of at least `size` bytes (the kept one when it is big enough). */
  get(size: number): Uint8Array {
    if (size <= this.buf.byteLength) return this.buf;
    const next = new Uint8Array(Math.max(size, this.buf.byteLength * 2));
    if (next.byteLength <= KEEP_RECEIVE_BUFFER) this.buf = next;
    return next;
  }
}

/**
 * The receive half. `sent` is what the guard checks of a send made just before learned,
 * when nothing ran in between (see sendMessage); the first poll then skips the receive
 * probe if it already knows the answer (GuardChecks.receiveAfterSend).
 */
export async function receiveMessage(
  ctx: MsgContext,
  buffers: ReceiveBuffer,
  option: number,
  rcvName: number,
  timeout: number,
  rcvSize: number | undefined,
  control: MachMsgControl,
  sent?: SentNames,
): Promise<ReceivedMessage> {
  const { addon } = ctx;
  const deadline = (option & C.MACH_RCV_TIMEOUT) !== 0 ? Date.now() + timeout : undefined;
  const autoGrow = rcvSize === undefined;
  // The caller's receive options, minus the send half, as a poll.
  const pollOption = ((option & ~(SEND_OPTIONS | C.MACH_RCV_TIMEOUT)) | C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT | (autoGrow ? C.MACH_RCV_LARGE : 0)) >>> 0;
  let size = autoGrow ? INITIAL_RECEIVE_BUFFER : rcvSize;
  let waited = false;
  let lastChance = false;
  // Whether the receive guard must be checked (again) before the next poll.
  let probe = true;

  for (;;) {
    throwIfAborted(control.signal);
    if (probe && waited) {
      const type = ctx.guards.receive(ctx.task, rcvName);
      if (type === undefined || (type & (C.MACH_PORT_TYPE_RECEIVE | C.MACH_PORT_TYPE_PORT_SET)) === 0) {
        // What a thread blocked in mach_msg sees when its port or set goes away.
        throw new MachError(C.MACH_RCV_PORT_CHANGED, 'mach_msg');
      }
    } else if (probe) {
      ctx.guards.receiveAfterSend(ctx.task, rcvName, sent);
    }
    probe = true;
    const buffer = buffers.get(size);
    const capacity = autoGrow ? buffer.byteLength : size;
    const kr = addon.msg_receive(buffer, pollOption, rcvName, 0, capacity);
    if (kr === C.MACH_MSG_SUCCESS) return decodeMessage(buffer.subarray(0, capacity), option, oolResolver(addon));
    if (kr === C.MACH_RCV_TOO_LARGE) {
      // msgh_size now holds the size needed (without trailer); with MACH_RCV_LARGE the
      // message is still queued.
      const needed = capacity >= 8 ? new DataView(buffer.buffer, buffer.byteOffset, capacity).getUint32(4, true) : 0;
      if (autoGrow) {
        size = needed + C.MAX_TRAILER_SIZE;
        // The poll just made got past ipc_mqueue_copyin on this name, so the name was a
        // receive right or a set when the kernel looked, later than any probe could, and
        // nothing has run since: the retry needs no second probe.
        probe = false;
        continue;
      }
      throw new MachError(kr, 'mach_msg', { size: needed });
    }
    if (kr !== C.MACH_RCV_TIMED_OUT) {
      if (waited && kr === C.MACH_RCV_INVALID_NAME) throw new MachError(C.MACH_RCV_PORT_CHANGED, 'mach_msg');
      throw new MachError(kr, 'mach_msg');
    }
    // Nothing queued.
    if (lastChance || (deadline !== undefined && Date.now() >= deadline)) throw new MachError(C.MACH_RCV_TIMED_OUT, 'mach_msg');
    let outcome: 'ready' | 'timeout';
    try {
      outcome = await ctx.waiters.wait(rcvName, deadline, control.signal);
    } catch (e) {
      if (e instanceof WatchError) throw new MachError(C.MACH_RCV_INVALID_NAME, `mach_msg: ${e.message}`);
      throw e;
    }
    waited = true;
    // On the deadline, poll once more: a message queued by then still counts.
    if (outcome === 'timeout') lastChance = true;
  }
}
