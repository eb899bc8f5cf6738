/**
 * Test helpers: send a hand-built MIG request to a kernel object as libSystem's stubs do
 * (a kernel-object call, SEND|RCV on a reply port) and look at the reply's bytes.
 */
import {
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSGH_BITS,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_RCV_MSG,
  MACH_SEND_MSG,
} from '../../lib/constants.js';
import type { EmulatedTask } from '../../lib/emulator/task.js';
import type { ReceivedMessage } from '../../lib/types.js';
import { MigWriter } from '../../lib/emulator/kobject/mig.js';

/** The NDR record bytes. */
export const NDR = [0, 0, 0, 0, 1, 0, 0, 0];

/** Little-endian bytes of 32-bit words. */
export function le32(...words: number[]): number[] {
  const w = new MigWriter();
  for (const x of words) w.u32(x);
  return Array.from(w.finish());
}

/** A body of NDR then 32-bit arguments. */
export function ndrBody(...words: number[]): Uint8Array {
  return Uint8Array.from([...NDR, ...le32(...words)]);
}

const replyPorts = new WeakMap<EmulatedTask, number>();

/** The test's reply port in `t` (a receive right, allocated once). */
export function replyPort(t: EmulatedTask): number {
  let r = replyPorts.get(t);
  if (r === undefined) {
    r = t.mach_port_allocate(t.mach_task_self(), MACH_PORT_RIGHT_RECEIVE);
    replyPorts.set(t, r);
  }
  return r;
}

/** Send `body` with msgh_id `id` to `dest` as a kernel-object call and receive the reply. */
export async function migCall(t: EmulatedTask, dest: number, id: number, body: Uint8Array = new Uint8Array(0)): Promise<ReceivedMessage> {
  const r = replyPort(t);
  const got = await t.mach_msg(
    {
      header: {
        msgh_bits: MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE),
        msgh_remote_port: dest,
        msgh_local_port: r,
        msgh_id: id,
      },
      body,
    },
    MACH_SEND_MSG | MACH_RCV_MSG,
    r,
    0,
    40 + 1024 + 68,
    { kobjectCall: true },
  );
  return got!;
}

/** The 32-bit little-endian word at `offset` of a reply body. */
export function word(body: Uint8Array, offset: number): number {
  return new DataView(body.buffer, body.byteOffset, body.byteLength).getInt32(offset, true);
}

/** RetCode of a non-complex reply (body offset 8, after NDR). */
export function retCode(reply: ReceivedMessage): number {
  return word(reply.body, 8);
}
