/**
 * Ordering, sequence numbers, port status and attributes, context
 * (reference S91–S94, §1.11).
 */
import { expect } from 'vitest';
import type { mach_port_info_ext_t } from '../../lib/types.js';
import { conformance, expectMachError, suite } from './harness.js';
import {
  C,
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
  transfer,
  unusedName,
} from './helpers.js';

const SEQNO = C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_SEQNO);
const CTX = C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_CTX);

suite('ordering, sequence numbers, status', () => {
  conformance(
    'S91 messages from several senders come out in global send order with seqno 0, 1, 2',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_enqueue_qos; ipc_mqueue.c:ipc_mqueue_post, ipc_mqueue_select_on_thread_locked',
    async ({ api, peer }) => {
      const b = peer();
      const p = port(api);
      const sb = await transfer(api, b, p, C.MACH_MSG_TYPE_MAKE_SEND);
      api.mach_port_insert_right(api.mach_task_self(), p, p, C.MACH_MSG_TYPE_MAKE_SEND);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 0xa1 });
      await sendSimple(b, sb, C.MACH_MSG_TYPE_COPY_SEND, { id: 0xb1 });
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 0xa2 });
      const got = [];
      for (let i = 0; i < 3; i++) {
        const m = await recv(api, p, { options: SEQNO });
        got.push([m.header.msgh_id, m.trailer.seqno]);
      }
      expect(got).toEqual([[0xa1, 0], [0xb1, 1], [0xa2, 2]]);
    },
    { needs: ['peer'] },
  );

  conformance(
    'S91 FIFO within one port over many messages (property of the queue: appended at the tail, taken from the head)',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_enqueue_qos; ipc_mqueue.c:ipc_mqueue_select_on_thread_locked',
    async ({ api }) => {
      const p = portWithSend(api);
      api.mach_port_set_attributes(api.mach_task_self(), p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 64 });
      for (let i = 0; i < 50; i++) await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: i }, 0);
      for (let i = 0; i < 50; i++) {
        const m = await recv(api, p, { options: SEQNO });
        expect([m.header.msgh_id, m.trailer.seqno]).toEqual([i, i]);
      }
    },
  );

  conformance(
    'S92 mach_port_set_seqno sets the next message’s seqno; mps_seqno shows the next value',
    'xnu:osfmk/ipc/mach_port.c:mach_port_set_seqno; ipc_mqueue.c:ipc_mqueue_set_seqno_locked',
    async ({ api, task }) => {
      const p = portWithSend(api);
      api.mach_port_set_seqno(task, p, 100);
      expect(status(api, p).mps_seqno).toBe(100);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND);
      expect((await recv(api, p, { options: SEQNO })).trailer.seqno).toBe(100);
      expect(status(api, p).mps_seqno).toBe(101);
      expect((await recv(api, p, { options: SEQNO })).trailer.seqno).toBe(101);
    },
  );

  conformance(
    'set_seqno / set_mscount / get_context / set_context errors: NULL/DEAD → KERN_INVALID_RIGHT, a set or send-once → KERN_INVALID_RIGHT, a dead name or unknown name → KERN_INVALID_NAME',
    'xnu:osfmk/ipc/mach_port.c:mach_port_set_seqno, mach_port_set_mscount, mach_port_get_context, mach_port_set_context; ipc_object.c:ipc_object_translate; ipc_right.c:ipc_right_lookup_read (no object → KERN_INVALID_NAME)',
    ({ api, task }) => {
      const s = portSet(api);
      const o = sendOnce(api, port(api));
      const d = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME);
      const unknown = unusedName(api);
      const calls: Array<(n: number) => unknown> = [
        (n) => api.mach_port_set_seqno(task, n, 1),
        (n) => api.mach_port_set_mscount(task, n, 1),
        (n) => api.mach_port_get_context(task, n),
        (n) => api.mach_port_set_context(task, n, 1n),
      ];
      for (const call of calls) {
        expectMachError(() => call(C.MACH_PORT_NULL), 'KERN_INVALID_RIGHT');
        expectMachError(() => call(C.MACH_PORT_DEAD), 'KERN_INVALID_RIGHT');
        expectMachError(() => call(s), 'KERN_INVALID_RIGHT');
        expectMachError(() => call(o), 'KERN_INVALID_RIGHT');
        expectMachError(() => call(d), 'KERN_INVALID_NAME');
        expectMachError(() => call(unknown), 'KERN_INVALID_NAME');
      }
    },
  );

  conformance(
    'S93 RECEIVE_STATUS reports msgcount, sorights, srights (a boolean), pdrequest/nsrequest and mscount',
    'xnu:osfmk/ipc/mach_port.c:mach_port_get_status_helper',
    async ({ api, task }) => {
      const p = portWithSend(api);
      api.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
      api.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
      sendOnce(api, p);
      sendOnce(api, p);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND);
      const n = port(api);
      api.mach_port_request_notification(task, p, C.MACH_NOTIFY_NO_SENDERS, 5, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      api.mach_port_request_notification(task, p, C.MACH_NOTIFY_PORT_DESTROYED, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      expect(status(api, p)).toEqual({
        mps_pset: 0,
        mps_seqno: 0,
        mps_mscount: 3,
        mps_qlimit: 5,
        mps_msgcount: 2,
        mps_sorights: 2,
        mps_srights: 1,
        mps_pdrequest: 1,
        mps_nsrequest: 1,
        mps_flags: 0,
      });
    },
  );

  conformance(
    'S93 RECEIVE_STATUS errors: count < 10 → KERN_FAILURE, a port set / send-once → KERN_INVALID_RIGHT, a dead name → KERN_INVALID_NAME, NULL → KERN_INVALID_RIGHT, unknown flavor → KERN_INVALID_ARGUMENT',
    'xnu:osfmk/ipc/mach_port.c:mach_port_get_attributes; ipc_right.c:ipc_right_lookup_read (a dead name has no object → KERN_INVALID_NAME in xnu-11417; xnu-7195 answered KERN_INVALID_RIGHT)',
    ({ api, task }) => {
      const p = port(api);
      const RS = C.MACH_PORT_RECEIVE_STATUS;
      expectMachError(() => api.mach_port_get_attributes(task, p, RS, 9), 'KERN_FAILURE');
      expectMachError(() => api.mach_port_get_attributes(task, portSet(api), RS, 10), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_get_attributes(task, sendOnce(api, p), RS, 10), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_get_attributes(task, api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME), RS, 10), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_get_attributes(task, C.MACH_PORT_NULL, RS, 10), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_get_attributes(task, unusedName(api), RS, 10), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_get_attributes(task, p, 99, 17), 'KERN_INVALID_ARGUMENT');
      expectMachError(() => api.mach_port_set_attributes(task, p, 99, { mpl_qlimit: 1 }), 'KERN_INVALID_ARGUMENT');
    },
  );

  conformance(
    'S93 RECEIVE_STATUS on a send-only name → KERN_INVALID_RIGHT',
    'xnu:osfmk/ipc/mach_port.c:mach_port_get_attributes (ipc_port_translate_receive)',
    async ({ api, task, peer }) => {
      const b = peer();
      const { send: s } = await sendRightIn(b, api);
      expectMachError(() => api.mach_port_get_attributes(task, s, C.MACH_PORT_RECEIVE_STATUS, 10), 'KERN_INVALID_RIGHT');
    },
    { needs: ['peer'] },
  );

  conformance(
    'MACH_PORT_INFO_EXT = RECEIVE_STATUS plus mpie_boost_cnt; count < 17 → KERN_FAILURE',
    'xnu:osfmk/ipc/mach_port.c:mach_port_get_attributes MACH_PORT_INFO_EXT',
    async ({ api, task }) => {
      const p = portWithSend(api);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND);
      const ext = api.mach_port_get_attributes(task, p, C.MACH_PORT_INFO_EXT, C.MACH_PORT_INFO_EXT_COUNT) as mach_port_info_ext_t;
      expect(ext.mpie_status).toEqual(status(api, p));
      expect(ext.mpie_boost_cnt).toBe(0);
      expectMachError(() => api.mach_port_get_attributes(task, p, C.MACH_PORT_INFO_EXT, 16), 'KERN_FAILURE');
    },
  );

  conformance(
    'S94 mach_port_set_context: get_context returns it and a message received on the port carries it in the CTX trailer; moving the receive right clears it',
    'xnu:osfmk/ipc/mach_port.c:mach_port_set_context; mach_msg.c:mach_msg_receive_results; ipc_port.c:ipc_port_clear_receiver; xnu:tests/ipc/mach_msg_transport.c:mach_msg_trailer',
    async ({ api, task }) => {
      const p = portWithSend(api);
      const ctx = 0xfedcba9876543210n;
      api.mach_port_set_context(task, p, ctx);
      expect(api.mach_port_get_context(task, p)).toBe(ctx);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND);
      const m = await recv(api, p, { options: CTX });
      expect(m.trailer.msgh_trailer_size).toBe(60);
      expect(m.trailer.context).toBe(ctx);
      const carrier = port(api);
      await send(api, msg(carrier, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [portDesc(p, C.MACH_MSG_TYPE_MOVE_RECEIVE)] }));
      const back = (await recv(api, carrier)).descriptors[0] as { name: number };
      expect(api.mach_port_get_context(task, back.name)).toBe(0n);
    },
  );

  conformance(
    'set_mscount changes the make-send count reported by RECEIVE_STATUS and by later MAKE_SENDs',
    'xnu:osfmk/ipc/mach_port.c:mach_port_set_mscount',
    ({ api, task }) => {
      const p = port(api);
      api.mach_port_set_mscount(task, p, 1000);
      expect(status(api, p).mps_mscount).toBe(1000);
      api.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
      expect(status(api, p).mps_mscount).toBe(1001);
    },
  );

  conformance(
    'mps_pset is a 0/1 flag, not a count of sets',
    'xnu:osfmk/ipc/mach_port.c:mach_port_get_status_helper ("don’t leak set IDs")',
    ({ api, task }) => {
      const p = port(api);
      for (let i = 0; i < 3; i++) api.mach_port_insert_member(task, p, portSet(api));
      expect(status(api, p).mps_pset).toBe(1);
    },
  );

  conformance(
    'msgcount counts queued messages including send-once and notification messages beyond the limit',
    'xnu:osfmk/ipc/mach_port.c:mach_port_get_status_helper (imq_msgcount)',
    async ({ api }) => {
      const p = portWithSend(api);
      for (let i = 0; i < 5; i++) await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, {}, 0);
      await sendSimple(api, p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE, {}, 0);
      expect(status(api, p).mps_msgcount).toBe(6);
      await recv(api, p);
      expect(status(api, p).mps_msgcount).toBe(5);
    },
  );
});
