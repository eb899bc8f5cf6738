/**
 * The `machport` command line: `demo`, and the commands other modules register.
 * Exit codes follow CLI custom: 0 success, 1 failure, 2 usage error.
 * @module
 */
import { runDemo } from './demo.js';
import { runKernel } from './kernel.js';
import { runLookup } from './lookup.js';
import { runLsmp } from './lsmp.js';

/** A CLI command: gets its own arguments and a writer, returns the exit code. */
export type Command = (args: string[], out: (line: string) => void) => Promise<number>;

const USAGE = `usage: machport <command> [options]

commands:
  demo                 two tasks exchange a service, rights, OOL memory and a reply
  lsmp [-p PID | --all] [--json] [--emulator-demo]
                       the Mach ports a task holds, with rights and peers (like Apple's lsmp)
  lookup SERVICE [--json]
                       bootstrap_look_up SERVICE on the active backend
  kernel [--socket PATH]
                       run one emulated kernel serving other processes (MACHPORT_KERNEL=PATH)
  help                 this text
`;

const commands = new Map<string, Command>([
  ['demo', (_args, out) => runDemo(out)],
  ['lsmp', (args, out) => runLsmp(args, out)],
  ['lookup', (args, out) => runLookup(args, out)],
  ['kernel', (args, out) => runKernel(args, out)],
]);

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], out: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    out(USAGE.trimEnd());
    return name === undefined ? 2 : 0;
  }
  const command = commands.get(name);
  if (!command) {
    out(`machport: unknown command '${name}'\n${USAGE.trimEnd()}`);
    return 2;
  }
  return command(rest, out);
}
