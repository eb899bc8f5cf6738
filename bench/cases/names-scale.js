/**
 * names-scale: per-name cost of listing a task's names at 100,000 names vs 1,000.
 *
 * Two tasks, each in its own Kernel (lsmp resolves peers across every task of a kernel,
 * so a shared kernel would make the small inspection read the large task too): one
 * holding 1,000 names, one holding 100,000 (receive rights allocated until
 * mach_port_names reports that many, counting the names every task starts with). Rows:
 *   names-scale       mach_port_names(task): ns per call / names returned.
 *   names-scale-lsmp  the lsmp inspection (inspectTask(task), peers resolved as lsmp
 *                     does: the space read into the inspection's PortTable, from which
 *                     lsmp prints row by row) of the same tasks: ns per call / names in
 *                     the task. Reading `ports` too (every record built at once) is timed
 *                     alongside and reported in the row's note. Reported as not measurable while no module in
 *                     dist/ exports inspectTask.
 * ratio = per-name cost at 100,000 / per-name cost at 1,000.
 */
import { measureSideBySide } from '../lib/measure.js';
import { loadEmulator, loadInspectTask, Unavailable } from '../lib/machport.js';
import { scaleRow } from '../lib/rows.js';

export const meta = [
  { name: 'names-scale', kind: 'scale', baseline: 'mach_port_names at 1,000 names', target: 1.5 },
  { name: 'names-scale-lsmp', kind: 'scale', baseline: 'inspectTask at 1,000 names', target: 1.5 },
];

function fillTask(t, C, want) {
  const self = t.mach_task_self();
  let have = t.mach_port_names(self).names.length;
  while (have < want) {
    t.mach_port_allocate(self, C.MACH_PORT_RIGHT_RECEIVE);
    have++;
  }
  const count = t.mach_port_names(self).names.length;
  if (count !== want) throw new Error(`task holds ${count} names, wanted ${want}`);
  return count;
}

/** inspectTask(task) as a thunk, after checking once that it lists every name of the task. */
function inspector(inspectTask, task, names) {
  let r;
  try {
    r = inspectTask(task);
  } catch (e) {
    throw new Unavailable(`lsmp inspection: inspectTask(task) failed on this build: ${e && e.message ? e.message : e}`);
  }
  const listed = r && r.table ? r.table.length : r && Array.isArray(r.ports) ? r.ports.length : -1;
  if (listed !== names) throw new Error(`inspectTask listed ${listed} names of a task holding ${names}`);
  return () => inspectTask(task);
}

/**
 * One size: a fresh Kernel and task holding `count` names; measures mach_port_names and
 * (when available) inspectTask on it. Each size is measured on its own, the small one
 * before the large one exists: with both alive, every major GC during the small
 * measurement would also walk the large task's 100,000 ports and bill them to the small
 * size.
 */
async function measureSize(count, cfg, lsmp, C, Kernel) {
  const kernel = new Kernel();
  const task = kernel.createTask({ name: `names-${count}` });
  fillTask(task, C, count);
  const self = task.mach_task_self();
  let sink = 0;
  const max = count >= 50_000 ? 200 : 1e9;
  const bodies = {
    names: { fn: (n) => { for (let i = 0; i < n; i++) sink += task.mach_port_names(self).names.length; }, perCall: count, max },
  };
  let lsmpError;
  if (lsmp.inspectTask) {
    try {
      const inspect = inspector(lsmp.inspectTask, task, count);
      // The inspection as lsmp consumes it: the space read into its table (records are
      // built row by row as they are printed). Reading `ports` as well, which builds every
      // record at once and keeps them, is timed as lsmpRecords and reported in the note.
      bodies.lsmp = { fn: (n) => { for (let i = 0; i < n; i++) sink += inspect().summary.total; }, perCall: count, max: Math.min(max, 50) };
      bodies.lsmpRecords = { fn: (n) => { for (let i = 0; i < n; i++) sink += inspect().ports.length; }, perCall: count, max: Math.min(max, 50) };
    } catch (e) {
      if (!(e instanceof Unavailable)) throw e;
      lsmpError = e.message;
    }
  }
  // Each body on its own, mach_port_names first: alternating their samples would bill the
  // inspection's garbage (tens of MB per call at 100,000 names, collected by major GCs)
  // to mach_port_names' samples. The ratio compares sizes, each measured in turn anyway.
  const r = {};
  for (const [key, body] of Object.entries(bodies)) {
    Object.assign(r, await measureSideBySide({ [key]: body }, cfg));
    globalThis.gc?.();
  }
  const faults = {};
  for (const [key, body] of Object.entries(bodies)) faults[key] = faultsPerCall(body.fn);
  if (sink === -1) console.error(sink);
  return { names: r.names, lsmp: r.lsmp ?? null, lsmpRecords: r.lsmpRecords ?? null, lsmpError, faults };
}

