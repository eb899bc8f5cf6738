/**
 * The cross-compiled Darwin addons (npm run build:darwin, part of npm test): a Mach-O of
 * the right CPU type per architecture, minimum macOS 11.0, linking only libSystem and
 * libbsm (plus libc++ when Xcode built them on a Mac), with no undefined symbol outside
 * those libraries and Node-API. Read with scripts/check-macho.js: no llvm tools needed.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAddonFile, CPU_TYPE_ARM64, CPU_TYPE_X86_64, loadNapiSymbols, MH_BUNDLE, MH_DYLIB } from '../../scripts/check-macho.js';

const root = join(import.meta.dirname, '..', '..');
const builtOnMac = process.platform === 'darwin';

/** node-api-headers' symbol list from build-darwin.sh's tool cache, when it is there. */
function napiSymbols(): Set<string> | undefined {
  const cache =
    process.env.MACHPORT_XTOOLS_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'machport-darwin-xtools', '0.14.0-dev.2456');
  const symbols = join(cache, 'node_modules', 'node-api-headers', 'symbols.js');
  return existsSync(symbols) ? loadNapiSymbols(symbols) : undefined;
}

describe('cross-compiled Darwin addons (build/darwin-*/machport.node)', () => {
  const napi = napiSymbols();
  for (const [arch, cputype] of [
    ['arm64', CPU_TYPE_ARM64],
    ['x64', CPU_TYPE_X86_64],
  ] as const) {
    it(`darwin-${arch}: Mach-O ${arch}, macOS 11.0, only libSystem, libbsm and Node-API symbols`, () => {
      const file = join(root, 'build', `darwin-${arch}`, 'machport.node');
      expect(existsSync(file), `${file} is missing: run npm run build:darwin (npm test does)`).toBe(true);
      const { parsed, errors } = checkAddonFile(file, { arch, napiSymbols: napi, allowLibcxx: builtOnMac });
      expect(errors).toEqual([]);
      expect(parsed.fat).toBe(false);
      const slice = parsed.slices[0]!;
      expect(slice.cputype).toBe(cputype);
      expect([MH_BUNDLE, MH_DYLIB]).toContain(slice.filetype);
      expect(slice.buildVersion?.minos).toBe('11.0.0');
      // What the addon calls must resolve: the Mach calls in libSystem, audit_token_to_pid
      // in libbsm, Node-API by flat lookup at load time.
      const bound = new Map(slice.undefinedSymbols.map((s) => [s.name, s.library]));
      expect(bound.get('_mach_msg')).toBe('/usr/lib/libSystem.B.dylib');
      expect(bound.get('_mach_port_allocate')).toBe('/usr/lib/libSystem.B.dylib');
      expect(bound.get('_bootstrap_look_up')).toBe('/usr/lib/libSystem.B.dylib');
      expect(bound.get('_notify_register_mach_port')).toBe('/usr/lib/libSystem.B.dylib');
      expect(bound.get('_kevent64')).toBe('/usr/lib/libSystem.B.dylib');
      expect(bound.get('_audit_token_to_pid')).toBe('/usr/lib/libbsm.0.dylib');
      expect(bound.get('_napi_create_function')).toBe('(flat lookup)');
      // task_read_for_pid is macOS 11.3+: weak, so the addon still loads on 11.0-11.2.
      expect(slice.undefinedSymbols.find((s) => s.name === '_task_read_for_pid')?.weak).toBe(true);
      expect(slice.exportedSymbols).toContain('_napi_register_module_v1');
    });
  }
});
