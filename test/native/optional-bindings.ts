/**
 * Shared checks for native bindings added after the addon's first release (optional in
 * NativeAddon): a NativeApi over a stand-in addon that lacks them, and a test that both
 * cross-compiled Darwin builds export them with their libSystem calls bound.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NativeAddon } from '../../lib/native/addon.js';
import { NativeApi } from '../../lib/native/api.js';
import { checkAddonFile } from '../../scripts/check-macho.js';
import { FakeKernel } from './fake-addon.js';

/** A NativeApi over a stand-in addon built before `bindings` existed. */
export function apiWithout(bindings: ReadonlyArray<keyof NativeAddon>): { k: FakeKernel; api: NativeApi; task: number } {
  const k = new FakeKernel();
  const addon = k.addon() as Partial<NativeAddon>;
  for (const b of bindings) delete addon[b];
  const api = new NativeApi(addon as NativeAddon);
  return { k, api, task: api.mach_task_self() };
}

const root = join(import.meta.dirname, '..', '..');
const builds = (['arm64', 'x64'] as const).map((arch) => ({ arch, file: join(root, 'build', `darwin-${arch}`, 'machport.node') }));

/**
 * Both cross-compiled addons (npm run build:darwin) export each of `names` as a binding
 * and import the libSystem function of the same name; skipped, with the reason in its
 * title, when a build is missing.
 */
export function describeBindingsInBuilds(names: readonly string[]): void {
  const missing = builds.filter((b) => !existsSync(b.file)).map((b) => `build/darwin-${b.arch}`);
  describe.skipIf(missing.length > 0)(
    `the cross-compiled addons carry the bindings${missing.length ? ` (skipped: ${missing.join(', ')} not built; run npm run build:darwin)` : ''}`,
    () => {
      for (const { arch, file } of builds) {
        it(`darwin-${arch}: exports ${names.join(', ')}, bound to libSystem`, () => {
          const bytes = readFileSync(file);
          const { parsed } = checkAddonFile(file, { arch });
          const bound = new Map(parsed.slices[0]!.undefinedSymbols.map((s) => [s.name, s.library]));
          for (const name of names) {
            expect(bytes.includes(`${name}\0`), name).toBe(true);
            expect(bound.get(`_${name}`), name).toBe('/usr/lib/libSystem.B.dylib');
          }
        });
      }
    },
  );
}
