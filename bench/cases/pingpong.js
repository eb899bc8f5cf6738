/**
 * pingpong-64B: one 64-byte message and its reply between two emulated tasks, one in
 * flight at a time (the client's mach_msg is SEND|RCV, the server replies-and-receives),
 * vs a MessageChannel ping-pong of the same 64 bytes (both ports on this thread, the
 * receiver echoing what it got).
 */
import { MessageChannel } from 'node:worker_threads';
import { measureAgainstBaseline } from '../lib/measure.js';
import { serverClient, runServer, stopServer } from '../lib/emu.js';
import { compareRow } from '../lib/rows.js';

export const meta = [
  { name: 'pingpong-64B', kind: 'compare', baseline: 'MessageChannel ping-pong, 64 B', target: 10 },
];

const BYTES = 64;

/** MessageChannel ping-pong: port1 sends, port2 echoes, port1 sends the next on receipt. */
export function messageChannelPingPong(bytes) {
  const { port1, port2 } = new MessageChannel();
  const payload = new Uint8Array(bytes).fill(0x5a);
  port2.on('message', (d) => port2.postMessage(d));
  let remaining = 0;
  let done = null;
  port1.on('message', () => {
    if (--remaining > 0) port1.postMessage(payload);
    else done();
  });
  return {
    fn: (n) =>
      new Promise((resolve) => {
        done = resolve;
        remaining = n;
        port1.postMessage(payload);
      }),
    close() {
      port1.close();
      port2.close();
    },
  };
}

/** The emulator ping-pong: a client task and an echo server task in one Kernel. */
export async function emulatorPingPong(bytes) {
  const fx = await serverClient();
  const { C, server, client, svc, svcSend, reply } = fx;
  const loop = runServer(server, svc, C, (m, r) => {
    r.header.msgh_remote_port = m.header.msgh_remote_port;
    r.header.msgh_id = m.header.msgh_id + 100;
    r.body = m.body;
  });
  const body = new Uint8Array(bytes).fill(0x5a);
  const ping = {
    header: {
      msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MAKE_SEND_ONCE),
      msgh_remote_port: svcSend,
      msgh_local_port: reply,
      msgh_id: 1000,
    },
    body,
  };
  const opts = C.MACH_SEND_MSG | C.MACH_RCV_MSG;
  // Check once that the round trip does what it claims before timing it.
  const first = await client.mach_msg(ping, opts, reply);
  if (!first || first.header.msgh_id !== 1100 || first.body.byteLength !== bytes || first.body[bytes - 1] !== 0x5a) {
    throw new Error(`emulator ping-pong returned an unexpected reply: ${JSON.stringify(first?.header)}`);
  }
  return {
    fn: async (n) => {
      for (let i = 0; i < n; i++) await client.mach_msg(ping, opts, reply);
    },
    close: () => stopServer(fx, loop),
  };
}

export async function run(cfg) {
  const m = meta[0];
  const r = await measureAgainstBaseline(messageChannelPingPong(BYTES), () => emulatorPingPong(BYTES), cfg);
  return [compareRow({ ...m, machport: r.machport, base: r.baseline, unmeasurable: r.unmeasurable })];
}

/** The machport body alone, for profiling (bench/profile.js). */
export const profileBodies = { 'pingpong-64B': () => emulatorPingPong(BYTES) };
