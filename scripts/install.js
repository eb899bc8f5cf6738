#!/usr/bin/env node
// Install step. The addon exists only for Darwin: elsewhere there is nothing to build,
// and the emulator backend is used, so install must never need a C++ compiler there.
// On Darwin a prebuild (loaded by node-gyp-build) wins; otherwise build from source.
// A failed source build is reported but does not fail the install: the package then
// runs on the emulator and `MACHPORT_BACKEND=native` says why the addon is missing.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

if (process.platform !== 'darwin') process.exit(0);

const require = createRequire(import.meta.url);
try {
  require('node-gyp-build')(root);
  process.exit(0);
} catch {
  // no prebuild for this platform/arch/runtime: fall through to a source build
}

const nodeGyp = process.env.npm_config_node_gyp;
const cmd = nodeGyp ? process.execPath : 'npx';
const args = nodeGyp ? [nodeGyp, 'rebuild'] : ['--no-install', 'node-gyp', 'rebuild'];
const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.warn('machport: building the Darwin addon failed; the emulator backend will be used.');
  console.warn('machport: install Xcode Command Line Tools (xcode-select --install) and reinstall for the real kernel.');
}
process.exit(0);
