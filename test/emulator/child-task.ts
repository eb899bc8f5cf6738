/**
 * A small program of the compiled emulator, run in a child process, for tests that
 * watch what only a whole process shows: whether it stays alive, how it ends, what the
 * collector can free. The program has in scope a task `t` of a fresh Kernel, its
 * `self`, a port `p` whose receive right and one send right `t` holds, and the
 * constants as `C`.
 * @module
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { distProblem, root } from '../kernel-host/helpers.js';

const dist = (file: string) => pathToFileURL(path.join(root, 'dist', file)).href;

/** How the child ended: its exit code (null when a signal ended it) and its output. */
export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `body` as an ES module after the prelude above, with `nodeFlags` before it on
 * the command line. Throws when dist/ is missing or older than lib/emulator.
 */
export function runWithTask(body: string, nodeFlags: string[] = []): Promise<ChildResult> {
  const problem = distProblem(['emulator']);
  if (problem !== undefined) throw new Error(`this test runs the compiled emulator in a child process: ${problem}`);
  const program = `
    import { Kernel } from ${JSON.stringify(dist('emulator/index.js'))};
    import * as C from ${JSON.stringify(dist('constants.js'))};
    const t = new Kernel().createTask({ name: 'child' });
    const self = t.mach_task_self();
    const p = t.mach_port_allocate(self, C.MACH_PORT_RIGHT_RECEIVE);
    t.mach_port_insert_right(self, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
    ${body}
  `;
  return new Promise((resolve) => {
    execFile(process.execPath, [...nodeFlags, '--input-type=module', '-e', program], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}
