/**
 * `machport lookup SERVICE`: bootstrap_look_up on this process's bootstrap port, on the
 * active backend (launchd itself on macOS; on the emulator the emulated launchd of this
 * process's kernel, which knows only services its emulated tasks checked in — or, when
 * the process is a client of a kernel host (MACHPORT_KERNEL), the host's launchd, which
 * knows every client process's services).
 * Exit codes: 0 found, 1 not found or failed, 2 usage error. See docs/LSMP.md.
 * @module
 */
import { backend } from '../backend.js';
import { MachError } from '../errors.js';
import { hex32, peerJson } from '../inspect/format.js';
import { describeKernelHost, hostRef, inspectSelf, inspectTask } from '../inspect/inspect.js';
import { RemoteTask } from '../kernel-host/remote-task.js';
import type { Peer } from '../inspect/types.js';
import type { MachApi } from '../types.js';

/** Usage text of `machport lookup`. */
export const LOOKUP_USAGE = `usage: machport lookup SERVICE [--json]

  Looks SERVICE up with bootstrap_look_up on this process's bootstrap port and reports the
  send right it got (and, where it can be found, the process holding the receive right).
  On the emulator the look-up goes to the emulated launchd of this process's kernel (with
  MACHPORT_KERNEL: of the kernel host's kernel, which every client process checks in with).
  -j, --json   JSON on stdout (schema machport.lookup/1, see docs/LSMP.md)
  -h, --help   this text

exit codes: 0 found, 1 not found or failed, 2 usage error`;

/** The JSON `machport lookup --json` prints. */
export interface LookupJson {
  schema: 'machport.lookup/1';
  backend: 'native' | 'emulator';
  service: string;
  found: boolean;
  /** The send right's name in this process's space (it is released before exiting). */
  name?: string;
  /** The receive right's holder, when it could be found. */
  peer?: Omit<Peer, 'name'> & { name?: string };
  /** On failure: Darwin's code and a sentence. */
  code?: string;
  error?: string;
}

/** Run `machport lookup` with its arguments; resolves to the exit code. `api` is for tests. */
export async function runLookup(args: string[], out: (line: string) => void, api?: MachApi): Promise<number> {
  let json = false;
  const rest: string[] = [];
  for (const a of args) {
    if (a === '-j' || a === '--json') json = true;
    else if (a === '-h' || a === '--help') {
      out(LOOKUP_USAGE);
      return 0;
    } else if (a.startsWith('-') && a.length > 1) {
      out(`machport lookup: unknown option '${a}'\n${LOOKUP_USAGE}`);
      return 2;
    } else rest.push(a);
  }
  if (rest.length !== 1 || rest[0] === '') {
    out(`machport lookup: ${rest.length === 0 ? 'which service?' : 'one service name only'}\n${LOOKUP_USAGE}`);
    return 2;
  }
  const service = rest[0]!;
  if (service.length >= 128) {
    out(`machport lookup: service names must be shorter than 128 characters (bootstrap truncates longer ones)`);
    return 2;
  }

  const task = api ?? backend.api;
  const which = task.backendName;
  const remote = task instanceof RemoteTask ? task : undefined;
  const where =
    which !== 'emulator'
      ? "native: looked up in launchd through this process's bootstrap port"
      : remote
        ? `emulator: looked up in the emulated launchd of ${describeKernelHost(hostRef(remote))}, which knows the services checked in by every task of its kernel (every client process), not macOS's launchd`
        : "emulator: looked up in the emulated launchd of this process's kernel, which knows only services checked in by this process's emulated tasks, not macOS's launchd";

  let name: number;
  try {
    name = task.bootstrap_look_up(task.bootstrap_port, service);
  } catch (e) {
    const code = e instanceof MachError ? e.code : 'KERN_FAILURE';
    const msg = e instanceof Error ? e.message : String(e);
    if (json) {
      const doc: LookupJson = { schema: 'machport.lookup/1', backend: which, service, found: false, code, error: msg };
      out(JSON.stringify(doc, null, 2));
    } else {
      out(`machport lookup: ${service}: ${msg}`);
      out(`(${where})`);
    }
    return 1;
  }

  // Who holds the receive right? For this process's own task on the active backend, or a
  // task of a kernel host (inspected there, across every task of its kernel).
  let peer: Peer | undefined;
  if (api === undefined || remote) {
    try {
      // Natively, finding the holder means reading every process: only worth trying as root.
      const me = remote ? inspectTask(remote) : inspectSelf({ peers: which === 'emulator' || process.getuid?.() === 0 });
      const entry = me.ports.find((p) => p.name === name);
      // Looked up from the task that checked it in: the send right shares the receive right's name.
      if (entry?.receive) peer = { state: 'task', pid: me.pid, process: me.process, name: entry.name, qlimit: entry.receive.qlimit, msgcount: entry.receive.msgcount };
      else peer = entry?.peer ?? undefined;
    } catch {
      peer = undefined;
    }
  }
  try {
    task.mach_port_deallocate(task.mach_task_self(), name);
  } catch {
    // the right is released with the process anyway
  }

  if (json) {
    const doc: LookupJson = { schema: 'machport.lookup/1', backend: which, service, found: true, name: hex32(name) };
    if (peer) doc.peer = peerJson(peer);
    out(JSON.stringify(doc, null, 2));
    return 0;
  }
  out(`${service}: send right ${hex32(name)}`);
  if (peer?.state === 'task') {
    const mine = peer.pid === process.pid ? ' (this process)' : '';
    out(`  receive right held by (${peer.pid ?? '-'}) ${peer.process ?? 'Unknown Process'}${mine}${peer.name !== undefined ? ` as ${hex32(peer.name)}` : ''}`);
  } else if (peer?.state === 'service') out(`  receive right held by the emulated service ${peer.process ?? '?'}`);
  else if (peer?.state === 'kernel') out('  the port is a kernel object');
  else if (peer?.state === 'dead') out('  the port is dead');
  out(`(${where})`);
  return 0;
}
