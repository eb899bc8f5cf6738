/**
 * The message builder and the send path shared by SendRight, SendOnceRight and
 * Message.reply: turns an {@link OutgoingMessage} into a MachMessage with the right
 * MACH_MSGH_BITS / COMPLEX bit / descriptors, sends it, and settles who owns each
 * right afterwards — on success and on every failure path.
 * @module
 */
import {
  MACH_MSG_OOL_DESCRIPTOR,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_MSG_TYPE_PORT_SEND,
  MACH_MSG_TYPE_PORT_SEND_ONCE,
  MACH_MSG_VIRTUAL_COPY,
  MACH_MSGH_BITS_COMPLEX,
  MACH_MSGH_BITS_LOCAL,
  MACH_MSGH_BITS_OTHER,
  MACH_MSGH_BITS_REMOTE,
  MACH_MSGH_BITS_SET,
  MACH_MSGH_BITS_VOUCHER,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_RIGHT_SEND_ONCE,
  MACH_PORT_VALID,
  MACH_SEND_MSG,
  MACH_SEND_TIMEOUT,
} from '../constants.js';
import { MachError } from '../errors.js';
import type { MachApi, MachMessage, MachMsgDescriptor, MachMsgHeader } from '../types.js';
import { checkSignal, checkTimeout, isTaskGone, optionsOf, throwIfAborted } from './internal.js';
import { PortTransfer } from './transfer.js';

/** Bytes accepted wherever the builder takes data. Strings are encoded as UTF-8. */
export type BytesLike = Uint8Array | ArrayBufferView | ArrayBuffer | string;

/** One out-of-line memory region, with the C descriptor's options when you need them. */
export interface OolRegion {
  data: BytesLike;
  /** MACH_MSG_VIRTUAL_COPY (1, the default) or MACH_MSG_PHYSICAL_COPY (0). */
  copy?: number;
  /** Ask the kernel to deallocate the sender's region (meaningful natively; the bytes are copied either way). */
  deallocate?: boolean;
}

/**
 * A message described by what it carries; the builder writes the Mach header bits,
 * the COMPLEX bit and the descriptors. Descriptors are laid out in this order:
 * `ports` (one port descriptor each), then `ool` (one OOL descriptor each), then
 * `oolPorts` (one OOL-ports descriptor per inner array).
 */
export interface OutgoingMessage {
  /** msgh_id (default 0; Message.reply defaults to the request's id + 100, MIG's convention). */
  id?: number;
  /** The inline bytes after the descriptors. Mach pads them to a multiple of 4 bytes. */
  body?: BytesLike;
  /** Rights sent in port descriptors, e.g. `[right.moveSend(), receiver.makeSend()]`. */
  ports?: PortTransfer[];
  /** Out-of-line memory regions. */
  ool?: Array<BytesLike | OolRegion>;
  /** Out-of-line port arrays; every right of one array must have the same disposition. */
  oolPorts?: PortTransfer[][];
  /** The reply right (msgh_local_port), e.g. `replyPort.makeSendOnce()`. */
  reply?: PortTransfer;
  /** A voucher send right (msgh_voucher_port), COPY_SEND or MOVE_SEND. */
  voucher?: PortTransfer;
}

/** Options of every send. */
export interface SendOptions {
  /** Give up after this many milliseconds while the destination queue is full (MACH_SEND_TIMEOUT; 0 = never wait). */
  timeout?: number;
  /** Abort a send that is waiting for queue space. */
  signal?: AbortSignal;
  /** Send as a kernel-object call (see MachMsgControl.kobjectCall). */
  kobjectCall?: boolean;
}

const encoder = new TextEncoder();

/** BytesLike → Uint8Array (views share memory; strings are encoded). */
export function toBytes(where: string, data: BytesLike): Uint8Array {
  if (typeof data === 'string') return encoder.encode(data);
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError(`${where}: expected a Uint8Array, ArrayBufferView, ArrayBuffer or string`);
}

/** Where a right sits in a built message. */
type Position =
  | { at: 'remote' }
  | { at: 'local' }
  | { at: 'voucher' }
  | { at: 'port'; desc: number }
  | { at: 'oolport'; desc: number; index: number };

/** A right placed in a message: where, by which transfer, under which name and disposition. */
interface Placed {
  pos: Position;
  transfer: PortTransfer;
  name: number;
  disposition: number;
}

/** A built message plus the record of the rights placed in it. */
export interface Built {
  msg: MachMessage;
  placed: Placed[];
}

function isRaw(m: unknown): m is MachMessage {
  return typeof m === 'object' && m !== null && 'header' in m;
}

