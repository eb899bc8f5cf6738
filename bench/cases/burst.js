/**
 * burst-64B: 100,000 64-byte messages sent and then received.
 *
 * machport: a client task sends to a server task's port whose queue limit the server
 * raised to MACH_PORT_QLIMIT_MAX (1024). Since a Mach queue holds at most 1024 messages,
 * the burst goes in batches: the client sends 1024 messages (each mach_msg awaited; none
 * blocks, the queue has room), then the server receives those 1024, and so on until
 * 100,000 have gone through. Reported per message.
 *
 * baseline: a MessageChannel; port1 posts 100,000 copies of the same 64 bytes in a loop,
 * then port2's listener counts them in. Reported per message.
 */
import { MessageChannel } from 'node:worker_threads';
import { measureAgainstBaseline } from '../lib/measure.js';
import { serverClient } from '../lib/emu.js';
import { compareRow } from '../lib/rows.js';

export const meta = [
  { name: 'burst-64B', kind: 'compare', baseline: 'MessageChannel burst, 64 B', target: 3 },
];

const BYTES = 64;

function messageChannelBurst(bytes, count) {
  const { port1, port2 } = new MessageChannel();
  const payload = new Uint8Array(bytes).fill(0x5a);
  let remaining = 0;
  let done = null;
  port2.on('message', () => {
    if (--remaining === 0) done();
  });
  return {
    fn: (n) =>
      new Promise((resolve) => {
        done = resolve;
        remaining = n * count;
        for (let i = 0; i < n * count; i++) port1.postMessage(payload);
      }),
    close() {
      port1.close();
      port2.close();
    },
  };
}

async function emulatorBurst(bytes, count) {
  const fx = await serverClient();
  const { C, server, client, svc, svcSend } = fx;
  const qlimit = C.MACH_PORT_QLIMIT_MAX; // 1024
  server.mach_port_set_attributes(server.mach_task_self(), svc, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: qlimit });
  const msg = {
    header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0), msgh_remote_port: svcSend, msgh_id: 7 },
    body: new Uint8Array(bytes).fill(0x5a),
  };
  const SEND = C.MACH_SEND_MSG;
  const RCV = C.MACH_RCV_MSG;
  const burst = async () => {
    let left = count;
    while (left > 0) {
      const batch = Math.min(qlimit, left);
      for (let i = 0; i < batch; i++) await client.mach_msg(msg, SEND);
      for (let i = 0; i < batch; i++) await server.mach_msg(undefined, RCV, svc);
      left -= batch;
    }
  };
  // Check the batch pattern once: a full queue takes no more, and what is sent arrives.
  for (let i = 0; i < qlimit; i++) await client.mach_msg(msg, SEND);
  let refused = false;
  try {
    // A copy: a timed-out send rewrites its message in place (pseudo-receive).
    const probe = { header: { ...msg.header }, body: msg.body };
    await client.mach_msg(probe, SEND | C.MACH_SEND_TIMEOUT, 0, 0);
  } catch (e) {
    refused = e && e.code === 'MACH_SEND_TIMED_OUT';
  }
  if (!refused) throw new Error(`emulator burst: a send to a full queue (qlimit ${qlimit}) was not refused`);
  for (let i = 0; i < qlimit; i++) {
    const m = await server.mach_msg(undefined, RCV, svc);
    if (m.body.byteLength !== bytes) throw new Error('emulator burst: wrong body size received');
  }
  return {
    fn: async (n) => {
      for (let k = 0; k < n; k++) await burst();
    },
  };
}

export async function run(cfg) {
  const m = meta[0];
  const count = cfg.mode === 'tiny' ? 2000 : 100_000;
  const r = await measureAgainstBaseline(messageChannelBurst(BYTES, count), () => emulatorBurst(BYTES, count), cfg, { perCall: count, max: 20 });
  return [
    compareRow({
      ...m,
      machport: r.machport,
      base: r.baseline,
      unmeasurable: r.unmeasurable,
      extra: {
        messages_per_burst: count,
        qlimit: 1024,
        pattern: 'batches of 1024 sends then 1024 receives',
        summary: `${count} messages per burst, in batches of 1024 sends then 1024 receives (qlimit 1024)`,
      },
    }),
  ];
}

/** The machport body alone, for profiling (bench/profile.js). */
export const profileBodies = { 'burst-64B': () => emulatorBurst(BYTES, 100_000) };
