#!/usr/bin/env node
/**
 * Runs one benchmark's machport body alone for a few seconds, for a CPU profile of just
 * that body (no baseline, no harness):
 *
 *   node --cpu-prof --cpu-prof-dir=DIR bench/profile.js pingpong-64B [seconds]
 *   node bench/profile-summary.js DIR/*.cpuprofile
 *
 * Names: every row with a machport body (see `profileBodies` in bench/cases/*.js), plus
 * `NAME:SIZE` variants for the small side of scale rows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { calibrate, timeOnce } from './lib/measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));

async function bodies() {
  const all = {};
  for (const f of fs.readdirSync(path.join(here, 'cases')).filter((f) => f.endsWith('.js')).sort()) {
    const mod = await import(pathToFileURL(path.join(here, 'cases', f)).href);
    Object.assign(all, mod.profileBodies ?? {});
  }
  return all;
}

const [name, secondsArg] = process.argv.slice(2);
const all = await bodies();
if (!name || !all[name]) {
  process.stderr.write(`usage: node bench/profile.js NAME [seconds]\nnames: ${Object.keys(all).join(', ')}\n`);
  process.exit(2);
}
const seconds = Number(secondsArg ?? 3);
const body = await all[name]();
const n = await calibrate(body.fn, 100);
const until = Date.now() + seconds * 1000;
let calls = 0;
let ns = 0;
while (Date.now() < until) {
  ns += await timeOnce(body.fn, n);
  calls += n;
}
process.stderr.write(`${name}: ${calls} operations, ${(ns / calls).toFixed(0)} ns each (wall, under the profiler)\n`);
await body.close?.();
process.exit(0);