function checkTransfer(where: string, t: unknown): PortTransfer {
  if (!(t instanceof PortTransfer)) {
    throw new TypeError(`${where}: expected a PortTransfer (e.g. right.moveSend(), receiver.makeSendOnce())`);
  }
  return t;
}

/**
 * Build the MachMessage for `out` addressed through `dest`. Reads each source's name
 * now (a closed source throws) and checks that every right belongs to `api`'s task and
 * that no object is moved twice.
 */
export function buildMessage(api: MachApi | undefined, where: string, dest: PortTransfer, out: OutgoingMessage | MachMessage): Built {
  const placed: Placed[] = [];
  const moved = new Set<unknown>();
  const place = (pos: Position, tIn: unknown, what: string): Placed => {
    const t = checkTransfer(`${where} (${what})`, tIn);
    if (t.source !== undefined && api !== undefined && t.source.api !== api) {
      throw new TypeError(`${where}: ${what} ${t} belongs to another task than the one sending`);
    }
    if (t.moves) {
      if (moved.has(t.source)) throw new TypeError(`${where}: ${what} moves ${t.source} a second time in one message`);
      moved.add(t.source);
    }
    const p: Placed = { pos, transfer: t, name: t.resolveName(where), disposition: t.disposition };
    placed.push(p);
    return p;
  };

  const remote = place({ at: 'remote' }, dest, 'destination');

  if (isRaw(out)) {
    // A hand-built message: only the destination is ours to fill in; the other rights
    // in it are the caller's business, exactly as with mach_msg.
    const h = out.header;
    if (typeof h !== 'object' || h === null) throw new TypeError(`${where}: message.header must be an object`);
    // As mach_msg checks it: a 32-bit integer (either spelling) or absent; `>>> 0` alone
    // would turn 'junk' into 0 and a numeric string into bits.
    const given: unknown = h.msgh_bits ?? 0;
    if (typeof given !== 'number' || !Number.isInteger(given) || given < -0x80000000 || given > 0xffffffff) {
      throw new TypeError(`${where}: message.header.msgh_bits must be a 32-bit integer, got ${typeof given === 'string' ? JSON.stringify(given) : String(given)}`);
    }
    const hb = given >>> 0;
    const bits = MACH_MSGH_BITS_SET(remote.disposition, MACH_MSGH_BITS_LOCAL(hb), MACH_MSGH_BITS_VOUCHER(hb), MACH_MSGH_BITS_OTHER(hb));
    const header: MachMsgHeader = { ...h, msgh_bits: bits >>> 0, msgh_remote_port: remote.name };
    return { msg: { ...out, header }, placed };
  }
  if (typeof out !== 'object' || out === null) throw new TypeError(`${where}: expected a message object`);

  const id = out.id ?? 0;
  if (!Number.isInteger(id) || id < -0x80000000 || id > 0xffffffff) throw new TypeError(`${where}: id must be an int32`);

  let localName = 0;
  let localDisp = 0;
  if (out.reply !== undefined) {
    const r = place({ at: 'local' }, out.reply, 'reply');
    localName = r.name;
    localDisp = r.disposition;
  }
  let voucherName = 0;
  let voucherDisp = 0;
  if (out.voucher !== undefined) {
    const v = place({ at: 'voucher' }, out.voucher, 'voucher');
    voucherName = v.name;
    voucherDisp = v.disposition;
  }

  for (const key of ['ports', 'ool', 'oolPorts'] as const) {
    if (out[key] !== undefined && !Array.isArray(out[key])) throw new TypeError(`${where}: ${key} must be an array, got ${typeof out[key]}`);
  }
  const descriptors: MachMsgDescriptor[] = [];
  for (const [i, t] of (out.ports ?? []).entries()) {
    const p = place({ at: 'port', desc: descriptors.length }, t, `ports[${i}]`);
    descriptors.push({ type: MACH_MSG_PORT_DESCRIPTOR, name: p.name, disposition: p.disposition });
  }
  for (const [i, region] of (out.ool ?? []).entries()) {
    const what = `${where} (ool[${i}])`;
    if (typeof region === 'object' && region !== null && 'data' in region && !ArrayBuffer.isView(region)) {
      descriptors.push({
        type: MACH_MSG_OOL_DESCRIPTOR,
        data: toBytes(what, region.data),
        copy: region.copy ?? MACH_MSG_VIRTUAL_COPY,
        deallocate: region.deallocate ?? false,
      });
    } else {
      descriptors.push({ type: MACH_MSG_OOL_DESCRIPTOR, data: toBytes(what, region as BytesLike), copy: MACH_MSG_VIRTUAL_COPY, deallocate: false });
    }
  }
  for (const [i, group] of (out.oolPorts ?? []).entries()) {
    if (!Array.isArray(group)) throw new TypeError(`${where}: oolPorts[${i}] must be an array of PortTransfer`);
    const desc = descriptors.length;
    const names: number[] = [];
    let disposition = group.length > 0 ? checkTransfer(`${where} (oolPorts[${i}][0])`, group[0]).disposition : MACH_MSG_TYPE_COPY_SEND;
    for (const [j, t] of group.entries()) {
      const p = place({ at: 'oolport', desc, index: j }, t, `oolPorts[${i}][${j}]`);
      if (p.disposition !== disposition) {
        throw new TypeError(`${where}: every right in oolPorts[${i}] must have the same disposition (one OOL-ports descriptor has one)`);
      }
      names.push(p.name);
    }
    disposition = disposition >>> 0;
    descriptors.push({ type: MACH_MSG_OOL_PORTS_DESCRIPTOR, names, disposition, deallocate: false, copy: MACH_MSG_VIRTUAL_COPY });
  }

  const complex = descriptors.length > 0 ? MACH_MSGH_BITS_COMPLEX : 0;
  const msg: MachMessage = {
    header: {
      msgh_bits: MACH_MSGH_BITS_SET(remote.disposition, localDisp, voucherDisp, complex) >>> 0,
      msgh_remote_port: remote.name,
      msgh_local_port: localName,
      msgh_voucher_port: voucherName,
      msgh_id: id | 0,
    },
  };
  if (complex) msg.descriptors = descriptors;
  if (out.body !== undefined) msg.body = toBytes(`${where} (body)`, out.body);
  return { msg, placed };
}

