/**
 * lsmp and lookup in a client of a kernel host (issue #8): the inspection goes to the
 * host's kernel — every client process's task with its real pid, peers and holders
 * resolved across them — not to the client's own (empty) in-process kernel.
 *
 * A service process A checks a service in, a holder process H looks it up and keeps the
 * send right; `machport lsmp` / `machport lookup` run as further clients (MACHPORT_KERNEL
 * set), and the library calls run in this process with a task of its own on the host.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectKernel } from '../../lib/kernel-host/connect.js';
import { METHODS } from '../../lib/kernel-host/protocol.js';
import type { RemoteTask } from '../../lib/kernel-host/remote-task.js';
import { hex32 } from '../../lib/inspect/format.js';
import { InspectError, inspectAll, inspectSelf, inspectTask, inspectTaskPorts } from '../../lib/inspect/inspect.js';
import type { LsmpJson } from '../../lib/inspect/format.js';
import { distProblem, root, spawnFixture, startKernelHost, type Fixture, type KernelChild } from './helpers.js';

const SERVICE = 'com.example.svc';
const bin = path.join(root, 'bin', 'machport.js');

// The host and the CLI run from dist/: skip (saying why) when it is not built from these sources.
const problem = distProblem(['kernel-host', 'inspect', 'cli', 'backend.ts']);
if (problem !== undefined) console.warn(`test/kernel-host/lsmp.test.ts skipped: ${problem}`);

interface Served {
  pid: number;
  title: string;
  svc: number;
  extra: number;
}

let kernel: KernelChild & { lines: string[] };
let a: Fixture;
let h: Fixture;
let served: Served;
let held: { pid: number; title: string; svc: number };
let me: RemoteTask;

/** Run the CLI (dist/) as a client of the kernel host. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, MACHPORT_KERNEL: kernel.socket, MACHPORT_BACKEND: 'emulator' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, pid: child.pid! });
    });
  });
}

function json(out: { stdout: string }): LsmpJson {
  return JSON.parse(out.stdout) as LsmpJson;
}

describe.skipIf(problem !== undefined)('lsmp and lookup in a client of a kernel host', () => {
  beforeAll(async () => {
    kernel = await startKernelHost();
    const env = { MACHPORT_KERNEL: kernel.socket, MACHPORT_BACKEND: 'emulator' };
    a = spawnFixture('lsmp-peer.mjs', ['serve', SERVICE], env);
    served = (await a.next((m) => m.svc !== undefined)) as unknown as Served;
    h = spawnFixture('lsmp-peer.mjs', ['hold', SERVICE], env);
    held = (await h.next((m) => m.svc !== undefined)) as unknown as typeof held;
    me = await connectKernel(kernel.socket, { name: 'lsmp-test' });
  }, 60_000);

  afterAll(async () => {
    me?.session.close();
    a?.kill();
    h?.kill();
    await kernel?.stop();
  });

  it('the fixtures are tasks of the kernel host', () => {
    expect(served.pid).toBe(a.pid);
    expect(held.pid).toBe(h.pid);
  });

  it('lsmp -p PID inspects that client process’s task on the host, peers resolved', async () => {
    const r = await cli(['lsmp', '-p', String(a.pid), '--json']);
    expect(r.stdout + r.stderr).not.toMatch(/no process with pid/);
    expect(r.code).toBe(0);
    const doc = json(r);
    expect(doc.backend).toBe('emulator');
    expect(doc.tasks).toHaveLength(1);
    const t = doc.tasks[0]!;
    expect(t.pid).toBe(a.pid);
    expect(t.process).toBe(served.title);
    expect(t.self).toBe(false);
    const svc = t.ports.find((p) => p.name === hex32(served.svc))!;
    expect(svc.rights).toEqual(['receive']);
    // H's send right from bootstrap_look_up is listed under A's receive right.
    expect(svc.holders).toContainEqual(expect.objectContaining({ pid: h.pid, process: held.title, name: hex32(held.svc), rights: ['send'] }));
    const extra = t.ports.find((p) => p.name === hex32(served.extra))!;
    expect(extra.rights).toEqual(['receive', 'send']);
    // The text form says it is the kernel host's kernel, naming its socket.
    const text = await cli(['lsmp', '-p', String(a.pid)]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`kernel host at ${kernel.socket}`);
    expect(text.stdout).not.toContain('in this process');
    expect(text.stdout).toContain(`Process (${a.pid}) : ${served.title}`);
  });

  it('lsmp --all --json lists every task of the host with its real pid, holders and peers across processes', async () => {
    const r = await cli(['lsmp', '--all', '--json']);
    expect(r.code).toBe(0);
    const doc = json(r);
    const pids = doc.tasks.map((t) => t.pid);
    expect(pids).toEqual(expect.arrayContaining([a.pid, h.pid, process.pid, r.pid]));
    const ta = doc.tasks.find((t) => t.pid === a.pid)!;
    const th = doc.tasks.find((t) => t.pid === h.pid)!;
    const mine = doc.tasks.filter((t) => t.self);
    expect(mine.map((t) => t.pid)).toEqual([r.pid]);
    expect(ta.self).toBe(false);
    const svc = ta.ports.find((p) => p.name === hex32(served.svc))!;
    expect(svc.holders).toContainEqual(expect.objectContaining({ pid: h.pid, name: hex32(held.svc) }));
    const send = th.ports.find((p) => p.name === hex32(held.svc))!;
    expect(send.rights).toEqual(['send']);
    expect(send.peer).toMatchObject({ state: 'task', pid: a.pid, process: served.title, name: hex32(served.svc) });
    // Every client's bootstrap port leads to the host's emulated launchd.
    for (const t of [ta, th]) expect(t.ports.some((p) => p.peer?.state === 'service')).toBe(true);
  });

  it('plain lsmp inspects the caller’s own task on the host', async () => {
    const r = await cli(['lsmp', '--json']);
    expect(r.code).toBe(0);
    const doc = json(r);
    expect(doc.tasks).toHaveLength(1);
    expect(doc.tasks[0]).toMatchObject({ pid: r.pid, self: true });
    // Its task port and its bootstrap port (a send right to the host's launchd).
    expect(doc.tasks[0]!.ports.some((p) => p.kobject?.task?.self === true)).toBe(true);
    expect(doc.tasks[0]!.ports.some((p) => p.peer?.state === 'service')).toBe(true);
    const text = await cli(['lsmp']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^machport lsmp: emulator backend.*kernel host at ${kernel.socket.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
    expect(text.stdout).not.toContain('in this process');
    expect(text.stdout).toContain(`Process (${text.pid}) : `);
    expect(text.stdout).toContain('(this process)');
  });

  it('lsmp -p with a pid the host does not know fails as ESRCH, naming the host’s tasks', async () => {
    const r = await cli(['lsmp', '-p', '2147483000']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^machport lsmp: ESRCH: no process with pid 2147483000 in the kernel host at .*\(its tasks: .*\)/m);
    expect(r.stdout).toContain(`${a.pid} ${served.title}`);
  });

  it('lookup shows the receiver: process A', async () => {
    const r = await cli(['lookup', SERVICE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`receive right held by (${a.pid}) ${served.title} as ${hex32(served.svc)}`);
    expect(r.stdout).toContain(`kernel host at ${kernel.socket}`);
    expect(r.stdout).not.toContain("this process's emulated tasks");
    const j = await cli(['lookup', SERVICE, '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout).peer).toMatchObject({ state: 'task', pid: a.pid, name: hex32(served.svc) });
  });

  it('the library calls inspect the host through a RemoteTask', () => {
    const all = inspectAll({ kernelHost: me });
    expect(all.tasks.map((t) => t.pid)).toEqual(expect.arrayContaining([a.pid, h.pid, process.pid]));
    expect(all.tasks.filter((t) => t.self).map((t) => t.process)).toEqual(['lsmp-test']);
    expect(all.kernelHost).toMatchObject({ socket: kernel.socket, pid: kernel.child.pid });
    const ta = inspectTask(a.pid, { kernelHost: me });
    expect(ta.ports.find((p) => p.name === served.svc)?.holders).toContainEqual(expect.objectContaining({ pid: h.pid }));
    // peers: false reads only the task asked for.
    const alone = inspectTask(a.pid, { kernelHost: me, peers: false });
    expect(alone.ports.find((p) => p.name === served.svc)?.holders ?? []).toEqual([]);
    const own = inspectTask(me);
    expect(own).toMatchObject({ pid: process.pid, process: 'lsmp-test', self: true });
    // The streaming form takes the RemoteTask too: the same records.
    expect([...inspectTaskPorts(me)]).toEqual(own.ports);
    expect(inspectSelf({ kernelHost: me })).toMatchObject({ pid: process.pid, process: 'lsmp-test', self: true });
    expect(() => inspectTask(2147483000, { kernelHost: me })).toThrow(InspectError);
    try {
      inspectTask(2147483000, { kernelHost: me });
    } catch (e) {
      expect(e).toMatchObject({ reason: 'no-such-process', code: 'ESRCH', pid: 2147483000 });
    }
  });

  it('the inspect method: appended after kernelCall, malformed requests are TypeErrors, the session goes on', () => {
    expect(METHODS.indexOf('inspect')).toBe(METHODS.indexOf('kernelCall') + 1);
    expect(() => me.inspect({ pid: 'x' } as never)).toThrow(TypeError);
    expect(() => me.inspect([] as never)).toThrow(TypeError);
    expect(() => me.inspect({ all: true, pid: a.pid })).toThrow(TypeError);
    const r = me.inspect({ pid: 2147483000 });
    expect(r.tasks).toEqual([]);
    expect(r.known).toEqual(expect.arrayContaining([{ pid: a.pid, process: served.title }]));
    // The receive status keeps its 64-bit context across the wire.
    const ta = me.inspect({ pid: a.pid }).tasks[0]!;
    expect(typeof ta.ports.find((p) => p.name === served.svc)!.receive!.context).toBe('bigint');
  });
});
