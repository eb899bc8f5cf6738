#!/usr/bin/env node
/**
 * machport benchmark runner.
 *
 *   node bench/run.js                 every benchmark, a table on stdout
 *   node bench/run.js --json          one JSON object { machine, results } on stdout
 *   node bench/run.js --only a,b      only the rows (or cases) named
 *   node bench/run.js --quick         fewer, shorter samples
 *   node bench/run.js --tiny          shape only (tests): minimal samples and sizes
 *   node bench/run.js --markdown      the table as Markdown (for docs/PERFORMANCE.md)
 *   node bench/run.js --from FILE     print a saved --json report as a table (or --markdown)
 *   node bench/run.js --list          the row names
 *
 * Each case runs in its own child process (started with --expose-gc), so one case's
 * heap and JIT state cannot colour another's. Progress goes to stderr.
 * The machport side is measured from dist/ (`npm run bench` builds it first).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machineInfo } from './lib/machine.js';
import { modeConfig } from './lib/measure.js';
import { errorRow } from './lib/rows.js';
import { formatMarkdown, formatTable } from './lib/table.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The cases, in table order: file under bench/cases/ and the rows it produces. */
export const CASES = [
  { file: 'pingpong.js', rows: ['pingpong-64B'] },
  { file: 'burst.js', rows: ['burst-64B'] },
  { file: 'ool.js', rows: ['ool-4KiB'] },
  { file: 'codec.js', rows: ['codec-5field'] },
  { file: 'portset-scale.js', rows: ['portset-scale'] },
  { file: 'queue-scale.js', rows: ['queue-scale'] },
  { file: 'names-scale.js', rows: ['names-scale', 'names-scale-lsmp'] },
  { file: 'native-overhead.js', rows: ['native-overhead'] },
  { file: 'kernel-host.js', rows: ['kernel-host-rtt-64B'] },
  { file: 'kernel-host-embedded.js', rows: ['kernel-host-embedded-rtt-64B'] },
];

const RESULT_MARK = '@@bench-result@@';
/** A case that takes longer than this is stopped and reported as an error row. */
const CASE_TIMEOUT_MS = 240_000;

function parseArgs(argv) {
  const opts = { json: false, only: null, mode: 'full', list: false, child: null, fork: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') opts.json = true;
    else if (a === '--quick') opts.mode = 'quick';
    else if (a === '--tiny') opts.mode = 'tiny';
    else if (a === '--list') opts.list = true;
    else if (a === '--markdown') opts.markdown = true;
    else if (a === '--from') opts.from = argv[++i];
    else if (a === '--no-fork') opts.fork = false;
    else if (a === '--only') opts.only = (argv[++i] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    else if (a.startsWith('--only=')) opts.only = a.slice(7).split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--child') opts.child = argv[++i];
    else if (a === '--mode') opts.mode = argv[++i];
    else if (a === '--help' || a === '-h') opts.help = true;
    else throw new Error(`unknown argument: ${a}`);
  }
  return opts;
}

/** Runs one case in this process and returns its rows. */
async function runCaseHere(file, mode) {
  const mod = await import(pathToFileURL(path.join(here, 'cases', file)).href);
  const cfg = modeConfig(mode);
  try {
    return await mod.run(cfg);
  } catch (e) {
    return mod.meta.map((m) => errorRow({ ...m, error: e }));
  }
}

/** Runs one case in a child process; a crash becomes error rows. */
function runCaseForked(c, mode) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', path.join(here, 'run.js'), '--child', c.file, '--mode', mode],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CASE_TIMEOUT_MS);
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARK));
      if (line) {
        resolve(JSON.parse(line.slice(RESULT_MARK.length)));
      } else {
        const why = timedOut ? `did not finish within ${CASE_TIMEOUT_MS / 1000} s` : `exited (${signal ?? code}) without a result`;
        const err = new Error(`case ${c.file} ${why}; output: ${out.slice(-500)}`);
        resolve(c.rows.map((name) => errorRow({ name, error: err })));
      }
    });
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write('usage: node bench/run.js [--json] [--only NAME[,NAME]] [--quick] [--tiny] [--markdown] [--from FILE] [--list]\n');
    return;
  }
  if (opts.child) {
    const rows = await runCaseHere(opts.child, opts.mode);
    // Exit explicitly: a case that failed half-way may leave ports or promises behind.
    process.stdout.write(`${RESULT_MARK}${JSON.stringify(rows)}\n`, () => process.exit(0));
    return;
  }
  if (opts.from) {
    const saved = JSON.parse(fs.readFileSync(opts.from, 'utf8'));
    const text = opts.markdown
      ? formatMarkdown(saved.results, saved.machine, saved.mode)
      : `${formatTable(saved.results, saved.machine)}\n\n(${saved.mode} mode, ${Number(saved.elapsed_s).toFixed(1)} s)`;
    process.stdout.write(`${text}\n`);
    return;
  }
  if (opts.list) {
    for (const c of CASES) for (const r of c.rows) process.stdout.write(`${r}\n`);
    return;
  }
  const wanted = opts.only;
  const matches = (c) => !wanted || wanted.some((w) => c.rows.includes(w) || c.file === w || c.file === `${w}.js`);
  const selected = CASES.filter(matches);
  if (wanted && selected.length === 0) {
    throw new Error(`--only matched no benchmark; known: ${CASES.flatMap((c) => c.rows).join(', ')}`);
  }
  const machine = machineInfo();
  const results = [];
  const t0 = Date.now();
  for (const c of selected) {
    process.stderr.write(`bench: ${c.rows.join(', ')} …\n`);
    const rows = opts.fork ? await runCaseForked(c, opts.mode) : await runCaseHere(c.file, opts.mode);
    for (const r of rows) {
      // A case's rows are all kept unless --only named individual rows of it.
      const named = wanted && wanted.some((w) => c.rows.includes(w));
      if (!named || wanted.includes(r.name)) results.push(r);
    }
  }
  const elapsed_s = (Date.now() - t0) / 1000;
  machine.loadavg_1m_at_end = Number(os.loadavg()[0].toFixed(2));
  let text;
  if (opts.json) text = JSON.stringify({ machine, mode: opts.mode, elapsed_s, results }, null, 2);
  else if (opts.markdown) text = formatMarkdown(results, machine, opts.mode);
  else text = `${formatTable(results, machine)}\n\n(${opts.mode} mode, ${elapsed_s.toFixed(1)} s)`;
  // With --no-fork, a case may leave ports or timers behind: exit once the report is out.
  process.stdout.write(`${text}\n`, () => process.exit(0));
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 1;
});