/**
 * Build the MachMessage for `out` sent through `dest`, without sending it: the header
 * bits, COMPLEX bit and descriptors as the builder writes them. Nothing changes owner;
 * if you send the result with mach_msg yourself, the rights it moves are yours to track.
 */
export function composeMessage(dest: PortTransfer, out: OutgoingMessage): MachMessage {
  return buildMessage(dest.source?.api, 'composeMessage', dest, out).msg;
}

/** Read the name and disposition now found at a position of a (possibly rewritten) message. */
function readAt(msg: MachMessage, pos: Position): { name: number; disposition: number } | undefined {
  const h = msg.header;
  switch (pos.at) {
    case 'remote':
      return { name: h.msgh_remote_port >>> 0, disposition: MACH_MSGH_BITS_REMOTE(h.msgh_bits) };
    case 'local':
      return { name: (h.msgh_local_port ?? 0) >>> 0, disposition: MACH_MSGH_BITS_LOCAL(h.msgh_bits) };
    case 'voucher':
      return { name: (h.msgh_voucher_port ?? 0) >>> 0, disposition: MACH_MSGH_BITS_VOUCHER(h.msgh_bits) };
    case 'port': {
      const d = msg.descriptors?.[pos.desc];
      return d && 'name' in d ? { name: d.name >>> 0, disposition: d.disposition } : undefined;
    }
    case 'oolport': {
      const d = msg.descriptors?.[pos.desc];
      return d && 'names' in d ? { name: (d.names[pos.index] ?? 0) >>> 0, disposition: d.disposition } : undefined;
    }
  }
}

/** The right a MOVE disposition takes from the sender. */
function movedRight(disposition: number): number {
  if (disposition === MACH_MSG_TYPE_MOVE_RECEIVE) return MACH_PORT_RIGHT_RECEIVE;
  if (disposition === MACH_MSG_TYPE_MOVE_SEND_ONCE) return MACH_PORT_RIGHT_SEND_ONCE;
  return MACH_PORT_RIGHT_SEND;
}

function refsOf(api: MachApi, name: number, right: number): number {
  try {
    return api.mach_port_get_refs(api.mach_task_self(), name, right);
  } catch {
    return 0;
  }
}

/** Snapshot of the user references the MOVE rights of a message stand on. */
export function snapshotMoves(api: MachApi, built: Built): Map<string, number> {
  const snap = new Map<string, number>();
  for (const p of built.placed) {
    if (!p.transfer.moves) continue;
    const right = movedRight(p.disposition);
    const key = `${p.name}:${right}`;
    if (!snap.has(key)) snap.set(key, refsOf(api, p.name, right));
  }
  return snap;
}

/** The send succeeded: every MOVE source handed its right over. */
export function settleSuccess(built: Built): void {
  for (const p of built.placed) {
    if (!p.transfer.moves) continue;
    p.transfer.source!.markGone(p.disposition === MACH_MSG_TYPE_MOVE_SEND_ONCE && p.pos.at === 'remote' ? 'consumed' : 'moved');
  }
}

