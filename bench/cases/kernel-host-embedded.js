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
import { measureSideBySide } from '../lib/measure.js';
import { Unavailable } from '../lib/machport.js';
import { compareRow } from '../lib/rows.js';
import { BYTES, SERVICE, STOP_ID, echoClient, here as echoChild, kill, loadDist, waitLine, warmUp } from './kernel-host.js';

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
    const svc = task.bootstrap_look_up(task.bootstrap_port, SERVICE);
    const reply = task.mach_port_allocate(task.mach_task_self(), C.MACH_PORT_RIGHT_RECEIVE);
    const ping = {
      header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), msgh_remote_port: svc, msgh_local_port: reply, msgh_id: 1000 },
      body: new Uint8Array(BYTES).fill(0x5a),
    };
    const opts = C.MACH_SEND_MSG | C.MACH_RCV_MSG;
    const first = await task.mach_msg(ping, opts, reply);
    if (!first || first.header.msgh_id !== 1100 || first.body.byteLength !== BYTES || first.body[BYTES - 1] !== 0x5a) {
      throw new Error(`embedded kernel-host round trip returned an unexpected reply: ${JSON.stringify(first?.header)}`);
    }
    const raw = await echoClient(rawSocket);
    return {
      kernelFn: async (n) => {
        for (let i = 0; i < n; i++) await task.mach_msg(ping, opts, reply);
      },
      rawFn: raw.fn,
      close: async () => {
        await task.mach_msg({ header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0), msgh_remote_port: svc, msgh_id: STOP_ID } }, C.MACH_SEND_MSG);
        raw.sock.destroy();
        await new Promise((resolve) => {
          if (child.exitCode !== null) resolve();
          else child.once('exit', resolve);
        });
        task.mach_port_destroy(task.mach_task_self(), reply);
        task.mach_port_deallocate(task.mach_task_self(), svc);
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
  let fx;
  try {
    fx = await setUp();
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
    return [compareRow({ ...m, unmeasurable: e.message })];
  }
  let r;
  try {
    if (cfg.mode !== 'tiny') await warmUp([fx.kernelFn, fx.rawFn], 2000);
    r = await measureSideBySide({ baseline: { fn: fx.rawFn }, machport: { fn: fx.kernelFn } }, cfg);
  } finally {
    await fx.close();
  }
  return [compareRow({ ...m, machport: r.machport, base: r.baseline })];
}

/** The machport body alone, for profiling (bench/profile.js). */
export const profileBodies = {
  'kernel-host-embedded-rtt-64B': async () => {
    const fx = await setUp();
    return { fn: fx.kernelFn, close: fx.close };
  },
};
