/**
 * The notifyd MIG protocol (Libnotify:notify_ipc.defs, `subsystem notify_ipc 1000`) as the
 * emulator speaks it: routine ids and the request/reply layouts of the routines it uses.
 * Layouts follow MIG's rules (pack 4, little endian): a `notify_name` (`c_string[*:512]`) is
 * inline and variable: nameOffset (unused, 0), nameCnt (bytes including the NUL), then the
 * bytes padded to 4, and the following arguments start right after the padding. Every
 * routine takes the sender's audit token from the trailer (ServerAuditToken), never from
 * the body.
 * @module
 */
import { MigBadArguments, MigReader, MigWriter } from '../kobject/mig.js';

/** Routine ids (each `routine`, `simpleroutine` and `skip` takes a number from 1000). */
export const NOTIFY_IPC = {
  check: 1002,
  get_state: 1003,
  suspend: 1004,
  resume: 1005,
  post_2: 1008,
  post_3: 1009,
  post_4: 1010,
  register_plain_2: 1011,
  register_mach_port_2: 1015,
  cancel_2: 1016,
  get_state_3: 1018,
  set_state_3: 1020,
  checkin: 1023,
  register_mach_port_3: 1027,
} as const;

/** The largest notify_name, NUL included. */
export const NOTIFY_NAME_MAX = 512;
/** NOTIFY_IPC_VERSION reported by checkin (Libnotify:libnotify.h). */
export const NOTIFY_IPC_VERSION = 3;
/** The launchd name notifyd checks in (NOTIFY_SERVICE_NAME, Libnotify:libnotify.h). */
export const NOTIFY_SERVICE_NAME = 'com.apple.system.notification_center';

/**
 * Append a notify_name as the MIG user stub writes it (mig_strncpy_zerofill): at most 511
 * bytes and the NUL, the count, the bytes padded to a multiple of 4.
 */
export function writeNotifyName(w: MigWriter, name: Uint8Array): MigWriter {
  const bytes = name.subarray(0, NOTIFY_NAME_MAX - 1);
  const cnt = bytes.length + 1;
  const padded = new Uint8Array((cnt + 3) & ~3);
  padded.set(bytes);
  return w.u32(0).u32(cnt).bytes(padded);
}

/** The inline size a notify_name takes for `name`. */
export function notifyNameSize(name: Uint8Array): number {
  const cnt = Math.min(name.length, NOTIFY_NAME_MAX - 1) + 1;
  return 8 + ((cnt + 3) & ~3);
}

/**
 * Read a request whose body is NDR, a notify_name, then `tail` bytes of fixed arguments.
 * The server-side checks of MIG: nameCnt ≤ 512, the exact size for that count, and a NUL
 * inside the string; otherwise MIG_BAD_ARGUMENTS. Returns the name bytes and a reader
 * positioned on the tail.
 */
export function readNamedRequest(body: Uint8Array, tail: number): { name: Uint8Array; rest: MigReader } {
  if (body.length < 16) throw new MigBadArguments('request too short for a notify_name');
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const cnt = view.getUint32(12, true);
  if (cnt === 0 || cnt > NOTIFY_NAME_MAX) throw new MigBadArguments(`nameCnt ${cnt}`);
  const padded = (cnt + 3) & ~3;
  if (body.length !== 16 + padded + tail) throw new MigBadArguments(`request body is ${body.length} bytes for nameCnt ${cnt}`);
  const field = body.subarray(16, 16 + cnt);
  const nul = field.indexOf(0);
  if (nul < 0) throw new MigBadArguments('notify_name without a NUL');
  return { name: field.subarray(0, nul), rest: new MigReader(body.subarray(16 + padded), tail, false) };
}
