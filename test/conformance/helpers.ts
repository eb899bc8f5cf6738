/**
 * Small helpers the scenarios share. Everything goes through {@link MachApi}; nothing
 * here knows which backend it runs on.
 * @module
 */
import { expect } from 'vitest';
import * as C from '../../lib/constants.js';
import { MachError } from '../../lib/errors.js';
import type { MachApi, MachMessage, MachMsgDescriptor, ReceivedMessage, mach_port_status_t } from '../../lib/types.js';

export { C };

// ---------------------------------------------------------------------------
// Rights

/** Allocate a receive right. */
export function port(api: MachApi): number {
  return api.mach_port_allocate(api.mach_task_self(), C.MACH_PORT_RIGHT_RECEIVE);
}

/** Allocate a receive right and make one send right under the same name. */
export function portWithSend(api: MachApi): number {
  const p = port(api);
  api.mach_port_insert_right(api.mach_task_self(), p, p, C.MACH_MSG_TYPE_MAKE_SEND);
  return p;
}

/** Allocate a port set. */
export function portSet(api: MachApi): number {
  return api.mach_port_allocate(api.mach_task_self(), C.MACH_PORT_RIGHT_PORT_SET);
}

/** Make a send-once right to `p` (a receive right of `api`); returns its (fresh) name. */
export function sendOnce(api: MachApi, p: number): number {
  const r = api.mach_port_extract_right(api.mach_task_self(), p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
  expect(r.polyPoly).toBe(C.MACH_MSG_TYPE_PORT_SEND_ONCE);
  return r.poly;
}

/** mach_port_type of a name. */
export function typeOf(api: MachApi, name: number): number {
  return api.mach_port_type(api.mach_task_self(), name);
}

/** mach_port_get_refs of a name. */
export function refs(api: MachApi, name: number, right: number): number {
  return api.mach_port_get_refs(api.mach_task_self(), name, right);
}

/** MACH_PORT_RECEIVE_STATUS of a receive right. */
export function status(api: MachApi, name: number): mach_port_status_t {
  return api.mach_port_get_attributes(
    api.mach_task_self(),
    name,
    C.MACH_PORT_RECEIVE_STATUS,
    C.MACH_PORT_RECEIVE_STATUS_COUNT,
  ) as mach_port_status_t;
}

/** Set a receive right's queue limit. */
export function setQlimit(api: MachApi, name: number, qlimit: number): void {
  api.mach_port_set_attributes(api.mach_task_self(), name, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: qlimit });
}

/** Whether `name` is gone from the space (mach_port_type answers KERN_INVALID_NAME). */
export function isGone(api: MachApi, name: number): boolean {
  try {
    api.mach_port_type(api.mach_task_self(), name);
    return false;
  } catch (err) {
    if (err instanceof MachError && err.code === 'KERN_INVALID_NAME') return true;
    throw err;
  }
}

/** All names of the space with their types, as a Map. */
export function namesMap(api: MachApi): Map<number, number> {
  const { names, types } = api.mach_port_names(api.mach_task_self());
  expect(types.length).toBe(names.length);
  return new Map(Array.from(names, (n, i) => [n, types[i]!]));
}

/** An index that no name of the space uses, made into a name with generation 0x03. */
export function unusedName(api: MachApi, from = 0x1200): number {
  const used = new Set(Array.from(api.mach_port_names(api.mach_task_self()).names, (n) => n >>> 8));
  for (let index = from >>> 8; ; index++) {
    if (!used.has(index)) return ((index << 8) | 0x03) >>> 0;
  }
}

// ---------------------------------------------------------------------------
// Messages

/** Options for {@link msg}. */
export interface MsgOptions {
  reply?: number;
  replyDisp?: number;
  voucher?: number;
  voucherDisp?: number;
  id?: number;
  body?: Uint8Array;
  descriptors?: MachMsgDescriptor[];
  /** Extra msgh_bits OR-ed in. */
  bits?: number;
}

