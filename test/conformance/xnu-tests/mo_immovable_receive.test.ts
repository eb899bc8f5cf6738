/**
 * Port of xnu:tests/mo_immovable_receive.c (xnu-11417): a client moves a guarded and an
 * unguarded receive right to a server in guarded port descriptors with
 * MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE; the server (here a peer task of the same
 * kernel that registered its port with bootstrap_register, as Apple's forked server
 * does) receives both as immovable receive rights.
 */
import { expect } from 'vitest';
import type { GuardedPortDescriptor } from '../../../lib/types.js';
import { conformance, suite } from '../harness.js';
import { C, msg, port, recv, send, status, uniqueServiceName } from '../helpers.js';
import { xnuTest } from './xnu.js';

suite('xnu tests/mo_immovable_receive.c', () => {
  conformance(
    'two MOVE_RECEIVE guarded descriptors (guarded port with its guard 0x10; unguarded port with UNGUARDED_ON_SEND) arrive as GUARDED descriptors, PORT_RECEIVE, non-null names, one shared context, both immovable (MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE)',
    `${xnuTest('mo_immovable_receive.c', 'mo_immovable_receive')}; xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyout_guarded_port_descriptor; ipc_right.c:ipc_right_copyout`,
    async ({ api, task, peer }) => {
      const server = peer();
      const stask = server.mach_task_self();
      const service = uniqueServiceName('xnu-mo-immovable');
      // server_setup: allocate, MAKE_SEND, bootstrap_register
      const sp = port(server);
      server.mach_port_insert_right(stask, sp, sp, C.MACH_MSG_TYPE_MAKE_SEND);
      server.bootstrap_register(server.bootstrap_port, service, sp);

      // client
      const dest = api.bootstrap_look_up(api.bootstrap_port, service);
      const unguarded = port(api);
      const guarded = api.mach_port_construct(task, { flags: C.MPO_CONTEXT_AS_GUARD }, 0x10n);
      const d1: GuardedPortDescriptor = { type: C.MACH_MSG_GUARDED_PORT_DESCRIPTOR, name: guarded, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE, flags: C.MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE, context: 0x10n };
      const d2: GuardedPortDescriptor = {
        type: C.MACH_MSG_GUARDED_PORT_DESCRIPTOR,
        name: unguarded,
        disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE,
        flags: C.MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE | C.MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND,
        context: 0n,
      };
      // reply field MACH_PORT_NULL with MAKE_SEND_ONCE, as Apple's client sends it
      await send(api, msg(dest, C.MACH_MSG_TYPE_COPY_SEND, { id: 1, reply: C.MACH_PORT_NULL, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE, descriptors: [d1, d2] }));

      // server
      const m = await recv(server, sp, { options: C.MACH_RCV_GUARDED_DESC });
      const got = m.descriptors as GuardedPortDescriptor[];
      expect(got.length).toBe(2);
      for (const d of got) {
        expect(d.name).not.toBe(0);
        expect(d.type).toBe(C.MACH_MSG_GUARDED_PORT_DESCRIPTOR);
        expect(d.disposition).toBe(C.MACH_MSG_TYPE_PORT_RECEIVE);
      }
      // Apple: both contexts equal the address of the receive buffer. MachApi has no
      // addresses; what is left of it is that the two contexts are one non-zero value.
      expect(got[0]!.context).not.toBe(0n);
      expect(got[1]!.context).toBe(got[0]!.context);
      for (const d of got) {
        expect(status(server, d.name).mps_flags & C.MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE).not.toBe(0);
      }
    },
    { needs: ['peer'] },
  );
});
