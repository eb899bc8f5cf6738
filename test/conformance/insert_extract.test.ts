/**
 * mach_port_insert_right and mach_port_extract_right (reference S8–S19, S42).
 */
import { expect } from 'vitest';
import { conformance, expectMachError, suite } from './harness.js';
import {
  C,
  expectEmpty,
  expectNotification,
  isGone,
  msg,
  notificationWord,
  port,
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

suite('insert and extract rights', () => {
  conformance(
    'S8 insert_right(P, P, MAKE_SEND) adds a send right under the receive name: SEND_RECEIVE, urefs 1, mscount 1, srights 1',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_insert_send_right; xnu:tests/mach_port_insert_right.c',
    ({ api, task }) => {
      const p = port(api);
      api.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
      expect(refs(api, p, C.MACH_PORT_RIGHT_RECEIVE)).toBe(1);
      const st = status(api, p);
      expect(st.mps_mscount).toBe(1);
      expect(st.mps_srights).toBe(1);
    },
  );

  conformance(
    'S9 a second MAKE_SEND adds a uref and bumps mscount; srights stays 1 (one entry = one send right)',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_insert_send_right',
    ({ api, task }) => {
      const p = portWithSend(api);
      api.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(2);
      const st = status(api, p);
      expect(st.mps_mscount).toBe(2);
      expect(st.mps_srights).toBe(1);
    },
  );

  conformance(
    'S10 COPY_SEND into the same name adds a uref without touching mscount; on a receive-only name KERN_INVALID_RIGHT',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_insert_send_right',
    ({ api, task }) => {
      const p = portWithSend(api);
      api.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_COPY_SEND);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(2);
      expect(status(api, p).mps_mscount).toBe(1);
      const q = port(api);
      expectMachError(() => api.mach_port_insert_right(task, q, q, C.MACH_MSG_TYPE_COPY_SEND), 'KERN_INVALID_RIGHT');
      expect(typeOf(api, q)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
  );

  conformance(
    'S11 MAKE_SEND/COPY_SEND into a dead name → KERN_INVALID_CAPABILITY; MAKE_SEND on a send-once name → KERN_INVALID_RIGHT',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_insert_send_right (object NULL → INVALID_CAPABILITY, no receive → INVALID_RIGHT)',
    ({ api, task }) => {
      const d = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME);
      expectMachError(() => api.mach_port_insert_right(task, d, d, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_CAPABILITY');
      expectMachError(() => api.mach_port_insert_right(task, d, d, C.MACH_MSG_TYPE_COPY_SEND), 'KERN_INVALID_CAPABILITY');
      expect(refs(api, d, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
      const p = port(api);
      const o = sendOnce(api, p);
      expectMachError(() => api.mach_port_insert_right(task, o, o, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_RIGHT');
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
    },
  );

  conformance(
    'S11 MAKE_SEND on a send-only name → KERN_INVALID_RIGHT; COPY_SEND there adds a uref',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_insert_send_right',
    async ({ api, task, peer }) => {
      const b = peer();
      const { send: s } = await sendRightIn(b, api);
      expect(typeOf(api, s)).toBe(C.MACH_PORT_TYPE_SEND);
      expectMachError(() => api.mach_port_insert_right(task, s, s, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_RIGHT');
      api.mach_port_insert_right(task, s, s, C.MACH_MSG_TYPE_COPY_SEND);
      expect(refs(api, s, C.MACH_PORT_RIGHT_SEND)).toBe(2);
    },
    { needs: ['peer'] },
  );

  conformance(
    'S12 inserting a send right under a second name of the same space → KERN_RIGHT_EXISTS; the made right is released (mscount was bumped)',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_copyout_name (ipc_right_reverse); mach_kernelrpc.c:_kernelrpc_mach_port_insert_right_trap; xnu:tests/mach_port_insert_right.c',
    ({ api, task }) => {
      const p = port(api);
      const q = port(api);
      expectMachError(() => api.mach_port_insert_right(task, p, q, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_RIGHT_EXISTS');
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      expect(typeOf(api, q)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      const st = status(api, q);
      expect(st.mps_mscount).toBe(1);
      expect(st.mps_srights).toBe(0);
      const free = unusedName(api);
      expectMachError(() => api.mach_port_insert_right(task, free, q, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_RIGHT_EXISTS');
      expect(isGone(api, free)).toBe(true);
    },
  );

  conformance(
    'S13 the reverse look-up runs first: insert_right(set name, P, MAKE_SEND) → KERN_RIGHT_EXISTS, not NAME_EXISTS',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_copyout_name (ipc_right_reverse before ipc_right_inuse)',
    ({ api, task }) => {
      const s = portSet(api);
      const p = port(api);
      expectMachError(() => api.mach_port_insert_right(task, s, p, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_RIGHT_EXISTS');
      expect(typeOf(api, s)).toBe(C.MACH_PORT_TYPE_PORT_SET);
    },
  );

  conformance(
    'S13/S16 a send-once right into an occupied name → KERN_NAME_EXISTS; the destroyed send-once right sends MACH_NOTIFY_SEND_ONCE',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_copyout_name; mach_kernelrpc.c:_kernelrpc_mach_port_insert_right_trap (ipc_object_destroy); ipc_notify.c:ipc_notify_send_once_and_unlock',
    async ({ api, task }) => {
      const p = port(api);
      const s = portSet(api);
      expectMachError(() => api.mach_port_insert_right(task, s, p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), 'KERN_NAME_EXISTS');
      const n = await expectNotification(api, p, C.MACH_NOTIFY_SEND_ONCE);
      expect(n.size).toBe(24);
      expectMachError(() => api.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), 'KERN_NAME_EXISTS');
      await expectNotification(api, p, C.MACH_NOTIFY_SEND_ONCE);
      expect(status(api, p).mps_sorights).toBe(0);
      expect(typeOf(api, s)).toBe(C.MACH_PORT_TYPE_PORT_SET);
    },
  );

  conformance(
    'S14 bad target names: low bits not 11 → KERN_INVALID_VALUE, index 0 → KERN_FAILURE, 0 or DEAD → KERN_INVALID_VALUE',
    'xnu:osfmk/ipc/mach_port.c:mach_port_insert_right; ipc_entry.c:ipc_entry_alloc_name; xnu:tests/mach_port_insert_right.c',
    ({ api, task }) => {
      const p = port(api);
      const MS = C.MACH_MSG_TYPE_MAKE_SEND;
      expectMachError(() => api.mach_port_insert_right(task, 0x7a, p, MS), 'KERN_INVALID_VALUE');
      expectMachError(() => api.mach_port_insert_right(task, 0x7b, p, MS), 'KERN_FAILURE');
      expectMachError(() => api.mach_port_insert_right(task, C.MACH_PORT_NULL, p, MS), 'KERN_INVALID_VALUE');
      expectMachError(() => api.mach_port_insert_right(task, C.MACH_PORT_DEAD, p, MS), 'KERN_INVALID_VALUE');
      expectMachError(() => api.mach_port_insert_right(task, unusedName(api) & ~3, p, MS), 'KERN_INVALID_VALUE');
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      expect(status(api, p).mps_srights).toBe(0);
    },
  );

  conformance(
    'S15 a port set is not a port: insert_right(S, S, MAKE_SEND) → KERN_INVALID_RIGHT',
    'xnu:tests/ipc/port_api.c:mach_port_insert_right_123724977; ipc_object.c:ipc_object_insert_send_right',
    ({ api, task }) => {
      const s = portSet(api);
      expectMachError(() => api.mach_port_insert_right(task, s, s, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_insert_right(task, s, s, C.MACH_MSG_TYPE_COPY_SEND), 'KERN_INVALID_RIGHT');
      expect(typeOf(api, s)).toBe(C.MACH_PORT_TYPE_PORT_SET);
    },
  );

  conformance(
    'S16 insert_right(M, P, MAKE_SEND_ONCE) into a free name: M is a send-once right, P.sorights 1',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_copyout_name',
    ({ api, task }) => {
      const p = port(api);
      const m = unusedName(api);
      api.mach_port_insert_right(task, m, p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      expect(typeOf(api, m)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      expect(refs(api, m, C.MACH_PORT_RIGHT_SEND_ONCE)).toBe(1);
      expect(status(api, p).mps_sorights).toBe(1);
      expect(status(api, p).mps_mscount).toBe(0);
    },
  );

  conformance(
    'S17 insert_right(M, P, MOVE_RECEIVE) renames the receive right: P gone, M holds it with mscount/seqno reset and its messages',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin MOVE_RECEIVE; ipc_port.c:ipc_port_clear_receiver',
    async ({ api, task }) => {
      const p = portWithSend(api);
      api.mach_port_set_seqno(task, p, 7);
      await send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 17 }));
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, -1);
      const m = unusedName(api);
      api.mach_port_insert_right(task, m, p, C.MACH_MSG_TYPE_MOVE_RECEIVE);
      expect(isGone(api, p)).toBe(true);
      expect(typeOf(api, m)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      const st = status(api, m);
      expect(st.mps_mscount).toBe(0);
      expect(st.mps_seqno).toBe(0);
      expect(st.mps_msgcount).toBe(1);
      const r = await recv(api, m, { options: C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_SEQNO) });
      expect(r.header.msgh_id).toBe(17);
      expect(r.header.msgh_local_port).toBe(m);
      expect(r.trailer.seqno).toBe(0);
    },
  );

  conformance(
    'S17 renaming a receive right fires the port-deleted notification of a dead-name request registered on the old name',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin (ipc_right_request_cancel → icc_deleted_port), ipc_right_copyin_cleanup_destroy',
    async ({ api, task }) => {
      const p = port(api);
      const n = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_DEAD_NAME, n);
      expect((typeOf(api, p) & C.MACH_PORT_TYPE_DNREQUEST) >>> 0).toBe(C.MACH_PORT_TYPE_DNREQUEST);
      const m = unusedName(api);
      api.mach_port_insert_right(task, m, p, C.MACH_MSG_TYPE_MOVE_RECEIVE);
      const note = await expectNotification(api, n, C.MACH_NOTIFY_PORT_DELETED);
      expect(notificationWord(note)).toBe(p);
      expect(typeOf(api, m)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
  );

  conformance(
    'S18 a moved receive right that cannot be inserted is destroyed (KERN_NAME_EXISTS; its send-once rights turn dead)',
    'xnu:osfmk/ipc/mach_kernelrpc.c:_kernelrpc_mach_port_insert_right_trap (ipc_object_destroy on failure)',
    async ({ api, task }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      const occupied = portSet(api);
      expectMachError(() => api.mach_port_insert_right(task, occupied, p, C.MACH_MSG_TYPE_MOVE_RECEIVE), 'KERN_NAME_EXISTS');
      expect(isGone(api, p)).toBe(true);
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(typeOf(api, occupied)).toBe(C.MACH_PORT_TYPE_PORT_SET);
    },
  );

  conformance(
    'S18 a moved send right that cannot be inserted is released (may fire no-senders)',
    'xnu:osfmk/ipc/mach_kernelrpc.c:_kernelrpc_mach_port_insert_right_trap; ipc_notify.c:ipc_notify_no_senders',
    async ({ api, task, peer }) => {
      const b = peer();
      const { port: q, send: s } = await sendRightIn(b, api);
      const nb = port(b);
      requestNotification(b, q, C.MACH_NOTIFY_NO_SENDERS, nb, 1);
      const occupied = portSet(api);
      expectMachError(() => api.mach_port_insert_right(task, occupied, s, C.MACH_MSG_TYPE_MOVE_SEND), 'KERN_NAME_EXISTS');
      expect(isGone(api, s)).toBe(true);
      const note = await expectNotification(b, nb, C.MACH_NOTIFY_NO_SENDERS);
      expect(notificationWord(note)).toBe(1);
    },
    { needs: ['peer'] },
  );

  conformance(
    'S19 insert_right with a NULL poly → KERN_INVALID_NAME; dispositions 0, 15 and 22 → KERN_INVALID_RIGHT',
    'xnu:osfmk/ipc/mach_kernelrpc.c:_kernelrpc_mach_port_insert_right_trap; ipc_right.c:ipc_right_copyin (default: invalid_right)',
    ({ api, task }) => {
      const p = port(api);
      const m = unusedName(api);
      expectMachError(() => api.mach_port_insert_right(task, m, C.MACH_PORT_NULL, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_NAME');
      for (const disp of [0, C.MACH_MSG_TYPE_PORT_NAME, C.MACH_MSG_TYPE_COPY_RECEIVE]) {
        expectMachError(() => api.mach_port_insert_right(task, m, p, disp), 'KERN_INVALID_RIGHT');
        expectMachError(() => api.mach_port_insert_right(task, p, p, disp), 'KERN_INVALID_RIGHT');
      }
      expect(isGone(api, m)).toBe(true);
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
  );

  conformance(
    'S19 insert_right(M, D, COPY_SEND) of a dead name: copied in as MACH_PORT_DEAD, then KERN_INVALID_CAPABILITY',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin copy_dead (DEADOK); mach_port.c:mach_port_insert_right (!IP_VALID(poly))',
    ({ api, task }) => {
      const d = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME);
      const m = unusedName(api);
      expectMachError(() => api.mach_port_insert_right(task, m, d, C.MACH_MSG_TYPE_COPY_SEND), 'KERN_INVALID_CAPABILITY');
      expect(refs(api, d, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
      expect(isGone(api, m)).toBe(true);
    },
  );

  // -------------------------------------------------------------------------
  // mach_port_extract_right

  conformance(
    'S42 extract_right(P, MAKE_SEND_ONCE) twice gives two distinct send-once names; sorights 2',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_copyout; xnu:tests/ipc/mach_msg_transport.c:t_make_sonce',
    ({ api, task }) => {
      const p = port(api);
      const a = api.mach_port_extract_right(task, p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      const b = api.mach_port_extract_right(task, p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      expect(a.polyPoly).toBe(C.MACH_MSG_TYPE_PORT_SEND_ONCE);
      expect(b.polyPoly).toBe(C.MACH_MSG_TYPE_PORT_SEND_ONCE);
      expect(a.poly).not.toBe(b.poly);
      expect(a.poly).not.toBe(p);
      for (const o of [a.poly, b.poly]) {
        expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
        expect(refs(api, o, C.MACH_PORT_RIGHT_SEND_ONCE)).toBe(1);
      }
      expect(status(api, p).mps_sorights).toBe(2);
    },
  );

  conformance(
    'extract_right(P, MAKE_SEND) copies the send right back out under the receive name (coalesced), PORT_SEND, mscount+1',
    'xnu:osfmk/ipc/mach_port.c:mach_port_extract_right; ipc_object.c:ipc_object_copyin_type, ipc_object_copyout (reverse lookup)',
    ({ api, task }) => {
      const p = port(api);
      const r = api.mach_port_extract_right(task, p, C.MACH_MSG_TYPE_MAKE_SEND);
      expect(r).toEqual({ poly: p, polyPoly: C.MACH_MSG_TYPE_PORT_SEND });
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
      expect(status(api, p).mps_mscount).toBe(1);
      const r2 = api.mach_port_extract_right(task, p, C.MACH_MSG_TYPE_COPY_SEND);
      expect(r2).toEqual({ poly: p, polyPoly: C.MACH_MSG_TYPE_PORT_SEND });
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(2);
      const r3 = api.mach_port_extract_right(task, p, C.MACH_MSG_TYPE_MOVE_SEND);
      expect(r3).toEqual({ poly: p, polyPoly: C.MACH_MSG_TYPE_PORT_SEND });
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(2);
      expect(status(api, p).mps_mscount).toBe(1);
    },
  );

  conformance(
    'extract_right(P, MOVE_RECEIVE) of a receive-only name: P is freed, the right comes back under a new name with mscount/seqno reset',
    'xnu:osfmk/ipc/mach_port.c:mach_port_extract_right; ipc_right.c:ipc_right_copyin MOVE_RECEIVE; ipc_port.c:ipc_port_clear_receiver',
    ({ api, task }) => {
      const p = port(api);
      api.mach_port_set_seqno(task, p, 9);
      api.mach_port_set_mscount(task, p, 4);
      const r = api.mach_port_extract_right(task, p, C.MACH_MSG_TYPE_MOVE_RECEIVE);
      expect(r.polyPoly).toBe(C.MACH_MSG_TYPE_PORT_RECEIVE);
      expect(r.poly).not.toBe(p);
      expect(isGone(api, p)).toBe(true);
      expect(typeOf(api, r.poly)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      const st = status(api, r.poly);
      expect(st.mps_seqno).toBe(0);
      expect(st.mps_mscount).toBe(0);
    },
  );

  conformance(
    'extract_right(P, MOVE_RECEIVE) of a SEND_RECEIVE name: the receive right comes back into the same name (coalesced), mscount reset',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin MOVE_RECEIVE (EX_RECEIVE, hash insert), ipc_right_copyout; ipc_port.c:ipc_port_clear_receiver',
    ({ api, task }) => {
      const p = portWithSend(api);
      const r = api.mach_port_extract_right(task, p, C.MACH_MSG_TYPE_MOVE_RECEIVE);
      expect(r).toEqual({ poly: p, polyPoly: C.MACH_MSG_TYPE_PORT_RECEIVE });
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
      expect(status(api, p).mps_mscount).toBe(0);
      expect(status(api, p).mps_srights).toBe(1);
    },
  );

  conformance(
    'extract_right errors: disposition outside 16..21 → KERN_INVALID_VALUE; name 0/DEAD → KERN_INVALID_RIGHT; unknown → KERN_INVALID_NAME; wrong right → KERN_INVALID_RIGHT',
    'xnu:osfmk/ipc/mach_port.c:mach_port_extract_right; ipc_right.c:ipc_right_copyin',
    ({ api, task }) => {
      const p = port(api);
      for (const d of [0, C.MACH_MSG_TYPE_PORT_NAME, C.MACH_MSG_TYPE_COPY_RECEIVE, C.MACH_MSG_TYPE_DISPOSE_SEND]) {
        expectMachError(() => api.mach_port_extract_right(task, p, d), 'KERN_INVALID_VALUE');
      }
      expectMachError(() => api.mach_port_extract_right(task, C.MACH_PORT_NULL, C.MACH_MSG_TYPE_COPY_SEND), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_extract_right(task, C.MACH_PORT_DEAD, C.MACH_MSG_TYPE_COPY_SEND), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_extract_right(task, unusedName(api), C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_extract_right(task, p, C.MACH_MSG_TYPE_COPY_SEND), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_extract_right(task, p, C.MACH_MSG_TYPE_MOVE_SEND), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_extract_right(task, p, C.MACH_MSG_TYPE_MOVE_SEND_ONCE), 'KERN_INVALID_RIGHT');
      const o = sendOnce(api, p);
      expectMachError(() => api.mach_port_extract_right(task, o, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_extract_right(task, o, C.MACH_MSG_TYPE_COPY_SEND), 'KERN_INVALID_RIGHT');
      const s = portSet(api);
      expectMachError(() => api.mach_port_extract_right(task, s, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_RIGHT');
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
    },
  );

  conformance(
    'extract_right(D, COPY_SEND) of a dead name succeeds with MACH_PORT_DEAD',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_copyin (IPC_OBJECT_COPYIN_FLAGS_DEADOK); ipc_right.c:ipc_right_copyin copy_dead',
    ({ api, task }) => {
      const d = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME);
      const r = api.mach_port_extract_right(task, d, C.MACH_MSG_TYPE_COPY_SEND);
      expect(r).toEqual({ poly: C.MACH_PORT_DEAD, polyPoly: C.MACH_MSG_TYPE_PORT_SEND });
      expect(refs(api, d, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
    },
  );

  conformance(
    'extract_right(O, MOVE_SEND_ONCE) of a send-once right returns it under a fresh name; the old name is gone, sorights unchanged',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin MOVE_SEND_ONCE; ipc_object.c:ipc_object_copyout',
    async ({ api, task }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      const r = api.mach_port_extract_right(task, o, C.MACH_MSG_TYPE_MOVE_SEND_ONCE);
      expect(r.polyPoly).toBe(C.MACH_MSG_TYPE_PORT_SEND_ONCE);
      expect(typeOf(api, r.poly)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      if (r.poly !== o) expect(isGone(api, o)).toBe(true);
      expect(status(api, p).mps_sorights).toBe(1);
      await expectEmpty(api, p);
    },
  );
});
