/**
 * kernel-host-embedded-rtt-64B: the round trip of a 64-byte message between a process
 * that hosts the kernel itself (`hostKernel({ socket })`: its own task is local to the
 * kernel) and a client process of it: this process's task sends SEND|RCV with a
 * MAKE_SEND_ONCE reply right to a service in the child, which answers with the same body
 * (SEND|RCV on its service port). Two socket hops, as in the raw round trip.
 *
 * Baseline: a raw Unix-socket round trip of 64 bytes between the same two processes
 * (the child echoes what it reads). Target: at most twice the raw socket (ratio ≥ 0.5).
 *
 * This is a different topology from kernel-host-rtt-64B (two clients of a separate
 * `machport kernel` process, four hops), which stays measured as it is.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Unavailable } from '../lib/machport.js';
import { compareRow } from '../lib/rows.js';
import { echoClient, echoPinger, here as echoChild, kill, loadDist, measureFixture, waitLine } from './kernel-host.js';

export const meta = [
  {
    name: 'kernel-host-embedded-rtt-64B',
    kind: 'compare',
    baseline: 'raw Unix-socket round trip between the same two processes, 64 B',
    target: 0.5,
  },
];

/** This process hosts the kernel; the echo child is its client. */
async function setUp() {
  const { KH, C } = await loadDist();
  if (typeof KH.hostKernel !== 'function') throw new Unavailable('kernel host: dist/kernel-host has no hostKernel (not built from these sources)');
  const tag = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const kernelSocket = path.join(os.tmpdir(), `machport-bench-embedded-${tag}.sock`);
  const rawSocket = path.join(os.tmpdir(), `machport-bench-embedded-raw-${tag}.sock`);
  const { host, task } = await KH.hostKernel({ socket: kernelSocket });
  let child = null;
  const cleanUp = () => {
    kill(child);
    for (const p of [kernelSocket, rawSocket]) {
      try {
        fs.unlinkSync(p);
      } catch {
        // gone
      }
    }
  };
  process.once('exit', cleanUp);
  try {
    child = spawn(process.execPath, [echoChild, '--serve', kernelSocket, rawSocket], { stdio: ['ignore', 'pipe', 'inherit'] });
    await waitLine(child.stdout, 'the echo child');
    const pinger = await echoPinger(task, C, 'embedded kernel-host');
    const raw = await echoClient(rawSocket);
    return {
      kernelFn: pinger.fn,
      rawFn: raw.fn,
      close: async () => {
        await pinger.stop();
        raw.sock.destroy();
        await new Promise((resolve) => {
          if (child.exitCode !== null) resolve();
          else child.once('exit', resolve);
        });
        task.mach_port_destroy(task.mach_task_self(), pinger.reply);
        task.mach_port_deallocate(task.mach_task_self(), pinger.svc);
        await host.close();
        process.off('exit', cleanUp);
        cleanUp();
      },
    };
  } catch (e) {
    cleanUp();
    process.off('exit', cleanUp);
    await host.close();
    throw e;
  }
}

export async function run(cfg) {
  const m = meta[0];
  const { r, unmeasurable } = await measureFixture(setUp, (fx) => ({ baseline: fx.rawFn, machport: fx.kernelFn }), cfg);
  if (unmeasurable !== undefined) return [compareRow({ ...m, unmeasurable })];
  return [compareRow({ ...m, machport: r.machport, base: r.baseline })];
}

/** The machport body alone, for profiling (bench/profile.js). */
export const profileBodies = {
  'kernel-host-embedded-rtt-64B': async () => {
    const fx = await setUp();
    return { fn: fx.kernelFn, close: fx.close };
  },
};
