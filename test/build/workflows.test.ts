/**
 * The GitHub Actions workflows, read as data: the jobs, runners, Node versions and steps
 * that the native backend's claims rest on (docs/NATIVE.md says what each proves).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..', '..');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  name?: string;
  'runs-on': string;
  strategy?: { matrix: { node?: number[]; include?: Array<Record<string, unknown>> } };
  steps: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

function load(file: string): Workflow {
  return parse(readFileSync(join(root, '.github', 'workflows', file), 'utf8')) as Workflow;
}

const runs = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');
const uses = (job: Job) => job.steps.map((s) => s.uses ?? '').filter(Boolean);

describe('ci.yml', () => {
  const wf = load('ci.yml');

  it('runs on pushes and pull requests with read-only permissions', () => {
    expect(Object.keys(wf.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    expect(wf.permissions).toEqual({ contents: 'read' });
    expect(Object.keys(wf.jobs)).toEqual(['linux', 'macos', 'asan']);
  });

  it('linux: ubuntu-latest, Node 20 and 22, npm ci + npm test (with build:darwin), zig cache, gyp cross-check', () => {
    const job = wf.jobs.linux!;
    expect(job['runs-on']).toBe('ubuntu-latest');
    expect(job.strategy!.matrix.node).toEqual([20, 22]);
    expect(uses(job)).toEqual(expect.arrayContaining(['actions/checkout@v4', 'actions/setup-node@v4', 'actions/cache@v4']));
    const cache = job.steps.find((s) => s.uses === 'actions/cache@v4')!;
    expect(String(cache.with!.path)).toContain('.cache/machport-darwin-xtools');
    expect(runs(job)).toMatch(/^npm ci$/m);
    expect(runs(job)).toMatch(/^npm test$/m);
    expect(runs(job)).toContain('scripts/darwin-gyp-check.sh');
    // npm test is the README's command and includes the Darwin cross-build.
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.scripts.test).toContain('npm run build:darwin');
  });

  it('macos: macos-15 (arm64) and macos-15-intel (x64) on Node 20 and 22; node-gyp build; whole suite on both backends', () => {
    const job = wf.jobs.macos!;
    expect(job['runs-on']).toBe('${{ matrix.os }}');
    const include = job.strategy!.matrix.include!;
    const combos = include.map((c) => `${c.os}/${c.arch}/${c.node}`).sort();
    expect(combos).toEqual(['macos-15-intel/x64/20', 'macos-15-intel/x64/22', 'macos-15/arm64/20', 'macos-15/arm64/22']);
    expect(runs(job)).toMatch(/^npm ci$/m);
    expect(runs(job)).toContain('npx node-gyp rebuild');
    const native = job.steps.find((s) => s.env?.MACHPORT_BACKEND === 'native' && s.run === 'npm test');
    const emulator = job.steps.find((s) => s.env?.MACHPORT_BACKEND === 'emulator' && /vitest run/.test(s.run ?? ''));
    expect(native, 'the whole suite on the native backend').toBeDefined();
    expect(emulator, 'the whole suite on the emulator').toBeDefined();
    expect(runs(job)).toContain('MACHPORT_BACKEND=native npx vitest run test/conformance');
    expect(runs(job)).toContain('MACHPORT_BACKEND=emulator npx vitest run test/conformance');
    // native-overhead is measurable only on a Mac: the job runs the bench and keeps its report.
    expect(runs(job)).toContain('node bench/run.js --quick --json > bench-report.json');
    const report = job.steps.find((s) => s.uses === 'actions/upload-artifact@v4');
    expect(report?.with?.path).toBe('bench-report.json');
  });

  it('asan: the addon built with -fsanitize=address and the native tests run under it', () => {
    const job = wf.jobs.asan!;
    expect(job['runs-on']).toMatch(/^macos-/);
    const text = runs(job);
    expect(text).toContain('-fsanitize=address');
    expect(text).toMatch(/CXXFLAGS=.*-fsanitize=address/);
    expect(text).toMatch(/LDFLAGS=.*-fsanitize=address/);
    expect(text).toContain('npx node-gyp rebuild');
    expect(text).toContain('npx vitest run test/native');
    expect(text).toContain('DYLD_INSERT_LIBRARIES');
  });
});

describe('prebuild.yml', () => {
  const wf = load('prebuild.yml');

  it('runs on tags and by hand, may write releases', () => {
    expect(Object.keys(wf.on).sort()).toEqual(['push', 'workflow_dispatch']);
    expect((wf.on.push as { tags: string[] }).tags).toEqual(['v*']);
    expect(wf.permissions).toEqual({ contents: 'write' });
  });

  it('builds ONE universal darwin binary with prebuildify, checks both slices, uploads and releases it', () => {
    const jobs = Object.values(wf.jobs);
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    expect(job['runs-on']).toMatch(/^macos-/);
    const text = runs(job);
    expect(text).toContain('npx prebuildify --napi --strip --arch arm64+x64');
    expect(text).toMatch(/file "\$f" \| grep -q 'x86_64'/);
    expect(text).toMatch(/file "\$f" \| grep -q 'arm64'/);
    expect(text).toContain('scripts/check-macho.js --arch universal');
    const upload = job.steps.find((s) => s.uses === 'actions/upload-artifact@v4');
    expect(upload?.with?.path).toBe('prebuilds/');
    const release = job.steps.find((s) => s.uses === 'softprops/action-gh-release@v2');
    expect(release?.if).toBe("startsWith(github.ref, 'refs/tags/')");
    expect(release?.with?.files).toBeTruthy();
  });
});