/** Build a message to `dest` with destination disposition `destDisp`. */
export function msg(dest: number, destDisp: number, o: MsgOptions = {}): MachMessage {
  const complex = o.descriptors !== undefined ? C.MACH_MSGH_BITS_COMPLEX : 0;
  const m: MachMessage = {
    header: {
      msgh_bits:
        (C.MACH_MSGH_BITS_SET_PORTS(destDisp, o.replyDisp ?? 0, o.voucherDisp ?? 0) | complex | (o.bits ?? 0)) >>> 0,
      msgh_remote_port: dest,
      msgh_local_port: o.reply ?? C.MACH_PORT_NULL,
      msgh_voucher_port: o.voucher ?? C.MACH_PORT_NULL,
      msgh_id: o.id ?? 0x1234,
    },
  };
  if (o.descriptors !== undefined) m.descriptors = o.descriptors;
  if (o.body !== undefined) m.body = o.body;
  return m;
}

/** A port descriptor. */
export function portDesc(name: number, disposition: number): MachMsgDescriptor {
  return { type: C.MACH_MSG_PORT_DESCRIPTOR, name, disposition };
}

/** Send (SEND, with MACH_SEND_TIMEOUT when `timeout` is given). */
export async function send(api: MachApi, m: MachMessage, timeout?: number): Promise<void> {
  const option = C.MACH_SEND_MSG | (timeout !== undefined ? C.MACH_SEND_TIMEOUT : 0);
  const r = await api.mach_msg(m, option, C.MACH_PORT_NULL, timeout ?? C.MACH_MSG_TIMEOUT_NONE);
  expect(r).toBeUndefined();
}

/** Send a header-only message through a send right (COPY_SEND) or any other disposition. */
export function sendSimple(api: MachApi, dest: number, destDisp = C.MACH_MSG_TYPE_COPY_SEND, o: MsgOptions = {}, timeout?: number): Promise<void> {
  return send(api, msg(dest, destDisp, o), timeout);
}

/** Options for {@link recv}. */
export interface RecvOptions {
  /** Receive timeout in ms (MACH_RCV_TIMEOUT); default 2000 (the message is expected). */
  timeout?: number;
  /** rcv_size. */
  size?: number;
  /** Extra option bits (trailer elements, MACH_RCV_LARGE, …). */
  options?: number;
}

/** Receive one message on `name` (a receive right or port set). */
export async function recv(api: MachApi, name: number, o: RecvOptions = {}): Promise<ReceivedMessage> {
  const r = await api.mach_msg(
    undefined,
    C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT | (o.options ?? 0),
    name,
    o.timeout ?? 2000,
    o.size,
  );
  if (!r) throw new Error('mach_msg(RCV) resolved without a message');
  return r;
}

/** Receive with timeout 0: the message if one is queued, else undefined. */
export async function poll(api: MachApi, name: number, o: Omit<RecvOptions, 'timeout'> = {}): Promise<ReceivedMessage | undefined> {
  try {
    return await recv(api, name, { ...o, timeout: 0 });
  } catch (err) {
    if (err instanceof MachError && err.code === 'MACH_RCV_TIMED_OUT') return undefined;
    throw err;
  }
}

/** Expect no message on `name`. */
export async function expectEmpty(api: MachApi, name: number): Promise<void> {
  const m = await poll(api, name);
  expect(m && { id: m.header.msgh_id, bits: m.header.msgh_bits }).toBeUndefined();
}

/** Drain every queued message of `name`; returns them in order. */
export async function drain(api: MachApi, name: number): Promise<ReceivedMessage[]> {
  const out: ReceivedMessage[] = [];
  for (;;) {
    const m = await poll(api, name);
    if (!m) return out;
    out.push(m);
  }
}

/** Whether a promise is still pending after `ms` milliseconds (its result is kept). */
export async function isPending(p: Promise<unknown>, ms = 60): Promise<boolean> {
  const marker = Symbol('pending');
  const timer = new Promise<typeof marker>((resolve) => setTimeout(() => resolve(marker), ms));
  const r = await Promise.race([p.then(() => undefined, () => undefined), timer]);
  return r === marker;
}

