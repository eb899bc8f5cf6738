/**
 * native-overhead (macOS only): a mach_msg round trip through Node-API vs the same
 * round trip timed in C inside the addon. The target is Node-API / C ≤ 1.2, so this is a
 * lower-is-better row (kind 'scale'): machport_ns = the round trip through Node-API,
 * baseline_ns = the same round trip timed in C, ratio = machport_ns / baseline_ns.
 *
 * Needs the native addon to expose an in-C timing loop; on other platforms (and while
 * the addon has none) the row is reported skipped / not measurable with the reason.
 */
import { measureSideBySide } from '../lib/measure.js';
import { repoRoot } from '../lib/machport.js';
import { scaleRow, skippedRow } from '../lib/rows.js';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fs from 'node:fs';

export const meta = [
  { name: 'native-overhead', kind: 'scale', baseline: 'same mach_msg round trip timed in C', target: 1.2 },
];

export async function run(cfg) {
  const m = meta[0];
  if (process.platform !== 'darwin') {
    return [
      skippedRow({
        ...m,
        reason: `macOS only: it times real Mach IPC through the native addon, which exists only on Darwin (this is ${process.platform}/${process.arch})`,
      }),
    ];
  }
  const file = path.join(repoRoot, 'dist', 'native', 'index.js');
  if (!fs.existsSync(file)) return [scaleRow({ ...m, unmeasurable: 'dist/native/index.js is not built' })];
  const mod = await import(pathToFileURL(file).href);
  const hooks = typeof mod.benchHooks === 'function' ? mod.benchHooks() : null;
  if (!hooks || typeof hooks.jsRoundTrip !== 'function' || typeof hooks.cRoundTrip !== 'function') {
    return [
      scaleRow({
        ...m,
        unmeasurable:
          'the native addon exposes no benchmark hooks yet (expected dist/native/index.js benchHooks() → { jsRoundTrip(n), cRoundTrip(n) → ns })',
      }),
    ];
  }
  const r = await measureSideBySide(
    { js: { fn: (n) => hooks.jsRoundTrip(n) }, c: { fn: (n) => hooks.cRoundTrip(n) } },
    cfg,
  );
  return [scaleRow({ ...m, small: r.c, large: r.js })];
}