/**
 * Minor page faults per call of `fn` (first touches of fresh memory), over a few calls
 * after the measurement: the cost that separates the sizes on a machine where a fault is
 * expensive (see docs/PERFORMANCE.md).
 */
function faultsPerCall(fn) {
  const calls = 4;
  const before = process.resourceUsage().minorPageFault;
  fn(calls);
  return Math.round((process.resourceUsage().minorPageFault - before) / calls);
}

function faultNote(small, large, a, b) {
  return `minor page faults per call: ${a} at ${small.toLocaleString('en-US')} names, ${b} at ${large.toLocaleString('en-US')}`;
}

/**
 * What one first touch of a fresh page costs in this process: a 32 MiB ArrayBuffer
 * (calloc'd, so mapped but untouched) written one byte per 4 KiB page, timed, divided by
 * the minor faults the writes took. Median of five. On a VM whose host backs guest memory
 * lazily this reads 10–20 µs, on bare metal well under 1 µs: it is the machine's price,
 * and the large size pays it hundreds of times per call where the small one reuses the
 * young generation's pages.
 */
function faultCostNs() {
  const samples = [];
  for (let r = 0; r < 5; r++) {
    const bytes = new Uint8Array(32 << 20);
    const f0 = process.resourceUsage().minorPageFault;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = 1;
    const ns = Number(process.hrtime.bigint() - t0);
    const faults = process.resourceUsage().minorPageFault - f0;
    if (faults > 0) samples.push(ns / faults);
  }
  if (samples.length === 0) return null;
  samples.sort((x, y) => x - y);
  return samples[samples.length >> 1];
}

/**
 * The large size's extra page faults priced at this machine's cost per fault: evidence of
 * what limits the row, reported beside it (the row's ratio is the measured one). An
 * estimate: a fault inside V8's allocations need not cost what the bulk touch loop's do,
 * so the share is capped at the whole and no "ratio without faults" is derived from it.
 */
function faultShare(small, large, largeNs, smallFaults, largeFaults, perFault) {
  if (perFault === null || !largeNs) return { note: '', extra: {} };
  const faultNsPerName = Math.max(0, largeFaults / large - smallFaults / small) * perFault;
  const share = Math.min(1, faultNsPerName / largeNs);
  return {
    note: `; a first-touch fault costs ~${fmtNs(perFault)} here (a 32 MiB touch loop), so the extra faults come to ~${fmtNs(faultNsPerName)} per name at ${large.toLocaleString('en-US')} names, ~${Math.round(share * 100)}% of its ${fmtNs(largeNs)}`,
    extra: { fault_ns: Math.round(perFault), fault_ns_per_name: Number(faultNsPerName.toFixed(2)), fault_share: Number(share.toFixed(3)) },
  };
}

