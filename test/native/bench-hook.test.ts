/**
 * The addon's benchmark hook (native/bench.cc, NativeApi.benchMachMsgRoundTrip), which the
 * bench row native-overhead compares the Node-API round trip with.
 * - Everywhere: the TypeScript checks over a stand-in addon, and that both cross-compiled
 *   Darwin builds export the hook and bind its clock to libSystem.
 * - macOS only: the real loop returns a positive, finite time and leaves no port name
 *   behind. Elsewhere that suite is reported as skipped with the reason in its name.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as C from '../../lib/constants.js';
import { MachError } from '../../lib/errors.js';
import type { NativeAddon } from '../../lib/native/addon.js';
import { NativeApi } from '../../lib/native/api.js';
import { loadNativeApi } from '../../lib/native/index.js';
import { checkAddonFile } from '../../scripts/check-macho.js';
import { FakeKernel } from './fake-addon.js';

const onMac = process.platform === 'darwin';
const root = join(import.meta.dirname, '..', '..');

/** A NativeApi over the stand-in addon, with `hook` as its bench_mach_msg_round_trip (none when undefined). */
function withHook(hook: NativeAddon['bench_mach_msg_round_trip']): { api: NativeApi; calls: Array<[number, number]> } {
  const calls: Array<[number, number]> = [];
  const addon: NativeAddon = { ...new FakeKernel().addon() };
  if (hook) {
    addon.bench_mach_msg_round_trip = (iterations, bytes) => {
      calls.push([iterations, bytes]);
      return hook(iterations, bytes);
    };
  }
  return { api: new NativeApi(addon), calls };
}

describe('benchMachMsgRoundTrip over a stand-in addon', () => {
  it('passes iterations and bytes (default 64) through and returns the ns per round trip', () => {
    const { api, calls } = withHook(() => [C.KERN_SUCCESS, 812.5]);
    expect(api.benchMachMsgRoundTrip(1000)).toBe(812.5);
    expect(api.benchMachMsgRoundTrip(10, 0)).toBe(812.5);
    expect(calls).toEqual([
      [1000, 64],
      [10, 0],
    ]);
  });

  it('refuses bad arguments before calling C: TypeError for the wrong type, MachError KERN_INVALID_ARGUMENT out of range', () => {
    const { api, calls } = withHook(() => [C.KERN_SUCCESS, 1]);
    expect(() => api.benchMachMsgRoundTrip('10' as unknown as number)).toThrow(TypeError);
    expect(() => api.benchMachMsgRoundTrip(1.5)).toThrow(TypeError);
    expect(() => api.benchMachMsgRoundTrip(10, Number.NaN)).toThrow(TypeError);
    for (const [n, b] of [
      [0, 64],
      [10_000_001, 64],
      [10, 3],
      [10, 65_540],
      [-1, 64],
    ]) {
      expect(() => api.benchMachMsgRoundTrip(n!, b)).toThrow(expect.objectContaining({ name: 'MachError', code: 'KERN_INVALID_ARGUMENT' }));
    }
    expect(calls).toEqual([]);
  });

  it('turns the hook\'s kern_return_t into a MachError', () => {
    const { api } = withHook(() => [C.MACH_SEND_INVALID_DEST, 0]);
    expect(() => api.benchMachMsgRoundTrip(10)).toThrow(MachError);
    expect(() => api.benchMachMsgRoundTrip(10)).toThrow(expect.objectContaining({ code: 'MACH_SEND_INVALID_DEST' }));
  });

  it('says KERN_NOT_SUPPORTED when the loaded addon was built before the hook', () => {
    const { api } = withHook(undefined);
    expect(() => api.benchMachMsgRoundTrip(10)).toThrow(expect.objectContaining({ code: 'KERN_NOT_SUPPORTED', message: expect.stringMatching(/rebuild/) }));
  });
});

const builds = (['arm64', 'x64'] as const).map((arch) => ({ arch, file: join(root, 'build', `darwin-${arch}`, 'machport.node') }));
const missing = builds.filter((b) => !existsSync(b.file)).map((b) => `build/darwin-${b.arch}`);

describe.skipIf(missing.length > 0)(
  `the cross-compiled addons carry the hook${missing.length ? ` (skipped: ${missing.join(', ')} not built; run npm run build:darwin)` : ''}`,
  () => {
    for (const { arch, file } of builds) {
      it(`darwin-${arch}: exports bench_mach_msg_round_trip, its clock bound to libSystem`, () => {
        expect(readFileSync(file).includes('bench_mach_msg_round_trip\0')).toBe(true);
        const { parsed } = checkAddonFile(file, { arch });
        const bound = new Map(parsed.slices[0]!.undefinedSymbols.map((s) => [s.name, s.library]));
        for (const name of ['_mach_absolute_time', '_mach_timebase_info', '_mach_port_get_refs', '_mach_port_mod_refs', '_mach_port_insert_right']) {
          expect(bound.get(name), name).toBe('/usr/lib/libSystem.B.dylib');
        }
      });
    }
  },
);

describe.skipIf(!onMac)(`benchMachMsgRoundTrip on macOS (skipped: needs macOS, this is ${process.platform})`, () => {
  function api(): NativeApi {
    const loaded = loadNativeApi();
    if (!loaded.api) throw new Error(`the native backend did not load: ${loaded.reason}`);
    return loaded.api as NativeApi;
  }
  const names = (a: NativeApi) => [...a.mach_port_names(a.mach_task_self()).names].sort((x, y) => x - y);

  it('returns a positive, finite time per round trip and leaves no port name behind', () => {
    const a = api();
    const before = names(a);
    for (const bytes of [64, 0, 4096]) {
      const ns = a.benchMachMsgRoundTrip(2000, bytes);
      expect(Number.isFinite(ns), `bytes ${bytes}: ${ns}`).toBe(true);
      expect(ns).toBeGreaterThan(0);
      // A round trip is two kernel calls: far below a millisecond on any Mac that runs CI.
      expect(ns).toBeLessThan(1e6);
    }
    expect(names(a)).toEqual(before);
  });

  it('refuses bad values in C too, without touching a port', () => {
    const a = api();
    const before = names(a);
    const hook = a.addon.bench_mach_msg_round_trip!;
    expect(hook.call(a.addon, 0, 64)[0]).toBe(C.KERN_INVALID_ARGUMENT);
    expect(hook.call(a.addon, 10, 6)[0]).toBe(C.KERN_INVALID_ARGUMENT);
    expect(hook.call(a.addon, 10, 1 << 20)[0]).toBe(C.KERN_INVALID_ARGUMENT);
    expect(() => (hook as unknown as (...args: unknown[]) => unknown).call(a.addon, 'ten', 64)).toThrow(TypeError);
    expect(names(a)).toEqual(before);
  });
});
