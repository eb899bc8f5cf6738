/**
 * Port of xnu:tests/ipc/mach_msg2.c (xnu-11417). MachApi's mach_msg is the scalar form,
 * so of mach_msg2_interop only the scalar-send / scalar-receive cases are expressible
 * (Apple's cases 9, 10, 13 and 14 differ only in which trap sends or receives); the
 * vector and auxiliary-data cases, and the kevent workloop receive, are not.
 */
import { expect } from 'vitest';
import { conformance, suite } from '../../harness.js';
import { C, msg, port, recv, send } from '../../helpers.js';
import { notPortable, xnuTest } from '../xnu.js';

const FILE = 'ipc/mach_msg2.c';
const DATA = 0xdeadcafedeadfacen;

suite('xnu tests/ipc/mach_msg2.c', () => {
  conformance(
    'scalar send, scalar receive (4 times): the 8-byte payload, remote = the MAKE_SEND reply port\'s name, local = the receiving port, id 4141',
    `${xnuTest(FILE, 'mach_msg2_interop')} (cases 9, 10, 13, 14); xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyout_header`,
    async ({ api, task }) => {
      const sendPort = port(api);
      const rcvPort = port(api);
      api.mach_port_insert_right(task, rcvPort, rcvPort, C.MACH_MSG_TYPE_MAKE_SEND);
      const body = new Uint8Array(8);
      new DataView(body.buffer).setBigUint64(0, DATA, true);
      for (let i = 0; i < 4; i++) {
        await send(api, msg(rcvPort, C.MACH_MSG_TYPE_COPY_SEND, { reply: sendPort, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND, id: 4141, body }));
        const m = await recv(api, rcvPort, { size: 256 });
        expect(new DataView(m.body.buffer, m.body.byteOffset, m.body.byteLength).getBigUint64(0, true)).toBe(DATA);
        expect(m.header.msgh_remote_port).toBe(sendPort);
        expect(m.header.msgh_local_port).toBe(rcvPort);
        expect(m.header.msgh_id).toBe(4141);
      }
    },
  );

  notPortable(
    'vector sends and receives with and without auxiliary data (cases 0–8, 11, 12, 15, 16)',
    FILE,
    'mach_msg2_interop',
    'mach_msg2 message vectors and auxiliary data are not in MachApi',
  );
  notPortable('combined vector send/receive, aux size reset, MACH_RCV_TOO_LARGE without an aux vector', FILE, 'mach_msg2_combined_send_rcv', 'mach_msg2 message vectors are not in MachApi');
  notPortable('receive through a kevent workloop delivers the aux data', FILE, 'mach_msg2_kevent_rcv', 'kevent workloops and mach_msg2 vectors are not in MachApi');
});
