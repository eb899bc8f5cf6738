#!/usr/bin/env node
// The long fuzz mode: `npm run fuzz -- --runs N [--seed S] [--only a,b]`.
//
// Runs the same fast-check properties as `npm test` (test/fuzz/*.test.ts: decoders,
// mach_msg with random messages, random right operations, isolation between tasks), with
// N cases in total split across them by the shares in test/fuzz/config.ts. It invokes
// vitest on test/fuzz with FUZZ_RUNS=N (and FUZZ_SEED, FUZZ_ONLY), collects the count
// each property reports, and prints the counts and the result. Exit status 0 when every
// property passed, 1 otherwise.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function usage(message) {
  if (message) console.error(`fuzz: ${message}`);
  console.error('usage: npm run fuzz -- --runs N [--seed S] [--only name,name]');
  process.exit(2);
}

const args = process.argv.slice(2);
let runs = 100_000;
let seed;
let only;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const value = () => {
    const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
    if (v === undefined) usage(`${a} needs a value`);
    return v;
  };
  if (a === '--runs' || a.startsWith('--runs=')) runs = Number(value());
  else if (a === '--seed' || a.startsWith('--seed=')) seed = Number(value());
  else if (a === '--only' || a.startsWith('--only=')) only = value();
  else if (a === '--help' || a === '-h') usage();
  else usage(`unknown argument ${a}`);
}
if (!Number.isSafeInteger(runs) || runs < 1) usage('--runs must be a positive integer');
if (seed !== undefined && !Number.isSafeInteger(seed)) usage('--seed must be an integer');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
const dir = mkdtempSync(join(tmpdir(), 'machport-fuzz-'));
const report = join(dir, 'report.jsonl');

const env = { ...process.env, FUZZ_RUNS: String(runs), FUZZ_REPORT: report };
if (seed !== undefined) env.FUZZ_SEED = String(seed);
if (only !== undefined) env.FUZZ_ONLY = only;

console.log(`fuzz: ${runs} cases across the properties in test/fuzz${seed !== undefined ? `, seed ${seed}` : ''}${only ? `, only ${only}` : ''}`);
const started = Date.now();
const child = spawn(process.execPath, [vitest, 'run', 'test/fuzz', '--reporter=default'], { cwd: root, env, stdio: 'inherit' });
child.on('exit', (code, signal) => {
  let rows = [];
  try {
    rows = readFileSync(report, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    // no property finished
  }
  rmSync(dir, { recursive: true, force: true });
  const total = rows.reduce((s, r) => s + r.runs, 0);
  const failed = rows.filter((r) => r.failed);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log('\nfuzz results:');
  for (const r of rows) console.log(`  ${r.name.padEnd(26)} ${String(r.runs).padStart(9)} cases  ${r.failed ? `FAILED (seed ${r.seed})` : 'passed'}`);
  console.log(`  ${'total'.padEnd(26)} ${String(total).padStart(9)} cases in ${seconds} s`);
  const ok = code === 0 && failed.length === 0 && total > 0;
  console.log(ok ? `fuzz: PASS, ${total} cases` : `fuzz: FAIL (vitest exit ${signal ?? code}, ${failed.length} properties failed, ${total} cases run)`);
  process.exit(ok ? 0 : 1);
});
