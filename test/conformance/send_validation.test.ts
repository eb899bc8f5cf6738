/**
 * What mach_msg checks on send, in which order, and what it leaves behind
 * (reference S65–S72, §2.4, §2.5).
 */
import { expect } from 'vitest';
import type { MachMsgDescriptor } from '../../lib/types.js';
import { conformance, expectMachError, suite } from './harness.js';
import {
  C,
  expectEmpty,
  expectNotification,
  isGone,
  msg,
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
  status,
  typeOf,
  unusedName,
} from './helpers.js';

const bad = (d: unknown): MachMsgDescriptor => d as MachMsgDescriptor;

suite('send validation', () => {
  conformance(
    'S65 MACH_MSGH_BITS_COMPLEX without a descriptor count (a 24-byte complex message) → MACH_SEND_MSG_TOO_SMALL, nothing consumed',
    'xnu:osfmk/ipc/mach_msg.c:mach_msg_trap_send; ipc_kmsg.c:ipc_kmsg_measure_descriptors_from_user',
    async ({ api }) => {
      const p = port(api);
      const m = msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { bits: C.MACH_MSGH_BITS_COMPLEX });
      delete m.descriptors;
      await expectMachError(send(api, m), 'MACH_SEND_MSG_TOO_SMALL');
      expect(status(api, p).mps_mscount).toBe(0);
      await expectEmpty(api, p);
    },
  );

  conformance(
    'S65 a complex message with zero descriptors is valid (28 bytes)',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_measure_descriptors_from_user',
    async ({ api }) => {
      const p = port(api);
      await send(api, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [], id: 65 }));
      const m = await recv(api, p);
      expect(m.header.msgh_id).toBe(65);
      expect(m.size).toBe(28);
      expect(C.MACH_MSGH_BITS_IS_COMPLEX(m.header.msgh_bits)).toBe(true);
      expect(m.descriptors).toEqual([]);
    },
  );

  conformance(
    'S66 destination dispositions outside MOVE_SEND..MAKE_SEND_ONCE (0, 15, 16, 22, 30) → MACH_SEND_INVALID_HEADER',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_header_validate (!MACH_MSG_TYPE_PORT_ANY_SEND(dest_type))',
    async ({ api }) => {
      const p = portWithSend(api);
      for (const d of [0, C.MACH_MSG_TYPE_PORT_NAME, C.MACH_MSG_TYPE_MOVE_RECEIVE, C.MACH_MSG_TYPE_COPY_RECEIVE, 30]) {
        await expectMachError(send(api, msg(p, d)), 'MACH_SEND_INVALID_HEADER');
      }
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
      await expectEmpty(api, p);
    },
  );

  conformance(
    'S66 reply errors in the header: disposition 0 with a reply name, MOVE_RECEIVE or 22 → MACH_SEND_INVALID_HEADER; nothing consumed',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_header_validate',
    async ({ api }) => {
      const p = portWithSend(api);
      const r = port(api);
      for (const rd of [0, C.MACH_MSG_TYPE_MOVE_RECEIVE, C.MACH_MSG_TYPE_COPY_RECEIVE, C.MACH_MSG_TYPE_PORT_NAME]) {
        await expectMachError(send(api, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { reply: r, replyDisp: rd })), 'MACH_SEND_INVALID_HEADER');
      }
      expect(status(api, p).mps_mscount).toBe(1);
      expect(typeOf(api, r)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      await expectEmpty(api, p);
    },
  );

  conformance(
    'S66 voucher dispositions other than 0/MOVE_SEND/COPY_SEND, a voucher that is not a voucher, or a DEAD voucher → MACH_SEND_INVALID_VOUCHER',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_header_validate, ipc_kmsg_copyin_header_rights (IKOT_VOUCHER)',
    async ({ api }) => {
      const p = portWithSend(api);
      const v = portWithSend(api);
      await expectMachError(send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { voucher: v, voucherDisp: C.MACH_MSG_TYPE_MAKE_SEND })), 'MACH_SEND_INVALID_VOUCHER');
      await expectMachError(send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { voucher: v, voucherDisp: C.MACH_MSG_TYPE_COPY_SEND })), 'MACH_SEND_INVALID_VOUCHER');
      await expectMachError(send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { voucher: C.MACH_PORT_DEAD, voucherDisp: C.MACH_MSG_TYPE_MOVE_SEND })), 'MACH_SEND_INVALID_VOUCHER');
      expect(refs(api, v, C.MACH_PORT_RIGHT_SEND)).toBe(1);
      await expectEmpty(api, p);
    },
  );

  conformance(
    'S66 with voucher bits 0 the msgh_voucher_port value round-trips unmodified to the receiver',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_header_validate (compatibility comment), ipc_kmsg_copyout_header (voucher_name = msgh_voucher_port)',
    async ({ api }) => {
      const p = portWithSend(api);
      await send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { voucher: 0x12345678 }));
      const m = await recv(api, p);
      expect(m.header.msgh_voucher_port).toBe(0x12345678);
      expect(C.MACH_MSGH_BITS_VOUCHER(m.header.msgh_bits)).toBe(0);
    },
  );

  conformance(
    'S67 destination errors → MACH_SEND_INVALID_DEST: NULL, DEAD, unknown, a port set, COPY/MOVE_SEND on receive-only, MAKE_SEND on a send-once, MOVE_SEND_ONCE on a send right',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_header_validate, ipc_kmsg_copyin_header_rights; ipc_right.c:ipc_right_copyin',
    async ({ api }) => {
      const p = port(api);
      const s = portSet(api);
      const ps = portWithSend(api);
      const o = sendOnce(api, p);
      const cases: Array<[number, number]> = [
        [C.MACH_PORT_NULL, C.MACH_MSG_TYPE_COPY_SEND],
        [C.MACH_PORT_DEAD, C.MACH_MSG_TYPE_COPY_SEND],
        [unusedName(api), C.MACH_MSG_TYPE_COPY_SEND],
        [s, C.MACH_MSG_TYPE_COPY_SEND],
        [s, C.MACH_MSG_TYPE_MAKE_SEND],
        [p, C.MACH_MSG_TYPE_COPY_SEND],
        [p, C.MACH_MSG_TYPE_MOVE_SEND],
        [p, C.MACH_MSG_TYPE_MOVE_SEND_ONCE],
        [o, C.MACH_MSG_TYPE_MAKE_SEND],
        [o, C.MACH_MSG_TYPE_MAKE_SEND_ONCE],
        [ps, C.MACH_MSG_TYPE_MOVE_SEND_ONCE],
      ];
      for (const [dest, disp] of cases) {
        await expectMachError(send(api, msg(dest, disp)), 'MACH_SEND_INVALID_DEST');
      }
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      expect(status(api, p).mps_mscount).toBe(0);
      expect(refs(api, ps, C.MACH_PORT_RIGHT_SEND)).toBe(1);
    },
  );

  conformance(
    'S67 destination = reply name with MOVE_SEND_ONCE on either side → MACH_SEND_INVALID_DEST; header copy-in is atomic',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_header_validate (dest_name == reply_name)',
    async ({ api }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      await expectMachError(send(api, msg(o, C.MACH_MSG_TYPE_MOVE_SEND_ONCE, { reply: o, replyDisp: C.MACH_MSG_TYPE_MOVE_SEND_ONCE })), 'MACH_SEND_INVALID_DEST');
      const ps = portWithSend(api);
      await expectMachError(send(api, msg(ps, C.MACH_MSG_TYPE_COPY_SEND, { reply: ps, replyDisp: C.MACH_MSG_TYPE_MOVE_SEND_ONCE })), 'MACH_SEND_INVALID_DEST');
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      // a valid reply to the same port: MAKE_SEND dest and MAKE_SEND_ONCE reply of one receive right
      await send(api, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { reply: p, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE, id: 67 }));
      const m = await recv(api, p);
      expect(m.header.msgh_bits).toBe(C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_PORT_SEND_ONCE, C.MACH_MSG_TYPE_PORT_SEND));
      expect(m.header.msgh_local_port).toBe(p);
      expect(typeOf(api, m.header.msgh_remote_port)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
    },
  );

  conformance(
    'S68 reply errors → MACH_SEND_INVALID_REPLY: unknown, a port set, COPY_SEND on receive-only, MAKE_SEND on a send-once; nothing consumed',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_header_rights; ipc_right.c:ipc_right_copyin_check_reply',
    async ({ api }) => {
      const p = portWithSend(api);
      const s = portSet(api);
      const r = port(api);
      const o = sendOnce(api, r);
      const cases: Array<[number, number]> = [
        [unusedName(api), C.MACH_MSG_TYPE_COPY_SEND],
        [s, C.MACH_MSG_TYPE_MAKE_SEND],
        [s, C.MACH_MSG_TYPE_COPY_SEND],
        [r, C.MACH_MSG_TYPE_COPY_SEND],
        [r, C.MACH_MSG_TYPE_MOVE_SEND],
        [r, C.MACH_MSG_TYPE_MOVE_SEND_ONCE],
        [o, C.MACH_MSG_TYPE_MAKE_SEND],
        [o, C.MACH_MSG_TYPE_COPY_SEND],
      ];
      for (const [reply, rd] of cases) {
        await expectMachError(send(api, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { reply, replyDisp: rd })), 'MACH_SEND_INVALID_REPLY');
      }
      expect(status(api, p).mps_mscount).toBe(1);
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      await expectEmpty(api, p);
    },
  );

  conformance(
    'S68 a name that is already a dead-name entry is refused as a reply port (MACH_SEND_INVALID_REPLY) on macOS 15, with any disposition; nothing consumed',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_header_rights (reply entry without MACH_PORT_TYPE_PORT_RIGHTS → MACH_SEND_INVALID_REPLY, xnu-11417; xnu-7195 let it through ipc_right_copyin_check_reply)',
    async ({ api, task }) => {
      const p = portWithSend(api);
      const d = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME);
      for (const rd of [C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MOVE_SEND, C.MACH_MSG_TYPE_MOVE_SEND_ONCE]) {
        await expectMachError(send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { reply: d, replyDisp: rd, id: 68 })), 'MACH_SEND_INVALID_REPLY');
      }
      expect(refs(api, d, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
      await expectEmpty(api, p);
    },
  );

  conformance(
    'S68 MACH_PORT_DEAD itself as the reply name with a send disposition is carried through: the receiver sees msgh_remote_port = MACH_PORT_DEAD',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_header_rights (only MACH_PORT_VALID reply names are looked up; the reply becomes IP_DEAD)',
    async ({ api }) => {
      const p = portWithSend(api);
      await send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { reply: C.MACH_PORT_DEAD, replyDisp: C.MACH_MSG_TYPE_COPY_SEND, id: 0x68 }));
      const m = await recv(api, p);
      expect(m.header.msgh_remote_port).toBe(C.MACH_PORT_DEAD);
      expect(C.MACH_MSGH_BITS_REMOTE(m.header.msgh_bits)).toBe(C.MACH_MSG_TYPE_PORT_SEND);
    },
  );

  conformance(
    'S68 an uninspected send-once right to a dead port used as reply (MOVE_SEND_ONCE) is accepted and arrives as MACH_PORT_DEAD',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin_check_reply, ipc_right_copyin move_dead',
    async ({ api, task }) => {
      const p = portWithSend(api);
      const q = port(api);
      const o = sendOnce(api, q);
      api.mach_port_destroy(task, q);
      await send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { reply: o, replyDisp: C.MACH_MSG_TYPE_MOVE_SEND_ONCE, id: 0x68 }));
      const m = await recv(api, p);
      expect(m.header.msgh_remote_port).toBe(C.MACH_PORT_DEAD);
      expect(isGone(api, o)).toBe(true);
    },
  );

  conformance(
    'S69 descriptor types 5..255 → MACH_SEND_INVALID_TYPE before the header is copied in (nothing consumed)',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_user_desc_type_is_valid, ipc_kmsg_measure_descriptors_from_user',
    async ({ api }) => {
      const p = port(api);
      const q = portWithSend(api);
      for (const type of [5, 6, 200, 255]) {
        await expectMachError(send(api, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [bad({ type, name: q, disposition: C.MACH_MSG_TYPE_COPY_SEND })] })), 'MACH_SEND_INVALID_TYPE');
      }
      expect(status(api, p).mps_mscount).toBe(0);
      expect(refs(api, q, C.MACH_PORT_RIGHT_SEND)).toBe(1);
      await expectEmpty(api, p);
    },
  );

  conformance(
    'S69 an OOL descriptor with copy ALLOCATE (2) or OVERWRITE (3) → MACH_SEND_INVALID_TYPE',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_inflate_ool_descriptor',
    async ({ api }) => {
      const p = port(api);
      for (const copy of [C.MACH_MSG_ALLOCATE, C.MACH_MSG_OVERWRITE]) {
        await expectMachError(send(api, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [{ type: 1, data: new Uint8Array(16), copy }] })), 'MACH_SEND_INVALID_TYPE');
      }
      expect(status(api, p).mps_mscount).toBe(0);
    },
  );

  conformance(
    'S69 guarded port descriptors need MOVE_RECEIVE and valid non-zero flags (UNGUARDED_ON_SEND only with context 0), else MACH_SEND_INVALID_TYPE',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_inflate_guarded_port_descriptor',
    async ({ api }) => {
      const p = port(api);
      const z = portWithSend(api);
      const g = (disposition: number, flags: number, context: bigint): MachMsgDescriptor => ({ type: 4, name: z, disposition, context, flags });
      const cases = [
        g(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE, 0n),
        g(C.MACH_MSG_TYPE_MOVE_RECEIVE, 0, 0n),
        g(C.MACH_MSG_TYPE_MOVE_RECEIVE, 0x4, 0n),
        g(C.MACH_MSG_TYPE_MOVE_RECEIVE, C.MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND, 5n),
      ];
      for (const d of cases) {
        await expectMachError(send(api, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [d] })), 'MACH_SEND_INVALID_TYPE');
      }
      expect(typeOf(api, z)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
      expect(status(api, p).mps_mscount).toBe(0);
    },
  );

  conformance(
    'S70 a bad right in descriptor #2 → MACH_SEND_INVALID_RIGHT after the header was taken: the moved dest right is gone (no-senders), the reply send-once is destroyed (MACH_NOTIFY_SEND_ONCE), descriptor #1’s receive right destroyed, #3 untouched',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_body, ipc_kmsg_copyin_port_descriptor, ipc_kmsg_clean_header, ipc_kmsg_clean_descriptors',
    async ({ api }) => {
      const p = portWithSend(api); // dest MOVE_SEND of its only uref
      const np = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_NO_SENDERS, np, 1);
      const r = port(api);
      const z = port(api);
      const oz = sendOnce(api, z);
      const lacking = port(api); // receive-only: MOVE_SEND fails
      const w = port(api);
      await expectMachError(
        send(
          api,
          msg(p, C.MACH_MSG_TYPE_MOVE_SEND, {
            reply: r,
            replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE,
            descriptors: [portDesc(z, C.MACH_MSG_TYPE_MOVE_RECEIVE), portDesc(lacking, C.MACH_MSG_TYPE_MOVE_SEND), portDesc(w, C.MACH_MSG_TYPE_MOVE_RECEIVE)],
          }),
        ),
        'MACH_SEND_INVALID_RIGHT',
      );
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      expect(notificationWord(await expectNotification(api, np, C.MACH_NOTIFY_NO_SENDERS))).toBe(1);
      await expectNotification(api, r, C.MACH_NOTIFY_SEND_ONCE);
      expect(isGone(api, z)).toBe(true);
      expect(typeOf(api, oz)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(typeOf(api, lacking)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      expect(typeOf(api, w)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      await expectEmpty(api, p);
    },
  );

  conformance(
    'S70 an invalid disposition in a port descriptor with a valid name → MACH_SEND_INVALID_RIGHT; with name 0 it passes unchecked',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_port_descriptor (MACH_PORT_VALID(name) gate)',
    async ({ api }) => {
      const p = portWithSend(api);
      const q = portWithSend(api);
      await expectMachError(send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [portDesc(q, C.MACH_MSG_TYPE_COPY_RECEIVE)] })), 'MACH_SEND_INVALID_RIGHT');
      await expectMachError(send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [portDesc(q, 0)] })), 'MACH_SEND_INVALID_RIGHT');
      await send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 70, descriptors: [portDesc(C.MACH_PORT_NULL, C.MACH_MSG_TYPE_MOVE_SEND)] }));
      const m = await recv(api, p);
      expect(m.header.msgh_id).toBe(70);
      expect((m.descriptors[0] as { name: number }).name).toBe(C.MACH_PORT_NULL);
      expect(refs(api, q, C.MACH_PORT_RIGHT_SEND)).toBe(1);
    },
  );

  conformance(
    'S70 a descriptor error with MAKE_SEND destination still bumps and releases: mscount +1, no send right left',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_body, ipc_kmsg_clean_header',
    async ({ api }) => {
      const p = port(api);
      const lacking = port(api);
      await expectMachError(send(api, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [portDesc(lacking, C.MACH_MSG_TYPE_COPY_SEND)] })), 'MACH_SEND_INVALID_RIGHT');
      const st = status(api, p);
      expect(st.mps_mscount).toBe(1);
      expect(st.mps_srights).toBe(0);
      expect(st.mps_msgcount).toBe(0);
    },
  );

  conformance(
    'S71 header bits outside MACH_MSGH_BITS_USER are dropped, not rejected; a garbage msgh_size is ignored',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_get_and_inflate_from_user (msgh_bits & MACH_MSGH_BITS_USER); mach_msg.c:mach_msg_copyin_user_header',
    async ({ api }) => {
      const p = portWithSend(api);
      const r = port(api);
      const m = msg(p, C.MACH_MSG_TYPE_COPY_SEND, { reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE, bits: 0x20000000 | 0x00e00000, id: 71 });
      m.header.msgh_size = 9999;
      await send(api, m);
      const got = await recv(api, p);
      expect(got.header.msgh_bits).toBe(0x1112);
      expect(got.size).toBe(24);
    },
  );

  conformance(
    'S72 a simple round trip: received bits 0x1100 (local PORT_SEND), remote 0, local = the port, id and body intact; mscount 1, srights back to 0',
    'xnu:tests/ipc/port_peek.c; xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyout_header; ipc_object.c:ipc_object_copyout_dest',
    async ({ api }) => {
      const p = port(api);
      const body = new Uint8Array(512).fill(0x41);
      await send(api, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { id: 0x41414141, body }));
      expect(status(api, p).mps_srights).toBe(1);
      expect(status(api, p).mps_mscount).toBe(1);
      const m = await recv(api, p, { size: 24 + 512 + 68 });
      expect(m.header.msgh_bits).toBe(0x00001100);
      expect(m.header.msgh_remote_port).toBe(0);
      expect(m.header.msgh_local_port).toBe(p);
      expect(m.header.msgh_id).toBe(0x41414141);
      expect(m.size).toBe(536);
      expect(m.body).toEqual(body);
      expect(status(api, p).mps_srights).toBe(0);
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
  );

  conformance(
    'S72 the receiver sees remote and local swapped: sent MACH_MSGH_BITS(COPY_SEND, MAKE_SEND_ONCE) = 0x1513 arrives as 0x1112',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyout_header',
    async ({ api }) => {
      const p = portWithSend(api);
      const r = port(api);
      await send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE }));
      const m = await recv(api, p);
      expect(m.header.msgh_bits).toBe(0x1112);
      expect(m.header.msgh_local_port).toBe(p);
      expect(typeOf(api, m.header.msgh_remote_port)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      expect(status(api, r).mps_sorights).toBe(1);
    },
  );

  conformance(
    'S72 a MAKE_SEND reply to a port the receiver holds the receive right of lands under that name (coalesced)',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyout_header; ipc_object.c:ipc_object_copyout (ipc_right_reverse)',
    async ({ api }) => {
      const p = portWithSend(api);
      const r = port(api);
      await send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND }));
      const m = await recv(api, p);
      expect(m.header.msgh_bits).toBe(0x1111);
      expect(m.header.msgh_remote_port).toBe(r);
      expect(typeOf(api, r)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
      expect(status(api, r).mps_mscount).toBe(1);
    },
  );

  conformance(
    'S68 MAKE_SEND as reply on a send-only name → MACH_SEND_INVALID_REPLY',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin_check_reply',
    async ({ api, peer }) => {
      const b = peer();
      const { send: s } = await sendRightIn(b, api);
      const p = portWithSend(api);
      await expectMachError(send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { reply: s, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND })), 'MACH_SEND_INVALID_REPLY');
      await expectMachError(send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { reply: s, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE })), 'MACH_SEND_INVALID_REPLY');
      expect(refs(api, s, C.MACH_PORT_RIGHT_SEND)).toBe(1);
    },
    { needs: ['peer'] },
  );
  conformance(
    'destination and reply naming the same send right: MOVE_SEND twice needs two urefs (else MACH_SEND_INVALID_DEST); COPY_SEND twice takes none',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_header_rights (dest == reply: IPC_OBJECT_COPYIN_FLAGS_DEST_EXTRA_MOVE / _EXTRA_COPY); ipc_right.c:ipc_right_copyin (urefs < moves → invalid)',
    async ({ api, task }) => {
      const p = portWithSend(api);
      await expectMachError(send(api, msg(p, C.MACH_MSG_TYPE_MOVE_SEND, { reply: p, replyDisp: C.MACH_MSG_TYPE_MOVE_SEND })), 'MACH_SEND_INVALID_DEST');
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
      await send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { reply: p, replyDisp: C.MACH_MSG_TYPE_COPY_SEND, id: 1 }));
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
      let m = await recv(api, p);
      expect(m.header.msgh_bits).toBe(0x1111);
      expect(m.header.msgh_remote_port).toBe(p);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(2);
      await send(api, msg(p, C.MACH_MSG_TYPE_MOVE_SEND, { reply: p, replyDisp: C.MACH_MSG_TYPE_MOVE_SEND, id: 2 }));
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      m = await recv(api, p);
      expect(m.header.msgh_remote_port).toBe(p);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
      expect(status(api, p).mps_srights).toBe(1);
      void task;
    },
  );

  conformance(
    'a send with MACH_SEND_TIMEOUT that finds room before the timeout succeeds',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_send_locked (woken sender enqueues)',
    async ({ api }) => {
      const p = portWithSend(api);
      api.mach_port_set_attributes(api.mach_task_self(), p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 1 });
      await send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 1 }), 0);
      const pending = send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 2 }), 5000);
      setTimeout(() => void recv(api, p), 30);
      await pending;
      expect((await recv(api, p)).header.msgh_id).toBe(2);
    },
  );
});
