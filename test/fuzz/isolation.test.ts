/**
 * Isolation: a task never sees or uses another task's names. A victim task holds
 * receive rights with queued messages, a port set, send and send-once rights to its own
 * ports, a dead name, armed notifications and a guarded port, and shares no right with
 * the attacker (the attacker holds no send right to any of the victim's ports, nor to
 * its task port). The attacker then makes random calls — every mach_port_* routine,
 * bootstrap/host/task calls, sends and receives — with names taken from the victim's
 * space (and random ones). Whatever it does, the victim's space is unchanged: same
 * names, rights, urefs, queue lengths, sequence numbers, make-send counts, send-right
 * counts (mach_port_get_srights), contexts and set members; and the kernel's invariants hold.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { EmulatedTask } from '../../lib/emulator/index.js';
import type { mach_port_status_t } from '../../lib/types.js';
import { fuzz, timeoutFor } from './config.js';
import { argsFor, rightOpArb, runRightOp, type RightOp } from './ops.js';
import { C, msgSpecArb, optionArb, orderArb, buildMessage, namesOf, tick, withWorld, type MsgSpec, type World } from './world.js';

/** A victim with a bit of everything, sharing nothing with the other tasks. */
async function makeVictim(v: EmulatedTask): Promise<void> {
  const self = v.mach_task_self();
  const a = v.mach_port_allocate(self, C.MACH_PORT_RIGHT_RECEIVE);
  v.mach_port_insert_right(self, a, a, C.MACH_MSG_TYPE_MAKE_SEND);
  const b = v.mach_port_allocate(self, C.MACH_PORT_RIGHT_RECEIVE);
  const set = v.mach_port_allocate(self, C.MACH_PORT_RIGHT_PORT_SET);
  v.mach_port_insert_member(self, b, set);
  v.mach_port_allocate(self, C.MACH_PORT_RIGHT_DEAD_NAME);
  v.mach_port_extract_right(self, b, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
  v.mach_port_construct(self, { flags: C.MPO_CONTEXT_AS_GUARD | C.MPO_STRICT | C.MPO_INSERT_SEND_RIGHT }, 0xfeedn);
  v.mach_port_request_notification(self, b, C.MACH_NOTIFY_NO_SENDERS, 0, a, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
  v.mach_port_request_notification(self, a, C.MACH_NOTIFY_DEAD_NAME, 0, a, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
  v.mach_port_set_context(self, a, 0x77n);
  for (let i = 0; i < 3; i++) {
    await v.mach_msg(
      { header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), msgh_remote_port: a, msgh_local_port: b, msgh_id: i }, body: new Uint8Array(4) },
      C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT,
      0,
      0,
    );
  }
}

/** Everything observable about the victim's space. */
function observe(v: EmulatedTask): string {
  const self = v.mach_task_self();
  const rows: string[] = [];
  for (const e of v.space.entries()) {
    const row = [e.name, e.bits, e.urefs].map(String);
    if ((e.bits & C.MACH_PORT_TYPE_RECEIVE) !== 0) {
      const s = v.mach_port_get_attributes(self, e.name, C.MACH_PORT_RECEIVE_STATUS) as mach_port_status_t;
      row.push(`q${s.mps_msgcount}/${s.mps_qlimit} seq${s.mps_seqno} ms${s.mps_mscount} sr${s.mps_srights} so${s.mps_sorights} pd${s.mps_pdrequest} ns${s.mps_nsrequest} f${s.mps_flags}`);
      row.push(`ctx${v.mach_port_get_context(self, e.name)} srights${v.mach_port_get_srights(self, e.name)}`);
    }
    if ((e.bits & C.MACH_PORT_TYPE_PORT_SET) !== 0) row.push(`members ${v.mach_port_get_set_status(self, e.name).join(',')}`);
    rows.push(row.join(' '));
  }
  return rows.join('\n');
}

type AttackOp = { kind: 'call'; op: RightOp } | { kind: 'send'; spec: MsgSpec; option: number; rcvIndex: number };

const attackArb: fc.Arbitrary<AttackOp> = fc.oneof(
  { weight: 3, arbitrary: rightOpArb.map((op) => ({ kind: 'call' as const, op })) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('send' as const), spec: msgSpecArb, option: optionArb, rcvIndex: fc.nat(1000) }) },
);

describe('fuzz: one task using another task’s names', () => {
  it(
    'changes nothing in the other task',
    async () => {
      await fuzz(
        'isolation.foreignNames',
        fc.asyncProperty(fc.nat(2), fc.array(attackArb, { minLength: 1, maxLength: 10 }), orderArb, async (who, ops, order) => {
          await withWorld(
            async (w: World) => {
              const victim = w.tasks[3]!;
              await makeVictim(victim);
              const attacker = w.tasks[who]!;
              const before = observe(victim);
              // Every name the attacker uses is one of the victim's (or one a pick makes up).
              const victimNames = namesOf(victim);
              const fromVictim = (p: { i: number; v: number; k: number }): number => (p.k === 11 ? p.v : victimNames[p.i % victimNames.length]!);
              for (const [n, a] of ops.entries()) {
                if (a.kind === 'call') {
                  await runRightOp(w, attacker, a.op, argsFor(w, attacker, a.op, fromVictim), n);
                } else {
                  const msg = buildMessage(w, attacker, a.spec);
                  msg.header.msgh_remote_port = fromVictim(a.spec.remote);
                  if (a.spec.local !== null) msg.header.msgh_local_port = fromVictim(a.spec.local);
                  for (const d of msg.descriptors ?? []) {
                    if (typeof d === 'object' && d !== null && 'name' in d) (d as { name: number }).name = victimNames[(d.name >>> 0) % victimNames.length]!;
                    if (typeof d === 'object' && d !== null && 'names' in d && Array.isArray(d.names)) d.names = d.names.map((x) => victimNames[(Number(x) >>> 0) % victimNames.length]!);
                  }
                  const rcv = victimNames[a.rcvIndex % victimNames.length]!;
                  w.outcomes.track(`step ${n} send by attacker`, attacker.mach_msg(msg, (a.option | C.MACH_SEND_TIMEOUT | C.MACH_RCV_TIMEOUT) >>> 0, rcv, 0, 4096));
                  await tick();
                }
                w.outcomes.check();
                w.k.checkInvariants();
                const now = observe(victim);
                if (now !== before) throw new Error(`step ${n}: the victim's space changed:\n--- before\n${before}\n--- after\n${now}`);
              }
            },
            order,
            1,
          );
        }),
      );
    },
    timeoutFor(),
  );
});
