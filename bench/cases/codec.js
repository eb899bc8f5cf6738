/**
 * codec-5field: typed encode + decode of a 5-field message (four integers-or-port
 * fields and a string) with lib/message's defineMessage, as a server loop runs it —
 * encode refilling the one message it keeps (schema.encode(value, header, msg)), decode
 * writing into the one object it keeps (schema.decode(msg, into)) — vs JSON.stringify +
 * JSON.parse of the same object. The fresh-message, fresh-object figure, encode alone
 * and decode alone are in the row's details.
 *
 * Besides time, the row reports heap allocation per operation for every body, over a
 * large loop with GCs accounted for (bench/lib/measure.js allocationPerOp: used-heap
 * delta + what each GC freed, from v8.GCProfiler), plus the raw
 * process.memoryUsage().heapUsed delta and the number of scavenges — to show whether the
 * codec allocates per field. These are JS-heap bytes: the body's bytes live in a 32 KiB
 * slab outside the heap (slab.ts), which they do not count; the view onto them is.
 */
import { allocationPerOp, measureSideBySide } from '../lib/measure.js';
import { loadConstants, loadMessage, Unavailable } from '../lib/machport.js';
import { compareRow } from '../lib/rows.js';

export const meta = [
  { name: 'codec-5field', kind: 'compare', baseline: 'JSON.stringify + JSON.parse', target: 10 },
];

/** The object both sides carry. */
export const SAMPLE = Object.freeze({ op: 7, flags: 0x30001, offset: 1234567, name: 'com.example.service', port: 0x1503 });

/**
 * Every body folds what it read into `sink` masked to 16 bits, which keeps the work
 * observable without the sink itself growing past V8's small-integer range (a sum of
 * offsets would, and then every `+=` allocates a 16-byte heap number, counted in the
 * heap figures of both sides).
 */
function jsonBody() {
  let sink = 0;
  const obj = { ...SAMPLE };
  return {
    fn: (n) => {
      for (let i = 0; i < n; i++) {
        obj.offset = i;
        const back = JSON.parse(JSON.stringify(obj));
        sink = (sink + back.offset) & 0xffff;
      }
      return undefined;
    },
    sink: () => sink,
  };
}

/**
 * The machport side: a schema of five fields — three integers, a name_t-style string
 * (cString(128), MIG's c_string[128]) and a port — encoded to a MachMessage and decoded
 * back, as a server loop does it: the row (`fn`) is schema.encode(value, header, msg),
 * which refills the one message the loop keeps (header, descriptor, all 148 body bytes,
 * the string's tail zeroed), then schema.decode(msg, into), which writes the five
 * fields into the one object the loop keeps. The string is decoded to a new string
 * every time; nothing is cached. The port field uses MACH_MSG_TYPE_MOVE_SEND, whose
 * received disposition (PORT_SEND) is the same number, so the encoded message decodes
 * as is, without a kernel in between.
 *
 * Also timed, reported in extra: `fresh`, a new message and a new value object per
 * operation (schema.encode(value, header) then schema.decode(message), what the row
 * measured before reuse existed); encode alone and decode alone, each both ways (decode
 * of one message encoded beforehand); and `wire`, the row's loop plus the 64-bit byte
 * layout (encodeMessage into one reused buffer, decodeMessage back), for comparison
 * with JSON's string.
 */