/**
 * The send failed. Decide, for each right placed in the message, what the kernel did
 * with it, and update the owning objects so that each object still owns exactly what
 * the task holds for it:
 * - errors found before copy-in (invalid destination / reply / header / type / size)
 *   consume nothing;
 * - body errors (MACH_SEND_INVALID_RIGHT, …) consume the header's rights and the
 *   descriptors copied in before the bad one;
 * - queueing failures (MACH_SEND_TIMED_OUT, MACH_SEND_INTERRUPTED, an aborted wait) hand
 *   every right back ("pseudo-receive"): MOVE rights may come back under a new name, and
 *   COPY / MAKE dispositions leave the sender with one extra right, which is released
 *   here so the caller's reference counts are as before the call.
 * The first two are told apart by comparing user references before and after; the
 * third by the rewritten message.
 */
export function settleFailure(api: MachApi, built: Built, before: Map<string, number>): void {
  const task = api.mach_task_self();
  const pending = new Map<string, Placed[]>();
  for (const p of built.placed) {
    const now = readAt(built.msg, p.pos);
    if (p.transfer.moves) {
      if (now && now.name !== p.name && MACH_PORT_VALID(now.name)) {
        // Handed back under another name (a send-once right always gets a fresh one).
        p.transfer.source!.rename(now.name);
        continue;
      }
      const key = `${p.name}:${movedRight(p.disposition)}`;
      const list = pending.get(key) ?? [];
      list.push(p);
      pending.set(key, list);
      continue;
    }
    // COPY_SEND / MAKE_SEND / MAKE_SEND_ONCE rewritten to PORT_SEND / PORT_SEND_ONCE: the
    // pseudo-receive gave the sender one more right than it had. Give it back.
    const made =
      p.disposition === MACH_MSG_TYPE_COPY_SEND || p.disposition === MACH_MSG_TYPE_MAKE_SEND || p.disposition === MACH_MSG_TYPE_MAKE_SEND_ONCE;
    if (made && now && (now.disposition === MACH_MSG_TYPE_PORT_SEND || now.disposition === MACH_MSG_TYPE_PORT_SEND_ONCE) && MACH_PORT_VALID(now.name)) {
      try {
        api.mach_port_deallocate(task, now.name);
      } catch (err) {
        if (!isTaskGone(err)) throw err;
      }
    }
  }
  // Copy-in is in message order (header, then descriptors), so when the kernel took
  // n references of one name it took them from the first n places naming it.
  for (const [key, list] of pending) {
    const [nameStr, rightStr] = key.split(':');
    const after = refsOf(api, Number(nameStr), Number(rightStr));
    let taken = Math.max(0, (before.get(key) ?? 0) - after);
    for (const p of list) {
      if (taken === 0) break;
      p.transfer.source!.markGone(p.disposition === MACH_MSG_TYPE_MOVE_SEND_ONCE ? 'consumed' : 'moved');
      taken--;
    }
  }
  for (const p of built.placed) if (p.transfer.moves) p.transfer.source!.afterFailedSend?.();
}

/**
 * Send `out` through `dest` on `api` and settle ownership. Resolves when the kernel
 * accepted the message; rejects with the MachError (or the abort reason) otherwise.
 * For a hand-built MachMessage the error's `details.message` holds the message as the
 * kernel left it (rewritten on a pseudo-receive).
 */
export async function sendThrough(
  api: MachApi,
  where: string,
  dest: PortTransfer,
  out: OutgoingMessage | MachMessage,
  opts: SendOptions = {},
): Promise<void> {
  optionsOf(where, opts);
  checkTimeout(where, opts.timeout);
  checkSignal(where, opts.signal);
  throwIfAborted(opts.signal);
  const built = buildMessage(api, where, dest, out);
  const before = snapshotMoves(api, built);
  const option = MACH_SEND_MSG | (opts.timeout !== undefined ? MACH_SEND_TIMEOUT : 0);
  const control = opts.signal || opts.kobjectCall ? { signal: opts.signal, kobjectCall: opts.kobjectCall } : undefined;
  try {
    await api.mach_msg(built.msg, option, 0, opts.timeout ?? 0, undefined, control);
  } catch (err) {
    settleFailure(api, built, before);
    if (isRaw(out) && err instanceof MachError) err.details.message = built.msg;
    throw err;
  }
  settleSuccess(built);
}

/** A disposition's transfer for the destination of a send. */
export function destTransfer(source: PortTransfer['source'], disposition: number): PortTransfer {
  return new PortTransfer(source, disposition);
}
