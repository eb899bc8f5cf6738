/**
 * Port sets (reference S46–S56; Darwin differences §5.1–5.3).
 */
import { expect } from 'vitest';
import { conformance, expectMachError, suite } from './harness.js';
import {
  C,
  expectEmpty,
  isGone,
  isPending,
  msg,
  port,
  portDesc,
  portSet,
  portWithSend,
  recv,
  send,
  sendOnce,
  sendRightIn,
  sendSimple,
  status,
  unusedName,
} from './helpers.js';

const RCV_SEQNO_CTX = C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_CTX);

suite('port sets', () => {
  conformance(
    'S46 move_member(P, S) puts P in S: get_set_status = [P], mps_pset = 1',
    'xnu:osfmk/ipc/mach_port.c:mach_port_move_member, mach_port_get_set_status, mach_port_get_status_helper',
    ({ api, task }) => {
      const s = portSet(api);
      const p = port(api);
      api.mach_port_move_member(task, p, s);
      expect(api.mach_port_get_set_status(task, s)).toEqual([p]);
      expect(status(api, p).mps_pset).toBe(1);
    },
  );

  conformance(
    'S46 get_set_status lists the members sorted ascending',
    'xnu:osfmk/ipc/mach_port.c:mach_port_get_set_status (qsort with mach_port_name_cmp)',
    ({ api, task }) => {
      const s = portSet(api);
      const ports = [port(api), port(api), port(api), port(api), port(api)];
      for (const p of [...ports].reverse()) api.mach_port_insert_member(task, p, s);
      expect(api.mach_port_get_set_status(task, s)).toEqual([...ports].sort((a, b) => a - b));
    },
  );

  conformance(
    'S47 move_member to a second set leaves P only there; moving again to the same set succeeds (no KERN_ALREADY_IN_SET)',
    'xnu:osfmk/ipc/mach_port.c:mach_port_move_member (return of ipc_mqueue_add_locked ignored; waitq_unlink_all_locked keeps only the new set)',
    async ({ api, task }) => {
      const s1 = portSet(api);
      const s2 = portSet(api);
      const p = portWithSend(api);
      api.mach_port_move_member(task, p, s1);
      api.mach_port_move_member(task, p, s2);
      api.mach_port_move_member(task, p, s2);
      expect(api.mach_port_get_set_status(task, s1)).toEqual([]);
      expect(api.mach_port_get_set_status(task, s2)).toEqual([p]);
      expectMachError(() => api.mach_port_extract_member(task, p, s1), 'KERN_NOT_IN_SET');
      await sendSimple(api, p);
      await expectEmpty(api, s1);
      expect((await recv(api, s2)).header.msgh_local_port).toBe(p);
    },
  );

  conformance(
    'S48 a port can be in several sets (insert_member); a second insert → KERN_ALREADY_IN_SET; extract removes from one set only',
    'xnu:osfmk/ipc/mach_port.c:mach_port_insert_member, mach_port_extract_member; xnu:osfmk/man/mach_port_insert_member.html',
    async ({ api, task }) => {
      const s1 = portSet(api);
      const s2 = portSet(api);
      const p = portWithSend(api);
      api.mach_port_insert_member(task, p, s1);
      api.mach_port_insert_member(task, p, s2);
      expect(status(api, p).mps_pset).toBe(1);
      expectMachError(() => api.mach_port_insert_member(task, p, s2), 'KERN_ALREADY_IN_SET');
      expect(api.mach_port_get_set_status(task, s1)).toEqual([p]);
      expect(api.mach_port_get_set_status(task, s2)).toEqual([p]);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 1 });
      expect((await recv(api, s1)).header.msgh_id).toBe(1);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 2 });
      expect((await recv(api, s2)).header.msgh_id).toBe(2);
      api.mach_port_extract_member(task, p, s1);
      expect(api.mach_port_get_set_status(task, s1)).toEqual([]);
      expect(api.mach_port_get_set_status(task, s2)).toEqual([p]);
      expect(status(api, p).mps_pset).toBe(1);
      expectMachError(() => api.mach_port_extract_member(task, p, s1), 'KERN_NOT_IN_SET');
      api.mach_port_extract_member(task, p, s2);
      expect(status(api, p).mps_pset).toBe(0);
    },
  );

  conformance(
    'S49 move_member(P, MACH_PORT_NULL) removes P from every set; a second time → KERN_NOT_IN_SET',
    'xnu:osfmk/ipc/mach_port.c:mach_port_move_member (!ip_in_pset → KERN_NOT_IN_SET)',
    ({ api, task }) => {
      const s1 = portSet(api);
      const s2 = portSet(api);
      const p = port(api);
      api.mach_port_insert_member(task, p, s1);
      api.mach_port_insert_member(task, p, s2);
      api.mach_port_move_member(task, p, C.MACH_PORT_NULL);
      expect(api.mach_port_get_set_status(task, s1)).toEqual([]);
      expect(api.mach_port_get_set_status(task, s2)).toEqual([]);
      expect(status(api, p).mps_pset).toBe(0);
      expectMachError(() => api.mach_port_move_member(task, p, C.MACH_PORT_NULL), 'KERN_NOT_IN_SET');
    },
  );

  conformance(
    'S50 invalid set operations: a set or send-once as member, a non-set as target, NULL/DEAD names → KERN_INVALID_RIGHT; unknown names → KERN_INVALID_NAME',
    'xnu:osfmk/ipc/mach_port.c:mach_port_move_member, mach_port_insert_member, mach_port_extract_member; ipc_object.c:ipc_object_translate_port_pset; ipc_right.c:ipc_right_lookup_two_read',
    ({ api, task }) => {
      const s = portSet(api);
      const s2 = portSet(api);
      const p = port(api);
      const o = sendOnce(api, p);
      const unknown = unusedName(api);
      const IR = 'KERN_INVALID_RIGHT';
      expectMachError(() => api.mach_port_move_member(task, s, s2), IR);
      expectMachError(() => api.mach_port_move_member(task, o, s), IR);
      expectMachError(() => api.mach_port_move_member(task, p, p), IR);
      expectMachError(() => api.mach_port_move_member(task, C.MACH_PORT_NULL, s), IR);
      expectMachError(() => api.mach_port_move_member(task, C.MACH_PORT_DEAD, s), IR);
      expectMachError(() => api.mach_port_move_member(task, p, C.MACH_PORT_DEAD), IR);
      expectMachError(() => api.mach_port_move_member(task, unknown, s), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_move_member(task, p, unknown), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_move_member(task, unknown, C.MACH_PORT_NULL), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_move_member(task, s, C.MACH_PORT_NULL), IR);
      for (const f of [api.mach_port_insert_member.bind(api), api.mach_port_extract_member.bind(api)]) {
        expectMachError(() => f(task, C.MACH_PORT_NULL, s), IR);
        expectMachError(() => f(task, C.MACH_PORT_DEAD, s), IR);
        expectMachError(() => f(task, p, C.MACH_PORT_NULL), IR);
        expectMachError(() => f(task, p, C.MACH_PORT_DEAD), IR);
        expectMachError(() => f(task, p, p), IR);
        expectMachError(() => f(task, s2, s), IR);
        expectMachError(() => f(task, unknown, s), 'KERN_INVALID_NAME');
        expectMachError(() => f(task, p, unknown), 'KERN_INVALID_NAME');
      }
      expect(status(api, p).mps_pset).toBe(0);
    },
  );

  conformance(
    'S50 a send-only name cannot be a member (KERN_INVALID_RIGHT)',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_translate_port_pset (member needs MACH_PORT_TYPE_RECEIVE)',
    async ({ api, task, peer }) => {
      const b = peer();
      const { send: s } = await sendRightIn(b, api);
      const set = portSet(api);
      expectMachError(() => api.mach_port_move_member(task, s, set), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_insert_member(task, s, set), 'KERN_INVALID_RIGHT');
    },
    { needs: ['peer'] },
  );

  conformance(
    'get_set_status on a receive right → KERN_INVALID_RIGHT, on NULL → KERN_INVALID_RIGHT, on an unknown name → KERN_INVALID_NAME',
    'xnu:osfmk/ipc/mach_port.c:mach_port_get_set_status (ipc_object_translate PORT_SET)',
    ({ api, task }) => {
      expectMachError(() => api.mach_port_get_set_status(task, port(api)), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_get_set_status(task, C.MACH_PORT_NULL), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_get_set_status(task, unusedName(api)), 'KERN_INVALID_NAME');
    },
  );

  conformance(
    'S51 receiving from a set names the member in msgh_local_port; seqno and context are the member’s',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_receive_on_thread_and_unlock; ipc_kmsg.c:ipc_kmsg_copyout_header; mach_msg.c:mach_msg_receive_results',
    async ({ api, task }) => {
      const s = portSet(api);
      const p = portWithSend(api);
      const q = portWithSend(api);
      api.mach_port_move_member(task, p, s);
      api.mach_port_move_member(task, q, s);
      api.mach_port_set_seqno(task, q, 40);
      api.mach_port_set_context(task, q, 0x1234567890n);
      await sendSimple(api, q, C.MACH_MSG_TYPE_COPY_SEND, { id: 51 });
      const m = await recv(api, s, { options: RCV_SEQNO_CTX });
      expect(m.header.msgh_id).toBe(51);
      expect(m.header.msgh_local_port).toBe(q);
      expect(m.trailer.seqno).toBe(40);
      expect(m.trailer.context).toBe(0x1234567890n);
      expect(status(api, q).mps_seqno).toBe(41);
    },
  );

  conformance(
    'S52 receiving directly from a port that is in a set is allowed (no MACH_RCV_IN_SET); the set then has nothing',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_copyin; xnu:tests/kqueue_port_tests.c:kqueue_machport',
    async ({ api, task }) => {
      const s = portSet(api);
      const p = portWithSend(api);
      api.mach_port_move_member(task, p, s);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 52 });
      expect((await recv(api, p)).header.msgh_id).toBe(52);
      await expectEmpty(api, s);
    },
  );

  conformance(
    'S53 a set serves its members round-robin: p1 p2 q1 q2 queued come out p1 q1 p2 q2',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_receive_on_thread_and_unlock; xnu:osfmk/kern/waitq.c:waitq_set_first_prepost (circle_queue_rotate_head_forward)',
    async ({ api, task }) => {
      const s = portSet(api);
      const p = portWithSend(api);
      const q = portWithSend(api);
      api.mach_port_move_member(task, p, s);
      api.mach_port_move_member(task, q, s);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 0x11 });
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 0x12 });
      await sendSimple(api, q, C.MACH_MSG_TYPE_COPY_SEND, { id: 0x21 });
      await sendSimple(api, q, C.MACH_MSG_TYPE_COPY_SEND, { id: 0x22 });
      const ids = [];
      for (let i = 0; i < 4; i++) ids.push((await recv(api, s)).header.msgh_id);
      expect(ids).toEqual([0x11, 0x21, 0x12, 0x22]);
    },
  );

  conformance(
    'S54 destroying a set while a receive waits on it → MACH_RCV_PORT_CHANGED; members survive with their messages',
    'xnu:osfmk/ipc/ipc_pset.c:ipc_pset_destroy; ipc_mqueue.c:ipc_mqueue_changed, ipc_mqueue_receive_results',
    async ({ api, task }) => {
      const s = portSet(api);
      const p = portWithSend(api);
      api.mach_port_move_member(task, p, s);
      const waiting = recv(api, s, { timeout: 10_000 });
      expect(await isPending(waiting)).toBe(true);
      api.mach_port_mod_refs(task, s, C.MACH_PORT_RIGHT_PORT_SET, -1);
      await expectMachError(waiting, 'MACH_RCV_PORT_CHANGED');
      expect(isGone(api, s)).toBe(true);
      expect(status(api, p).mps_pset).toBe(0);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 54 });
      expect((await recv(api, p)).header.msgh_id).toBe(54);
    },
  );

  conformance(
    'S55 a receive waiting on a port that is destroyed → MACH_RCV_PORT_CHANGED (never MACH_RCV_PORT_DIED)',
    'xnu:osfmk/ipc/ipc_port.c:ipc_port_clear_receiver, ipc_port_destroy; ipc_mqueue.c:ipc_mqueue_receive_results',
    async ({ api, task }) => {
      const p = port(api);
      const waiting = recv(api, p, { timeout: 10_000 });
      expect(await isPending(waiting)).toBe(true);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
      await expectMachError(waiting, 'MACH_RCV_PORT_CHANGED');
    },
  );

  conformance(
    'S55 a receive waiting on a port whose receive right is sent away → MACH_RCV_PORT_CHANGED; the port left its sets',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin MOVE_RECEIVE; ipc_port.c:ipc_port_clear_receiver',
    async ({ api, task }) => {
      const s = portSet(api);
      const p = port(api);
      const carrier = port(api);
      api.mach_port_insert_member(task, p, s);
      const waiting = recv(api, p, { timeout: 10_000 });
      expect(await isPending(waiting)).toBe(true);
      await send(api, msg(carrier, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [portDesc(p, C.MACH_MSG_TYPE_MOVE_RECEIVE)] }));
      await expectMachError(waiting, 'MACH_RCV_PORT_CHANGED');
      expect(isGone(api, p)).toBe(true);
      expect(api.mach_port_get_set_status(task, s)).toEqual([]);
      const m = await recv(api, carrier);
      const back = (m.descriptors[0] as { name: number }).name;
      expect(status(api, back).mps_pset).toBe(0);
    },
  );

  conformance(
    'moving a port into a set does not disturb a receive waiting on the port itself (Darwin: no MACH_RCV_PORT_CHANGED)',
    'xnu:osfmk/ipc/mach_port.c:mach_port_move_member (no ipc_mqueue_changed on the member); ipc_mqueue.c:ipc_mqueue_add_locked',
    async ({ api, task }) => {
      const s = portSet(api);
      const p = portWithSend(api);
      const waiting = recv(api, p, { timeout: 10_000 });
      expect(await isPending(waiting)).toBe(true);
      api.mach_port_move_member(task, p, s);
      expect(await isPending(waiting)).toBe(true);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 0x5e7 });
      expect((await waiting).header.msgh_id).toBe(0x5e7);
      await expectEmpty(api, s);
    },
  );

  conformance(
    'S56 adding a port that holds messages to a set with a waiting receiver hands the first message to that receiver',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_add_locked',
    async ({ api, task }) => {
      const s = portSet(api);
      const p = portWithSend(api);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 1 });
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 2 });
      const waiting = recv(api, s, { timeout: 10_000 });
      expect(await isPending(waiting)).toBe(true);
      api.mach_port_move_member(task, p, s);
      const m = await waiting;
      expect(m.header.msgh_id).toBe(1);
      expect(m.header.msgh_local_port).toBe(p);
      expect(status(api, p).mps_msgcount).toBe(1);
    },
  );

  conformance(
    'a receive waiting on a set wakes for a message to any member',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_post (wakes a thread waiting on the set)',
    async ({ api, task }) => {
      const s = portSet(api);
      const p = portWithSend(api);
      const q = portWithSend(api);
      api.mach_port_insert_member(task, p, s);
      api.mach_port_insert_member(task, q, s);
      const waiting = recv(api, s, { timeout: 10_000 });
      expect(await isPending(waiting)).toBe(true);
      await sendSimple(api, q, C.MACH_MSG_TYPE_COPY_SEND, { id: 0x71 });
      const m = await waiting;
      expect(m.header.msgh_local_port).toBe(q);
      expect(m.header.msgh_id).toBe(0x71);
    },
  );
});
