/**
 * How many cases each fuzz property runs. `npm test` uses the fixed counts below
 * (22,000 cases in total). The long mode (`npm run fuzz -- --runs N`, see
 * scripts/fuzz.js) sets FUZZ_RUNS=N and every property takes its share of N, so the
 * same properties run N cases in total. FUZZ_SEED fixes fast-check's seed; FUZZ_ONLY
 * (comma-separated names) runs only those properties; FUZZ_REPORT names a file each
 * property appends one JSON line to ({ name, runs, failed, seed }). FUZZ_STATS=1 prints
 * how often each outcome (error code) occurred.
 */
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';

/** Every fuzz property: its cases under `npm test` and its share of a long run. */
export const PROPERTIES = {
  // (a) bytes into the decoders, and decoded buffers into the emulated kernel
  'decode.sendBuffer': { runs: 3000, share: 0.1 },
  'decode.receiveBuffer': { runs: 3000, share: 0.1 },
  'decode.schema': { runs: 1000, share: 0.04 },
  'decode.structured': { runs: 3000, share: 0.1 },
  'decode.intoKernel': { runs: 2000, share: 0.1 },
  // (b) random messages, options, timeouts and receive sizes into mach_msg between tasks
  'msg.random': { runs: 3500, share: 0.24 },
  // (c) random right operations
  'rights.random': { runs: 3500, share: 0.16 },
  // names of one task used by another
  'isolation.foreignNames': { runs: 1500, share: 0.1 },
  // hostile MIG requests to the host, task, launchd and notifyd servers
  'kobject.random': { runs: 1500, share: 0.06 },
} as const satisfies Record<string, { runs: number; share: number }>;

export type PropertyName = keyof typeof PROPERTIES;

function envInt(name: string, min: number): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${v}`);
  return n;
}

/** FUZZ_RUNS, when the long mode is on. */
export const LONG_RUNS = envInt('FUZZ_RUNS', 0);
/** FUZZ_SEED: fast-check's seed (any 32-bit integer, as its failure reports print them). */
const SEED = envInt('FUZZ_SEED', -0x80000000);

/** N split by share, largest remainder first, so the counts add up to exactly N. */
function split(total: number): Record<PropertyName, number> {
  const names = Object.keys(PROPERTIES) as PropertyName[];
  const shareSum = names.reduce((s, n) => s + PROPERTIES[n].share, 0);
  const exact = names.map((n) => (total * PROPERTIES[n].share) / shareSum);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((s, c) => s + c, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    counts[i]!++;
  }
  return Object.fromEntries(names.map((n, i) => [n, counts[i]!])) as Record<PropertyName, number>;
}

const longCounts = LONG_RUNS !== undefined ? split(LONG_RUNS) : undefined;
/** FUZZ_ONLY: a comma-separated list of the properties to run (the others run 0 cases). */
const ONLY = process.env.FUZZ_ONLY ? new Set(process.env.FUZZ_ONLY.split(',').map((s) => s.trim())) : null;

/** The number of cases `name` runs in this mode. */
export function runsFor(name: PropertyName): number {
  if (ONLY !== null && !ONLY.has(name)) return 0;
  return longCounts !== undefined ? longCounts[name] : PROPERTIES[name].runs;
}

/** With FUZZ_STATS set, how often each outcome occurred in a property (printed after it). */
const stats = process.env.FUZZ_STATS ? new Map<string, number>() : null;

/** Count an outcome (only with FUZZ_STATS). */
export function stat(what: string): void {
  if (stats !== null) stats.set(what, (stats.get(what) ?? 0) + 1);
}

/** A vitest timeout for a property: a guard against hangs, lifted in the long mode. */
export function timeoutFor(): number {
  return longCounts !== undefined ? 7 * 24 * 3600 * 1000 : 120_000;
}

/**
 * Check `property` with its run count (and FUZZ_SEED), report the count, and throw
 * fast-check's report (seed, path and the shrunk counterexample) when a case fails.
 */
export async function fuzz<Ts extends [unknown, ...unknown[]]>(
  name: PropertyName,
  property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts> | fc.IRawProperty<Ts, boolean>,
  extra: Partial<fc.Parameters<Ts>> = {},
): Promise<void> {
  const numRuns = runsFor(name);
  if (numRuns === 0) return;
  const params: fc.Parameters<Ts> = { numRuns, ...extra };
  if (SEED !== undefined) params.seed = SEED;
  const details = await fc.check(property as fc.IRawProperty<Ts, boolean>, params);
  if (stats !== null) {
    const rows = [...stats].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${String(v).padStart(8)}  ${k}`);
    console.log(`${name} outcomes:\n${rows.join('\n')}`);
    stats.clear();
  }
  const report = process.env.FUZZ_REPORT;
  if (report) {
    appendFileSync(report, `${JSON.stringify({ name, runs: details.numRuns, failed: details.failed, seed: details.seed })}\n`);
  }
  if (details.failed) {
    const cause = details.errorInstance;
    const why = cause instanceof Error ? `${cause.name}: ${cause.message}\n${cause.stack ?? ''}` : String(cause);
    throw new Error(`${name}: ${fc.defaultReportMessage(details)}\nFailure: ${why}`);
  }
}
