/**
 * Port of xnu:tests/ipc/port_peek.c (xnu-11417): a 24+512-byte message is sent, peeked at
 * with an audit trailer, then received.
 */
import { expect } from 'vitest';
import { conformance, suite } from '../../harness.js';
import { C, msg, pattern, port, recv, send } from '../../helpers.js';
import { xnuTest } from '../xnu.js';

const FILE = 'ipc/port_peek.c';

suite('xnu tests/ipc/port_peek.c', () => {
  conformance(
    'a 24+512-byte message sent with a MAKE_SEND destination (id 0x41414141) is accepted, and receiving it into a 24+512+128-byte buffer succeeds',
    `${xnuTest(FILE, 'mach_port_peek')}; xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_send`,
    async ({ api }) => {
      const p = port(api);
      await send(api, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { id: 0x41414141, body: pattern(512) }));
      await recv(api, p, { size: 24 + 512 + 128 });
    },
  );

  conformance(
    'mach_port_peek (seqno 0, audit trailer) returns the queued message\'s msgh_id and its kernel size (send size + 8); the message is then received',
    `${xnuTest(FILE, 'mach_port_peek')}; xnu:osfmk/ipc/mach_port.c:mach_port_peek; ipc_kmsg.c:ipc_kmsg_get_and_inflate_from_user (USER_HEADER_SIZE_DELTA)`,
    async ({ api, task }) => {
      const p = port(api);
      const sendSize = 24 + 512;
      await send(api, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { id: 0x41414141, body: pattern(512) }));
      const tlrtype = (C.MACH_RCV_TRAILER_TYPE(C.MACH_MSG_TRAILER_FORMAT_0) | C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AUDIT)) >>> 0;
      const peeked = api.mach_port_peek(task, p, tlrtype, 0);
      expect(peeked.msg_id).toBe(0x41414141);
      expect(peeked.msg_size).toBe(sendSize + 8);
      expect(peeked.trailer_size).toBe(52);
      const m = await recv(api, p, { size: 24 + 512 + 128 });
      expect(m.header.msgh_id).toBe(0x41414141);
    },
  );
});
