/**
 * `machport lsmp` and `machport lookup`: output on the emulator, JSON schema, error
 * messages and exit codes (0 ok, 1 failure, 2 usage).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as C from '../../lib/constants.js';
import { MachError } from '../../lib/errors.js';
import { backend } from '../../lib/backend.js';
import { main } from '../../lib/cli/main.js';
import { runLsmp } from '../../lib/cli/lsmp.js';
import { runLookup } from '../../lib/cli/lookup.js';
import type { NativeIntrospection } from '../../lib/inspect/native.js';
import type { MachApi } from '../../lib/types.js';

async function run(args: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await main(args, (l) => lines.push(l));
  return { code, text: lines.join('\n') };
}

const onEmulator = process.platform !== 'darwin' || process.env.MACHPORT_BACKEND === 'emulator';

describe('machport lsmp: usage', () => {
  it('prints help with exit code 0', async () => {
    const { code, text } = await run(['lsmp', '--help']);
    expect(code).toBe(0);
    expect(text).toMatch(/^usage: machport lsmp \[-p PID \| --all\] \[--json\] \[--emulator-demo\]/);
    expect(text).toContain('exit codes: 0 ok, 1 failure');
  });

  it.each([
    [['--frobnicate'], "unknown option '--frobnicate'"],
    [['-p'], '-p needs a process id'],
    [['-p', 'abc'], "not a process id: 'abc'"],
    [['-p', '0'], "not a process id: '0'"],
    [['-p', '1', '--all'], '-p and --all exclude each other'],
    [['-p', '1', '-p', '2'], '-p given twice'],
  ])('rejects %j with exit code 2', async (args, message) => {
    const { code, text } = await run(['lsmp', ...args]);
    expect(code).toBe(2);
    expect(text).toContain(`machport lsmp: ${message}`);
    expect(text).toContain('usage: machport lsmp');
  });

  it('is listed in the top-level usage', async () => {
    const { text } = await run(['help']);
    expect(text).toMatch(/^ {2}lsmp \[-p PID \| --all\]/m);
    expect(text).toMatch(/^ {2}lookup SERVICE/m);
  });
});

describe.runIf(onEmulator)('machport lsmp on the emulator backend', () => {
  it('inspects the process’s own emulated task and says it is the emulator', async () => {
    const { code, text } = await run(['lsmp']);
    expect(code).toBe(0);
    expect(text).toMatch(/^machport lsmp: emulator backend.*: these are ports of machport's emulated XNU kernel in this process, not of the real kernel\.$/m);
    expect(text).toContain(`Process (${process.pid}) : `);
    expect(text).toContain('(this process)');
    expect(text).toMatch(/TASK-CONTROL SELF \(\d+\)/);
    expect(text).toMatch(/^total {5}= \d+$/m);
  });

  it('-p with the process’s own pid works; an unknown pid exits 1 with ESRCH', async () => {
    expect((await run(['lsmp', '-p', String(process.pid)])).code).toBe(0);
    const { code, text } = await run(['lsmp', '-p', '2147483000']);
    expect(code).toBe(1);
    expect(text).toMatch(/^machport lsmp: ESRCH: no process with pid 2147483000 in the emulated kernel \(its tasks: .*\)$/);
  });

  it('--json prints the machport.lsmp/1 document', async () => {
    const { code, text } = await run(['lsmp', '--json']);
    expect(code).toBe(0);
    const doc = JSON.parse(text);
    expect(doc).toMatchObject({ schema: 'machport.lsmp/1', backend: 'emulator', unreadable: [] });
    expect(doc.tasks).toHaveLength(1);
    expect(doc.tasks[0]).toMatchObject({ pid: process.pid, self: true });
    for (const p of doc.tasks[0].ports) {
      expect(p.name).toMatch(/^0x[0-9a-f]{8}$/);
      expect(p.object).toMatch(/^0x[0-9a-f]{8}$/);
      expect(Object.keys(p).sort()).toEqual(['holders', 'kobject', 'members', 'name', 'object', 'peer', 'receive', 'requests', 'rights', 'type', 'urefs']);
    }
  });

  it('--all lists every task of the process kernel', async () => {
    const { code, text } = await run(['lsmp', '--all']);
    expect(code).toBe(0);
    expect(text).toContain(`Process (${process.pid})`);
  });
});

describe('machport lsmp --emulator-demo', () => {
  const golden = (f: string) => readFileSync(fileURLToPath(new URL(`../inspect/golden/${f}`, import.meta.url)), 'utf8');

  it('prints the scene’s table (the golden one) after saying what it is', async () => {
    const { code, text } = await run(['lsmp', '--emulator-demo']);
    expect(code).toBe(0);
    const [banner, blank, ...rest] = text.split('\n');
    expect(banner).toMatch(/^machport lsmp: emulated scene \(--emulator-demo\): a service checked in with launchd, .*not the real kernel\)\.$/);
    expect(blank).toBe('');
    expect(rest.join('\n') + '\n').toBe(golden('demo-scene.txt'));
  });

  it('--json prints the scene’s golden JSON', async () => {
    const { code, text } = await run(['lsmp', '--emulator-demo', '--json']);
    expect(code).toBe(0);
    expect(text + '\n').toBe(golden('demo-scene.json'));
  });

  it('-p picks one task of the scene; a pid not in it exits 1', async () => {
    const one = await run(['lsmp', '--emulator-demo', '-p', '1001']);
    expect(one.code).toBe(0);
    expect(one.text).toContain('Process (1001) : demo-client-1');
    expect(one.text).not.toContain('Process (1000)');
    const none = await run(['lsmp', '--emulator-demo', '-p', '999']);
    expect(none.code).toBe(1);
    expect(none.text).toBe('machport lsmp: ESRCH: no process with pid 999 in the emulated kernel (its tasks: 1000 demo-server, 1001 demo-client-1, 1002 demo-client-2)');
  });
});

describe('machport lsmp on the native backend (fake primitives)', () => {
  const refusing: NativeIntrospection = {
    listPids: () => [1, process.pid],
    procName: (pid) => (pid === 1 ? 'launchd' : 'node'),
    task_read_for_pid: () => {
      throw new MachError(C.KERN_FAILURE, 'task_read_for_pid');
    },
    mach_port_space_info: () => ({ table_info: [{ iin_name: 0x103, iin_type: C.MACH_PORT_TYPE_SEND, iin_urefs: 1, iin_object: 0x77 }] }),
  };
  const api = {
    backendName: 'native',
    mach_task_self: () => 0x103,
    mach_port_kobject: () => ({ object_type: C.IKOT_TASK_CONTROL, object_addr: 0n }),
    mach_port_deallocate: () => undefined,
  } as unknown as MachApi;
  const native = { api, introspection: refusing };

  it('not permitted: exit 1 and the privilege needed', async () => {
    const lines: string[] = [];
    const other = process.pid === 1 ? 2 : 1;
    const code = await runLsmp(['-p', String(other)], (l) => lines.push(l), { native });
    expect(code).toBe(1);
    expect(lines.join('\n')).toMatch(
      new RegExp(`^machport lsmp: KERN_FAILURE: task_read_for_pid\\(${other}\\) was refused: .*needs root \\(run with sudo\\) or the com\\.apple\\.security\\.cs\\.debugger entitlement`),
    );
  });

  it.runIf(process.platform !== 'darwin')('asking for the native backend off macOS: exit 1 and why', async () => {
    const lines: string[] = [];
    expect(await runLsmp(['-p', '1'], (l) => lines.push(l), { backend: 'native' })).toBe(1);
    expect(lines.join('\n')).toBe(`machport lsmp: the native backend is not available: the native backend needs macOS (this is ${process.platform})`);
  });

  it('no such process: exit 1', async () => {
    const lines: string[] = [];
    expect(await runLsmp(['-p', '2147483000'], (l) => lines.push(l), { native })).toBe(1);
    expect(lines.join('\n')).toBe('machport lsmp: ESRCH: no process with pid 2147483000');
  });

  it('--all: exit 0, readable tasks shown, the rest listed with the reason (table and JSON)', async () => {
    const lines: string[] = [];
    expect(await runLsmp(['--all'], (l) => lines.push(l), { native })).toBe(0);
    const text = lines.join('\n');
    expect(text).not.toContain('emulator');
    expect(text).toContain(`Process (${process.pid}) : node (this process)`);
    if (process.pid !== 1) {
      expect(text).toMatch(/^Could not read 1 process:\n {2}\(1\) launchd: KERN_FAILURE: task_read_for_pid\(1\) was refused: /m);
      const json: string[] = [];
      expect(await runLsmp(['--all', '--json'], (l) => json.push(l), { native })).toBe(0);
      const doc = JSON.parse(json.join('\n'));
      expect(doc.backend).toBe('native');
      expect(doc.unreadable).toEqual([
        expect.objectContaining({ pid: 1, process: 'launchd', reason: 'not-permitted', code: 'KERN_FAILURE', kr: 5, error: expect.stringMatching(/^KERN_FAILURE: /) }),
      ]);
    }
  });
});

describe('machport lookup', () => {
  it('usage errors exit 2; help exits 0', async () => {
    expect((await run(['lookup'])).code).toBe(2);
    expect((await run(['lookup', 'a', 'b'])).code).toBe(2);
    expect((await run(['lookup', '--bogus', 'a'])).code).toBe(2);
    expect((await run(['lookup', 'x'.repeat(128)])).code).toBe(2);
    const help = await run(['lookup', '--help']);
    expect(help.code).toBe(0);
    expect(help.text).toMatch(/^usage: machport lookup SERVICE/);
  });

  function fakeTask(services: Record<string, number>): MachApi & { released: number[] } {
    const released: number[] = [];
    return {
      backendName: 'emulator',
      bootstrap_port: 0x203,
      mach_task_self: () => 0x103,
      bootstrap_look_up: (_bp: number, name: string) => {
        const n = services[name];
        if (n === undefined) throw new MachError(C.BOOTSTRAP_UNKNOWN_SERVICE, 'bootstrap_look_up');
        return n;
      },
      mach_port_deallocate: (_t: number, n: number) => void released.push(n),
      released,
    } as unknown as MachApi & { released: number[] };
  }

  it.runIf(onEmulator)('finds a service checked in on the process kernel’s launchd, with the receiver', async () => {
    const me = backend.api;
    const svc = `com.example.machport.lookup-test.${process.pid}`;
    const recv = me.bootstrap_check_in(me.bootstrap_port, svc);
    const { code, text } = await run(['lookup', svc]);
    expect(code).toBe(0);
    expect(text).toMatch(new RegExp(`^${svc.replace(/\./g, '\\.')}: send right 0x[0-9a-f]{8}$`, 'm'));
    expect(text).toContain(`receive right held by (${process.pid}) `);
    expect(text).toContain(`as 0x${recv.toString(16).padStart(8, '0')}`);
    expect(text).toContain("(emulator: looked up in the emulated launchd of this process's kernel");
    const missing = await run(['lookup', `${svc}.missing`]);
    expect(missing.code).toBe(1);
    expect(missing.text).toContain('BOOTSTRAP_UNKNOWN_SERVICE');
    me.mach_port_mod_refs(me.mach_task_self(), recv, C.MACH_PORT_RIGHT_RECEIVE, -1);
  });

  it('reports a found service, says where it looked, and releases the right', async () => {
    const task = fakeTask({ 'com.example.svc': 0x1303 });
    const lines: string[] = [];
    expect(await runLookup(['com.example.svc'], (l) => lines.push(l), task)).toBe(0);
    expect(lines[0]).toBe('com.example.svc: send right 0x00001303');
    expect(lines.join('\n')).toContain("emulator: looked up in the emulated launchd of this process's kernel");
    expect(task.released).toEqual([0x1303]);
  });

  it('an unknown service exits 1 with BOOTSTRAP_UNKNOWN_SERVICE (text and JSON)', async () => {
    const task = fakeTask({});
    const lines: string[] = [];
    expect(await runLookup(['com.example.nope'], (l) => lines.push(l), task)).toBe(1);
    expect(lines[0]).toMatch(/^machport lookup: com\.example\.nope: .*BOOTSTRAP_UNKNOWN_SERVICE/);
    const json: string[] = [];
    expect(await runLookup(['--json', 'com.example.nope'], (l) => json.push(l), task)).toBe(1);
    expect(JSON.parse(json.join('\n'))).toMatchObject({ schema: 'machport.lookup/1', service: 'com.example.nope', found: false, code: 'BOOTSTRAP_UNKNOWN_SERVICE' });
  });
});
