/**
 * The conformance suite's third backend, `kernel-host`: every task is a RemoteTask of a
 * kernel host running in a separate process (`machport kernel`, from the compiled
 * dist/), each on a connection of this test process. Every scenario gets a fresh
 * kernel (a realm of its own, dropped when the next scenario starts), its tasks pids
 * allocated by that kernel as in the emulator backend.
 *
 * No capability is missing: peers are more tasks of the realm, termination is the
 * task's CLOSE_TASK, fatal guards come back as MachGuardError, the invariant check runs
 * in the kernel host. The kernel host starts with the file's first kernel-host scenario.
 * The backend is unavailable (its scenarios reported as skipped)
 * when dist/ is not built or is older than lib/ — the child process runs dist/, so a
 * stale build would test old code.
 * @module
 */
import type { MachApi } from '../../lib/types.js';
import type { KernelSession } from '../../lib/kernel-host/session.js';
import type { RemoteTask } from '../../lib/kernel-host/remote-task.js';
import { distProblem, spawnKernelHost, type KernelChild } from './helpers.js';

/** The part of the conformance Backend this backend fills in. */
export interface KernelHostBackendParts {
  available: boolean;
  reason?: string;
  newTask(): MachApi;
  peerTask(): MachApi;
  terminate(task: MachApi): void;
  checkInvariants(): void;
}

/** Block this thread for `ms` milliseconds. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The kernel-host backend of the conformance suite. The kernel host process starts on
 * the first newTask() (which blocks until it answers), so a test file that never runs a
 * kernel-host scenario starts none.
 */
export async function kernelHostBackend(): Promise<KernelHostBackendParts> {
  const problem = distProblem();
  if (problem !== undefined) {
    const fail = (): never => {
      throw new Error(problem);
    };
    return { available: false, reason: problem, newTask: fail, peerTask: fail, terminate: fail, checkInvariants: fail };
  }
  const { openKernelSessionSync } = await import('../../lib/kernel-host/connect.js');
  let kernel: (KernelChild & { lines: string[] }) | undefined;
  let session: KernelSession | undefined;
  let realm: string | undefined;
  let scenario = 0;
  let peers = 0;
  const ensure = (): KernelSession => {
    if (session !== undefined && session.lostReason === null) return session;
    if (kernel === undefined || kernel.child.exitCode !== null || kernel.child.signalCode !== null) kernel = spawnKernelHost();
    const t0 = Date.now();
    for (;;) {
      try {
        session = openKernelSessionSync(kernel.socket, { timeoutMs: 20_000 });
        return session;
      } catch (err) {
        if (Date.now() - t0 > 20_000 || kernel.child.exitCode !== null) {
          throw new Error(`the kernel host did not start: ${(err as Error).message}; its output: ${kernel.lines.join(' | ')}`);
        }
        sleepSync(20);
      }
    }
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
