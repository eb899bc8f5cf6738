/**
 * kernel-host-rtt-64B: the round trip of a 64-byte message between two processes
 * through a kernel host (`machport kernel`, a third process): this process's task sends
 * SEND|RCV with a MAKE_SEND_ONCE reply right to a service in a child process, which
 * answers with the same body (SEND|RCV on its service port).
 *
 * The path through the kernel has four socket hops (client → kernel → service → kernel
 * → client) where a raw round trip between the two processes has two. A relay process
 * that forwards the bytes and does nothing else, in the kernel's place, already takes
 * more than twice the raw round trip on a 2-core machine (2.2–3.7× measured), so "within
 * 2× of the raw socket" is out of reach of anything in the middle. This row therefore
 * applies the budget — the kernel's work may cost as much again as the
 * transport — to this topology's transport: baseline = the same 64 bytes over the same
 * four hops through that do-nothing relay; target relay / kernel ≥ 0.5. The raw
 * two-process round trip is measured side by side and reported in `extra` (raw_ns,
 * raw_over_kernel) and in the summary line. The two-process comparison itself
 * is kernel-host-embedded-rtt-64B (kernel-host-embedded.js).
 *
 * Run directly with `--serve KERNEL_SOCKET RAW_SOCKET` it is the child's side; with
 * `--relay UPSTREAM LISTEN` the relay.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { measureSideBySide } from '../lib/measure.js';
import { Unavailable, repoRoot } from '../lib/machport.js';
import { compareRow } from '../lib/rows.js';

export const meta = [
  {
    name: 'kernel-host-rtt-64B',
    kind: 'compare',
    baseline: 'the same four hops through a do-nothing relay process (bytes forwarded, no Mach), 64 B',
    target: 0.5,
  },
];

const BYTES = 64;
const SERVICE = 'bench.kernel-host.echo';
const STOP_ID = 0x7fff0001;
/** This file: run with `--serve KERNEL_SOCKET RAW_SOCKET` it is the echo child. */
export const here = fileURLToPath(import.meta.url);
const dist = (rel) => path.join(repoRoot, 'dist', rel);

export async function loadDist() {
  for (const rel of ['kernel-host/index.js', 'constants.js', 'cli/main.js']) {
    if (!fs.existsSync(dist(rel))) throw new Unavailable(`kernel host: dist/${rel} does not exist (not built)`);
  }
  const KH = await import(pathToFileURL(dist('kernel-host/index.js')).href);
  const C = await import(pathToFileURL(dist('constants.js')).href);
  return { KH, C };
}

// ---------------------------------------------------------------------------
// The child: an echo service on the kernel host and an echo on a raw socket.

async function serve(kernelSocket, rawSocket) {
  const { KH, C } = await loadDist();
  const t = await KH.connectKernel(kernelSocket, { name: 'bench-echo' });
  const svc = t.bootstrap_check_in(t.bootstrap_port, SERVICE);
  try {
    fs.unlinkSync(rawSocket);
  } catch {
    // not there
  }
  const server = net.createServer((s) => s.on('data', (d) => s.write(d)));
  await new Promise((resolve) => server.listen(rawSocket, resolve));
  process.stdout.write('ready\n');
  const reply = { header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_MOVE_SEND_ONCE, 0), msgh_remote_port: 0, msgh_id: 0 }, body: null };
  let m = await t.mach_msg(undefined, C.MACH_RCV_MSG, svc);
  while (m.header.msgh_id !== STOP_ID) {
    reply.header.msgh_remote_port = m.header.msgh_remote_port;
    reply.header.msgh_id = m.header.msgh_id + 100;
    reply.body = m.body;
    m = await t.mach_msg(reply, C.MACH_SEND_MSG | C.MACH_RCV_MSG, svc);
  }
  server.close();
  process.exit(0);
}

