/**
 * Synthetic raw spaces of any size, for benches and property tests of the assembler: a
 * server task holding receive rights (some in port sets, some with no-senders requests)
 * and client tasks holding send and send-once rights to them, plus dead names.
 * `assembleInspections(syntheticSpaces(100_000))` inspects 100,000 names with cross-task
 * peer resolution, without a kernel.
 * @module
 */
import * as C from '../constants.js';
import type { RawEntry, RawTaskSpace } from './raw.js';

/** A name with index `i` and generation 0x03, as XNU hands out fresh names. */
function nameOf(index: number): number {
  return ((index << 8) | 0x03) >>> 0;
}

/**
 * Raw spaces holding `names` names in total over `tasks` tasks (at least 2): task 0 the
 * server, the others clients. Deterministic.
 */
export function syntheticSpaces(names: number, tasks = 2): RawTaskSpace[] {
  const nTasks = Math.max(2, tasks);
  const server: RawEntry[] = [];
  const serverCount = Math.max(1, Math.floor(names / 2));
  const setEvery = 64;
  let object = 1;
  const portObjects: number[] = [];
  let index = 1;
  let currentSet: RawEntry | undefined;
  for (let i = 0; i < serverCount; i++) {
    if (i % setEvery === 0 && i + 1 < serverCount) {
      currentSet = { name: nameOf(index++), type: C.MACH_PORT_TYPE_PORT_SET, urefs: 0, object: object++, members: [] };
      server.push(currentSet);
      i++;
    }
    const obj = object++;
    portObjects.push(obj);
    const e: RawEntry = {
      name: nameOf(index++),
      type: C.MACH_PORT_TYPE_RECEIVE,
      urefs: 0,
      object: obj,
      status: { qlimit: 5, msgcount: i % 3, seqno: i, mscount: 1, sorights: i % 2, srights: true, pdrequest: false, nsrequest: i % 5 === 0, flags: 0, context: 0n },
    };
    server.push(e);
    currentSet?.members!.push(e.name);
  }
  const spaces: RawTaskSpace[] = [{ backend: 'emulator', pid: 100, process: 'synthetic-server', self: false, entries: server }];
  const clientNames = names - server.length;
  const perClient = Math.ceil(Math.max(0, clientNames) / (nTasks - 1));
  let made = 0;
  for (let t = 1; t < nTasks; t++) {
    const entries: RawEntry[] = [];
    for (let j = 0; j < perClient && made < clientNames; j++, made++) {
      const obj = portObjects[(j + t) % portObjects.length]!;
      const kind = j % 10;
      const type = kind === 9 ? C.MACH_PORT_TYPE_DEAD_NAME : kind === 8 ? C.MACH_PORT_TYPE_SEND_ONCE : C.MACH_PORT_TYPE_SEND;
      entries.push({ name: nameOf(j + 1), type, urefs: type === C.MACH_PORT_TYPE_SEND ? 1 + (j % 4) : 1, object: type === C.MACH_PORT_TYPE_DEAD_NAME ? 0 : obj });
    }
    spaces.push({ backend: 'emulator', pid: 100 + t, process: `synthetic-client-${t}`, self: false, entries });
  }
  return spaces;
}
