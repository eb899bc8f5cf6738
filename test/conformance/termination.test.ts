/**
 * Task termination: what other tasks see when a task's IPC space is torn down
 * (reference S99; xnu:osfmk/ipc/ipc_space.c:ipc_space_terminate, ipc_right.c:ipc_right_terminate).
 */
import { expect } from 'vitest';
import { MachError } from '../../lib/errors.js';
import { conformance, suite } from './harness.js';
import {
  C,
  expectEmpty,
  expectNotification,
  msg,
  notificationWord,
  port,
  portDesc,
  portWithSend,
  recv,
  requestNotification,
  send,
  sendRightIn,
  status,
  transfer,
} from './helpers.js';

const NEEDS = { needs: ['peer', 'terminate'] as ('peer' | 'terminate')[] };

suite('task termination', () => {
  conformance(
    'S99 the dying task’s receive rights are destroyed: other tasks’ send rights become dead names and their dead-name requests fire',
    'xnu:osfmk/ipc/ipc_space.c:ipc_space_terminate; ipc_right.c:ipc_right_terminate; ipc_port.c:ipc_port_dnnotify',
    async ({ api, peer, terminate }) => {
      const a = peer();
      const { send: s } = await sendRightIn(a, api);
      const n = port(api);
      requestNotification(api, s, C.MACH_NOTIFY_DEAD_NAME, n);
      terminate(a);
      expect(notificationWord(await expectNotification(api, n, C.MACH_NOTIFY_DEAD_NAME))).toBe(s);
      expect(api.mach_port_type(api.mach_task_self(), s)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(api.mach_port_get_refs(api.mach_task_self(), s, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(2);
    },
    NEEDS,
  );

  conformance(
    'S99 the dying task’s send rights are released: a port whose only sender died gets its no-senders notification',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_terminate (MACH_PORT_TYPE_SEND: ip_srights_dec → no-senders)',
    async ({ api, peer, terminate }) => {
      const a = peer();
      const { port: p } = await sendRightIn(api, a);
      const n = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_NO_SENDERS, n, 1);
      await expectEmpty(api, n);
      terminate(a);
      expect(notificationWord(await expectNotification(api, n, C.MACH_NOTIFY_NO_SENDERS))).toBe(1);
      expect(status(api, p).mps_srights).toBe(0);
    },
    NEEDS,
  );

  conformance(
    'S99/S90 every unused send-once right held by the dying task produces MACH_NOTIFY_SEND_ONCE',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_terminate (MACH_PORT_TYPE_SEND_ONCE: ipc_notify_send_once_and_unlock)',
    async ({ api, peer, terminate }) => {
      const a = peer();
      const p = port(api);
      await transfer(api, a, p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      await transfer(api, a, p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      expect(status(api, p).mps_sorights).toBe(2);
      terminate(a);
      await expectNotification(api, p, C.MACH_NOTIFY_SEND_ONCE);
      await expectNotification(api, p, C.MACH_NOTIFY_SEND_ONCE);
      expect(status(api, p).mps_sorights).toBe(0);
    },
    NEEDS,
  );

  conformance(
    'S99/S84 a receive right of the dying task with a port-destroyed request is delivered to the notify port, queued messages intact',
    'xnu:osfmk/ipc/ipc_port.c:ipc_port_destroy (pdrequest → ipc_notify_port_destroyed); ipc_right.c:ipc_right_terminate',
    async ({ api, peer, terminate }) => {
      const a = peer();
      const q = port(a);
      // a asks for q's receive right to come to api's notify port when q would die
      const n = port(api);
      const nInA = await transfer(api, a, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      a.mach_port_request_notification(a.mach_task_self(), q, C.MACH_NOTIFY_PORT_DESTROYED, 0, nInA, C.MACH_MSG_TYPE_MOVE_SEND_ONCE);
      expect(a.mach_port_get_attributes(a.mach_task_self(), q, C.MACH_PORT_RECEIVE_STATUS, 10)).toMatchObject({ mps_pdrequest: 1 });
      a.mach_port_insert_right(a.mach_task_self(), q, q, C.MACH_MSG_TYPE_MAKE_SEND);
      await send(a, msg(q, C.MACH_MSG_TYPE_COPY_SEND, { id: 0x99 }));
      const sInApi = await transfer(a, api, q, C.MACH_MSG_TYPE_COPY_SEND);
      terminate(a);
      const note = await expectNotification(api, n, C.MACH_NOTIFY_PORT_DESTROYED);
      const got = (note.descriptors[0] as { name: number; disposition: number }).name;
      expect((note.descriptors[0] as { disposition: number }).disposition).toBe(C.MACH_MSG_TYPE_PORT_RECEIVE);
      expect(got).toBe(sInApi); // the receive right merged into api's send right for q
      expect(api.mach_port_type(api.mach_task_self(), sInApi)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
      expect((await recv(api, sInApi)).header.msgh_id).toBe(0x99);
    },
    NEEDS,
  );

  conformance(
    'S99 a dead-name request the dying task made, whose notify port lives elsewhere, becomes a port-deleted notification',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_terminate (ipc_right_request_cancel → ipc_notify_port_deleted)',
    async ({ api, peer, terminate }) => {
      const a = peer();
      const target = port(api);
      const sInA = await transfer(api, a, target, C.MACH_MSG_TYPE_MAKE_SEND);
      const n = port(api);
      const soInA = await transfer(api, a, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      a.mach_port_request_notification(a.mach_task_self(), sInA, C.MACH_NOTIFY_DEAD_NAME, 0, soInA, C.MACH_MSG_TYPE_MOVE_SEND_ONCE);
      terminate(a);
      expect(notificationWord(await expectNotification(api, n, C.MACH_NOTIFY_PORT_DELETED))).toBe(sInA);
    },
    NEEDS,
  );

  conformance(
    'S99 messages queued on the dying task’s ports are destroyed with the rights they carry',
    'xnu:osfmk/ipc/ipc_port.c:ipc_port_destroy; ipc_mqueue.c:ipc_mqueue_destroy_locked; ipc_kmsg.c:ipc_kmsg_clean',
    async ({ api, peer, terminate }) => {
      const a = peer();
      const { send: qInApi } = await sendRightIn(a, api);
      const r = port(api);
      await send(api, msg(qInApi, C.MACH_MSG_TYPE_COPY_SEND, { reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE }));
      const z = portWithSend(api);
      const nz = port(api);
      requestNotification(api, z, C.MACH_NOTIFY_NO_SENDERS, nz, 1);
      await send(api, msg(qInApi, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [portDesc(z, C.MACH_MSG_TYPE_MOVE_SEND)] }));
      terminate(a);
      await expectNotification(api, r, C.MACH_NOTIFY_SEND_ONCE);
      await expectNotification(api, nz, C.MACH_NOTIFY_NO_SENDERS);
    },
    NEEDS,
  );

  conformance(
    'S99 a sender blocked on a full port of the dying task returns MACH_MSG_SUCCESS',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_send_locked; ipc_kmsg.c:ipc_kmsg_send (dead destination → success)',
    async ({ api, peer, terminate }) => {
      const a = peer();
      const { send: s } = await sendRightIn(a, api);
      for (let i = 0; i < 5; i++) await send(api, msg(s, C.MACH_MSG_TYPE_COPY_SEND), 0);
      const blocked = send(api, msg(s, C.MACH_MSG_TYPE_COPY_SEND));
      terminate(a);
      await blocked;
    },
    NEEDS,
  );

  conformance(
    'calls on a terminated task fail with a MachError (its IPC space is inactive; XNU has no caller left to answer, so the code is the emulator’s choice)',
    'xnu:osfmk/ipc/ipc_space.c:ipc_space_terminate (is_active false); ipc_right.c:ipc_right_lookup_write',
    ({ peer, terminate }) => {
      const a = peer();
      const p = port(a);
      const t = a.mach_task_self();
      terminate(a);
      expect(() => a.mach_port_allocate(t, C.MACH_PORT_RIGHT_RECEIVE)).toThrow(MachError);
      expect(() => a.mach_port_type(t, p)).toThrow(MachError);
    },
    NEEDS,
  );

  conformance(
    'terminating a task leaves the kernel consistent (invariant check) and other tasks working',
    'xnu:osfmk/ipc/ipc_space.c:ipc_space_terminate',
    async ({ api, peer, terminate, checkInvariants }) => {
      const a = peer();
      const b = peer();
      await sendRightIn(a, b);
      await sendRightIn(b, a);
      await sendRightIn(a, api);
      terminate(a);
      checkInvariants();
      const p = portWithSend(api);
      await send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 1 }));
      expect((await recv(api, p)).header.msgh_id).toBe(1);
    },
    NEEDS,
  );
});
