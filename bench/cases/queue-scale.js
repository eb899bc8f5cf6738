/**
 * queue-scale: the per-message receive cost of the last 10% vs the first 10% while
 * 100,000 queued messages drain.
 *
 * A Mach port's queue limit is at most 1024 (MACH_PORT_QLIMIT_MAX), but messages sent
 * through a send-once right ignore it up to the kernel's 65,534 (XNU
 * ipc_mqueue_send_locked). So one task fills two ports with 50,000 messages each, the
 * destination disposition MAKE_SEND_ONCE — 100,000 messages queued at once — and then
 * drains port A, then port B, timing the receives in ten chunks of 10% each. The first
 * chunk drains A from depth 50,000; the last drains B's final 10,000. ratio = ns per
 * message in the last chunk / in the first chunk.
 */
import { loadEmulator, Unavailable } from '../lib/machport.js';
import { scaleRow } from '../lib/rows.js';
import { summarize } from '../lib/stats.js';

export const meta = [
  { name: 'queue-scale', kind: 'scale', baseline: 'first 10% of the drain', target: 1.5 },
];

const now = () => process.hrtime.bigint();

async function queueFixture(total, portsCount) {
  const { Kernel, C } = await loadEmulator();
  const kernel = new Kernel();
  const t = kernel.createTask({ name: 'queue' });
  const self = t.mach_task_self();
  const ports = [];
  for (let i = 0; i < portsCount; i++) ports.push(t.mach_port_allocate(self, C.MACH_PORT_RIGHT_RECEIVE));
  const msg = {
    header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_MAKE_SEND_ONCE, 0), msgh_remote_port: 0, msgh_id: 4 },
    body: new Uint8Array(16),
  };
  const SEND = C.MACH_SEND_MSG;
  const RCV = C.MACH_RCV_MSG;
  const perPort = total / portsCount;
  const chunk = total / 10;
  /** One fill-and-drain round: returns ns per message for each of the ten chunks. */
  return async function round() {
    for (const p of ports) {
      msg.header.msgh_remote_port = p;
      for (let i = 0; i < perPort; i++) await t.mach_msg(msg, SEND);
    }
    const st = t.mach_port_get_attributes(self, ports[0], C.MACH_PORT_RECEIVE_STATUS);
    if (st.mps_msgcount !== perPort) throw new Error(`queue holds ${st.mps_msgcount} messages, expected ${perPort}`);
    const chunks = [];
    const cpu = [];
    let inChunk = 0;
    let c0 = process.cpuUsage();
    let t0 = now();
    for (const p of ports) {
      for (let i = 0; i < perPort; i++) {
        await t.mach_msg(undefined, RCV, p);
        if (++inChunk === chunk) {
          const t1 = now();
          const c = process.cpuUsage(c0);
          chunks.push(Number(t1 - t0) / chunk);
          cpu.push(((c.user + c.system) * 1000) / chunk);
          inChunk = 0;
          c0 = process.cpuUsage();
          t0 = now();
        }
      }
    }
    return { chunks, cpu };
  };
}

export async function run(cfg) {
  const m = meta[0];
  const total = cfg.mode === 'tiny' ? 2_000 : 100_000;
  const rounds = cfg.mode === 'tiny' ? 2 : cfg.mode === 'quick' ? 3 : 5;
  const warmups = cfg.mode === 'tiny' ? 0 : 1;
  try {
    const round = await queueFixture(total, 2);
    for (let w = 0; w < warmups; w++) await round();
    const first = [];
    const last = [];
    const firstCpu = [];
    const lastCpu = [];
    const all = [];
    for (let r = 0; r < rounds; r++) {
      const { chunks, cpu } = await round();
      first.push(chunks[0]);
      last.push(chunks[chunks.length - 1]);
      firstCpu.push(cpu[0]);
      lastCpu.push(cpu[cpu.length - 1]);
      all.push(chunks);
    }
    const s = (xs, cs) => ({ samples: xs, ...summarize(xs), cpu_median: summarize(cs).median });
    const perChunk = all[0].map((_, i) => summarize(all.map((c) => c[i])).median);
    return [
      scaleRow({
        ...m,
        small: s(first, firstCpu),
        large: s(last, lastCpu),
        extra: {
          queued: total,
          ports: 2,
          ns_per_message_by_chunk: perChunk.map((x) => Math.round(x)),
          // A queue whose dequeue cost grows with depth makes the FIRST chunk the slow
          // one, which last/first alone would hide; this catches either direction.
          max_over_min_chunk: Math.max(...perChunk) / Math.min(...perChunk),
          summary: `ns/message by 10% chunk of the drain: ${perChunk.map((x) => Math.round(x)).join(' ')}`,
        },
      }),
    ];
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
    return [scaleRow({ ...m, unmeasurable: e.message })];
  }
}
