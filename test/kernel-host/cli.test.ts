/**
 * `machport kernel`: usage and exit codes, start-up time, one log line per client
 * connect and disconnect, a second kernel on a live socket refused, SIGTERM removing
 * the socket file, and clients that end by themselves (no process.exit) exiting.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.js';
import { requireDist, root, startKernelHost, tempSocketPath, until } from './helpers.js';

const bin = path.join(root, 'bin', 'machport.js');

beforeAll(() => requireDist());

describe('machport kernel', () => {
  it('prints its usage with --help (exit 0) and refuses unknown options (exit 2)', async () => {
    const lines: string[] = [];
    expect(await main(['kernel', '--help'], (l) => lines.push(l))).toBe(0);
    expect(lines.join('\n')).toMatch(/usage: machport kernel \[--socket PATH\]/);
    const bad: string[] = [];
    expect(await main(['kernel', '--bogus'], (l) => bad.push(l))).toBe(2);
    expect(bad.join('\n')).toMatch(/unknown option '--bogus'/);
    expect(await main(['kernel', '--seed', 'x'], () => {})).toBe(2);
    const help: string[] = [];
    await main(['help'], (l) => help.push(l));
    expect(help.join('\n')).toMatch(/kernel \[--socket PATH\]/);
  });

  it('starts listening quickly, logs one line per client connect and disconnect, stops on SIGTERM', async () => {
    const socket = tempSocketPath('cli');
    const t0 = Date.now();
    const kernel = await startKernelHost({ socket, quiet: false });
    const startup = Date.now() - t0;
    // Well under a second on an idle machine; generous here for loaded CI runners.
    expect(startup).toBeLessThan(5000);
    expect(kernel.lines[0]).toMatch(new RegExp(`^machport kernel: listening on .* \\(pid ${kernel.child.pid}, protocol 1\\)$`));
    // A client that connects, makes one call and ends without process.exit.
    const client = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `const KH = await import(${JSON.stringify(path.join(root, 'dist', 'kernel-host', 'index.js'))}); const t = await KH.connectKernel(${JSON.stringify(socket)}); t.mach_port_allocate(t.mach_task_self(), 1); console.log(process.pid);`],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(client.status).toBe(0);
    const pid = Number(client.stdout.trim());
    await until(() => kernel.lines.some((l) => l.includes('disconnect') && l.includes(`pid ${pid} `)), 10_000, 'the disconnect line');
    const mine = kernel.lines.filter((l) => l.includes(`pid ${pid} `));
    expect(mine).toHaveLength(2);
    expect(mine[0]).toMatch(/^machport kernel: connect: client [0-9a-f]{8} pid \d+ /);
    expect(mine[1]).toMatch(/^machport kernel: disconnect: [0-9a-f]{8} pid \d+ \(client disconnected; 1 task terminated\)$/);
    // A second kernel on the same live socket is refused.
    const second = spawnSync(process.execPath, [bin, 'kernel', '--socket', socket], { encoding: 'utf8', timeout: 30_000 });
    expect(second.status).toBe(1);
    expect(second.stdout).toMatch(/already listening/);
    // SIGTERM: a clean stop, the socket file removed.
    const exited = new Promise<number | null>((resolve) => kernel.child.once('exit', (code) => resolve(code)));
    kernel.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(socket)).toBe(false);
    await kernel.stop();
  });

  it('exits with the stdin lifeline when its parent goes away', async () => {
    const socket = tempSocketPath('lifeline');
    const child = spawn(process.execPath, [bin, 'kernel', '--socket', socket, '--exit-with-stdin', '--quiet'], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdin!.end();
    expect(await exited).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });
});
