#!/usr/bin/env node
// The full load run: `node scripts/load.js [--tasks 100] [--messages 10000]`.
//
// 100 emulated tasks each send 10,000 requests carrying rights (a send right in a port
// descriptor and a send-once reply right) through one launchd-registered service, which
// checks per-sender order and answers every request; at the end every right is
// accounted for (test/faults/load.ts). `npm test` runs the same scenario at 100 × 500
// (test/faults/load.test.ts); this script runs it through vitest with LOAD_TASKS /
// LOAD_MESSAGES and prints the numbers. Exit status 0 when the run passed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
let tasks = 100;
let messages = 10_000;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const value = () => Number(a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i]);
  if (a === '--tasks' || a.startsWith('--tasks=')) tasks = value();
  else if (a === '--messages' || a.startsWith('--messages=')) messages = value();
  else {
    console.error(`load: unknown argument ${a}\nusage: node scripts/load.js [--tasks N] [--messages M]`);
    process.exit(2);
  }
}
for (const [name, v] of [['tasks', tasks], ['messages', messages]]) {
  if (!Number.isSafeInteger(v) || v < 1) {
    console.error(`load: --${name} must be a positive integer`);
    process.exit(2);
  }
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
const dir = mkdtempSync(join(tmpdir(), 'machport-load-'));
const report = join(dir, 'report.json');
const env = { ...process.env, LOAD_TASKS: String(tasks), LOAD_MESSAGES: String(messages), LOAD_REPORT: report };

console.log(`load: ${tasks} tasks × ${messages} messages with rights through one service`);
const child = spawn(process.execPath, [vitest, 'run', 'test/faults/load.test.ts', '--reporter=default'], { cwd: root, env, stdio: 'inherit' });
child.on('exit', (code, signal) => {
  let result;
  try {
    result = JSON.parse(readFileSync(report, 'utf8'));
  } catch {
    // the run failed before writing its numbers
  }
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0 || result === undefined) {
    console.log(`load: FAIL (vitest exit ${signal ?? code})`);
    process.exit(1);
  }
  console.log('\nload results:');
  console.log(`  tasks × messages      ${result.tasks} × ${result.messagesPerTask}`);
  console.log(`  requests delivered    ${result.requests} (each with a send right and a send-once reply right)`);
  console.log(`  replies delivered     ${result.replies}`);
  console.log(`  rights carried        ${result.rightsCarried}`);
  console.log(`  sends that blocked    ${result.blockedSends} (service queue limit 5)`);
  console.log(`  time                  ${(result.ms / 1000).toFixed(1)} s, ${result.messagesPerSecond} messages/s`);
  console.log('load: PASS — per-sender order kept, every right accounted for, no port left after the tasks terminated');
});
