/**
 * Port of xnu:tests/ipc_mach_port.c (xnu-11417), T_DECL right_dedup: a client moves the
 * receive right of a port and sends send rights to it, in three orders, to a server
 * that checked in with launchd; the server must see all three rights under one name.
 * Here the server is a peer task of the same kernel with a bootstrap check-in, the
 * client is the task under test (needs: peer).
 */
import { expect } from 'vitest';
import type { MachApi, PortDescriptor } from '../../../lib/types.js';
import { conformance, suite } from '../harness.js';
import { C, msg, portDesc, recv, send, uniqueServiceName } from '../helpers.js';
import { xnuTest } from './xnu.js';

const FILE = 'ipc_mach_port.c';

/** One message to `dest` (COPY_SEND, voucher bits MOVE_SEND with no voucher) carrying `right` with `disp`. */
async function sendPort(api: MachApi, id: number, dest: number, right: number, disp: number): Promise<void> {
  await send(api, msg(dest, C.MACH_MSG_TYPE_COPY_SEND, { id, voucherDisp: C.MACH_MSG_TYPE_MOVE_SEND, descriptors: [portDesc(right, disp)] }), 10000);
}

/** Receive message `id` on `svc`; it is complex with one port descriptor of disposition `disp`; returns the name. */
async function receivePort(api: MachApi, id: number, svc: number, disp: number): Promise<number> {
  const m = await recv(api, svc);
  expect(m.header.msgh_id).toBe(id);
  expect(m.header.msgh_bits & C.MACH_MSGH_BITS_COMPLEX).not.toBe(0);
  expect(m.descriptors.length).toBe(1);
  const d = m.descriptors[0] as PortDescriptor;
  expect(d.disposition).toBe(disp);
  return d.name;
}

suite('xnu tests/ipc_mach_port.c', () => {
  conformance(
    'right deduplication: receive/send/send, send/receive/send and send/send/receive of one port land under one name in the receiver, which then holds 2 send urefs and the receive right',
    `${xnuTest(FILE, 'right_dedup')}; xnu:osfmk/ipc/ipc_object.c:ipc_object_copyout; ipc_right.c:ipc_right_reverse`,
    async ({ api, task, peer }) => {
      const server = peer();
      const stask = server.mach_task_self();
      const service = uniqueServiceName('xnu-right-dedup');
      const svc = server.bootstrap_check_in(server.bootstrap_port, service);
      const lookup = api.bootstrap_look_up(api.bootstrap_port, service);

      const orders: Array<Array<[number, number]>> = [
        [[C.MACH_MSG_TYPE_MOVE_RECEIVE, C.MACH_MSG_TYPE_PORT_RECEIVE], [C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_PORT_SEND], [C.MACH_MSG_TYPE_MOVE_SEND, C.MACH_MSG_TYPE_PORT_SEND]],
        [[C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_PORT_SEND], [C.MACH_MSG_TYPE_MOVE_RECEIVE, C.MACH_MSG_TYPE_PORT_RECEIVE], [C.MACH_MSG_TYPE_MOVE_SEND, C.MACH_MSG_TYPE_PORT_SEND]],
        [[C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_PORT_SEND], [C.MACH_MSG_TYPE_MOVE_SEND, C.MACH_MSG_TYPE_PORT_SEND], [C.MACH_MSG_TYPE_MOVE_RECEIVE, C.MACH_MSG_TYPE_PORT_RECEIVE]],
      ];
      let id = 1;
      for (const order of orders) {
        const p = api.mach_port_construct(task, { flags: C.MPO_INSERT_SEND_RIGHT }, 0n);
        const first = id;
        for (const [disp] of order) await sendPort(api, id++, lookup, p, disp);
        const names: number[] = [];
        for (let i = 0; i < order.length; i++) names.push(await receivePort(server, first + i, svc, order[i]![1]));
        expect(names[1]).toBe(names[0]);
        expect(names[2]).toBe(names[0]);
        // destroy_port(name, receive, 2 send urefs): both calls must succeed
        server.mach_port_mod_refs(stask, names[0]!, C.MACH_PORT_RIGHT_SEND, -2);
        server.mach_port_mod_refs(stask, names[0]!, C.MACH_PORT_RIGHT_RECEIVE, -1);
      }
    },
    { needs: ['peer'] },
  );
});
