/**
 * Notifications: no-senders, port-destroyed, dead-name, port-deleted, send-possible,
 * send-once (reference S79–S90, §1.12).
 */
import { expect } from 'vitest';
import { conformance, expectMachError, suite } from './harness.js';
import {
  C,
  expectEmpty,
  expectNotification,
  isGone,
  msg,
  namesMap,
  notificationWord,
  port,
  portDesc,
  portSet,
  portWithSend,
  recv,
  refs,
  requestNotification,
  send,
  sendOnce,
  sendRightIn,
  sendSimple,
  status,
  typeOf,
  unusedName,
} from './helpers.js';

suite('notifications', () => {
  conformance(
    'S79 a no-senders request with sync 0 on a port without send rights fires at once (id 70, mscount 0, 36 bytes); nothing stays armed',
    'xnu:osfmk/ipc/ipc_port.c:ipc_port_nsrequest (srights == 0 && sync <= mscount)',
    async ({ api }) => {
      const p = port(api);
      const n = port(api);
      expect(requestNotification(api, p, C.MACH_NOTIFY_NO_SENDERS, n, 0)).toBe(C.MACH_PORT_NULL);
      const note = await expectNotification(api, n, C.MACH_NOTIFY_NO_SENDERS);
      expect(note.size).toBe(36);
      expect(notificationWord(note)).toBe(0);
      expect(note.header.msgh_bits).toBe(0x1200);
      expect(note.header.msgh_local_port).toBe(n);
      expect(status(api, p).mps_nsrequest).toBe(0);
    },
  );

  conformance(
    'S80 an armed no-senders request fires when the last send right goes (mscount 1) and is consumed (one shot)',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_dealloc; ipc_notify.c:ipc_notify_no_senders_prepare',
    async ({ api, task }) => {
      const p = portWithSend(api);
      const n = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_NO_SENDERS, n, 1);
      expect(status(api, p).mps_nsrequest).toBe(1);
      await expectEmpty(api, n);
      api.mach_port_deallocate(task, p);
      expect(notificationWord(await expectNotification(api, n, C.MACH_NOTIFY_NO_SENDERS))).toBe(1);
      expect(status(api, p).mps_nsrequest).toBe(0);
      api.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
      api.mach_port_deallocate(task, p);
      await expectEmpty(api, n);
    },
  );

  conformance(
    'S80 registering no-senders again returns the previous send-once right; deallocating it sends MACH_NOTIFY_SEND_ONCE to the old notify port',
    'xnu:osfmk/ipc/ipc_port.c:ipc_port_nsrequest (*previousp); mach_kernelrpc.c:_kernelrpc_mach_port_request_notification_trap',
    async ({ api, task }) => {
      const p = portWithSend(api);
      const n1 = port(api);
      const n2 = port(api);
      expect(requestNotification(api, p, C.MACH_NOTIFY_NO_SENDERS, n1, 1)).toBe(C.MACH_PORT_NULL);
      const prev = requestNotification(api, p, C.MACH_NOTIFY_NO_SENDERS, n2, 1);
      expect(typeOf(api, prev)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      api.mach_port_deallocate(task, prev);
      await expectNotification(api, n1, C.MACH_NOTIFY_SEND_ONCE);
      api.mach_port_deallocate(task, p);
      await expectNotification(api, n2, C.MACH_NOTIFY_NO_SENDERS);
      await expectEmpty(api, n1);
    },
  );

  conformance(
    'S80 a sync above the make-send count arms the request even without senders; set_mscount changes what no-senders reports',
    'xnu:osfmk/ipc/ipc_port.c:ipc_port_nsrequest; mach_port.c:mach_port_set_mscount',
    async ({ api, task }) => {
      const p = port(api);
      const n = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_NO_SENDERS, n, 1);
      expect(status(api, p).mps_nsrequest).toBe(1);
      await expectEmpty(api, n);
      api.mach_port_set_mscount(task, p, 41);
      expect(status(api, p).mps_mscount).toBe(41);
      api.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
      api.mach_port_deallocate(task, p);
      expect(notificationWord(await expectNotification(api, n, C.MACH_NOTIFY_NO_SENDERS))).toBe(42);
    },
  );

  conformance(
    'S81 no-senders after an in-flight send right is consumed: the destination right of a received message counts until copyout',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_copyout_dest',
    async ({ api }) => {
      const p = port(api);
      const n = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_NO_SENDERS, n, 1);
      await sendSimple(api, p, C.MACH_MSG_TYPE_MAKE_SEND, { id: 81 });
      expect(status(api, p).mps_srights).toBe(1);
      await expectEmpty(api, n);
      expect((await recv(api, p)).header.msgh_id).toBe(81);
      expect(notificationWord(await expectNotification(api, n, C.MACH_NOTIFY_NO_SENDERS))).toBe(1);
    },
  );

  conformance(
    'S82 a receive right destroyed with no-senders armed sends MACH_NOTIFY_SEND_ONCE (71), not no-senders',
    'xnu:osfmk/ipc/ipc_port.c:ipc_port_destroy (nsrequest → ipc_notify_send_once)',
    async ({ api, task }) => {
      const p = portWithSend(api);
      const n = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_NO_SENDERS, n, 1);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
      await expectNotification(api, n, C.MACH_NOTIFY_SEND_ONCE);
      await expectEmpty(api, n);
    },
  );

  conformance(
    'S83 no-senders errors: NULL/port set/send-once → KERN_INVALID_RIGHT, unknown → KERN_INVALID_NAME; the unused notify right is destroyed (MACH_NOTIFY_SEND_ONCE)',
    'xnu:osfmk/ipc/mach_port.c:mach_port_request_notification; mach_kernelrpc.c:_kernelrpc_mach_port_request_notification_trap (ipc_object_destroy on failure)',
    async ({ api }) => {
      const n = port(api);
      const s = portSet(api);
      const o = sendOnce(api, port(api));
      for (const [name, code] of [
        [C.MACH_PORT_NULL, 'KERN_INVALID_RIGHT'],
        [s, 'KERN_INVALID_RIGHT'],
        [o, 'KERN_INVALID_RIGHT'],
        [unusedName(api), 'KERN_INVALID_NAME'],
      ] as const) {
        expectMachError(() => requestNotification(api, name, C.MACH_NOTIFY_NO_SENDERS, n, 0), code);
        await expectNotification(api, n, C.MACH_NOTIFY_SEND_ONCE);
      }
      expect(status(api, n).mps_sorights).toBe(0);
    },
  );

  conformance(
    'S83 no-senders on a send-only name → KERN_INVALID_RIGHT',
    'xnu:osfmk/ipc/mach_port.c:mach_port_request_notification (ipc_port_translate_receive)',
    async ({ api, peer }) => {
      const b = peer();
      const { send: s } = await sendRightIn(b, api);
      const n = port(api);
      expectMachError(() => requestNotification(api, s, C.MACH_NOTIFY_NO_SENDERS, n, 0), 'KERN_INVALID_RIGHT');
    },
    { needs: ['peer'] },
  );

  conformance(
    'S84 port-destroyed: previous is 0; on destruction the receive right (with its queued messages, mscount/seqno reset) goes to the notify port in a 40-byte complex notification (id 69)',
    'xnu:osfmk/ipc/mach_port.c:mach_port_request_notification; ipc_port.c:ipc_port_destroy; ipc_notify.c:ipc_notify_port_destroyed',
    async ({ api, task }) => {
      const p = portWithSend(api);
      const n = port(api);
      expect(requestNotification(api, p, C.MACH_NOTIFY_PORT_DESTROYED, n)).toBe(C.MACH_PORT_NULL);
      expect(status(api, p).mps_pdrequest).toBe(1);
      api.mach_port_set_seqno(task, p, 9);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 84 });
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
      // the name keeps its send right: the port did not die
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_SEND);
      const note = await expectNotification(api, n, C.MACH_NOTIFY_PORT_DESTROYED);
      expect(note.size).toBe(40);
      expect(note.header.msgh_bits).toBe((0x1200 | C.MACH_MSGH_BITS_COMPLEX) >>> 0);
      const d = note.descriptors[0] as { type: number; name: number; disposition: number };
      expect(d.type).toBe(C.MACH_MSG_PORT_DESCRIPTOR);
      expect(d.disposition).toBe(C.MACH_MSG_TYPE_PORT_RECEIVE);
      expect(d.name).toBe(p); // coalesced with the remaining send right
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
      expect(status(api, p)).toMatchObject({ mps_pdrequest: 0, mps_mscount: 0, mps_seqno: 0, mps_msgcount: 1 });
      expect((await recv(api, p)).header.msgh_id).toBe(84);
    },
  );

  conformance(
    'S84 port-destroyed errors: sync ≠ 0 → KERN_INVALID_VALUE, a second registration → KERN_FAILURE, NULL → KERN_INVALID_RIGHT, send-once → KERN_INVALID_RIGHT',
    'xnu:osfmk/ipc/mach_port.c:mach_port_request_notification MACH_NOTIFY_PORT_DESTROYED',
    async ({ api }) => {
      const p = port(api);
      const n = port(api);
      expectMachError(() => requestNotification(api, p, C.MACH_NOTIFY_PORT_DESTROYED, n, 1), 'KERN_INVALID_VALUE');
      await expectNotification(api, n, C.MACH_NOTIFY_SEND_ONCE);
      requestNotification(api, p, C.MACH_NOTIFY_PORT_DESTROYED, n);
      expectMachError(() => requestNotification(api, p, C.MACH_NOTIFY_PORT_DESTROYED, n), 'KERN_FAILURE');
      await expectNotification(api, n, C.MACH_NOTIFY_SEND_ONCE);
      expectMachError(() => requestNotification(api, C.MACH_PORT_NULL, C.MACH_NOTIFY_PORT_DESTROYED, n), 'KERN_INVALID_RIGHT');
      expectMachError(() => requestNotification(api, sendOnce(api, p), C.MACH_NOTIFY_PORT_DESTROYED, n), 'KERN_INVALID_RIGHT');
      expect(status(api, p).mps_pdrequest).toBe(1);
    },
  );

  conformance(
    'S85 dead-name requests work on receive and send-once names; previous is 0 and the type gains MACH_PORT_TYPE_DNREQUEST',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_request_alloc; ipc_port.c:ipc_port_request_type',
    ({ api }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      const n = port(api);
      expect(requestNotification(api, p, C.MACH_NOTIFY_DEAD_NAME, n)).toBe(C.MACH_PORT_NULL);
      expect(requestNotification(api, o, C.MACH_NOTIFY_DEAD_NAME, n, 1)).toBe(C.MACH_PORT_NULL);
      expect(typeOf(api, p)).toBe((C.MACH_PORT_TYPE_RECEIVE | C.MACH_PORT_TYPE_DNREQUEST) >>> 0);
      expect(typeOf(api, o)).toBe((C.MACH_PORT_TYPE_SEND_ONCE | C.MACH_PORT_TYPE_DNREQUEST) >>> 0);
      const m = namesMap(api);
      expect(m.get(p)).toBe((C.MACH_PORT_TYPE_RECEIVE | C.MACH_PORT_TYPE_DNREQUEST) >>> 0);
      expect(status(api, n).mps_sorights).toBe(2);
    },
  );

  conformance(
    'S86 a dead-name request whose name goes away first (deallocate, destroy of a receive-only name, move in a message) yields MACH_NOTIFY_PORT_DELETED (65) with the name',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_dealloc, ipc_right_delta, ipc_right_copyin_cleanup_destroy; ipc_notify.c:ipc_notify_port_deleted',
    async ({ api, task }) => {
      const n = port(api);
      const p = port(api);
      const o = sendOnce(api, p);
      requestNotification(api, o, C.MACH_NOTIFY_DEAD_NAME, n);
      api.mach_port_deallocate(task, o);
      const d1 = await expectNotification(api, n, C.MACH_NOTIFY_PORT_DELETED);
      expect(notificationWord(d1)).toBe(o);
      expect(d1.size).toBe(36);
      await expectNotification(api, p, C.MACH_NOTIFY_SEND_ONCE);

      const q = port(api);
      requestNotification(api, q, C.MACH_NOTIFY_DEAD_NAME, n);
      api.mach_port_mod_refs(task, q, C.MACH_PORT_RIGHT_RECEIVE, -1);
      expect(notificationWord(await expectNotification(api, n, C.MACH_NOTIFY_PORT_DELETED))).toBe(q);

      const o2 = sendOnce(api, p);
      requestNotification(api, o2, C.MACH_NOTIFY_DEAD_NAME, n);
      const carrier = port(api);
      await send(api, msg(carrier, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [portDesc(o2, C.MACH_MSG_TYPE_MOVE_SEND_ONCE)] }));
      expect(notificationWord(await expectNotification(api, n, C.MACH_NOTIFY_PORT_DELETED))).toBe(o2);
      await expectEmpty(api, n);
    },
  );

  conformance(
    'S87 dead-name request errors: on a dead name → KERN_INVALID_ARGUMENT, a port set → KERN_INVALID_RIGHT, unknown → KERN_INVALID_NAME, NULL → KERN_INVALID_ARGUMENT, notify DEAD → KERN_INVALID_CAPABILITY, unknown id → KERN_INVALID_VALUE',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_request_alloc; mach_port.c:mach_port_request_notification',
    async ({ api, task }) => {
      const n = port(api);
      const d = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME);
      const s = portSet(api);
      const p = port(api);
      const DN = C.MACH_NOTIFY_DEAD_NAME;
      for (const [name, code] of [
        [d, 'KERN_INVALID_ARGUMENT'],
        [s, 'KERN_INVALID_RIGHT'],
        [unusedName(api), 'KERN_INVALID_NAME'],
        [C.MACH_PORT_NULL, 'KERN_INVALID_ARGUMENT'],
      ] as const) {
        expectMachError(() => requestNotification(api, name, DN, n, 1), code);
        await expectNotification(api, n, C.MACH_NOTIFY_SEND_ONCE);
      }
      expectMachError(() => api.mach_port_request_notification(task, p, DN, 0, C.MACH_PORT_DEAD, C.MACH_MSG_TYPE_MOVE_SEND_ONCE), 'KERN_INVALID_CAPABILITY');
      for (const id of [99, C.MACH_NOTIFY_SEND_ONCE, C.MACH_NOTIFY_PORT_DELETED]) {
        expectMachError(() => requestNotification(api, p, id, n), 'KERN_INVALID_VALUE');
        await expectNotification(api, n, C.MACH_NOTIFY_SEND_ONCE);
      }
      expect(refs(api, d, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
  );

  conformance(
    'S87 the notify right must be a send-once made from a receive right: MAKE_SEND_ONCE of a non-receive name fails',
    'xnu:osfmk/ipc/mach_kernelrpc.c:_kernelrpc_mach_port_request_notification_trap (ipc_object_copyin of notify)',
    ({ api, task }) => {
      const p = port(api);
      const s = portSet(api);
      expectMachError(() => api.mach_port_request_notification(task, p, C.MACH_NOTIFY_DEAD_NAME, 0, s, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), 'KERN_INVALID_RIGHT');
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
  );

  conformance(
    'S88 dead-name requests share one slot per name: a new one returns the previous send-once right; notify MACH_PORT_NULL cancels and returns it',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_request_alloc (ipc_right_request_cancel)',
    async ({ api, task }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      const n1 = port(api);
      const n2 = port(api);
      requestNotification(api, o, C.MACH_NOTIFY_DEAD_NAME, n1);
      const prev = requestNotification(api, o, C.MACH_NOTIFY_DEAD_NAME, n2);
      expect(typeOf(api, prev)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      api.mach_port_deallocate(task, prev);
      await expectNotification(api, n1, C.MACH_NOTIFY_SEND_ONCE);
      const prev2 = api.mach_port_request_notification(task, o, C.MACH_NOTIFY_DEAD_NAME, 0, C.MACH_PORT_NULL, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      expect(typeOf(api, prev2)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      const prev3 = api.mach_port_request_notification(task, o, C.MACH_NOTIFY_DEAD_NAME, 0, C.MACH_PORT_NULL, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      expect(prev3).toBe(C.MACH_PORT_NULL);
      api.mach_port_destroy(task, p);
      await expectEmpty(api, n2);
      api.mach_port_deallocate(task, prev2);
    },
  );

  conformance(
    'S88 a send-possible request replaces a dead-name request on the same name (one slot)',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_request_alloc',
    ({ api }) => {
      const p = portWithSend(api);
      setFull(api, p);
      const n1 = port(api);
      const n2 = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_DEAD_NAME, n1);
      const prev = requestNotification(api, p, C.MACH_NOTIFY_SEND_POSSIBLE, n2, 1);
      expect(typeOf(api, prev)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      expect(namesMap(api).get(p)).toBe((C.MACH_PORT_TYPE_SEND_RECEIVE | C.MACH_PORT_TYPE_DNREQUEST | C.MACH_PORT_TYPE_SPREQUEST) >>> 0);
    },
  );

  conformance(
    'S89a send-possible with sync 1 while the queue is not full fires at once (id 66, the name)',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_request_alloc (!ip_full → ipc_notify_send_possible)',
    async ({ api }) => {
      const p = portWithSend(api);
      const n = port(api);
      expect(requestNotification(api, p, C.MACH_NOTIFY_SEND_POSSIBLE, n, 1)).toBe(C.MACH_PORT_NULL);
      const note = await expectNotification(api, n, C.MACH_NOTIFY_SEND_POSSIBLE);
      expect(notificationWord(note)).toBe(p);
      expect(note.size).toBe(36);
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
    },
  );

  conformance(
    'S89b send-possible on a full queue is armed (mach_port_type shows DNREQUEST, mach_port_names also SPREQUEST) and fires when a message is dequeued',
    'xnu:osfmk/ipc/ipc_port.c:ipc_port_request_alloc, ipc_port_spnotify; mach_port.c:mach_port_type (SP bits masked)',
    async ({ api }) => {
      const p = portWithSend(api);
      await setFullAsync(api, p);
      const n = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_SEND_POSSIBLE, n, 1);
      await expectEmpty(api, n);
      expect(typeOf(api, p)).toBe((C.MACH_PORT_TYPE_SEND_RECEIVE | C.MACH_PORT_TYPE_DNREQUEST) >>> 0);
      expect(namesMap(api).get(p)).toBe((C.MACH_PORT_TYPE_SEND_RECEIVE | C.MACH_PORT_TYPE_DNREQUEST | C.MACH_PORT_TYPE_SPREQUEST) >>> 0);
      await recv(api, p);
      expect(notificationWord(await expectNotification(api, n, C.MACH_NOTIFY_SEND_POSSIBLE))).toBe(p);
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
    },
  );

  conformance(
    'S89c send-possible with sync 0 is delayed (SPREQUEST_DELAYED) until a MACH_SEND_NOTIFY send finds the queue full; that send still times out',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_header (MACH_SEND_NOTIFY → ipc_port_request_sparm); ipc_port.c:ipc_port_request_type',
    async ({ api }) => {
      const p = portWithSend(api);
      await setFullAsync(api, p);
      const n = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_SEND_POSSIBLE, n, 0);
      const all = (C.MACH_PORT_TYPE_DNREQUEST | C.MACH_PORT_TYPE_SPREQUEST | C.MACH_PORT_TYPE_SPREQUEST_DELAYED) >>> 0;
      expect(namesMap(api).get(p)).toBe((C.MACH_PORT_TYPE_SEND_RECEIVE | all) >>> 0);
      await recv(api, p);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, {}, 0); // full again; not armed: no notification
      await expectEmpty(api, n);
      await expectMachError(api.mach_msg(msg(p, C.MACH_MSG_TYPE_COPY_SEND), C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT | C.MACH_SEND_NOTIFY, 0, 0), 'MACH_SEND_TIMED_OUT');
      expect(namesMap(api).get(p)).toBe((C.MACH_PORT_TYPE_SEND_RECEIVE | C.MACH_PORT_TYPE_DNREQUEST | C.MACH_PORT_TYPE_SPREQUEST) >>> 0);
      await recv(api, p);
      expect(notificationWord(await expectNotification(api, n, C.MACH_NOTIFY_SEND_POSSIBLE))).toBe(p);
    },
  );

  conformance(
    'S89d send-possible on a dead name gives an immediate dead-name notification and one more uref',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_request_alloc ("treat send_possible requests as immediate w.r.t. dead-name")',
    async ({ api, task }) => {
      const d = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME);
      const n = port(api);
      expect(requestNotification(api, d, C.MACH_NOTIFY_SEND_POSSIBLE, n, 1)).toBe(C.MACH_PORT_NULL);
      expect(notificationWord(await expectNotification(api, n, C.MACH_NOTIFY_DEAD_NAME))).toBe(d);
      expect(refs(api, d, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(2);
      requestNotification(api, d, C.MACH_NOTIFY_SEND_POSSIBLE, n, 0);
      await expectNotification(api, n, C.MACH_NOTIFY_DEAD_NAME);
      expect(refs(api, d, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(3);
    },
  );

  conformance(
    'S89e a port that dies with a send-possible request pending sends MACH_NOTIFY_DEAD_NAME',
    'xnu:osfmk/ipc/ipc_port.c:ipc_port_dnnotify',
    async ({ api, task }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      const n = port(api);
      requestNotification(api, o, C.MACH_NOTIFY_SEND_POSSIBLE, n, 0);
      api.mach_port_destroy(task, p);
      expect(notificationWord(await expectNotification(api, n, C.MACH_NOTIFY_DEAD_NAME))).toBe(o);
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(refs(api, o, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(2);
    },
  );

  conformance(
    'S89 send-possible on a send-once right with sync fires at once even when the queue is full',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_request_alloc (MACH_PORT_TYPE_SEND_ONCE → immediate)',
    async ({ api }) => {
      const p = portWithSend(api);
      await setFullAsync(api, p);
      const o = sendOnce(api, p);
      const n = port(api);
      requestNotification(api, o, C.MACH_NOTIFY_SEND_POSSIBLE, n, 1);
      expect(notificationWord(await expectNotification(api, n, C.MACH_NOTIFY_SEND_POSSIBLE))).toBe(o);
    },
  );

  conformance(
    'notifications to a dead notify port are dropped silently',
    'xnu:osfmk/ipc/ipc_notify.c (send through a send-once right to a dead port → destroyed); ipc_kmsg.c:ipc_kmsg_send',
    async ({ api, task }) => {
      const p = portWithSend(api);
      const n = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_NO_SENDERS, n, 1);
      api.mach_port_destroy(task, n);
      api.mach_port_deallocate(task, p);
      expect(status(api, p).mps_nsrequest).toBe(0);
      expect(isGone(api, n)).toBe(true);
    },
  );

  conformance(
    'every notification kind carries a kernel trailer (sender {0,1}) and the send-once disposition on the notify port',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_init_trailer_and_sign (KERNEL_SECURITY_TOKEN_VALUE); kern/ipc_mig.c:mach_msg_send_from_kernel',
    async ({ api, task }) => {
      const n = port(api);
      const p = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_NO_SENDERS, n, 0);
      const o = sendOnce(api, p);
      requestNotification(api, o, C.MACH_NOTIFY_DEAD_NAME, n);
      api.mach_port_deallocate(task, o);
      for (const id of [C.MACH_NOTIFY_NO_SENDERS, C.MACH_NOTIFY_PORT_DELETED]) {
        const m = await recv(api, n, { options: C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_SENDER) });
        expect(m.header.msgh_id).toBe(id);
        expect(C.MACH_MSGH_BITS_LOCAL(m.header.msgh_bits)).toBe(C.MACH_MSG_TYPE_PORT_SEND_ONCE);
        expect(m.trailer.sender).toEqual({ uid: 0, gid: 1 });
      }
      const so = await recv(api, p, { options: C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_SENDER) });
      expect(so.header.msgh_id).toBe(C.MACH_NOTIFY_SEND_ONCE);
      expect(so.trailer.sender).toEqual({ uid: 0, gid: 1 });
    },
  );
  conformance(
    'a dead-name request on an uninspected send-once right to a dead port → KERN_INVALID_ARGUMENT (the lookup converts it to a dead name first)',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_request_alloc (ipc_right_check → dead name → KERN_INVALID_ARGUMENT)',
    async ({ api, task }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      const n = port(api);
      api.mach_port_destroy(task, p);
      expectMachError(() => requestNotification(api, o, C.MACH_NOTIFY_DEAD_NAME, n), 'KERN_INVALID_ARGUMENT');
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      await expectNotification(api, n, C.MACH_NOTIFY_SEND_ONCE);
    },
  );
});


function setFull(api: Parameters<typeof port>[0], p: number): void {
  // a queue limit of 0 makes the port full without queueing anything
  api.mach_port_set_attributes(api.mach_task_self(), p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 0 });
}

async function setFullAsync(api: Parameters<typeof port>[0], p: number): Promise<void> {
  api.mach_port_set_attributes(api.mach_task_self(), p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 1 });
  await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 0xf011 }, 0);
}