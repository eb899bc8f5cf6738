#!/usr/bin/env node
// Writes the two link stubs the Darwin cross-build needs into a directory:
//   libnode-api.tbd  every napi_* / node_api_* name from node-api-headers' symbols.js,
//                    under a fake install name. Only the strict link-check uses it, so a
//                    misspelt or missing symbol fails the link; that output is never shipped.
//   libbsm.tbd       a one-symbol stub for /usr/lib/libbsm.0.dylib (audit_token_to_pid
//                    lives there, not in libSystem, and zig ships no libbsm.tbd).
// Both are generated here from facts, not copied from Apple's SDK.
// Usage: node scripts/darwin-stubs.js <out-dir> <path-to-node-api-headers/symbols.js>
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every symbol name in node-api-headers' symbols.js (all versions, both js_native_api and node_api). */
export function napiSymbols(symbolsJsPath) {
  const require = createRequire(import.meta.url);
  const table = require(resolve(symbolsJsPath));
  const names = new Set();
  for (const version of Object.values(table)) {
    for (const list of Object.values(version)) {
      if (Array.isArray(list)) for (const n of list) names.add(n);
    }
  }
  return [...names].sort();
}

/** A text-based stub (tbd v4) exporting `symbols` from `installName` for both Mac architectures. */
export function tbd(installName, symbols, currentVersion = '1') {
  const quoted = symbols.map((s) => `_${s}`).join(', ');
  return [
    '--- !tapi-tbd',
    'tbd-version:     4',
    'targets:         [ x86_64-macos, arm64-macos ]',
    `install-name:    '${installName}'`,
    `current-version: ${currentVersion}`,
    'exports:',
    '  - targets:     [ x86_64-macos, arm64-macos ]',
    `    symbols:     [ ${quoted} ]`,
    '...',
    '',
  ].join('\n');
}

/** The install name of the strict-link-only Node-API stub; check-macho.js refuses any output that names it. */
export const LINK_CHECK_INSTALL_NAME = '/__link_check_only__/libnode-api.dylib';

/** Symbols of libbsm the addon uses. Keep this list to names the real libbsm.0.dylib exports. */
export const LIBBSM_SYMBOLS = ['audit_token_to_pid'];

function main(argv) {
  const [outDir, symbolsJs] = argv;
  if (!outDir || !symbolsJs) {
    console.error('usage: node scripts/darwin-stubs.js <out-dir> <node-api-headers/symbols.js>');
    process.exit(2);
  }
  const napi = napiSymbols(symbolsJs);
  if (napi.length < 100) throw new Error(`only ${napi.length} Node-API symbols found in ${symbolsJs}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'libnode-api.tbd'), tbd(LINK_CHECK_INSTALL_NAME, napi));
  writeFileSync(join(outDir, 'libbsm.tbd'), tbd('/usr/lib/libbsm.0.dylib', LIBBSM_SYMBOLS));
  console.log(`darwin-stubs: ${napi.length} Node-API symbols, ${LIBBSM_SYMBOLS.length} libbsm symbols -> ${outDir}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