/** The do-nothing relay: bytes from LISTEN's client to UPSTREAM and back. */
async function relay(upstreamPath, listenPath) {
  const up = net.createConnection(upstreamPath);
  await new Promise((resolve, reject) => {
    up.once('connect', resolve);
    up.once('error', reject);
  });
  let client = null;
  up.on('data', (d) => client?.write(d));
  try {
    fs.unlinkSync(listenPath);
  } catch {
    // not there
  }
  const server = net.createServer((s) => {
    client = s;
    s.on('data', (d) => up.write(d));
  });
  await new Promise((resolve) => server.listen(listenPath, resolve));
  process.stdout.write('ready\n');
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

if (process.argv[1] === here && (process.argv[2] === '--serve' || process.argv[2] === '--relay')) {
  const role = process.argv[2] === '--serve' ? serve : relay;
  role(process.argv[3], process.argv[4]).catch((e) => {
    process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  });
}

// ---------------------------------------------------------------------------
// The measuring side.

/** Resolves with the first line `stream` prints (a child's `ready`). */
export function waitLine(stream, what) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d) => {
      buf += d;
      if (buf.includes('\n')) {
        stream.off('data', onData);
        resolve(buf);
      }
    };
    stream.setEncoding('utf8');
    stream.on('data', onData);
    stream.once('end', () => reject(new Error(`${what} ended before it was ready: ${buf}`)));
  });
}

/** SIGKILL a child that is still running. */
export function kill(child) {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** A client of an echo socket: fn(n) does n round trips of 64 bytes, one in flight. */
export async function echoClient(socketPath) {
  const sock = net.createConnection(socketPath);
  await new Promise((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  const payload = Buffer.alloc(BYTES, 0x5a);
  let remaining = 0;
  let got = 0;
  let done = null;
  sock.on('data', (d) => {
    got += d.length;
    if (got < BYTES) return;
    got -= BYTES;
    if (--remaining > 0) sock.write(payload);
    else done();
  });
  return {
    sock,
    fn: (n) =>
      new Promise((resolve) => {
        done = resolve;
        remaining = n;
        sock.write(payload);
      }),
  };
}

/**
 * Run the bodies in turn, in small batches, for `ms` before measuring. Three processes
 * must all get their code compiled before round trips settle: on a 2-core machine the
 * first second of round trips through the kernel host ran 3–6× slower than the steady
 * state, longer than the harness's calibration warms a body.
 */
async function warmUp(fns, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) for (const fn of fns) await fn(50);
}

/**
 * `task`'s side of the echo round trip: looks the echo service up, makes a reply port and
 * checks one round trip (`what` names the topology in the error). `fn(n)` does n round
 * trips of BYTES bytes (SEND|RCV with a MAKE_SEND_ONCE reply right); `stop()` asks the
 * echo child to exit; `svc` and `reply` are the names it made in `task`.
 */
export async function echoPinger(task, C, what) {
  const svc = task.bootstrap_look_up(task.bootstrap_port, SERVICE);
  const reply = task.mach_port_allocate(task.mach_task_self(), C.MACH_PORT_RIGHT_RECEIVE);
  const ping = {
    header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), msgh_remote_port: svc, msgh_local_port: reply, msgh_id: 1000 },
    body: new Uint8Array(BYTES).fill(0x5a),
  };
  const opts = C.MACH_SEND_MSG | C.MACH_RCV_MSG;
  const first = await task.mach_msg(ping, opts, reply);
  if (!first || first.header.msgh_id !== 1100 || first.body.byteLength !== BYTES || first.body[BYTES - 1] !== 0x5a) {
    throw new Error(`${what} round trip returned an unexpected reply: ${JSON.stringify(first?.header)}`);
  }
  return {
    svc,
    reply,
    fn: async (n) => {
      for (let i = 0; i < n; i++) await task.mach_msg(ping, opts, reply);
    },
    stop: () => task.mach_msg({ header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0), msgh_remote_port: svc, msgh_id: STOP_ID } }, C.MACH_SEND_MSG),
  };
}

/**
 * Set the fixture up, warm every body up (but in tiny mode), measure them side by side
 * and close the fixture: `bodies(fx)` names the fixture's round trips as
 * measureSideBySide wants them ({ baseline, machport, … }: fn each). Returns the
 * measurement, or `unmeasurable` with the reason when setUp() throws Unavailable.
 */
