// Property: whatever sequence of makes, copies, closes, moves through messages, takes and
// timed-out sends a program performs, the task's user references on a port equal the
// number of open SendRight objects naming it, and closing everything restores the space.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { MACH_PORT_RIGHT_SEND } from '../../lib/constants.js';
import { ReceiveRight, SendRight } from '../../lib/rights/index.js';
import { refs, space, world } from './helpers.js';

type Op = { kind: 'make' | 'copy' | 'close' | 'moveAndTake' | 'moveAndDrop' | 'copyInMessage' | 'timedOutMove'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('make', 'copy', 'close', 'moveAndTake', 'moveAndDrop', 'copyInMessage', 'timedOutMove'),
  pick: fc.nat(),
});

it('user references always equal the open SendRight objects', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), async (ops) => {
      const { kernel, a } = world();
      const before = space(a);
      const target = ReceiveRight.allocate({ api: a });
      const mailbox = ReceiveRight.allocate({ api: a });
      const toMailbox = mailbox.makeSendRight();
      const full = ReceiveRight.allocate({ api: a, qlimit: 1 });
      const toFull = full.makeSendRight();
      await toFull.send({ id: 0 }); // full stays full: sends to it time out
      const pool: SendRight[] = [];
      const open = () => pool.filter((s) => !s.closed);
      const pick = (n: number) => {
        const o = open();
        return o.length === 0 ? undefined : o[n % o.length];
      };

      for (const op of ops) {
        const s = pick(op.pick);
        switch (op.kind) {
          case 'make':
            pool.push(target.makeSendRight());
            break;
          case 'copy':
            if (s) pool.push(s.copy());
            break;
          case 'close':
            s?.close();
            break;
          case 'moveAndTake':
          case 'moveAndDrop': {
            if (!s) break;
            await toMailbox.send({ ports: [s.moveSend()] });
            expect(s.state).toBe('moved');
            using m = await mailbox.receive({ timeout: 1000 });
            if (op.kind === 'moveAndTake') pool.push(m.takeSend(0));
            break;
          }
          case 'copyInMessage': {
            if (!s) break;
            await toMailbox.send({ ports: [s.copySend(), target.makeSend()] });
            using m = await mailbox.receive({ timeout: 1000 });
            if (op.pick % 2 === 0) pool.push(m.takeSend(1));
            break;
          }
          case 'timedOutMove': {
            if (!s) break;
            await expect(toFull.send({ ports: [s.moveSend(), target.makeSend()] }, { timeout: 0 })).rejects.toMatchObject({ code: 'MACH_SEND_TIMED_OUT' });
            expect(s.state).toBe('open');
            break;
          }
        }
        expect(refs(a, target.name, MACH_PORT_RIGHT_SEND)).toBe(open().length);
      }

      for (const s of pool) s.close();
      for (const r of [toFull, full, toMailbox, mailbox, target]) r.close();
      expect(space(a)).toEqual(before);
      kernel.checkInvariants();
    }),
    { numRuns: 60 },
  );
});
