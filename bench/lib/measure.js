/**
 * Timing helpers. A benchmark body is `fn(n)`: it performs n operations (sync or async)
 * and may return the nanoseconds it measured itself (to leave setup out); otherwise the
 * helper times the whole call. Every sample is reduced to nanoseconds per operation.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { Unavailable } from './machport.js';
import { summarize } from './stats.js';

const now = () => process.hrtime.bigint();

/** Sample sizes per mode: full (default), --quick, and --tiny (tests: shape only). */
export function modeConfig(mode) {
  switch (mode) {
    case 'tiny':
      return { mode, sampleMs: 4, samples: 3, warmups: 0 };
    case 'quick':
      return { mode, sampleMs: 60, samples: 5, warmups: 1 };
    default:
      return { mode: 'full', sampleMs: 150, samples: 9, warmups: 2 };
  }
}

/** Runs fn(n) once and returns the nanoseconds it took (or that it reported). */
export async function timeOnce(fn, n) {
  return (await timeAndCpu(fn, n)).ns;
}

/**
 * Runs fn(n) once: wall-clock ns (or what fn reported), and the CPU time this process
 * used meanwhile (user + system, ns; null when fn reported its own time, since that
 * covers only part of the call). On a machine shared with other work, CPU time close to
 * wall time says the sample was not starved.
 */
export async function timeAndCpu(fn, n) {
  const c0 = process.cpuUsage();
  const t0 = now();
  let r = fn(n);
  if (r && typeof r.then === 'function') r = await r;
  const t1 = now();
  const c = process.cpuUsage(c0);
  const own = typeof r === 'number';
  return { ns: own ? r : Number(t1 - t0), cpu: own ? null : (c.user + c.system) * 1000 };
}

/**
 * Warms fn up and finds n so that fn(n) takes about sampleMs. Code run cold is slow for
 * a while (interpreted, then optimized): the emulator's first thousand round trips cost
 * up to a hundred times the warm ones, and it takes tens of thousands of operations to
 * settle. So calls keep going, n growing, for at least warmMs; then n is re-estimated
 * from full-size calls until two estimates agree within 25% (or maxWarmMs is spent).
 * `max` caps n (for bodies whose operations are expensive).
 */
export async function calibrate(fn, sampleMs, { start = 1, max = 1e9, warmMs = Math.max(3 * sampleMs, 30), maxWarmMs = 8 * sampleMs + 500 } = {}) {
  const want = sampleMs * 1e6;
  let n = start;
  let spent = 0;
  // Warm up: grow n until calls last sampleMs / 4 and warmMs has gone by.
  for (;;) {
    const ns = await timeOnce(fn, n);
    spent += ns;
    if (n >= max) return max;
    if (ns >= want / 4 && spent >= warmMs * 1e6) break;
    if (ns < want / 4) n = Math.min(max, ns < want / 100 ? n * 10 : n * 3);
  }
  // Settle: full-size calls until the per-operation estimate stops moving.
  let prev = Infinity;
  for (;;) {
    const ns = await timeOnce(fn, n);
    spent += ns;
    const perOp = ns / n;
    n = Math.max(1, Math.min(max, Math.ceil(want / Math.max(perOp, 1e-3))));
    if (Math.abs(perOp - prev) <= 0.25 * Math.min(perOp, prev) || spent >= maxWarmMs * 1e6) return n;
    prev = perOp;
  }
}

/**
 * Measures several bodies side by side: calibrates each, runs warm-up rounds, then takes
 * samples round-robin (a, b, a, b, …) so drift in machine load hits all of them alike.
 * Returns, per key, { n, perCall, samples (ns/op), ...summary }.
 * `bodies` maps a key to { fn, perCall = 1, max }.
 */
