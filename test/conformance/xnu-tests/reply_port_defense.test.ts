/**
 * Port of xnu:tests/reply_port_defense.c with its client reply_port_defense_client.c
 * (xnu-11417). Apple's client binaries are hardened; in XNU only a hardened binary's
 * MPO_REPLY_PORT ports get reply-port semantics (immovable receive, restricted send
 * rights); for other tasks they are provisional reply ports, which are movable
 * (xnu:osfmk/ipc/ipc_port.c:ipc_port_init). MachApi tasks are ordinary processes, so
 * the cases asserting reply-port guards are not portable; the provisional-port case is.
 */
import { expect } from 'vitest';
import { MachGuardError } from '../../../lib/errors.js';
import { conformance, suite } from '../harness.js';
import { C, msg, portDesc, portWithSend, settle } from '../helpers.js';
import { notPortable, xnuTest } from './xnu.js';

const FILE = 'reply_port_defense.c';
const HARDENED = 'needs a hardened-binary task (MPO_REPLY_PORT has reply-port semantics only there, xnu:osfmk/ipc/ipc_port.c:ipc_port_init); MachApi tasks are ordinary processes and have no exception port to observe the guard';

suite('xnu tests/reply_port_defense.c', () => {
  conformance(
    'provisional reply ports are movable: MOVE_RECEIVE of an MPO_PROVISIONAL_REPLY_PORT port in a port descriptor raises no guard exception',
    `${xnuTest(FILE, 'test_move_provisional_reply_port')} (client test 4); xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin (only ip_is_reply_port refuses)`,
    async ({ api, task }) => {
      const server = portWithSend(api);
      const reply = api.mach_port_construct(task, { flags: C.MPO_PROVISIONAL_REPLY_PORT | C.MPO_INSERT_SEND_RIGHT }, 0n);
      const r = await settle(api.mach_msg(msg(server, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [portDesc(reply, C.MACH_MSG_TYPE_MOVE_RECEIVE)] }), C.MACH_SEND_MSG));
      // Apple's parent expects no exception (code 0) and a clean child exit.
      expect(r.ok ? undefined : r.error).not.toBeInstanceOf(MachGuardError);
    },
  );

  notPortable('moving the receive right of a reply port raises kGUARD_EXC_IMMOVABLE', FILE, 'reply_port_defense (client test 0)', HARDENED);
  notPortable('insert_right(MAKE_SEND_ONCE) on a reply port raises kGUARD_EXC_INVALID_RIGHT', FILE, 'reply_port_defense (client test 1)', HARDENED);
  notPortable('sending through a reply port\'s send right raises kGUARD_EXC_INVALID_RIGHT', FILE, 'reply_port_defense (client test 2)', HARDENED);
  notPortable('MOVE_SEND of a reply port\'s send right raises kGUARD_EXC_INVALID_RIGHT', FILE, 'reply_port_defense (client test 3)', HARDENED);
  notPortable(
    'thread_set_exception_ports / thread_set_state / kobject calls with a bad MIG reply port / provisional reply ports on iOS',
    FILE,
    'test_unentitled_thread_set_exception_ports, test_unentitled_thread_set_state, unentitled_set_exception_ports_pass, kobject_reply_port_defense, test_alloc_provisional_reply_port',
    'threads, exception ports, entitlements and the MIG reply-port TSD are outside MachApi',
  );
});
