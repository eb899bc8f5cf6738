/**
 * Receive buffer sizes, MACH_RCV_TOO_LARGE, trailers (reference S62–S64, §2.3, §2.7).
 */
import { expect } from 'vitest';
import { MachError } from '../../lib/errors.js';
import { conformance, expectMachError, suite } from './harness.js';
import { C, expectEmpty, msg, pattern, port, portSet, portWithSend, recv, send, sendSimple, status } from './helpers.js';

const SEQNO = C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_SEQNO);

suite('too-large messages and trailers', () => {
  conformance(
    'S62 without MACH_RCV_LARGE a too-large message is dequeued and destroyed; its seqno is consumed',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_select_on_thread_locked, ipc_mqueue_msg_too_large; mach_msg.c:mach_msg_receive_error',
    async ({ api }) => {
      const p = portWithSend(api);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 1, body: new Uint8Array(76) });
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 2 });
      await expectMachError(recv(api, p, { size: 64 }), 'MACH_RCV_TOO_LARGE');
      expect(status(api, p).mps_msgcount).toBe(1);
      const m = await recv(api, p, { options: SEQNO });
      expect(m.header.msgh_id).toBe(2);
      expect(m.trailer.seqno).toBe(1);
    },
  );

  conformance(
    'S63 with MACH_RCV_LARGE the message stays queued, the needed size (without trailer) is reported, seqno unchanged; a retry with size + trailer succeeds',
    'xnu:osfmk/ipc/mach_msg.c:mach_msg_receive_too_large; ipc_mqueue.c:ipc_mqueue_msg_too_large',
    async ({ api }) => {
      const p = portWithSend(api);
      const body = pattern(76);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 63, body });
      const err = await expectMachError(recv(api, p, { size: 64, options: C.MACH_RCV_LARGE }), 'MACH_RCV_TOO_LARGE');
      expect(err.details.size).toBe(100);
      expect(status(api, p).mps_msgcount).toBe(1);
      expect(status(api, p).mps_seqno).toBe(0);
      await expectMachError(recv(api, p, { size: 107, options: C.MACH_RCV_LARGE }), 'MACH_RCV_TOO_LARGE');
      // 100 bytes + a 12-byte seqno trailer
      await expectMachError(recv(api, p, { size: 111, options: C.MACH_RCV_LARGE | SEQNO }), 'MACH_RCV_TOO_LARGE');
      const m = await recv(api, p, { size: 112, options: C.MACH_RCV_LARGE | SEQNO });
      expect(m.header.msgh_id).toBe(63);
      expect(m.size).toBe(100);
      expect(m.trailer.seqno).toBe(0);
      expect(Array.from(m.body)).toEqual(Array.from(body));
    },
  );

  conformance(
    'S63 MACH_RCV_LARGE on a set keeps the message in its member',
    'xnu:osfmk/ipc/mach_msg.c:mach_msg_receive_too_large',
    async ({ api, task }) => {
      const s = portSet(api);
      const p = portWithSend(api);
      api.mach_port_move_member(task, p, s);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 0x63, body: new Uint8Array(200) });
      const err = await expectMachError(recv(api, s, { size: 100, options: C.MACH_RCV_LARGE | C.MACH_RCV_LARGE_IDENTITY }), 'MACH_RCV_TOO_LARGE');
      expect(err.details.size).toBe(224);
      const m = await recv(api, s, { size: 232 });
      expect(m.header.msgh_local_port).toBe(p);
    },
  );

  conformance(
    'S64 the receive buffer must hold the trailer too: a 24-byte message needs 32 bytes (null trailer) and 76 with the audit trailer',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_msg_too_large; ipc_kmsg.c:ipc_kmsg_trailer_size; message.h:REQUESTED_TRAILER_SIZE',
    async ({ api }) => {
      const p = portWithSend(api);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 64 });
      await expectMachError(recv(api, p, { size: 24, options: C.MACH_RCV_LARGE }), 'MACH_RCV_TOO_LARGE');
      await expectMachError(recv(api, p, { size: 31, options: C.MACH_RCV_LARGE }), 'MACH_RCV_TOO_LARGE');
      const audit = C.MACH_RCV_LARGE | C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AUDIT);
      await expectMachError(recv(api, p, { size: 75, options: audit }), 'MACH_RCV_TOO_LARGE');
      const m = await recv(api, p, { size: 76, options: audit });
      expect(m.size).toBe(24);
      expect(m.trailer.msgh_trailer_size).toBe(52);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 65 });
      const m2 = await recv(api, p, { size: 32 });
      expect(m2.trailer.msgh_trailer_size).toBe(8);
    },
  );

  conformance(
    'S64 an undersized receive without MACH_RCV_LARGE already loses the message',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_msg_too_large; mach_msg.c:mach_msg_receive_error',
    async ({ api }) => {
      const p = portWithSend(api);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 64 });
      await expectMachError(recv(api, p, { size: 24 }), 'MACH_RCV_TOO_LARGE');
      await expectEmpty(api, p);
    },
  );

  conformance(
    'S62 a too-large message carrying rights is destroyed with them: a moved receive right dies, a send right is released',
    'xnu:osfmk/ipc/mach_msg.c:mach_msg_receive_error; ipc_kmsg.c:ipc_kmsg_clean_descriptors',
    async ({ api, task }) => {
      const p = portWithSend(api);
      const z = port(api);
      const oz = api.mach_port_extract_right(task, z, C.MACH_MSG_TYPE_MAKE_SEND_ONCE).poly;
      await send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 0, name: z, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }], body: new Uint8Array(100) }));
      await expectMachError(recv(api, p, { size: 40 }), 'MACH_RCV_TOO_LARGE');
      expect(api.mach_port_type(task, oz)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    },
  );

  conformance(
    'trailer sizes follow MACH_RCV_TRAILER_ELEMENTS: 8, 12, 20, 52, 60 and 68 for AV and unknown element counts; the type nibble is ignored',
    'xnu:osfmk/mach/message.h:REQUESTED_TRAILER_SIZE; ipc_kmsg.c:ipc_kmsg_deflate_trailer; xnu:tests/ipc/mach_msg_transport.c:mach_msg_trailer',
    async ({ api }) => {
      const p = portWithSend(api);
      const cases: Array<[number, number]> = [
        [0, 8], [1, 12], [2, 20], [3, 52], [4, 60], [5, 68], [6, 68], [7, 68], [8, 68], [15, 68],
      ];
      for (const [elements, size] of cases) {
        await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: elements });
        const m = await recv(api, p, { options: C.MACH_RCV_TRAILER_ELEMENTS(elements) | C.MACH_RCV_TRAILER_TYPE(elements & 7) });
        expect(m.header.msgh_id).toBe(elements);
        expect(m.size).toBe(24);
        expect(m.trailer.msgh_trailer_type).toBe(C.MACH_MSG_TRAILER_FORMAT_0);
        expect(m.trailer.msgh_trailer_size, `elements ${elements}`).toBe(size);
      }
    },
  );

  conformance(
    'trailer contents: seqno counts from 0, sender token = (euid, egid) of the audit token, context = the port’s context',
    'xnu:tests/ipc/mach_msg_transport.c:mach_msg_trailer; ipc_kmsg.c:ipc_kmsg_init_trailer_and_sign; bsd/kern/kern_prot.c:set_security_token',
    async ({ api, task, backend }) => {
      const p = portWithSend(api);
      api.mach_port_set_context(task, p, 0x42424242n);
      for (let i = 0; i < 3; i++) await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: i });
      const all = C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AV);
      for (let i = 0; i < 3; i++) {
        const m = await recv(api, p, { options: all });
        expect(m.trailer.seqno).toBe(i);
        expect(m.trailer.context).toBe(0x42424242n);
        expect(m.trailer.sender).toEqual({ uid: m.trailer.audit.euid, gid: m.trailer.audit.egid });
        if (backend.name === 'native') {
          expect(m.trailer.audit.pid).toBe(process.pid);
          expect(m.trailer.sender.uid).toBe(process.geteuid!());
        } else {
          expect(m.trailer.audit.pid).toBeGreaterThan(0);
        }
      }
    },
  );

  conformance(
    'msgh_size reports the message without trailer; inline bodies arrive intact',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyout_header, ipc_kmsg_put_to_user; xnu:tests/ipc/port_peek.c',
    async ({ api }) => {
      const p = portWithSend(api);
      for (const n of [0, 4, 64, 512, 4096, 65536]) {
        const body = pattern(n, n);
        await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: n, body });
        const m = await recv(api, p);
        expect(m.size).toBe(24 + n);
        expect(m.header.msgh_size).toBe(24 + n);
        expect(m.body.length).toBe(n);
        expect(Buffer.from(m.body).equals(Buffer.from(body))).toBe(true);
      }
    },
  );

  conformance(
    'a body of 48 MiB − 68 + 4 bytes (send size above 50 331 580) → MACH_SEND_TOO_LARGE, nothing queued',
    'xnu:osfmk/ipc/mach_msg.c:mach_msg_trap_send; ipc_policy.h:IPC_KMSG_MAX_BODY_SPACE',
    async ({ api }) => {
      const p = portWithSend(api);
      const big = new Uint8Array(50_331_580 - 24 + 4);
      await expectMachError(sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { body: big }), 'MACH_SEND_TOO_LARGE');
      expect(status(api, p).mps_msgcount).toBe(0);
    },
    { timeout: 120_000 },
  );

  conformance(
    'S63 with MACH_RCV_LARGE nothing is destroyed: the reply send-once right survives (no MACH_NOTIFY_SEND_ONCE) and arrives on retry',
    'xnu:osfmk/ipc/mach_msg.c:mach_msg_receive_too_large (message left queued)',
    async ({ api }) => {
      const p = portWithSend(api);
      const r = port(api);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE, body: new Uint8Array(8) });
      const err = await expectMachError(recv(api, p, { size: 32, options: C.MACH_RCV_LARGE }), 'MACH_RCV_TOO_LARGE');
      expect(err).toBeInstanceOf(MachError);
      expect(err.details.size).toBe(32);
      await expectEmpty(api, r);
      expect(status(api, r).mps_sorights).toBe(1);
      const m = await recv(api, p, { size: 40 });
      expect(C.MACH_MSGH_BITS_REMOTE(m.header.msgh_bits)).toBe(C.MACH_MSG_TYPE_PORT_SEND_ONCE);
      expect(api.mach_port_type(api.mach_task_self(), m.header.msgh_remote_port)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
    },
  );
  conformance(
    'a receive buffer smaller than the 24-byte stub: a too-large message is still dequeued and destroyed, and the call returns MACH_RCV_INVALID_DATA',
    'xnu:osfmk/ipc/mach_msg.c:mach_msg_receive_error; ipc_kmsg.c:ipc_kmsg_put_to_user (msg size > rcv size → MACH_RCV_INVALID_DATA)',
    async ({ api }) => {
      const p = portWithSend(api);
      const r = port(api);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE, body: new Uint8Array(40) });
      await expectMachError(recv(api, p, { size: 16 }), 'MACH_RCV_INVALID_DATA');
      await expectEmpty(api, p);
      expect((await recv(api, r)).header.msgh_id).toBe(C.MACH_NOTIFY_SEND_ONCE);
    },
  );
});