async function codecBody() {
  const M = await loadMessage();
  const C = await loadConstants();
  const schema = M.defineMessage({
    id: 4242,
    fields: {
      op: M.int32,
      flags: M.uint32,
      offset: M.int32,
      name: M.cString(128),
      port: M.port(C.MACH_MSG_TYPE_MOVE_SEND),
    },
  });
  const header = { msgh_remote_port: 0x1103 };
  const value = { ...SAMPLE };
  const encoded = schema.encode(value, header);
  const decoded = schema.decode(encoded);
  for (const k of Object.keys(SAMPLE)) {
    if (decoded[k] !== SAMPLE[k]) throw new Error(`codec round trip changed ${k}: ${decoded[k]} != ${SAMPLE[k]}`);
  }
  // The message and value object a server loop keeps, and a check that reuse is real.
  let msg = schema.encode(value, header);
  const into = schema.decode(msg);
  const body = msg.body;
  if (schema.encode(value, header, msg) !== msg || msg.body !== body || schema.decode(msg, into) !== into) {
    throw new Error('codec: encode with reuse / decode into did not reuse');
  }
  const check = { encoded, msg };
  let sink = 0;
  const rcvOption = C.MACH_RCV_MSG;
  // One send/receive buffer reused, with room for the trailer, as a C program keeps one.
  const buffer = new Uint8Array(schema.fixedSize + 128);
  return {
    fn: (n) => {
      for (let i = 0; i < n; i++) {
        value.offset = i;
        msg = schema.encode(value, header, msg);
        sink = (sink + schema.decode(msg, into).offset) & 0xffff;
      }
      return undefined;
    },
    fresh: (n) => {
      for (let i = 0; i < n; i++) {
        value.offset = i;
        const back = schema.decode(schema.encode(value, header));
        sink = (sink + back.offset) & 0xffff;
      }
      return undefined;
    },
    wire: (n) => {
      for (let i = 0; i < n; i++) {
        value.offset = i;
        msg = schema.encode(value, header, msg);
        M.encodeMessage(msg, buffer);
        sink = (sink + schema.decode(M.decodeMessage(buffer, rcvOption), into).offset) & 0xffff;
      }
      return undefined;
    },
    encodeReuse: (n) => {
      for (let i = 0; i < n; i++) {
        value.offset = i;
        // length, not byteLength: on Node 20 byteLength is a ~9 ns generic load call,
        // which would be timed as part of the encode.
        msg = schema.encode(value, header, msg);
        sink = (sink + msg.body.length) & 0xffff;
      }
      return undefined;
    },
    encodeFresh: (n) => {
      for (let i = 0; i < n; i++) {
        value.offset = i;
        sink = (sink + schema.encode(value, header).body.length) & 0xffff;
      }
      return undefined;
    },
    decodeInto: (n) => {
      for (let i = 0; i < n; i++) sink = (sink + schema.decode(check.encoded, into).offset) & 0xffff;
      return undefined;
    },
    decodeFresh: (n) => {
      for (let i = 0; i < n; i++) sink = (sink + schema.decode(check.encoded).offset) & 0xffff;
      return undefined;
    },
    describe: {
      fields: 'op: int32, flags: uint32, offset: int32, name: cString(128), port: port(MACH_MSG_TYPE_MOVE_SEND)',
      message_size: schema.fixedSize,
      row: 'schema.encode(value, header, msg) + schema.decode(msg, into): one message and one value object reused',
    },
    sink: () => sink,
  };
}

/**
 * Heap bytes per encode and per decode for schemas of 1, 5, 10 and 20 int32 fields: if
 * a codec allocates per field, bytes per operation grow with the field count (beyond
 * the 4 body bytes each field adds). Run after the timings (these schemas make the
 * codec's call sites polymorphic).
 */
