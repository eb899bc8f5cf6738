/**
 * native-overhead (macOS only): a mach_msg round trip through Node-API vs the same
 * round trip timed in C inside the addon.
 *
 * The round trip: one 64-byte message sent to a port of this process's own and received
 * back from it (MACH_SEND_MSG | MACH_RCV_MSG on the same port). The Node-API side runs
 * it through the package's public mach_msg on the native backend; the C side needs the
 * addon to run the same loop in C and return its nanoseconds
 * (`bench_mach_msg_round_trip(n) → ns`). The target is Node-API / C ≤ 1.2, a
 * lower-is-better row (kind 'scale'): machport_ns = through Node-API, baseline_ns = in C,
 * ratio = machport_ns / baseline_ns.
 *
 * Off Darwin the row is skipped with the reason; on Darwin, while the addon has no such
 * C loop, it is reported as not measurable, saying what is missing.
 */
import path from 'node:path';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { measureSideBySide } from '../lib/measure.js';
import { repoRoot } from '../lib/machport.js';
import { scaleRow, skippedRow } from '../lib/rows.js';

export const meta = [
  { name: 'native-overhead', kind: 'scale', baseline: 'same mach_msg round trip timed in C', target: 1.2 },
];

/** The C-side loop, if the loaded addon has one. */
async function cLoop() {
  const file = path.join(repoRoot, 'dist', 'native', 'addon.js');
  if (!fs.existsSync(file)) return { reason: 'dist/native/addon.js is not built' };
  const mod = await import(pathToFileURL(file).href);
  let addon;
  try {
    addon = mod.loadAddon();
  } catch (e) {
    return { reason: `the native addon does not load: ${e && e.message ? e.message : e}` };
  }
  if (typeof addon.bench_mach_msg_round_trip !== 'function') {
    return {
      reason:
        'the native addon has no in-C timing loop yet (wanted: bench_mach_msg_round_trip(n) → ns, n send+receive round trips of a 64-byte message to a port of its own, timed in C)',
    };
  }
  return { fn: (n) => Number(addon.bench_mach_msg_round_trip(n)) };
}

async function jsLoop() {
  const api = await import(pathToFileURL(path.join(repoRoot, 'dist', 'index.js')).href);
  if (api.backend().name !== 'native') return { reason: `the active backend is ${api.backend().name}, not native` };
  const task = api.mach_task_self();
  const port = api.mach_port_allocate(task, api.MACH_PORT_RIGHT_RECEIVE);
  const msg = {
    header: { msgh_bits: api.MACH_MSGH_BITS(api.MACH_MSG_TYPE_MAKE_SEND, 0), msgh_remote_port: port, msgh_id: 1 },
    body: new Uint8Array(64),
  };
  const opts = api.MACH_SEND_MSG | api.MACH_RCV_MSG;
  return {
    fn: async (n) => {
      for (let i = 0; i < n; i++) await api.mach_msg(msg, opts, port);
    },
  };
}

export async function run(cfg) {
  const m = meta[0];
  if (process.platform !== 'darwin') {
    return [
      skippedRow({
        ...m,
        kind: 'scale',
        reason: `macOS only: it times real Mach IPC through the native addon, which exists only on Darwin (this is ${process.platform}/${process.arch})`,
      }),
    ];
  }
  const c = await cLoop();
  if (!c.fn) return [scaleRow({ ...m, unmeasurable: c.reason })];
  const js = await jsLoop();
  if (!js.fn) return [scaleRow({ ...m, unmeasurable: js.reason })];
  const r = await measureSideBySide({ c: { fn: c.fn }, js: { fn: js.fn } }, cfg);
  return [scaleRow({ ...m, small: r.c, large: r.js })];
}
