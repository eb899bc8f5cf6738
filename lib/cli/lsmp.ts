/**
 * `machport lsmp`: the ports a task holds, in the spirit of Apple's lsmp, on the active
 * backend (the real kernel on macOS, the emulator elsewhere) or on a small emulated scene.
 * Exit codes: 0 success, 1 failure (no such process, not permitted, inspection failed),
 * 2 usage error. See docs/LSMP.md.
 * @module
 */
import { formatReport, toLsmpJson } from '../inspect/format.js';
import { InspectError } from '../inspect/errors.js';
import { buildLsmpDemoScene } from '../inspect/demo-scene.js';
import { activeInspectBackend, describeKernelHost, inspectAll, inspectSelf, inspectTask, isRoot, type InspectOptions } from '../inspect/inspect.js';
import type { InspectionReport, KernelHostRef } from '../inspect/types.js';

/** Usage text of `machport lsmp`. */
export const LSMP_USAGE = `usage: machport lsmp [-p PID | --all] [--json] [--emulator-demo]

  (no option)      this process's own task
  -p, --pid PID    the task of process PID (on macOS: needs root or the debugger entitlement
                   unless PID is this process)
  -a, --all        every task the caller may read; the others are listed with the reason
  -j, --json       JSON on stdout (schema machport.lsmp/1, see docs/LSMP.md)
  --emulator-demo  build a small emulated scene (a launchd service, two clients, a port set,
                   a dead name, a send-once reply right in flight) and inspect all its tasks
  -h, --help       this text

With MACHPORT_KERNEL (a kernel host's client) the tasks are the kernel host's: every client process's.

exit codes: 0 ok, 1 failure (no such process, not permitted), 2 usage error`;

interface Parsed {
  pid?: number;
  all: boolean;
  json: boolean;
  demo: boolean;
  help: boolean;
}

class UsageError extends Error {}

function parse(args: string[]): Parsed {
  const p: Parsed = { all: false, json: false, demo: false, help: false };
  const pidOf = (v: string | undefined): number => {
    if (v === undefined) throw new UsageError('-p needs a process id');
    if (!/^\d+$/.test(v) || Number(v) <= 0 || Number(v) > 0x7fffffff) throw new UsageError(`not a process id: '${v}'`);
    return Number(v);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-p' || a === '--pid') {
      if (p.pid !== undefined) throw new UsageError('-p given twice');
      p.pid = pidOf(args[++i]);
    } else if (a.startsWith('--pid=')) {
      if (p.pid !== undefined) throw new UsageError('-p given twice');
      p.pid = pidOf(a.slice(6));
    } else if (/^-p\d+$/.test(a)) {
      if (p.pid !== undefined) throw new UsageError('-p given twice');
      p.pid = pidOf(a.slice(2));
    } else if (a === '-a' || a === '--all') p.all = true;
    else if (a === '-j' || a === '--json') p.json = true;
    else if (a === '--emulator-demo') p.demo = true;
    else if (a === '-h' || a === '--help') p.help = true;
    else throw new UsageError(`unknown option '${a}'`);
  }
  if (p.all && p.pid !== undefined) throw new UsageError('-p and --all exclude each other');
  return p;
}

/** Run `machport lsmp` with its arguments; resolves to the exit code. `options` is for tests and embedders. */
export async function runLsmp(args: string[], out: (line: string) => void, options: InspectOptions = {}): Promise<number> {
  let p: Parsed;
  try {
    p = parse(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    out(`machport lsmp: ${e.message}\n${LSMP_USAGE}`);
    return 2;
  }
  if (p.help) {
    out(LSMP_USAGE);
    return 0;
  }

  let opts: InspectOptions = options;
  let banner: string;
  let report: InspectionReport;
  let kernelHost: KernelHostRef | undefined;
  try {
    if (p.demo) {
      const scene = await buildLsmpDemoScene();
      opts = { ...options, backend: 'emulator', kernel: scene.kernel };
      banner =
        'machport lsmp: emulated scene (--emulator-demo): a service checked in with launchd, two clients with send rights, ' +
        'a port set, a dead name and send-once reply rights in flight, on a fresh emulated XNU kernel (not the real kernel).';
      if (p.pid === undefined && !p.all) p.all = true;
    } else {
      const b = activeInspectBackend(options);
      kernelHost = b.kernelHost;
      const where = kernelHost
        ? `the emulated XNU kernel of ${describeKernelHost(kernelHost)} (pid ${kernelHost.pid}), shared by its client processes`
        : "machport's emulated XNU kernel in this process";
      banner = b.name === 'emulator' ? `machport lsmp: emulator backend${b.reason ? ` (${b.reason})` : ''}: these are ports of ${where}, not of the real kernel.` : '';
    }
    if (p.all) report = inspectAll(opts);
    else {
      const t = p.pid !== undefined ? inspectTask(p.pid, opts) : inspectSelf(opts);
      report = { backend: t.backend, tasks: [t], unreadable: [] };
      if (kernelHost) report.kernelHost = kernelHost;
    }
  } catch (e) {
    if (e instanceof InspectError) {
      out(`machport lsmp: ${e.message}`);
      return 1;
    }
    out(`machport lsmp: ${(e instanceof Error ? e.message : String(e)).replace(/^machport: /, '')}`);
    return 1;
  }

  if (p.json) {
    out(JSON.stringify(toLsmpJson(report), null, 2));
    return 0;
  }
  if (report.backend === 'native' && !p.all && !isRoot()) {
    banner = 'warning: not running as root: rights leading to other processes show as (-) Unknown Process (run with sudo to cross-reference them, as lsmp does).';
  }
  if (banner) out(`${banner}\n`);
  for (const line of formatReport(report)) out(line);
  return 0;
}
