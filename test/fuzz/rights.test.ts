/**
 * Fuzz (c): random right operations — every mach_port_* call of MachApi (and the
 * bootstrap, host and task calls) with random names (own, foreign, stale, dead, NULL,
 * malformed), rights, dispositions, deltas (including the uref saturation edges),
 * flavors, counts, contexts and guards, on the caller's own task or through another
 * task's task port, with a wrong-typed argument now and then. Every call must return or
 * throw MachError / TypeError; a TypeError must leave every space unchanged; after every
 * call the kernel's invariants hold, and the teardown leaves nothing behind. The reading
 * calls are checked against the kernel: mach_port_peek leaves the queue and every space as
 * they were, and the message received right after it has the peeked id, sequence number,
 * sender and audit token, and the size the kernel held it at less 8 and 4 per port
 * descriptor; mach_port_get_srights equals the send rights counted where they are;
 * mach_port_guard_with_flags and mach_port_swap_guard change a guard exactly as XNU does,
 * and nothing when they fail.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { fuzz, timeoutFor } from './config.js';
import { argsFor, rightOpArb, runRightOp } from './ops.js';
import { orderArb, withWorld } from './world.js';

describe('fuzz: random right operations', () => {
  it(
    'every call returns or throws MachError/TypeError; TypeError changes nothing; invariants hold',
    async () => {
      await fuzz(
        'rights.random',
        fc.asyncProperty(fc.array(rightOpArb, { minLength: 1, maxLength: 12 }), orderArb, async (ops, order) => {
          await withWorld(async (w) => {
            for (const [n, op] of ops.entries()) {
              const t = w.tasks[op.task]!;
              await runRightOp(w, t, op, argsFor(w, t, op), n);
              w.outcomes.check();
              w.k.checkInvariants();
            }
          }, order);
        }),
      );
    },
    timeoutFor(),
  );
});

