/**
 * Death of a port and dead names (reference S36–S41, lazy conversion §0.7).
 */
import { expect } from 'vitest';
import { conformance, expectMachError, suite } from './harness.js';
import {
  C,
  expectEmpty,
  expectNotification,
  isGone,
  isPending,
  msg,
  namesMap,
  notificationWord,
  port,
  portDesc,
  portWithSend,
  refs,
  requestNotification,
  send,
  sendOnce,
  sendRightIn,
  sendSimple,
  status,
  typeOf,
} from './helpers.js';

suite('dead names', () => {
  conformance(
    'S36 when the receiver destroys the port, the holder’s send right reads as a dead name with the same urefs',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_check, ipc_right_delta, ipc_right_dealloc',
    async ({ api, peer }) => {
      const b = peer();
      const { port: p, send: s } = await sendRightIn(b, api);
      const task = api.mach_task_self();
      api.mach_port_mod_refs(task, s, C.MACH_PORT_RIGHT_SEND, 1);
      b.mach_port_mod_refs(b.mach_task_self(), p, C.MACH_PORT_RIGHT_RECEIVE, -1);
      expect(typeOf(api, s)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(refs(api, s, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(2);
      expect(refs(api, s, C.MACH_PORT_RIGHT_SEND)).toBe(0);
      expectMachError(() => api.mach_port_mod_refs(task, s, C.MACH_PORT_RIGHT_SEND, -1), 'KERN_INVALID_RIGHT');
      api.mach_port_deallocate(task, s);
      expect(refs(api, s, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
      api.mach_port_mod_refs(task, s, C.MACH_PORT_RIGHT_DEAD_NAME, -1);
      expect(isGone(api, s)).toBe(true);
    },
    { needs: ['peer'] },
  );

  conformance(
    'S36 a send-once right whose port died reads as a dead name with one uref (get_refs, mach_port_names)',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_check; mach_port.c:mach_port_get_refs, mach_port_names_helper',
    ({ api, task }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
      expect(namesMap(api).get(o)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(refs(api, o, C.MACH_PORT_RIGHT_SEND_ONCE)).toBe(0);
      expect(refs(api, o, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    },
  );

  conformance(
    'S36 mod_refs(DEAD_NAME, −1) on a send right whose port is still alive → KERN_INVALID_RIGHT',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_delta MACH_PORT_RIGHT_DEAD_NAME (ipc_right_check false)',
    ({ api, task }) => {
      const p = portWithSend(api);
      expectMachError(() => api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_DEAD_NAME, -1), 'KERN_INVALID_RIGHT');
      const o = sendOnce(api, p);
      expectMachError(() => api.mach_port_mod_refs(task, o, C.MACH_PORT_RIGHT_DEAD_NAME, -1), 'KERN_INVALID_RIGHT');
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
    },
  );

  conformance(
    'S37 a dead-name request on a send right: on death MACH_NOTIFY_DEAD_NAME (id 72, 36 bytes, the name) and one extra uref (3)',
    'xnu:osfmk/ipc/ipc_port.c:ipc_port_dnnotify; ipc_right.c:ipc_right_check; xnu:osfmk/man/MP_request_notification.html',
    async ({ api, peer }) => {
      const b = peer();
      const task = api.mach_task_self();
      const { port: p, send: s } = await sendRightIn(b, api);
      api.mach_port_mod_refs(task, s, C.MACH_PORT_RIGHT_SEND, 1);
      const n = port(api);
      expect(requestNotification(api, s, C.MACH_NOTIFY_DEAD_NAME, n)).toBe(C.MACH_PORT_NULL);
      expect(typeOf(api, s)).toBe((C.MACH_PORT_TYPE_SEND | C.MACH_PORT_TYPE_DNREQUEST) >>> 0);
      b.mach_port_mod_refs(b.mach_task_self(), p, C.MACH_PORT_RIGHT_RECEIVE, -1);
      const note = await expectNotification(api, n, C.MACH_NOTIFY_DEAD_NAME);
      expect(note.size).toBe(36);
      expect(notificationWord(note)).toBe(s);
      expect(typeOf(api, s)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(refs(api, s, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(3);
    },
    { needs: ['peer'] },
  );

  conformance(
    'S37 a dead-name request on a send-once right: notification on death, the dead name has 2 urefs',
    'xnu:osfmk/ipc/ipc_port.c:ipc_port_dnnotify; ipc_right.c:ipc_right_check (+1 for the request)',
    async ({ api, task }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      const n = port(api);
      requestNotification(api, o, C.MACH_NOTIFY_DEAD_NAME, n);
      expect(typeOf(api, o)).toBe((C.MACH_PORT_TYPE_SEND_ONCE | C.MACH_PORT_TYPE_DNREQUEST) >>> 0);
      api.mach_port_destroy(task, p);
      const note = await expectNotification(api, n, C.MACH_NOTIFY_DEAD_NAME);
      expect(notificationWord(note)).toBe(o);
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(refs(api, o, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(2);
    },
  );

  conformance(
    'S37 the dead-name notification carries the kernel’s header: bits 0x1200, remote 0, local = notify port, kernel trailer',
    'xnu:osfmk/ipc/ipc_notify.c; kern/ipc_mig.c:mach_msg_send_from_kernel; ipc_kmsg.c:ipc_kmsg_init_trailer_and_sign (KERNEL_SECURITY_TOKEN, KERNEL_AUDIT_TOKEN)',
    async ({ api, task }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      const n = port(api);
      requestNotification(api, o, C.MACH_NOTIFY_DEAD_NAME, n);
      api.mach_port_destroy(task, p);
      const m = await api.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT | C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AUDIT), n, 2000);
      if (!m) throw new Error('no notification');
      expect(m.header.msgh_id).toBe(C.MACH_NOTIFY_DEAD_NAME);
      expect(m.header.msgh_bits).toBe(0x1200);
      expect(m.header.msgh_remote_port).toBe(0);
      expect(m.header.msgh_local_port).toBe(n);
      expect(m.header.msgh_voucher_port).toBe(0);
      expect(Array.from(m.body.subarray(0, 8))).toEqual([...C.NDR_RECORD]);
      expect(m.trailer.msgh_trailer_size).toBe(52);
      expect(m.trailer.sender).toEqual({ uid: 0, gid: 1 });
      expect(m.trailer.audit).toEqual({ auid: 0, euid: 0, egid: 0, ruid: 0, rgid: 0, pid: 0, asid: 0, pidversion: 0 });
    },
  );

  conformance(
    'S38 sending to a dead name or a send right whose port died → MACH_SEND_INVALID_DEST, urefs untouched',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_header_rights; ipc_right.c:ipc_right_copyin',
    async ({ api, task }) => {
      const p = portWithSend(api);
      api.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
      await expectMachError(sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND), 'MACH_SEND_INVALID_DEST');
      await expectMachError(sendSimple(api, p, C.MACH_MSG_TYPE_MOVE_SEND), 'MACH_SEND_INVALID_DEST');
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(refs(api, p, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(2);
      const d = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME);
      await expectMachError(sendSimple(api, d, C.MACH_MSG_TYPE_MOVE_SEND_ONCE), 'MACH_SEND_INVALID_DEST');
      expect(refs(api, d, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
    },
  );

  conformance(
    'S38 an uninspected send right to a dead port: the send fails with MACH_SEND_INVALID_DEST and the name is converted in place',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin (ipc_right_check), ipc_kmsg.c:ipc_kmsg_copyin_header_rights',
    async ({ api, peer }) => {
      const b = peer();
      const { port: p, send: s } = await sendRightIn(b, api);
      b.mach_port_destroy(b.mach_task_self(), p);
      await expectMachError(sendSimple(api, s, C.MACH_MSG_TYPE_COPY_SEND), 'MACH_SEND_INVALID_DEST');
      expect(typeOf(api, s)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(refs(api, s, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
    },
    { needs: ['peer'] },
  );

  conformance(
    'S39 a send through an uninspected send-once right to a dead port succeeds; the right is consumed, the message destroyed',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_check (IPC_OBJECT_COPYIN_FLAGS_ALLOW_DEAD_SEND_ONCE); ipc_kmsg.c:ipc_kmsg_send',
    async ({ api, task }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      const r = port(api);
      api.mach_port_destroy(task, p);
      await send(api, msg(o, C.MACH_MSG_TYPE_MOVE_SEND_ONCE, { reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE }));
      expect(isGone(api, o)).toBe(true);
      // the message and its reply right are destroyed: the reply port hears MACH_NOTIFY_SEND_ONCE
      await expectNotification(api, r, C.MACH_NOTIFY_SEND_ONCE);
    },
  );

  conformance(
    'S39 …but once the right was inspected (mach_port_type converts it) the same send → MACH_SEND_INVALID_DEST',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_check; mach_port.c:mach_port_type',
    async ({ api, task }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      api.mach_port_destroy(task, p);
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      await expectMachError(sendSimple(api, o, C.MACH_MSG_TYPE_MOVE_SEND_ONCE), 'MACH_SEND_INVALID_DEST');
      expect(refs(api, o, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
    },
  );

  conformance(
    'S40 a sender blocked on a full queue returns MACH_MSG_SUCCESS when the port dies; its message is destroyed',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_send_locked (THREAD_RESTART); ipc_kmsg.c:ipc_kmsg_send (INVALID_DEST → success)',
    async ({ api, task }) => {
      const p = portWithSend(api);
      for (let i = 0; i < C.MACH_PORT_QLIMIT_DEFAULT; i++) await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, {}, 0);
      const r = port(api);
      const blocked = sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE });
      expect(await isPending(blocked)).toBe(true);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
      await blocked;
      await expectNotification(api, r, C.MACH_NOTIFY_SEND_ONCE);
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    },
  );

  conformance(
    'S41 destroying a port destroys its queued messages and the rights in them (no-senders, send-once, nested receive rights)',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_destroy_locked; ipc_kmsg.c:ipc_kmsg_clean_header, ipc_kmsg_clean_descriptors; ipc_object.c:ipc_object_destroy',
    async ({ api, task }) => {
      const p = port(api);
      const x = portWithSend(api); // its only send right travels in the message
      const nx = port(api);
      requestNotification(api, x, C.MACH_NOTIFY_NO_SENDERS, nx, 1);
      const y = port(api);
      const z = port(api);
      const oz = sendOnce(api, z);
      await send(
        api,
        msg(p, C.MACH_MSG_TYPE_MAKE_SEND, {
          reply: y,
          replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE,
          descriptors: [portDesc(x, C.MACH_MSG_TYPE_MOVE_SEND), portDesc(z, C.MACH_MSG_TYPE_MOVE_RECEIVE)],
        }),
      );
      expect(typeOf(api, x)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      expect(isGone(api, z)).toBe(true);
      await expectEmpty(api, nx);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
      expect(notificationWord(await expectNotification(api, nx, C.MACH_NOTIFY_NO_SENDERS))).toBe(1);
      await expectNotification(api, y, C.MACH_NOTIFY_SEND_ONCE);
      expect(typeOf(api, oz)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(status(api, y).mps_sorights).toBe(0);
    },
  );

  conformance(
    'S41 a receive right inside a queued message with a port-destroyed request goes to its notify port when the carrier dies',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_destroy; ipc_port.c:ipc_port_destroy (pdrequest → ipc_notify_port_destroyed)',
    async ({ api, task }) => {
      const p = port(api);
      const z = port(api);
      const n = port(api);
      requestNotification(api, z, C.MACH_NOTIFY_PORT_DESTROYED, n);
      await send(api, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [portDesc(z, C.MACH_MSG_TYPE_MOVE_RECEIVE)] }));
      api.mach_port_destroy(task, p);
      const note = await expectNotification(api, n, C.MACH_NOTIFY_PORT_DESTROYED);
      const d = note.descriptors[0] as { name: number; disposition: number };
      expect(d.disposition).toBe(C.MACH_MSG_TYPE_PORT_RECEIVE);
      expect(typeOf(api, d.name)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
  );
});
