#!/usr/bin/env node
/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most
 * self time and, per source file, the total self time. Paths are shown relative to the
 * repository.
 *
 *   node --cpu-prof --cpu-prof-dir=DIR bench/run.js --no-fork --only codec-5field --quick
 *   node bench/profile-summary.js DIR/*.cpuprofile [--top 25] [--filter dist/]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function shortUrl(url) {
  if (!url) return '(native)';
  let p = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (p.startsWith(root)) p = path.relative(root, p);
  return p;
}

export function summarize(profile, { top = 25, filter } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map();
  const file = new Map();
  for (const [id, us] of self) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const url = shortUrl(cf.url);
    const key = `${cf.functionName || '(anonymous)'}  ${url}:${cf.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    file.set(url, (file.get(url) ?? 0) + us);
  }
  // Inclusive time: every function on the stack of a sample gets the sample's time once.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n) => `${n.callFrame.functionName || '(anonymous)'}  ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const incl = new Map();
  for (const [id, us] of self) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = keyOf(byId.get(cur));
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + us);
    }
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const lines = [`total sampled: ${(total / 1e3).toFixed(0)} ms`, '', 'self time by function:'];
  for (const [k, us] of [...fn].sort((a, b) => b[1] - a[1]).filter(([k]) => !filter || k.includes(filter)).slice(0, top)) {
    lines.push(`${pct(us)}  ${k}`);
  }
  lines.push('', 'inclusive time by function (machport code only):');
  for (const [k, us] of [...incl].sort((a, b) => b[1] - a[1]).filter(([k]) => k.includes('dist/')).slice(0, top)) {
    lines.push(`${pct(us)}  ${k}`);
  }
  lines.push('', 'self time by file:');
  for (const [k, us] of [...file].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${pct(us)}  ${k}`);
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let top = 25;
  let filter;
  const files = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--top') top = Number(args[++i]);
    else if (args[i] === '--filter') filter = args[++i];
    else files.push(args[i]);
  }
  for (const f of files) {
    process.stdout.write(`== ${path.basename(f)}\n${summarize(JSON.parse(fs.readFileSync(f, 'utf8')), { top, filter })}\n\n`);
  }
}
