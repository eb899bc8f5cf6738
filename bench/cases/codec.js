/**
 * codec-5field: typed encode + decode of a 5-field message (four integers-or-port
 * fields and a string) with lib/message's defineMessage, vs JSON.stringify + JSON.parse
 * of the same object.
 *
 * Besides time, the row reports heap allocation per encode+decode for both, over a large
 * loop with GCs accounted for (bench/lib/measure.js allocationPerOp: used-heap delta +
 * what each GC freed, from v8.GCProfiler), plus the raw process.memoryUsage().heapUsed
 * delta and the number of scavenges — to show whether the codec allocates per field.
 */
import { allocationPerOp, measureSideBySide } from '../lib/measure.js';
import { loadEmulator, loadMessage, Unavailable } from '../lib/machport.js';
import { compareRow } from '../lib/rows.js';

export const meta = [
  { name: 'codec-5field', kind: 'compare', baseline: 'JSON.stringify + JSON.parse', target: 10 },
];

/** The object both sides carry. */
export const SAMPLE = Object.freeze({ op: 7, flags: 0x30001, offset: 1234567, name: 'com.example.service', port: 0x1503 });

function jsonBody() {
  let sink = 0;
  const obj = { ...SAMPLE };
  return {
    fn: (n) => {
      for (let i = 0; i < n; i++) {
        obj.offset = i;
        const back = JSON.parse(JSON.stringify(obj));
        sink += back.offset;
      }
      return undefined;
    },
    sink: () => sink,
  };
}

/**
 * The machport side, built on whatever lib/message exports. Filled in against the
 * codec's real API; throws Unavailable while there is none.
 */
async function codecBody() {
  const msg = await loadMessage();
  const { C } = await loadEmulator().catch(() => ({ C: null }));
  const { makeCodecRoundTrip } = await import('./codec-adapter.js');
  return makeCodecRoundTrip(msg, C, SAMPLE);
}

export async function run(cfg) {
  const m = meta[0];
  const base = jsonBody();
  let codec = null;
  let unmeasurable;
  try {
    codec = await codecBody();
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
    unmeasurable = e.message;
  }
  const bodies = { baseline: { fn: base.fn } };
  if (codec) bodies.machport = { fn: codec.fn };
  const r = await measureSideBySide(bodies, cfg);
  const ops = cfg.mode === 'tiny' ? 2_000 : 500_000;
  const heap = { baseline: allocationPerOp(base.fn, ops) };
  if (codec) {
    heap.machport = allocationPerOp(codec.fn, ops);
    if (codec.encodeOnly) heap.machport_encode_only = allocationPerOp(codec.encodeOnly, ops);
    if (codec.decodeOnly) heap.machport_decode_only = allocationPerOp(codec.decodeOnly, ops);
  }
  const extra = { heap, object: SAMPLE };
  if (codec?.describe) extra.codec = codec.describe;
  return [compareRow({ ...m, machport: r.machport, base: r.baseline, unmeasurable, extra })];
}
