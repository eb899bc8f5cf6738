import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The packed tarball must install and import on Linux with no C++ compiler on PATH:
// the install script builds the addon only on Darwin.
const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const work = mkdtempSync(join(tmpdir(), 'machport-pack-'));

function which(cmd: string): string {
  return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();
}

describe.skipIf(process.platform === 'darwin')('packed tarball (skipped on macOS: proves the compiler-free Linux install)', () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('installs into an empty folder without a compiler and imports', () => {
    const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' });
    const tarball = join(work, JSON.parse(packed.slice(packed.indexOf('[')))[0].filename);

    // A PATH holding only node, npm and the shell tools npm needs: no cc, c++, gcc, clang, make.
    const bin = join(work, 'bin');
    mkdirSync(bin);
    for (const tool of ['node', 'npm', 'sh', 'bash', 'env', 'git']) {
      try {
        symlinkSync(which(tool), join(bin, tool));
      } catch {
        // a tool the machine lacks is simply not offered
      }
    }
    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module' }));
    const env = { ...process.env, PATH: bin, CC: 'false', CXX: 'false' };
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: app, env, stdio: 'pipe' });
    for (const compiler of ['cc', 'c++', 'gcc', 'clang']) {
      expect(() => execFileSync('sh', ['-c', `command -v ${compiler}`], { env })).toThrow();
    }

    const script = "import('machport').then(async (m) => { const e = await import('machport/emulator'); const k = new e.Kernel(); const t = k.createTask({ name: 'x' }); const p = t.mach_port_allocate(t.mach_task_self(), m.MACH_PORT_RIGHT_RECEIVE); console.log(JSON.stringify({ backend: m.backend.name, type: t.mach_port_type(t.mach_task_self(), p) })); })";
    const out = execFileSync('node', ['-e', script], { cwd: app, env, encoding: 'utf8' });
    expect(JSON.parse(out.trim())).toEqual({ backend: 'emulator', type: 0x20000 });
  }, 180_000);
});
