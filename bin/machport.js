#!/usr/bin/env node
// The `machport` command: a thin shim over the compiled CLI.
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`machport: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
