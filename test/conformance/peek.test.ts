/**
 * mach_port_peek: a queued message's seqno, kernel size, id and trailer, read without
 * dequeuing it (xnu:osfmk/ipc/mach_port.c:mach_port_peek; ipc_mqueue.c:ipc_mqueue_peek_locked).
 */
import { expect } from 'vitest';
import { conformance, expectMachError, suite } from './harness.js';
import { C, msg, pattern, port, portDesc, portSet, portWithSend, recv, requestNotification, send, sendOnce, sendSimple, status, unusedName } from './helpers.js';

const TRAILER = (elements: number): number => (C.MACH_RCV_TRAILER_TYPE(C.MACH_MSG_TRAILER_FORMAT_0) | C.MACH_RCV_TRAILER_ELEMENTS(elements)) >>> 0;
const AUDIT = TRAILER(C.MACH_RCV_TRAILER_AUDIT);

suite('mach_port_peek', () => {
  conformance(
    'peek with seqno 0 reports the first message (seqno, id, size received + 8, the sender in the audit trailer) and leaves the queue as it was',
    'xnu:osfmk/ipc/mach_port.c:mach_port_peek; ipc_mqueue.c:ipc_mqueue_peek_locked (seqno 0 → the first message); ipc_kmsg.c:ipc_kmsg_get_and_inflate_from_user (msgh_size + USER_HEADER_SIZE_DELTA)',
    async ({ api, task }) => {
      const p = portWithSend(api);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 0x41414141, body: pattern(64) });
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 2 });
      const peeked = api.mach_port_peek(task, p, AUDIT);
      expect(peeked).toMatchObject({ seqno: 0, msg_id: 0x41414141, msg_size: 24 + 64 + 8, trailer_size: 52 });
      // The stored trailer: type 0, the minimum size (a receive rewrites it), the seqno.
      expect(peeked.trailer).toMatchObject({ msgh_trailer_type: 0, msgh_trailer_size: 8, seqno: 0, context: 0n });
      expect(api.mach_port_peek(task, p, AUDIT, 0)).toEqual(peeked);
      expect(status(api, p)).toMatchObject({ mps_msgcount: 2, mps_seqno: 0 });
      const m = await recv(api, p, { options: AUDIT });
      expect(m.header.msgh_id).toBe(0x41414141);
      expect(m.size).toBe(peeked.msg_size - 8);
      expect(m.trailer.seqno).toBe(0);
      expect(peeked.trailer.sender).toEqual(m.trailer.sender);
      expect(peeked.trailer.audit).toEqual(m.trailer.audit);
      expect(api.mach_port_peek(task, p, AUDIT)).toMatchObject({ seqno: 1, msg_id: 2, msg_size: 32 });
    },
  );

  conformance(
    'peek by seqno: a nonzero seqno picks the message in [mps_seqno, mps_seqno + msgcount), anything else → KERN_FAILURE',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_peek_locked (msgoff = seqno - imq_seqno); mach_port.c:mach_port_peek (not found → KERN_FAILURE)',
    async ({ api, task }) => {
      const p = portWithSend(api);
      api.mach_port_set_seqno(task, p, 10);
      for (const id of [1, 2, 3]) await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id });
      const seq = TRAILER(C.MACH_RCV_TRAILER_SEQNO);
      expect(api.mach_port_peek(task, p, seq, 0)).toMatchObject({ seqno: 10, msg_id: 1 });
      expect(api.mach_port_peek(task, p, seq, 10)).toMatchObject({ seqno: 10, msg_id: 1 });
      expect(api.mach_port_peek(task, p, seq, 11)).toMatchObject({ seqno: 11, msg_id: 2, trailer: { seqno: 11 } });
      expect(api.mach_port_peek(task, p, seq, 12)).toMatchObject({ seqno: 12, msg_id: 3, trailer: { seqno: 12 } });
      expectMachError(() => api.mach_port_peek(task, p, seq, 13), 'KERN_FAILURE');
      expectMachError(() => api.mach_port_peek(task, p, seq, 9), 'KERN_FAILURE');
      await recv(api, p);
      expectMachError(() => api.mach_port_peek(task, p, seq, 10), 'KERN_FAILURE');
      expect(api.mach_port_peek(task, p, seq, 11)).toMatchObject({ seqno: 11, msg_id: 2 });
      expect(api.mach_port_peek(task, p, seq)).toMatchObject({ seqno: 11, msg_id: 2 });
      expect(status(api, p)).toMatchObject({ mps_msgcount: 2, mps_seqno: 11 });
    },
  );

  conformance(
    'the trailer holds the requested elements only: NULL → 8 bytes, SEQNO → 12, SENDER → 20 (as a received message’s trailer)',
    'xnu:osfmk/ipc/mach_port.c:mach_port_peek (REQUESTED_TRAILER_SIZE, memcpy of trailer_size bytes)',
    async ({ api, task }) => {
      const p = portWithSend(api);
      api.mach_port_set_seqno(task, p, 7);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND);
      const none = api.mach_port_peek(task, p, TRAILER(C.MACH_RCV_TRAILER_NULL));
      expect(none.trailer_size).toBe(8);
      expect(none.trailer).toMatchObject({ msgh_trailer_size: 8, seqno: 0, sender: { uid: 0, gid: 0 } });
      expect(none.seqno).toBe(7);
      const seqno = api.mach_port_peek(task, p, TRAILER(C.MACH_RCV_TRAILER_SEQNO));
      expect(seqno.trailer_size).toBe(12);
      expect(seqno.trailer).toMatchObject({ seqno: 7, sender: { uid: 0, gid: 0 } });
      const sender = api.mach_port_peek(task, p, TRAILER(C.MACH_RCV_TRAILER_SENDER));
      expect(sender.trailer_size).toBe(20);
      expect(sender.trailer.audit.pid).toBe(0);
      const m = await recv(api, p, { options: TRAILER(C.MACH_RCV_TRAILER_SENDER) });
      expect(sender.trailer.sender).toEqual(m.trailer.sender);
    },
  );

  conformance(
    'msg_size is the kernel size: received size + 8, + 4 per port descriptor (kernel descriptors are 16 bytes, a user port descriptor 12)',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_get_and_inflate_from_user (msgh_size += desc_ksize - send_dsc_usize), ipc_kmsg_copyout_size',
    async ({ api, task }) => {
      const p = portWithSend(api);
      const a = port(api);
      const b = port(api);
      const ool = { type: C.MACH_MSG_OOL_DESCRIPTOR, data: pattern(100), copy: C.MACH_MSG_VIRTUAL_COPY } as const;
      await send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [portDesc(a, C.MACH_MSG_TYPE_MAKE_SEND), ool, portDesc(b, C.MACH_MSG_TYPE_MAKE_SEND)], body: pattern(8) }));
      const peeked = api.mach_port_peek(task, p, AUDIT);
      const m = await recv(api, p);
      expect(m.size).toBe(24 + 4 + 12 + 16 + 12 + 8);
      expect(peeked.msg_size).toBe(m.size + 8 + 2 * 4);
    },
  );

  conformance(
    'a message the kernel sent (a no-senders notification) peeks with the kernel’s security token and the kernel size',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_init_trailer_and_sign (TASK_NULL → KERNEL_TRAILER_TEMPLATE); ipc_notify.c:ipc_notify_no_senders',
    async ({ api, task }) => {
      const p = portWithSend(api);
      const n = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_NO_SENDERS, n);
      api.mach_port_deallocate(task, p);
      const peeked = api.mach_port_peek(task, n, AUDIT);
      expect(peeked.msg_id).toBe(C.MACH_NOTIFY_NO_SENDERS);
      expect(peeked.trailer.sender).toEqual({ uid: 0, gid: 1 });
      expect(peeked.trailer.audit).toMatchObject({ pid: 0, euid: 0, auid: 0 });
      const m = await recv(api, n);
      expect(peeked.msg_size).toBe(m.size + 8);
    },
  );

  conformance(
    'errors: empty queue → KERN_FAILURE; NULL/DEAD → KERN_INVALID_RIGHT; a send (the host port), send-once or port set name → KERN_INVALID_RIGHT; unknown or a dead-name entry → KERN_INVALID_NAME',
    'xnu:osfmk/ipc/mach_port.c:mach_port_peek (!MACH_PORT_VALID → KERN_INVALID_RIGHT; ipc_port_translate_receive); ipc_right.c:ipc_right_lookup_read (no object → KERN_INVALID_NAME)',
    async ({ api, task }) => {
      const p = port(api);
      expectMachError(() => api.mach_port_peek(task, p, AUDIT), 'KERN_FAILURE');
      expectMachError(() => api.mach_port_peek(task, C.MACH_PORT_NULL, AUDIT), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_peek(task, C.MACH_PORT_DEAD, AUDIT), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_peek(task, api.mach_host_self(), AUDIT), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_peek(task, sendOnce(api, p), AUDIT), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_peek(task, portSet(api), AUDIT), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_peek(task, unusedName(api), AUDIT), 'KERN_INVALID_NAME');
      // A dead-name entry has no object: ipc_right_lookup_read answers KERN_INVALID_NAME.
      expectMachError(() => api.mach_port_peek(task, api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME), AUDIT), 'KERN_INVALID_NAME');
    },
  );

  conformance(
    'a trailer past MACH_RCV_TRAILER_AUDIT (CTX, AV, LABELS) → KERN_INVALID_VALUE, checked before the name is translated but after MACH_PORT_VALID',
    'xnu:osfmk/ipc/mach_port.c:mach_port_peek (GET_RCV_ELEMENTS(trailer_type) > MACH_RCV_TRAILER_AUDIT → kGUARD_EXC_INVALID_VALUE)',
    async ({ api, task }) => {
      const p = portWithSend(api);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND);
      for (const e of [C.MACH_RCV_TRAILER_CTX, 5, C.MACH_RCV_TRAILER_AV, C.MACH_RCV_TRAILER_LABELS]) {
        expectMachError(() => api.mach_port_peek(task, p, TRAILER(e)), 'KERN_INVALID_VALUE');
      }
      expectMachError(() => api.mach_port_peek(task, unusedName(api), TRAILER(C.MACH_RCV_TRAILER_CTX)), 'KERN_INVALID_VALUE');
      expectMachError(() => api.mach_port_peek(task, C.MACH_PORT_NULL, TRAILER(C.MACH_RCV_TRAILER_CTX)), 'KERN_INVALID_RIGHT');
      expect(status(api, p).mps_msgcount).toBe(1);
    },
  );

  conformance(
    'wrong JS types throw TypeError',
    'machport contract (spec: “Arguments of the wrong JS type throw TypeError”)',
    ({ api, task }) => {
      const bad = api as unknown as Record<string, (...a: unknown[]) => unknown>;
      const p = port(api);
      expect(() => bad.mach_port_peek!(task, p, 'audit')).toThrow(TypeError);
      expect(() => bad.mach_port_peek!(task, p, AUDIT, null)).toThrow(TypeError);
      expect(() => bad.mach_port_peek!(task, p, AUDIT, 1.5)).toThrow(TypeError);
      expect(() => bad.mach_port_get_srights!(task, String(p))).toThrow(TypeError);
    },
  );
});