export async function run(cfg) {
  const [mNames, mLsmp] = meta;
  const small = cfg.mode === 'tiny' ? 100 : 1_000;
  const large = cfg.mode === 'tiny' ? 2_000 : 100_000;
  let emu;
  try {
    emu = await loadEmulator();
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
    return [scaleRow({ ...mNames, unmeasurable: e.message }), scaleRow({ ...mLsmp, unmeasurable: e.message })];
  }
  const lsmp = {};
  try {
    Object.assign(lsmp, await loadInspectTask());
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
    lsmp.error = e.message;
  }
  const a = await measureSize(small, cfg, lsmp, emu.C, emu.Kernel);
  globalThis.gc?.();
  // Half the large size as well (not in tiny mode): 1,000 names fit V8's young generation
  // and 100,000 do not, so large/small also prices that change of regime; half/large
  // compares two sizes in the same regime and shows whether the time grows linearly.
  let h;
  if (cfg.mode !== 'tiny') {
    h = await measureSize(large / 2, cfg, lsmp, emu.C, emu.Kernel);
    globalThis.gc?.();
  }
  const b = await measureSize(large, cfg, lsmp, emu.C, emu.Kernel);
  const perFault = faultCostNs();
  const share = (key) => faultShare(small, large, b[key]?.median, a.faults[key], b.faults[key], perFault);
  const extra = { small_names: small, half_names: h ? large / 2 : null, large_names: large, order: 'small size measured first, then half the large one, then the large one' };
  const growth = (key) => (h && h[key] && b[key] ? growthNote(large, h[key].median, b[key].median) : '');
  const namesShare = share('names');
  const rows = [
    scaleRow({
      ...mNames,
      small: a.names,
      large: b.names,
      extra: { ...extra, half_ns: h?.names?.median ?? null, ...namesShare.extra },
      note: faultNote(small, large, a.faults.names, b.faults.names) + growth('names') + namesShare.note,
    }),
  ];
  const lsmpError = lsmp.error ?? a.lsmpError ?? b.lsmpError;
  if (lsmpError) rows.push(scaleRow({ ...mLsmp, unmeasurable: lsmpError }));
  else {
    const lsmpShare = share('lsmp');
    const rec = a.lsmpRecords && b.lsmpRecords ? { small: a.lsmpRecords.median, large: b.lsmpRecords.median } : null;
    const recordsNote = rec
      ? `; reading every record as well (inspectTask(task).ports, all built at once and kept): ${fmtNs(rec.small)} per name at ${small.toLocaleString('en-US')} names, ${fmtNs(rec.large)} at ${large.toLocaleString('en-US')} (ratio ${(rec.large / rec.small).toFixed(2)}; ${a.faults.lsmpRecords} and ${b.faults.lsmpRecords} page faults per call)`
      : '';
    const note = faultNote(small, large, a.faults.lsmp, b.faults.lsmp) + growth('lsmp') + lsmpShare.note + recordsNote;
    rows.push(
      scaleRow({
        ...mLsmp,
        small: a.lsmp,
        large: b.lsmp,
        extra: { ...extra, half_ns: h?.lsmp?.median ?? null, module: lsmp.module, records_small_ns: rec?.small ?? null, records_large_ns: rec?.large ?? null, ...lsmpShare.extra },
        note,
      }),
    );
  }
  return rows;
}

/** Per-name cost at half the large size and at the large size: is the growth linear? */
function growthNote(large, halfNs, largeNs) {
  const ratio = largeNs / halfNs;
  return `; per name ${fmtNs(halfNs)} at ${(large / 2).toLocaleString('en-US')} names and ${fmtNs(largeNs)} at ${large.toLocaleString('en-US')} (${ratio.toFixed(2)}× per name for twice the names)`;
}

function fmtNs(ns) {
  return ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(1)} ns`;
}

/** A task of `count` names and the call to profile on it. */
async function namesBody(count, which) {
  const { Kernel, C } = await loadEmulator();
  const task = new Kernel().createTask({ name: `names-${count}` });
  fillTask(task, C, count);
  const self = task.mach_task_self();
  if (which === 'names') return { fn: (n) => { for (let i = 0; i < n; i++) task.mach_port_names(self); } };
  const { inspectTask } = await loadInspectTask();
  return { fn: (n) => { for (let i = 0; i < n; i++) inspectTask(task); } };
}

/** The machport bodies alone, for profiling (bench/profile.js). */
export const profileBodies = {
  'names-scale': () => namesBody(100_000, 'names'),
  'names-scale:1000': () => namesBody(1_000, 'names'),
  'names-scale-lsmp': () => namesBody(100_000, 'lsmp'),
  'names-scale-lsmp:1000': () => namesBody(1_000, 'lsmp'),
};
