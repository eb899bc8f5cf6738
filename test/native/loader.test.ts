/**
 * The native backend's loader off Darwin: it explains, never throws, and asking for the
 * native backend there fails with that explanation.
 */
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../lib/backend.js';
import { loadNativeApi, loadNativeIntrospection } from '../../lib/native/index.js';

describe('native loader', () => {
  it('loadNativeApi("linux") returns a reason and no api', () => {
    const r = loadNativeApi('linux');
    expect(r.api).toBeUndefined();
    expect(r.reason).toBe('the native backend needs macOS (this is linux)');
    expect(loadNativeApi('win32').reason).toBe('the native backend needs macOS (this is win32)');
  });

  it.skipIf(process.platform === 'darwin')(
    `MACHPORT_BACKEND=native off macOS throws a clear error (skipped on macOS, where it loads; this is ${process.platform})`,
    () => {
      expect(() => selectBackend(process.platform, { MACHPORT_BACKEND: 'native' })).toThrow(
        `machport: MACHPORT_BACKEND=native but the native backend cannot load: the native backend needs macOS (this is ${process.platform})`,
      );
      expect(() => loadNativeIntrospection()).toThrow(/needs macOS/);
    },
  );
});