suite('mach_port_get_srights', () => {
  conformance(
    'counts send rights, not user references: a space’s send right is one, a send right in a queued message another; send-once rights do not count',
    'xnu:osfmk/ipc/mach_debug.c:mach_port_get_srights (ip_srights); ipc_right.c:ipc_right_copyout (coalescing)',
    async ({ api, task }) => {
      const p = port(api);
      expect(api.mach_port_get_srights(task, p)).toBe(0);
      api.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
      expect(api.mach_port_get_srights(task, p)).toBe(1);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, 3);
      expect(api.mach_port_get_srights(task, p)).toBe(1);
      sendOnce(api, p);
      expect(api.mach_port_get_srights(task, p)).toBe(1);
      const q = port(api);
      await send(api, msg(q, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [portDesc(p, C.MACH_MSG_TYPE_MAKE_SEND)] }));
      expect(api.mach_port_get_srights(task, p)).toBe(2);
      // Received into the space that holds a send right already: the two coalesce.
      await recv(api, q);
      expect(api.mach_port_get_srights(task, p)).toBe(1);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, -5);
      expect(api.mach_port_get_srights(task, p)).toBe(0);
      expect(api.mach_port_get_srights(task, q)).toBe(0);
    },
  );

  conformance(
    'errors: NULL, DEAD, unknown and dead-name entries → KERN_INVALID_NAME (no MACH_PORT_VALID check); a send (the host port), send-once or port set name → KERN_INVALID_RIGHT',
    'xnu:osfmk/ipc/mach_debug.c:mach_port_get_srights; ipc_right.c:ipc_right_lookup_read (index 0 → KERN_INVALID_NAME); ipc_object.c:ipc_object_translate',
    ({ api, task }) => {
      expectMachError(() => api.mach_port_get_srights(task, C.MACH_PORT_NULL), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_get_srights(task, C.MACH_PORT_DEAD), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_get_srights(task, unusedName(api)), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_get_srights(task, api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME)), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_get_srights(task, api.mach_host_self()), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_get_srights(task, sendOnce(api, port(api))), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_get_srights(task, portSet(api)), 'KERN_INVALID_RIGHT');
    },
  );
});
