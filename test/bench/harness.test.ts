/**
 * The benchmark harness in its tiny mode: the JSON shape, the --only filter, and that
 * every ratio is computed from the measured numbers (medians of the reported samples).
 * No timing thresholds: the numbers themselves are whatever this machine gives.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const runner = path.join(root, 'bench', 'run.js');

interface Spread {
  q1: number;
  q3: number;
  min: number;
  max: number;
  rel_iqr: number;
  n: number;
  cpu_median: number | null;
}

interface Row {
  name: string;
  kind: 'compare' | 'scale';
  machport_ns: number | null;
  baseline: string;
  baseline_ns: number | null;
  ratio: number | null;
  ratio_cpu: number | null;
  target: string;
  target_value: number;
  met: boolean | null;
  status: string;
  note?: string;
  spread: { machport: Spread | null; baseline: Spread | null };
  samples: { machport: number[] | null; baseline: number[] | null };
}

interface Report {
  machine: Record<string, unknown>;
  mode: string;
  results: Row[];
}

async function bench(...args: string[]): Promise<Report> {
  const { stdout } = await run(process.execPath, [runner, '--json', '--tiny', ...args], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Report;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  return (s[Math.floor(mid)] + s[Math.ceil(mid)]) / 2;
}

function closeTo(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

describe('bench harness (tiny mode)', () => {
  it('prints one JSON object with the machine and a row per requested benchmark', async () => {
    const report = await bench('--only', 'pingpong-64B,portset-scale');
    for (const key of ['cpu_model', 'cores', 'node', 'os', 'platform', 'arch']) {
      expect(report.machine).toHaveProperty(key);
    }
    expect(report.machine.node).toBe(process.version);
    expect(report.mode).toBe('tiny');
    expect(report.results.map((r) => r.name)).toEqual(['pingpong-64B', 'portset-scale']);
    for (const r of report.results) {
      for (const key of ['name', 'machport_ns', 'baseline', 'baseline_ns', 'ratio', 'target', 'met']) {
        expect(r).toHaveProperty(key);
      }
      expect(typeof r.baseline).toBe('string');
      expect(r.target).toMatch(/^(>=|<=) \d+(\.\d+)?$/);
    }
    expect(report.results[0].kind).toBe('compare');
    expect(report.results[1].kind).toBe('scale');
    // The MessageChannel baseline needs nothing from machport: it is always measured.
    expect(report.results[0].baseline_ns).toBeGreaterThan(0);
  }, 120_000);

  it('computes every median and ratio from the measured samples', async () => {
    const report = await bench('--only', 'pingpong-64B,portset-scale');
    for (const r of report.results) {
      if (r.baseline_ns != null) {
        expect(r.samples.baseline?.length).toBeGreaterThan(0);
        expect(closeTo(r.baseline_ns, median(r.samples.baseline!))).toBe(true);
        expect(r.spread.baseline!.min).toBeLessThanOrEqual(r.baseline_ns);
        expect(r.spread.baseline!.max).toBeGreaterThanOrEqual(r.baseline_ns);
      }
      if (r.machport_ns == null || r.baseline_ns == null) {
        // Not measurable here (e.g. dist/ not built): no ratio, no verdict, and a reason.
        expect(r.ratio).toBeNull();
        expect(r.met).toBeNull();
        expect(r.note).toBeTruthy();
        continue;
      }
      expect(r.status).toBe('measured');
      expect(closeTo(r.machport_ns, median(r.samples.machport!))).toBe(true);
      const mc = r.spread.machport!.cpu_median;
      const bc = r.spread.baseline!.cpu_median;
      if (r.kind === 'compare') {
        expect(closeTo(r.ratio!, r.baseline_ns / r.machport_ns)).toBe(true);
        expect(r.met).toBe(r.ratio! >= r.target_value);
        if (r.ratio_cpu !== null) expect(closeTo(r.ratio_cpu, bc! / mc!)).toBe(true);
      } else {
        expect(closeTo(r.ratio!, r.machport_ns / r.baseline_ns)).toBe(true);
        expect(r.met).toBe(r.ratio! <= r.target_value);
        if (r.ratio_cpu !== null) expect(closeTo(r.ratio_cpu, mc! / bc!)).toBe(true);
      }
    }
  }, 120_000);

  it('reports a platform-bound row as skipped with its reason instead of a number', async () => {
    const report = await bench('--only', 'native-overhead');
    const [row] = report.results;
    expect(row.name).toBe('native-overhead');
    if (process.platform !== 'darwin') {
      expect(row.status).toBe('skipped');
      expect(row.machport_ns).toBeNull();
      expect(row.ratio).toBeNull();
      expect(row.met).toBeNull();
      expect(row.note).toMatch(/macOS only/);
    }
  }, 60_000);

  it('lists every row and refuses an unknown --only name', async () => {
    const { stdout } = await run(process.execPath, [runner, '--list'], { cwd: root });
    expect(stdout.trim().split('\n')).toEqual([
      'pingpong-64B',
      'burst-64B',
      'ool-4KiB',
      'codec-5field',
      'portset-scale',
      'queue-scale',
      'names-scale',
      'names-scale-lsmp',
      'native-overhead',
      'kernel-host-rtt-64B',
      'kernel-host-embedded-rtt-64B',
    ]);
    await expect(run(process.execPath, [runner, '--json', '--tiny', '--only', 'no-such-row'], { cwd: root })).rejects.toThrow(
      /matched no benchmark/,
    );
  }, 60_000);
});
