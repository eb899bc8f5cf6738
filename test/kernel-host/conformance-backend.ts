/**
 * The conformance suite's third backend, `kernel-host`: every task is a RemoteTask of a
 * kernel host running in a separate process (`machport kernel`, from the compiled
 * dist/), each on a connection of this test process. Every scenario gets a fresh
 * kernel (a realm of its own, dropped when the next scenario starts), its tasks pids
 * allocated by that kernel as in the emulator backend.
 *
 * No capability is missing: peers are more tasks of the realm, termination is the
 * task's CLOSE_TASK, fatal guards come back as MachGuardError, the invariant check runs
 * in the kernel host. The backend is unavailable (its scenarios reported as skipped)
 * when dist/ is not built or is older than lib/ — the child process runs dist/, so a
 * stale build would test old code.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MachApi } from '../../lib/types.js';
import type { KernelSession } from '../../lib/kernel-host/session.js';
import type { RemoteTask } from '../../lib/kernel-host/remote-task.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Why dist/ cannot serve as the kernel host's code, or undefined when it can. */
export function distProblem(): string | undefined {
  const entry = path.join(root, 'dist', 'cli', 'main.js');
  const host = path.join(root, 'dist', 'kernel-host', 'host.js');
  if (!existsSync(entry) || !existsSync(host)) return 'dist/ is not built (run npx tsc -p tsconfig.build.json)';
  const built = Math.min(statSync(entry).mtimeMs, statSync(host).mtimeMs);
  const newest = newestSource(path.join(root, 'lib'));
  if (newest.mtime > built) return `dist/ is older than ${path.relative(root, newest.file)} (run npx tsc -p tsconfig.build.json)`;
  return undefined;
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
  await ready;
  return {
    socket,
    child,
    lines,
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

/** The part of the conformance Backend this backend fills in. */
export interface KernelHostBackendParts {
  available: boolean;
  reason?: string;
  newTask(): MachApi;
  peerTask(): MachApi;
  terminate(task: MachApi): void;
  checkInvariants(): void;
}

/** The kernel-host backend of the conformance suite (started on first use). */
export async function kernelHostBackend(): Promise<KernelHostBackendParts> {
  const problem = distProblem();
  if (problem !== undefined) {
    const fail = (): never => {
      throw new Error(problem);
    };
    return { available: false, reason: problem, newTask: fail, peerTask: fail, terminate: fail, checkInvariants: fail };
  }
  const { openKernelSessionSync } = await import('../../lib/kernel-host/connect.js');
  let kernel: KernelChild | undefined;
  let session: KernelSession | undefined;
  let realm: string | undefined;
  let scenario = 0;
  let peers = 0;
  const started = startKernelHost();
  started.catch(() => undefined);
  kernel = await started;
  const ensure = (): KernelSession => {
    if (session === undefined || session.lostReason !== null) session = openKernelSessionSync(kernel!.socket);
    return session;
  };
  return {
    available: true,
    newTask() {
      const s = ensure();
      if (realm !== undefined) {
        try {
          s.admin({ op: 'drop-realm', realm });
        } catch {
          // the realm ended with its last task
        }
      }
      realm = `conformance-${process.pid}-${++scenario}`;
      peers = 0;
      return s.openTask({ realm, name: 'conformance-a', pid: null, uid: 501, gid: 20 });
    },
    peerTask() {
      if (realm === undefined) throw new Error('peerTask() before newTask()');
      peers += 1;
      return ensure().openTask({ realm, name: `conformance-peer-${peers}`, pid: null, uid: 501, gid: 20 });
    },
    terminate(task: MachApi) {
      (task as RemoteTask).terminate();
    },
    checkInvariants() {
      if (realm === undefined) return;
      ensure().admin({ op: 'invariants', realm });
    },
  };
}
