/**
 * Port of xnu:tests/kqueue_port_tests.c (xnu-11417). The Mach calls of kqueue_machport
 * are ported; every kevent assertion (EVFILT_MACHPORT registration and firing) is not
 * expressible with MachApi.
 */
import { expect } from 'vitest';
import { conformance, suite } from '../harness.js';
import { C, msg, portSet, recv, send } from '../helpers.js';
import { notPortable, xnuTest } from './xnu.js';

const FILE = 'kqueue_port_tests.c';

suite('xnu tests/kqueue_port_tests.c', () => {
  conformance(
    'the Mach side of kqueue_machport: construct(MPO_INSERT_SEND_RIGHT), allocate a set, move_member, three COPY_SEND sends (10 s timeout) each received, mach_port_destruct(mp, −1, 0), mod_refs(pset, PORT_SET, −1) all succeed',
    `${xnuTest(FILE, 'kqueue_machport')}; xnu:osfmk/ipc/mach_port.c:mach_port_construct, mach_port_destruct`,
    async ({ api, task }) => {
      const mp = api.mach_port_construct(task, { flags: C.MPO_INSERT_SEND_RIGHT }, 0n);
      const pset = portSet(api);
      api.mach_port_move_member(task, mp, pset);
      for (let i = 0; i < 3; i++) {
        // header bits: COPY_SEND remote, MOVE_SEND voucher (none)
        await send(api, msg(mp, C.MACH_MSG_TYPE_COPY_SEND, { id: 0x100, voucherDisp: C.MACH_MSG_TYPE_MOVE_SEND }), 10000);
        const m = await recv(api, mp, { timeout: 5000 });
        expect(m.header.msgh_id).toBe(0x100);
      }
      api.mach_port_destruct(task, mp, -1, 0n);
      api.mach_port_mod_refs(task, pset, C.MACH_PORT_RIGHT_PORT_SET, -1);
    },
  );

  notPortable(
    'EVFILT_MACHPORT on a port and its set fires at attach, before and after a wait, and on port / set destruction',
    FILE,
    'kqueue_machport',
    'kqueue/kevent are not in MachApi',
  );
  notPortable(
    'EVFILT_MACHPORT refuses toggling turnstile flags',
    FILE,
    'kqueue_machport_no_toggle_flags',
    'kqueue/kevent are not in MachApi',
  );
});
