/**
 * Send-once rights (reference S42–S45, S90).
 */
import { expect } from 'vitest';
import { conformance, expectMachError, suite } from './harness.js';
import {
  C,
  expectEmpty,
  expectNotification,
  isGone,
  msg,
  port,
  portDesc,
  portWithSend,
  recv,
  refs,
  send,
  sendOnce,
  sendSimple,
  status,
  typeOf,
} from './helpers.js';

suite('send-once rights', () => {
  conformance(
    'S43 messages through send-once rights ignore the queue limit (a full queue of 5 takes a 6th and 7th)',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_send_locked (MACH_MSGH_BITS_REMOTE == PORT_SEND_ONCE bypasses imq_full)',
    async ({ api, task }) => {
      const p = portWithSend(api);
      for (let i = 0; i < 5; i++) await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: i }, 0);
      await expectMachError(sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, {}, 0), 'MACH_SEND_TIMED_OUT');
      await sendSimple(api, p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE, { id: 5 }, 0);
      const o = sendOnce(api, p);
      await sendSimple(api, o, C.MACH_MSG_TYPE_MOVE_SEND_ONCE, { id: 6 }, 0);
      expect(isGone(api, o)).toBe(true);
      expect(status(api, p).mps_msgcount).toBe(7);
      const ids = [];
      for (let i = 0; i < 7; i++) ids.push((await recv(api, p)).header.msgh_id);
      expect(ids).toEqual([0, 1, 2, 3, 4, 5, 6]);
      void task;
    },
  );

  conformance(
    'S44 COPY_SEND or MOVE_SEND of a send-once name as destination → MACH_SEND_INVALID_DEST, nothing consumed',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin (COPY_SEND/MOVE_SEND need a send right); ipc_kmsg.c:ipc_kmsg_copyin_header_rights',
    async ({ api }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      await expectMachError(sendSimple(api, o, C.MACH_MSG_TYPE_COPY_SEND), 'MACH_SEND_INVALID_DEST');
      await expectMachError(sendSimple(api, o, C.MACH_MSG_TYPE_MOVE_SEND), 'MACH_SEND_INVALID_DEST');
      await expectMachError(sendSimple(api, o, C.MACH_MSG_TYPE_MAKE_SEND), 'MACH_SEND_INVALID_DEST');
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      await expectEmpty(api, p);
    },
  );

  conformance(
    'S44 COPY_SEND of a send-once name in a port descriptor → MACH_SEND_INVALID_RIGHT; insert_right(O, O, COPY_SEND) → KERN_INVALID_RIGHT',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_port_descriptor; ipc_object.c:ipc_object_insert_send_right',
    async ({ api, task }) => {
      const p = port(api);
      const q = port(api);
      const o = sendOnce(api, p);
      await expectMachError(send(api, msg(q, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [portDesc(o, C.MACH_MSG_TYPE_COPY_SEND)] })), 'MACH_SEND_INVALID_RIGHT');
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      expectMachError(() => api.mach_port_insert_right(task, o, o, C.MACH_MSG_TYPE_COPY_SEND), 'KERN_INVALID_RIGHT');
      await expectEmpty(api, q);
    },
  );

  conformance(
    'S45 a reply send-once right in a message destroyed by MACH_RCV_TOO_LARGE produces MACH_NOTIFY_SEND_ONCE on the reply port',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_clean_header; mach_msg.c:mach_msg_receive_error; ipc_notify.c:ipc_notify_send_once_and_unlock',
    async ({ api }) => {
      const p = port(api);
      const r = port(api);
      await send(api, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE, body: new Uint8Array(64) }));
      expect(status(api, r).mps_sorights).toBe(1);
      await expectMachError(recv(api, p, { size: 40 }), 'MACH_RCV_TOO_LARGE');
      await expectEmpty(api, p);
      const n = await expectNotification(api, r, C.MACH_NOTIFY_SEND_ONCE);
      expect(n.size).toBe(24);
      expect(status(api, r).mps_sorights).toBe(0);
    },
  );

  conformance(
    'replying through a received send-once right: the reply arrives with local disposition PORT_SEND_ONCE and consumes the right',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyout_header, ipc_object.c:ipc_object_copyout_dest',
    async ({ api }) => {
      const server = port(api);
      const reply = port(api);
      await send(api, msg(server, C.MACH_MSG_TYPE_MAKE_SEND, { reply, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE, id: 100 }));
      const req = await recv(api, server);
      expect(C.MACH_MSGH_BITS_REMOTE(req.header.msgh_bits)).toBe(C.MACH_MSG_TYPE_PORT_SEND_ONCE);
      const so = req.header.msgh_remote_port;
      expect(so).not.toBe(reply);
      expect(typeOf(api, so)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      await send(api, msg(so, C.MACH_MSG_TYPE_MOVE_SEND_ONCE, { id: 200 }));
      expect(isGone(api, so)).toBe(true);
      const rep = await recv(api, reply);
      expect(rep.header.msgh_id).toBe(200);
      expect(rep.header.msgh_bits).toBe(C.MACH_MSGH_BITS(0, C.MACH_MSG_TYPE_PORT_SEND_ONCE));
      expect(rep.header.msgh_local_port).toBe(reply);
      expect(status(api, reply).mps_sorights).toBe(0);
      await expectEmpty(api, reply);
    },
  );

  conformance(
    'S90 a send-once right carried in a destroyed message (port death) sends MACH_NOTIFY_SEND_ONCE',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_clean_descriptors; ipc_object.c:ipc_object_destroy; ipc_notify.c:ipc_notify_send_once_and_unlock',
    async ({ api, task }) => {
      const p = port(api);
      const y = port(api);
      const oy = sendOnce(api, y);
      await send(api, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [portDesc(oy, C.MACH_MSG_TYPE_MOVE_SEND_ONCE)] }));
      expect(isGone(api, oy)).toBe(true);
      expect(status(api, y).mps_sorights).toBe(1);
      api.mach_port_destroy(task, p);
      await expectNotification(api, y, C.MACH_NOTIFY_SEND_ONCE);
      expect(status(api, y).mps_sorights).toBe(0);
    },
  );

  conformance(
    'a send-once right whose port died in transit arrives as MACH_PORT_DEAD (disposition PORT_SEND_ONCE)',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyout_port_descriptor; ipc_object.c:ipc_object_copyout (inactive port → MACH_PORT_DEAD)',
    async ({ api, task }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      const n = port(api);
      // o travels in a message to n; p dies before n receives it
      await send(api, msg(n, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [portDesc(o, C.MACH_MSG_TYPE_MOVE_SEND_ONCE)] }));
      api.mach_port_destroy(task, p);
      const m = await recv(api, n);
      const d = m.descriptors[0] as { name: number; disposition: number };
      expect(d.name).toBe(C.MACH_PORT_DEAD);
      expect(d.disposition).toBe(C.MACH_MSG_TYPE_PORT_SEND_ONCE);
      expect(refs(api, n, C.MACH_PORT_RIGHT_RECEIVE)).toBe(1);
    },
  );
  conformance(
    'S45 an RPC (SEND|RCV) whose server destroys the reply right without replying gets MACH_NOTIFY_SEND_ONCE on its reply port (what MIG stubs report as MIG_SERVER_DIED)',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_dealloc (send-once → ipc_notify_send_once_and_unlock); MIG user stubs (msgh_id == MACH_NOTIFY_SEND_ONCE → MIG_SERVER_DIED)',
    async ({ api, task }) => {
      const server = portWithSend(api);
      const reply = port(api);
      const rpc = api.mach_msg(
        msg(server, C.MACH_MSG_TYPE_COPY_SEND, { reply, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE, id: 500 }),
        C.MACH_SEND_MSG | C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT,
        reply,
        5000,
      );
      const req = await recv(api, server);
      expect(req.header.msgh_id).toBe(500);
      api.mach_port_deallocate(task, req.header.msgh_remote_port);
      const r = await rpc;
      expect(r?.header.msgh_id).toBe(C.MACH_NOTIFY_SEND_ONCE);
      expect(r?.header.msgh_local_port).toBe(reply);
    },
  );
});
