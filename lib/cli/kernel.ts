/**
 * `machport kernel [--socket PATH]`: run one emulated kernel in this process and serve
 * tasks of other processes over a Unix-domain socket (see docs/KERNEL-PROTOCOL.md).
 * Clients join with `MACHPORT_KERNEL=PATH` or `connectKernel(PATH)`. One line is logged
 * per client connect and disconnect. Runs until SIGINT or SIGTERM (or, with
 * --exit-with-stdin, until its standard input closes: a parent's lifeline).
 * Exit codes: 0 stopped by a signal or stdin, 1 could not listen, 2 usage error.
 * @module
 */
import { KernelHost } from '../kernel-host/host.js';
import { PROTOCOL_VERSION } from '../kernel-host/protocol.js';
import { defaultSocketPath } from '../kernel-host/socket-path.js';

/** Usage text of `machport kernel`. */
export const KERNEL_USAGE = `usage: machport kernel [--socket PATH] [--seed N] [--max-frame BYTES] [--max-backlog BYTES]
                      [--exit-with-stdin] [--quiet]

  Runs one emulated Mach kernel in this process and serves tasks of other processes over
  a Unix-domain socket. Clients join with MACHPORT_KERNEL=PATH (their default Mach API
  becomes a task of this kernel) or connectKernel(PATH) from machport/kernel-host.
  -s, --socket PATH    where to listen (default: ${defaultSocketPath()})
  --seed N             seed of the kernel's name allocation (reproducible names)
  --max-frame BYTES    largest request a client may send (default 268435456)
  --max-backlog BYTES  unread reply bytes at which a client that stopped reading is
                       disconnected (default 536870912)
  --exit-with-stdin    stop when standard input closes (for a parent that spawns the kernel)
  -q, --quiet          no connect/disconnect lines
  -h, --help           this text

exit codes: 0 stopped, 1 could not listen, 2 usage error`;

class UsageError extends Error {}

interface Parsed {
  socket: string;
  seed?: number;
  maxFrame?: number;
  maxBacklog?: number;
  exitWithStdin: boolean;
  quiet: boolean;
  help: boolean;
}

function parse(args: string[]): Parsed {
  const p: Parsed = { socket: '', exitWithStdin: false, quiet: false, help: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-s' || a === '--socket') {
      const v = args[++i];
      if (v === undefined || v === '') throw new UsageError(`${a} needs a path`);
      p.socket = v;
    } else if (a.startsWith('--socket=')) {
      p.socket = a.slice(9);
      if (p.socket === '') throw new UsageError('--socket needs a path');
    } else if (a === '--seed' || a.startsWith('--seed=')) {
      const v = a === '--seed' ? args[++i] : a.slice(7);
      if (v === undefined || !/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new UsageError(`--seed needs an integer 0..4294967295, got '${v ?? ''}'`);
      p.seed = Number(v);
    } else if (a === '--max-frame' || a.startsWith('--max-frame=') || a === '--max-backlog' || a.startsWith('--max-backlog=')) {
      const key = a.startsWith('--max-frame') ? '--max-frame' : '--max-backlog';
      const v = a === key ? args[++i] : a.slice(key.length + 1);
      if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1024 || !Number.isSafeInteger(Number(v))) throw new UsageError(`${key} needs a byte count of at least 1024, got '${v ?? ''}'`);
      if (key === '--max-frame') p.maxFrame = Number(v);
      else p.maxBacklog = Number(v);
    } else if (a === '--exit-with-stdin') p.exitWithStdin = true;
    else if (a === '-q' || a === '--quiet') p.quiet = true;
    else if (a === '-h' || a === '--help') p.help = true;
    else throw new UsageError(`unknown option '${a}'`);
  }
  if (p.socket === '') p.socket = defaultSocketPath();
  return p;
}

/** Run `machport kernel`; resolves with the exit code once the kernel stopped. */
export async function runKernel(args: string[], out: (line: string) => void): Promise<number> {
  let p: Parsed;
  try {
    p = parse(args);
  } catch (err) {
    if (err instanceof UsageError) {
      out(`machport kernel: ${err.message}\n${KERNEL_USAGE}`);
      return 2;
    }
    throw err;
  }
  if (p.help) {
    out(KERNEL_USAGE);
    return 0;
  }
  const host = new KernelHost({
    kernelOptions: p.seed !== undefined ? { seed: p.seed } : {},
    maxFrame: p.maxFrame,
    hardLimit: p.maxBacklog,
    log: p.quiet ? undefined : (line) => out(`machport kernel: ${line}`),
  });
  try {
    await host.listen(p.socket);
  } catch (err) {
    out(`machport kernel: cannot listen on ${p.socket}: ${(err as Error).message}`);
    await host.close();
    return 1;
  }
  out(`machport kernel: listening on ${p.socket} (pid ${process.pid}, protocol ${PROTOCOL_VERSION})`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (why: string): void => {
      if (stopping) return;
      stopping = true;
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      if (!p.quiet) out(`machport kernel: stopping (${why})`);
      // Stop reading the lifeline too, or the open pipe would keep this process alive.
      if (p.exitWithStdin) process.stdin.destroy();
      void host.close().then(() => resolve(0));
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    const onHup = (): void => stop('SIGHUP');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    process.on('SIGHUP', onHup);
    if (p.exitWithStdin) {
      process.stdin.on('end', () => stop('standard input closed'));
      process.stdin.on('close', () => stop('standard input closed'));
      process.stdin.on('error', () => stop('standard input closed'));
      process.stdin.resume();
    }
  });
}
