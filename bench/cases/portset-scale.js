/**
 * portset-scale: receiving from a port set of 10,000 members vs a set of 1 member, with
 * exactly one message waiting.
 *
 * One task holds a port set and N receive rights inserted in it. Each operation sends
 * one message (MAKE_SEND from the receive right) to a member — rotating through all N
 * members — and then receives it through the set (MACH_RCV_MSG on the set's name). Only
 * the receive is timed (process.hrtime around each awaited receive), so the row is the
 * cost of one set receive with one message waiting; the timer's own cost is in both
 * sizes alike. ratio = cost at 10,000 members / cost at 1 member.
 *
 * Both sets live in the same process while the row is measured (samples alternate), so
 * the row compares the set receive itself, not the state of two different processes.
 */
import { measureSideBySide } from '../lib/measure.js';
import { loadEmulator, Unavailable } from '../lib/machport.js';
import { scaleRow } from '../lib/rows.js';

export const meta = [
  { name: 'portset-scale', kind: 'scale', baseline: 'same receive, set of 1 member', target: 1.5 },
];

const now = () => process.hrtime.bigint();

async function setFixture(members) {
  const { Kernel, C } = await loadEmulator();
  const kernel = new Kernel();
  const t = kernel.createTask({ name: `pset-${members}` });
  const self = t.mach_task_self();
  const pset = t.mach_port_allocate(self, C.MACH_PORT_RIGHT_PORT_SET);
  const ports = new Array(members);
  for (let i = 0; i < members; i++) {
    ports[i] = t.mach_port_allocate(self, C.MACH_PORT_RIGHT_RECEIVE);
    t.mach_port_insert_member(self, ports[i], pset);
  }
  const msg = {
    header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_MAKE_SEND, 0), msgh_remote_port: 0, msgh_id: 3 },
    body: new Uint8Array(16),
  };
  const SEND = C.MACH_SEND_MSG;
  const RCV = C.MACH_RCV_MSG;
  let next = 0;
  // Check once: the message sent to a member comes out of the set, on that member.
  msg.header.msgh_remote_port = ports[members - 1];
  await t.mach_msg(msg, SEND);
  const got = await t.mach_msg(undefined, RCV, pset);
  if (got.header.msgh_local_port !== ports[members - 1]) {
    throw new Error(`portset receive came from ${got.header.msgh_local_port}, not the member sent to`);
  }
  return {
    fn: async (n) => {
      let ns = 0n;
      for (let i = 0; i < n; i++) {
        msg.header.msgh_remote_port = ports[next];
        next = next + 1 === members ? 0 : next + 1;
        await t.mach_msg(msg, SEND);
        const t0 = now();
        await t.mach_msg(undefined, RCV, pset);
        ns += now() - t0;
      }
      return Number(ns);
    },
  };
}

export async function run(cfg) {
  const m = meta[0];
  const large = cfg.mode === 'tiny' ? 200 : 10_000;
  try {
    const a = await setFixture(1);
    const b = await setFixture(large);
    const r = await measureSideBySide({ small: { fn: a.fn }, large: { fn: b.fn } }, cfg);
    const extra = {
      small_members: 1,
      large_members: large,
      summary: 'both sets alive in one process, samples alternating; each op: send to a member (rotating), then time the set receive',
    };
    return [scaleRow({ ...m, small: r.small, large: r.large, extra })];
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
    return [scaleRow({ ...m, unmeasurable: e.message })];
  }
}

/** The machport body alone, for profiling (bench/profile.js): the 10,000-member set. */
export const profileBodies = { 'portset-scale': () => setFixture(10_000), 'portset-scale:1': () => setFixture(1) };
