/**
 * Port of xnu:tests/ipc/port_peek.c (xnu-11417). mach_port_peek is not part of MachApi, so
 * only the send and the receive around it are ported; the peek's own assertions (msgh_id
 * and size of the queued message) are listed as not portable.
 */
import { conformance, suite } from '../../harness.js';
import { C, msg, pattern, port, recv, send } from '../../helpers.js';
import { notPortable, xnuTest } from '../xnu.js';

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

  notPortable(
    'mach_port_peek returns the queued message\'s msgh_id and its kernel size (send size + 8)',
    FILE,
    'mach_port_peek',
    'mach_port_peek is not in MachApi',
  );
});