export async function measureSideBySide(bodies, cfg) {
  const keys = Object.keys(bodies);
  const ns = {};
  for (const k of keys) {
    const b = bodies[k];
    ns[k] = b.n ?? (await calibrate(b.fn, cfg.sampleMs, { max: b.max ?? 1e9 }));
  }
  for (let w = 0; w < cfg.warmups; w++) {
    for (const k of keys) await timeOnce(bodies[k].fn, ns[k]);
  }
  const samples = Object.fromEntries(keys.map((k) => [k, []]));
  const cpu = Object.fromEntries(keys.map((k) => [k, []]));
  for (let s = 0; s < cfg.samples; s++) {
    for (const k of keys) {
      const ops = ns[k] * (bodies[k].perCall ?? 1);
      const t = await timeAndCpu(bodies[k].fn, ns[k]);
      samples[k].push(t.ns / ops);
      if (t.cpu != null) cpu[k].push(t.cpu / ops);
    }
  }
  const out = {};
  for (const k of keys) {
    out[k] = {
      n: ns[k],
      perCall: bodies[k].perCall ?? 1,
      samples: samples[k],
      ...summarize(samples[k]),
      cpu_median: cpu[k].length ? summarize(cpu[k]).median : null,
    };
  }
  return out;
}

let gcFn;
/** global.gc, exposed at run time if the process was not started with --expose-gc. */
export function getGc() {
  if (gcFn) return gcFn;
  if (typeof globalThis.gc === 'function') {
    gcFn = globalThis.gc;
  } else {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc');
  }
  return gcFn;
}

/**
 * Heap bytes allocated per operation by a synchronous body, over n operations.
 * Allocation = (used heap after − used heap before) + what every GC during the loop
 * freed (from v8.GCProfiler), so young-generation scavenges do not hide it.
 * Also reports the raw process.memoryUsage().heapUsed delta and the GC count.
 */
export function allocationPerOp(fn, n) {
  const gc = getGc();
  gc();
  gc();
  const profiler = new v8.GCProfiler();
  const mu0 = process.memoryUsage().heapUsed;
  profiler.start();
  const h0 = v8.getHeapStatistics().used_heap_size;
  fn(n);
  const h1 = v8.getHeapStatistics().used_heap_size;
  const data = profiler.stop();
  const mu1 = process.memoryUsage().heapUsed;
  let freed = 0;
  let scavenges = 0;
  let fullGcs = 0;
  for (const st of data.statistics) {
    freed += st.beforeGC.heapStatistics.usedHeapSize - st.afterGC.heapStatistics.usedHeapSize;
    if (st.gcType === 'Scavenge' || st.gcType === 'MinorMarkSweep' || st.gcType === 'MinorMarkCompact') scavenges++;
    else fullGcs++;
  }
  const allocated = h1 - h0 + freed;
  return {
    ops: n,
    bytes_per_op: allocated / n,
    heap_used_delta: mu1 - mu0,
    scavenges,
    full_gcs: fullGcs,
  };
}

/**
 * Measure a machport body against its baseline, side by side. `openMachport()` gives the
 * machport side `{ fn, close }`, or throws Unavailable, in which case the result carries
 * the reason as `unmeasurable` and only the baseline is timed. `sample` adds per-body
 * options (perCall, max). Both sides are closed whatever happens.
 * Returns `{ machport, baseline, unmeasurable }`.
 */
export async function measureAgainstBaseline(base, openMachport, cfg, sample = {}) {
  let emu = null;
  let unmeasurable;
  try {
    try {
      emu = await openMachport();
    } catch (e) {
      if (!(e instanceof Unavailable)) throw e;
      unmeasurable = e.message;
    }
    const bodies = { baseline: { fn: base.fn, ...sample } };
    if (emu) bodies.machport = { fn: emu.fn, ...sample };
    const r = await measureSideBySide(bodies, cfg);
    return { machport: r.machport, baseline: r.baseline, unmeasurable };
  } finally {
    base.close();
    if (emu) await emu.close?.();
  }
}