/** Resolve after `ms` ms. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Settle a promise into { ok, value } / { ok: false, error } without throwing. */
export async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

/** A 32-bit little-endian word of a byte array. */
export function u32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
}

/** Little-endian 32-bit words as bytes. */
export function words(...ws: number[]): Uint8Array {
  const out = new Uint8Array(ws.length * 4);
  const dv = new DataView(out.buffer);
  ws.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return out;
}

/** `n` bytes of a recognisable pattern. */
export function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

// ---------------------------------------------------------------------------
// Notifications

/**
 * Register a notification on `name` delivered to `notifyPort` (a receive right of
 * `api`) through MAKE_SEND_ONCE; returns the previous send-once right's name.
 */
export function requestNotification(api: MachApi, name: number, id: number, notifyPort: number, sync = 0): number {
  return api.mach_port_request_notification(api.mach_task_self(), name, id, sync, notifyPort, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
}

/** Receive one message on `port` and check it is the notification `id`. */
export async function expectNotification(api: MachApi, port: number, id: number): Promise<ReceivedMessage> {
  const m = await recv(api, port);
  expect(m.header.msgh_id, `notification id (got ${m.header.msgh_id})`).toBe(id);
  return m;
}

/** The `name`/`mscount` word of a notification body (after its 8-byte NDR record). */
export function notificationWord(m: ReceivedMessage): number {
  expect(m.body.length).toBeGreaterThanOrEqual(12);
  return u32(m.body, 8);
}

// ---------------------------------------------------------------------------
// Moving rights between tasks with real messages

const mailboxes = new WeakMap<MachApi, { service: string; port: number }>();
const lookups = new WeakMap<MachApi, Map<string, number>>();
let serviceCounter = 0;

/** A bootstrap service name nobody else uses. */
export function uniqueServiceName(tag: string): string {
  serviceCounter += 1;
  return `org.machport.conformance.${tag}.${process.pid}.${Date.now().toString(36)}.${serviceCounter}`;
}

/** `to`'s mailbox: a receive right it checked in with the bootstrap server. */
function mailbox(to: MachApi): { service: string; port: number } {
  let mb = mailboxes.get(to);
  if (!mb) {
    const service = uniqueServiceName('mailbox');
    mb = { service, port: to.bootstrap_check_in(to.bootstrap_port, service) };
    mailboxes.set(to, mb);
  }
  return mb;
}

/** `from`'s send right to `to`'s mailbox. */
function mailboxSendRight(from: MachApi, to: MachApi): number {
  const mb = mailbox(to);
  let m = lookups.get(from);
  if (!m) lookups.set(from, (m = new Map()));
  let s = m.get(mb.service);
  if (s === undefined) {
    s = from.bootstrap_look_up(from.bootstrap_port, mb.service);
    m.set(mb.service, s);
  }
  return s;
}

/**
 * Give `to` a right named `name` in `from`'s space, with `disposition`, by sending it
 * in a port descriptor to `to`'s mailbox (a bootstrap check-in) and receiving it there.
 * Returns the name in `to`'s space.
 */
export async function transfer(from: MachApi, to: MachApi, name: number, disposition: number): Promise<number> {
  const dest = mailboxSendRight(from, to);
  await send(from, msg(dest, C.MACH_MSG_TYPE_COPY_SEND, { id: 0x7e57, descriptors: [portDesc(name, disposition)] }), 2000);
  const m = await recv(to, mailbox(to).port);
  expect(m.header.msgh_id).toBe(0x7e57);
  const d = m.descriptors[0] as { name: number };
  return d.name;
}

/** A send right in `to` (its only holder) to a fresh receive right of `owner`. */
export async function sendRightIn(owner: MachApi, to: MachApi): Promise<{ port: number; send: number }> {
  const p = port(owner);
  const s = await transfer(owner, to, p, C.MACH_MSG_TYPE_MAKE_SEND);
  return { port: p, send: s };
}