async function perFieldScan(ops) {
  const M = await loadMessage();
  const out = {};
  for (const k of [1, 5, 10, 20]) {
    const fields = {};
    const v = {};
    for (let i = 0; i < k; i++) {
      fields[`f${i}`] = M.int32;
      v[`f${i}`] = i * 1000;
    }
    const schema = M.defineMessage({ id: 1, fields });
    const header = { msgh_remote_port: 0x103 };
    const encoded = schema.encode(v, header);
    let sink = 0;
    const enc = (n) => {
      for (let i = 0; i < n; i++) {
        v.f0 = i;
        sink = (sink + schema.encode(v, header).body.byteLength) & 0xffff;
      }
    };
    const dec = (n) => {
      for (let i = 0; i < n; i++) sink = (sink + schema.decode(encoded).f0) & 0xffff;
    };
    // Warm up fully first, so the figures are of optimized code, not of compilation.
    enc(ops);
    dec(ops);
    enc(ops);
    dec(ops);
    out[`int32_x${k}`] = {
      body_bytes: encoded.body.byteLength,
      encode_bytes_per_op: Math.round(allocationPerOp(enc, ops).bytes_per_op),
      decode_bytes_per_op: Math.round(allocationPerOp(dec, ops).bytes_per_op),
    };
    if (sink === -1) console.error(sink);
  }
  return out;
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
  if (codec) {
    bodies.machport = { fn: codec.fn };
    bodies.fresh = { fn: codec.fresh };
    bodies.wire = { fn: codec.wire };
    bodies.encodeReuse = { fn: codec.encodeReuse };
    bodies.encodeFresh = { fn: codec.encodeFresh };
    bodies.decodeInto = { fn: codec.decodeInto };
    bodies.decodeFresh = { fn: codec.decodeFresh };
  }
  const r = await measureSideBySide(bodies, cfg);
  const ops = cfg.mode === 'tiny' ? 2_000 : 200_000;
  const heap = { baseline: allocationPerOp(base.fn, ops) };
  if (codec) {
    heap.machport = allocationPerOp(codec.fn, ops);
    heap.machport_fresh = allocationPerOp(codec.fresh, ops);
    heap.machport_encode_reuse = allocationPerOp(codec.encodeReuse, ops);
    heap.machport_encode_fresh = allocationPerOp(codec.encodeFresh, ops);
    heap.machport_decode_into = allocationPerOp(codec.decodeInto, ops);
    heap.machport_decode_fresh = allocationPerOp(codec.decodeFresh, ops);
    heap.machport_with_wire = allocationPerOp(codec.wire, ops);
  }
  const extra = { heap, object: SAMPLE };
  if (codec) {
    extra.heap_by_field_count = await perFieldScan(cfg.mode === 'tiny' ? 2_000 : 100_000);
    extra.codec = codec.describe;
    extra.fresh_ns = r.fresh.median;
    extra.fresh_ratio = r.baseline.median / r.fresh.median;
    extra.with_wire_ns = r.wire.median;
    extra.with_wire_ratio = r.baseline.median / r.wire.median;
    extra.encode_reuse_ns = r.encodeReuse.median;
    extra.encode_fresh_ns = r.encodeFresh.median;
    extra.decode_into_ns = r.decodeInto.median;
    extra.decode_fresh_ns = r.decodeFresh.median;
    const f = extra.heap_by_field_count;
    const ks = Object.keys(f);
    const b = (h) => Math.round(h.bytes_per_op);
    const ns = (x) => Math.round(x);
    extra.summary =
      `row = encode reusing one message + decode into one object; heap per op: that ${b(heap.machport)} B, JSON ${b(heap.baseline)} B; ` +
      `fresh message + fresh object ${ns(extra.fresh_ns)} ns (ratio ${extra.fresh_ratio.toFixed(2)}, ${b(heap.machport_fresh)} B); ` +
      `encode alone ${ns(extra.encode_reuse_ns)} ns reusing (${b(heap.machport_encode_reuse)} B) / ${ns(extra.encode_fresh_ns)} ns fresh (${b(heap.machport_encode_fresh)} B); ` +
      `decode alone ${ns(extra.decode_into_ns)} ns into (${b(heap.machport_decode_into)} B) / ${ns(extra.decode_fresh_ns)} ns fresh (${b(heap.machport_decode_fresh)} B); ` +
      `row + wire step ${ns(extra.with_wire_ns)} ns; ` +
      `fresh bytes/op for ${ks.map((k) => k.replace('int32_x', '')).join('/')} int32 fields: ` +
      `encode ${ks.map((k) => f[k].encode_bytes_per_op).join('/')}, decode ${ks.map((k) => f[k].decode_bytes_per_op).join('/')}`;
  } else {
    extra.summary = `heap per JSON round trip: ${Math.round(heap.baseline.bytes_per_op)} B`;
  }
  return [compareRow({ ...m, machport: r.machport, base: r.baseline, unmeasurable, extra })];
}

/** The machport body alone, for profiling (bench/profile.js). */
export const profileBodies = { 'codec-5field': () => codecBody() };
