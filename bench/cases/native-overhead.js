/**
 * native-overhead (macOS only): a mach_msg round trip through Node-API vs the same round
 * trip timed in C inside the addon.
 *
 * The round trip, on both sides: a simple message of a 64-byte body, sent with COPY_SEND
 * to a port of this process's own (a receive right with one send right under the same
 * name, made before timing starts), then received back from that port.
 * - Node-API side: `await mach_msg(msg, MACH_SEND_MSG | MACH_RCV_MSG, port)`, the
 *   package's public function on the native backend. The backend makes it two mach_msg
 *   calls: a send with MACH_SEND_TIMEOUT 0, then a receive poll with MACH_RCV_TIMEOUT 0 and
 *   MACH_RCV_LARGE (the message is already queued, so neither waits).
 * - C side: the addon's benchmark hook (`NativeApi.benchMachMsgRoundTrip(n, 64)`,
 *   native/bench.cc) makes the same two mach_msg calls with the same options n times in a
 *   C loop and times them with mach_absolute_time.
 * So the difference is what the JS path adds: Node-API crossings, encoding and decoding,
 * the guard pre-checks, the promise.
 *
 * The row is kind 'scale' (lower is better), as the issue states it: machport_ns = through
 * Node-API, baseline_ns = in C, ratio = Node-API / C, target ≤ 1.2.
 *
 * Off Darwin the row is skipped with the reason; on Darwin without the native backend (or
 * with an addon built before the hook) it is reported as not measurable, saying why.
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

const BODY_BYTES = 64;
/** The hook's own limit on iterations per call (native/bench.cc). */
const MAX_C_ITERATIONS = 10_000_000;

/** The public API on the native backend, or the reason it is not there. */
async function nativeBackend() {
  const file = path.join(repoRoot, 'dist', 'index.js');
  if (!fs.existsSync(file)) return { reason: 'dist/index.js is not built' };
  const mp = await import(pathToFileURL(file).href);
  if (mp.backend.name !== 'native') return { reason: `the active backend is ${mp.backend.name}, not native (${String(mp.backend.reason).replace(/\s+/g, ' ').trim()})` };
  const native = mp.backend.api;
  if (typeof native.benchMachMsgRoundTrip !== 'function') return { reason: 'the native backend has no benchMachMsgRoundTrip (dist/ is older than the hook)' };
  return { mp, native };
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
  const loaded = await nativeBackend();
  if (!loaded.mp) return [scaleRow({ ...m, unmeasurable: loaded.reason })];
  const { mp, native } = loaded;
  // One call up front, so that an addon without the hook (KERN_NOT_SUPPORTED) is reported
  // as not measurable rather than as an error in the middle of sampling.
  try {
    native.benchMachMsgRoundTrip(1, BODY_BYTES);
  } catch (e) {
    if (e && e.code === 'KERN_NOT_SUPPORTED') return [scaleRow({ ...m, unmeasurable: e.message })];
    throw e;
  }

  const task = mp.mach_task_self();
  const port = mp.mach_port_allocate(task, mp.MACH_PORT_RIGHT_RECEIVE);
  try {
    mp.mach_port_insert_right(task, port, port, mp.MACH_MSG_TYPE_MAKE_SEND);
    const msg = {
      header: { msgh_bits: mp.MACH_MSGH_BITS(mp.MACH_MSG_TYPE_COPY_SEND, 0), msgh_remote_port: port, msgh_id: 0x6d70 },
      body: new Uint8Array(BODY_BYTES).fill(0xa5),
    };
    const options = mp.MACH_SEND_MSG | mp.MACH_RCV_MSG;
    const r = await measureSideBySide(
      {
        // The hook reports its own ns per round trip; the harness wants the body's total.
        c: { fn: (n) => native.benchMachMsgRoundTrip(n, BODY_BYTES) * n, max: MAX_C_ITERATIONS },
        js: {
          fn: async (n) => {
            for (let i = 0; i < n; i++) await mp.mach_msg(msg, options, port);
          },
        },
      },
      cfg,
    );
    return [
      scaleRow({
        ...m,
        small: r.c,
        large: r.js,
        note: `round trip = send of a ${BODY_BYTES}-byte body (COPY_SEND to a port of its own) + receive from that port; C: the same two mach_msg calls in a loop inside the addon; ratio = Node-API / C`,
      }),
    ];
  } finally {
    // The send urefs (one from insert_right; received messages add none), then the receive right.
    const refs = mp.mach_port_get_refs(task, port, mp.MACH_PORT_RIGHT_SEND);
    if (refs > 0) mp.mach_port_mod_refs(task, port, mp.MACH_PORT_RIGHT_SEND, -refs);
    mp.mach_port_mod_refs(task, port, mp.MACH_PORT_RIGHT_RECEIVE, -1);
  }
}
