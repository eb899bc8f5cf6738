#!/usr/bin/env node
// Prints `N passed, N failed, N skipped` from vitest's JSON report. Exits 1 when the
// report is missing, when any test failed, or when no test ran at all.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.vitest-report.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (e) {
  console.log(`ci-summary: no vitest report at ${file} (${e.message})`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
let passed = 0, failed = 0, skipped = 0;
for (const suite of report.testResults ?? []) {
  for (const t of suite.assertionResults ?? []) {
    if (t.status === 'passed') passed++;
    else if (t.status === 'failed') failed++;
    else skipped++;
  }
  // a file that failed to load has no assertions but counts as a failure
  if ((suite.assertionResults ?? []).length === 0 && suite.status === 'failed') failed++;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
