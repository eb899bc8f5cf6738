/**
 * Loads the machport pieces the benchmarks measure, from the compiled dist/ (the bench
 * runs what `npm run build` produced). When a piece is missing — not built yet, or not
 * written yet — the loader throws Unavailable with a reason, and the row says so instead
 * of showing a number.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = path.join(repoRoot, 'dist');

/** Thrown when a machport piece the benchmark needs is not available in this build. */
export class Unavailable extends Error {}

async function importDist(rel, what) {
  const file = path.join(dist, rel);
  if (!fs.existsSync(file)) {
    throw new Unavailable(`${what}: dist/${rel} does not exist (not built, or not written yet)`);
  }
  try {
    return await import(pathToFileURL(file).href);
  } catch (e) {
    throw new Unavailable(`${what}: importing dist/${rel} failed: ${e && e.message ? e.message : e}`);
  }
}

/** The constants module (Mach names with Darwin's values). */
export function loadConstants() {
  return importDist('constants.js', 'constants');
}

let emulator;
/** { Kernel, C } where C is the constants module. */
export async function loadEmulator() {
  if (emulator) return emulator;
  const C = await importDist('constants.js', 'constants');
  const mod = await importDist('emulator/index.js', 'emulator core');
  if (typeof mod.Kernel !== 'function') {
    throw new Unavailable('emulator core: dist/emulator/index.js exports no Kernel class yet');
  }
  emulator = { Kernel: mod.Kernel, C, mod };
  return emulator;
}

/** The typed-message codec module (lib/message): defineMessage and friends. */
export async function loadMessage() {
  const mod = await importDist('message/index.js', 'message codec');
  if (typeof mod.defineMessage !== 'function') {
    throw new Unavailable('message codec: dist/message/index.js exports no defineMessage yet');
  }
  return mod;
}

/** Every .js file under dist/, for finding where an export lives. */
function distFiles(dir = dist, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) distFiles(p, out);
    else if (e.name.endsWith('.js')) out.push(p);
  }
  return out;
}

/**
 * The lsmp inspection function (`inspectTask`), wherever in dist/ it is exported.
 * Returns { inspectTask, module } or throws Unavailable.
 */
export async function loadInspectTask() {
  const preferred = ['index.js', 'emulator/index.js', 'inspect/index.js', 'lsmp/index.js', 'inspect.js', 'lsmp.js'];
  const candidates = [
    ...preferred.map((r) => path.join(dist, r)).filter((p) => fs.existsSync(p)),
    ...distFiles().filter((p) => !preferred.some((r) => p === path.join(dist, r))).filter((p) => {
      try {
        return /\binspectTask\b/.test(fs.readFileSync(p, 'utf8'));
      } catch {
        return false;
      }
    }),
  ];
  for (const file of candidates) {
    let mod;
    try {
      mod = await import(pathToFileURL(file).href);
    } catch {
      continue;
    }
    if (typeof mod.inspectTask === 'function') {
      return { inspectTask: mod.inspectTask, module: path.relative(repoRoot, file).split(path.sep).join('/') };
    }
  }
  throw new Unavailable('lsmp inspection: no module in dist/ exports inspectTask yet');
}