export async function measureFixture(setUp, bodies, cfg) {
  let fx;
  try {
    fx = await setUp();
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
    return { unmeasurable: e.message };
  }
  try {
    const fns = bodies(fx);
    if (cfg.mode !== 'tiny') await warmUp([fns.machport, ...Object.entries(fns).filter(([k]) => k !== 'machport').map(([, fn]) => fn)], 2000);
    return { r: await measureSideBySide(Object.fromEntries(Object.entries(fns).map(([k, fn]) => [k, { fn }])), cfg) };
  } finally {
    await fx.close();
  }
}

/** Kernel host, echo child, relay, and the three round trips. */
async function setUp() {
  const { KH, C } = await loadDist();
  const tag = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const kernelSocket = path.join(os.tmpdir(), `machport-bench-kernel-${tag}.sock`);
  const rawSocket = path.join(os.tmpdir(), `machport-bench-raw-${tag}.sock`);
  const relaySocket = path.join(os.tmpdir(), `machport-bench-relay-${tag}.sock`);
  const kernel = spawn(process.execPath, [path.join(repoRoot, 'bin', 'machport.js'), 'kernel', '--socket', kernelSocket, '--exit-with-stdin', '--quiet'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let child = null;
  let relayChild = null;
  const cleanUp = () => {
    kill(relayChild);
    kill(child);
    kill(kernel);
    for (const p of [kernelSocket, rawSocket, relaySocket]) {
      try {
        fs.unlinkSync(p);
      } catch {
        // gone
      }
    }
  };
  process.once('exit', cleanUp);
  try {
    await waitLine(kernel.stdout, 'machport kernel');
    child = spawn(process.execPath, [here, '--serve', kernelSocket, rawSocket], { stdio: ['ignore', 'pipe', 'inherit'] });
    await waitLine(child.stdout, 'the echo child');
    const task = await KH.connectKernel(kernelSocket, { name: 'bench-client' });
    const pinger = await echoPinger(task, C, 'kernel-host');
    relayChild = spawn(process.execPath, [here, '--relay', rawSocket, relaySocket], { stdio: ['pipe', 'pipe', 'inherit'] });
    await waitLine(relayChild.stdout, 'the relay');
    const raw = await echoClient(rawSocket);
    const relayed = await echoClient(relaySocket);
    return {
      relayFn: relayed.fn,
      kernelFn: pinger.fn,
      rawFn: raw.fn,
      close: async () => {
        await pinger.stop();
        raw.sock.destroy();
        relayed.sock.destroy();
        relayChild.stdin.end();
        task.session.close();
        await new Promise((resolve) => {
          if (child.exitCode !== null) resolve();
          else child.once('exit', resolve);
        });
        kernel.stdin.end();
        await new Promise((resolve) => {
          if (kernel.exitCode !== null) resolve();
          else kernel.once('exit', resolve);
        });
        process.off('exit', cleanUp);
        cleanUp();
      },
    };
  } catch (e) {
    cleanUp();
    process.off('exit', cleanUp);
    throw e;
  }
}

export async function run(cfg) {
  const m = meta[0];
  const { r, unmeasurable } = await measureFixture(setUp, (fx) => ({ baseline: fx.relayFn, machport: fx.kernelFn, raw: fx.rawFn }), cfg);
  if (unmeasurable !== undefined) return [compareRow({ ...m, unmeasurable })];
  const rawNs = r.raw.median;
  const us = (ns) => `${(ns / 1000).toFixed(1)} µs`;
  const extra = {
    raw_ns: rawNs,
    raw_samples: r.raw.samples,
    raw_over_kernel: rawNs / r.machport.median,
    relay_over_raw: r.baseline.median / rawNs,
    summary: `a raw Unix-socket round trip between the same two processes (two hops) takes ${us(rawNs)}: raw / kernel = ${(rawNs / r.machport.median).toFixed(2)}; the relay alone takes ${(r.baseline.median / rawNs).toFixed(2)}× the raw round trip, so no process in the middle gets within 2× of it (the two-process figure is kernel-host-embedded-rtt-64B)`,
  };
  return [compareRow({ ...m, machport: r.machport, base: r.baseline, extra })];
}

/** The machport body alone, for profiling (bench/profile.js). */
export const profileBodies = {
  'kernel-host-rtt-64B': async () => {
    const fx = await setUp();
    return { fn: fx.kernelFn, close: fx.close };
  },
};
