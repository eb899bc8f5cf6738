// No leaks after 1,000 messages carrying rights: both tasks' name spaces end exactly as
// they began, and the kernel's invariants hold.
import { expect, it } from 'vitest';
import { ReceiveRight, type Message } from '../../lib/rights/index.js';
import { checkInvariants, connect, space, world } from './helpers.js';

it('1,000 messages with rights, replies and OOL memory leave no name behind', async () => {
  const w = world();
  const { a, b } = w;
  const { service, client } = connect(w);
  service.qlimit = 64;
  const aBefore = space(a);
  const bBefore = space(b);

  let handled = 0;
  const server = (async () => {
    for await (using msg of service) {
      handled++;
      const i = msg.id;
      // Vary what the server does with the rights: keep some, forward some, drop the rest.
      if (i % 3 === 0) {
        using kept = msg.takeSend(0);
        void kept;
      }
      if (i % 5 === 0 && msg.ports[1]?.kind === 'receive') {
        using r = msg.takeReceive(1);
        void r;
      }
      if (i % 2 === 0) await msg.reply({ body: 'ok', ports: i % 4 === 0 && !msg.ports[0]!.taken ? [msg.movePort(0)] : [] });
      // else: closing the message destroys the reply right → MACH_NOTIFY_SEND_ONCE to the client
      void (msg satisfies Message);
    }
  })();

  using inbox = ReceiveRight.allocate({ api: a, qlimit: 64 });
  const ool = new Uint8Array(300).fill(7);
  for (let i = 0; i < 1000; i++) {
    const carried = ReceiveRight.allocate({ api: a });
    using token = inbox.makeSendRight();
    await client.send({
      id: i,
      ports: [token.copySend(), carried.moveReceive()],
      ool: [ool],
      oolPorts: [[inbox.makeSend(), inbox.makeSend()]],
      reply: inbox.makeSendOnce(),
    });
    expect(carried.state).toBe('moved');
    // Every message produces exactly one answer on inbox: a reply or a send-once notification.
    using answer = await inbox.receive({ timeout: 5000 });
    expect(answer.id === i + 100 || answer.id === 71).toBe(true);
  }
  expect(handled).toBe(1000);
  expect(inbox.status().mps_msgcount).toBe(0);
  inbox.close();
  expect(space(a)).toEqual(aBefore);
  expect(space(b)).toEqual(bBefore);
  checkInvariants(w.kernel);

  service.close();
  await server;
  client.close();
  checkInvariants(w.kernel);
});
