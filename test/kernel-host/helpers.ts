/**
 * Helpers of the kernel-host tests: a `machport kernel` child process, fixture
 * processes (test/kernel-host/fixtures, plain JavaScript running the compiled dist/)
 * that print JSON lines, and clean-up of both. Every child is killed and every socket
 * file removed when the test process exits, even on failure.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Why dist/ cannot serve as the code of the kernel host and the fixtures, or undefined
 * when it can: not built, or older than a source file under `sources` (paths relative
 * to lib/; all of lib/ by default).
 */
export function distProblem(sources: string[] = ['.']): string | undefined {
  const entry = path.join(root, 'dist', 'cli', 'main.js');
  const host = path.join(root, 'dist', 'kernel-host', 'host.js');
  if (!existsSync(entry) || !existsSync(host)) return 'dist/ is not built (run npx tsc -p tsconfig.build.json)';
  const built = Math.min(statSync(entry).mtimeMs, statSync(host).mtimeMs);
  for (const src of sources) {
    const p = path.join(root, 'lib', src);
    const newest = statSync(p).isDirectory() ? newestSource(p) : { mtime: statSync(p).mtimeMs, file: p };
    if (newest.mtime > built) return `dist/ is older than ${path.relative(root, newest.file)} (run npx tsc -p tsconfig.build.json)`;
  }
  return undefined;
}

/** The kernel-host tests need dist/ built from the current kernel-host sources. */
export function requireDist(): void {
  const problem = distProblem(['kernel-host', 'cli/kernel.ts', 'cli/main.ts']);
  if (problem !== undefined) throw new Error(`kernel-host tests run the compiled package in child processes: ${problem}`);
}

function newestSource(dir: string, best = { mtime: 0, file: '' }): { mtime: number; file: string } {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newestSource(p, best);
    else if (e.name.endsWith('.ts')) {
      const m = statSync(p).mtimeMs;
      if (m > best.mtime) {
        best.mtime = m;
        best.file = p;
      }
    }
  }
  return best;
}

/** A kernel host child process of this test process, stopped when the process exits. */
export interface KernelChild {
  socket: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

let seq = 0;

/** A fresh socket path in the temporary directory. */
export function tempSocketPath(tag = 'test'): string {
  return path.join(os.tmpdir(), `machport-kh-${tag}-${process.pid}-${++seq}-${Math.random().toString(36).slice(2, 8)}.sock`);
}

/**
 * Start `machport kernel` (dist/) on a fresh socket. It exits when this process's end
 * of its stdin closes (this process exiting, even by SIGKILL), and is killed on exit.
 */
export async function startKernelHost(options: { args?: string[]; socket?: string; quiet?: boolean } = {}): Promise<KernelChild & { lines: string[] }> {
  const k = spawnKernelHost(options);
  await k.ready;
  return k;
}

/** As {@link startKernelHost}, without waiting: `ready` settles once it listens. */
export function spawnKernelHost(options: { args?: string[]; socket?: string; quiet?: boolean } = {}): KernelChild & { lines: string[]; ready: Promise<void> } {
  const socket = options.socket ?? tempSocketPath('kernel');
  const args = [path.join(root, 'bin', 'machport.js'), 'kernel', '--socket', socket, '--exit-with-stdin', ...(options.quiet === false ? [] : ['--quiet']), ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => lines.push(...d.split('\n').filter(Boolean).map((l) => `stderr: ${l}`)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: string) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        if (line.includes('listening on')) resolve();
      }
    });
    child.once('exit', (code, signal) => reject(new Error(`machport kernel exited (${signal ?? code}) before listening: ${lines.join(' | ')}`)));
  });
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    try {
      unlinkSync(socket);
    } catch {
      // gone
    }
  };
  process.once('exit', kill);
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  ready.catch(() => undefined);
  return {
    socket,
    child,
    lines,
    ready,
    stop: async () => {
      process.off('exit', kill);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      try {
        unlinkSync(socket);
      } catch {
        // the kernel removed it
      }
    },
  };
}


/** A fixture process printing JSON lines. */
export interface Fixture {
  child: ChildProcess;
  pid: number;
  /** Every JSON line so far. */
  readonly messages: Record<string, unknown>[];
  /** Lines that were not JSON (and stderr). */
  readonly text: string[];
  /** The first JSON line (now or later) for which `pred` holds. */
  next(pred: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Start fixtures/<name> with `args` (extra environment in `env`). */
export function spawnFixture(name: string, args: string[], env: Record<string, string> = {}): Fixture {
  const child = spawn(process.execPath, [path.join(root, 'test', 'kernel-host', 'fixtures', name), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  live.add(child);
  const messages: Record<string, unknown>[] = [];
  const text: string[] = [];
  const waiters: Array<{ pred: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }> = [];
  let buf = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(line) as Record<string, unknown>;
      } catch {
        text.push(line);
        continue;
      }
      messages.push(m);
      for (const w of [...waiters]) {
        if (w.pred(m)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    }
  });
  child.stderr!.on('data', (d: string) => text.push(...d.split('\n').filter(Boolean)));
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(signal ?? code ?? -1);
    });
  });
  return {
    child,
    pid: child.pid!,
    messages,
    text,
    exited,
    next(pred, timeoutMs = 30_000) {
      const found = messages.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fixture ${name} (pid ${child.pid}): no matching line within ${timeoutMs} ms; output: ${[...messages.map((m) => JSON.stringify(m)), ...text].join(' | ').slice(-2000)}`)), timeoutMs);
        const w = {
          pred,
          resolve: (m: Record<string, unknown>) => {
            clearTimeout(timer);
            resolve(m);
          },
        };
        waiters.push(w);
        void exited.then((how) => {
          if (!waiters.includes(w)) return;
          clearTimeout(timer);
          reject(new Error(`fixture ${name} exited (${how}) before a matching line; output: ${[...messages.map((m) => JSON.stringify(m)), ...text].join(' | ').slice(-2000)}`));
        });
      });
    },
    kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Wait for a condition, polling. */
export async function until(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
