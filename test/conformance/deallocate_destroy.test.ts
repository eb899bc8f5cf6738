/**
 * mach_port_deallocate, mach_port_destroy, mach_port_type (reference S27–S34).
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

suite('deallocate, destroy, type', () => {
  conformance(
    'S27 deallocating the last send uref frees the name, fires no-senders on the port and port-deleted for a dead-name request on the name',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_dealloc (ipc_notify_no_senders_prepare, ipc_right_request_cancel → port-deleted)',
    async ({ api, task, peer }) => {
      const b = peer();
      const { port: p, send: s } = await sendRightIn(api, b);
      const ns = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_NO_SENDERS, ns, 1);
      const nb = port(b);
      requestNotification(b, s, C.MACH_NOTIFY_DEAD_NAME, nb);
      b.mach_port_deallocate(b.mach_task_self(), s);
      expect(isGone(b, s)).toBe(true);
      const n1 = await expectNotification(api, ns, C.MACH_NOTIFY_NO_SENDERS);
      expect(notificationWord(n1)).toBe(1);
      const n2 = await expectNotification(b, nb, C.MACH_NOTIFY_PORT_DELETED);
      expect(notificationWord(n2)).toBe(s);
      expect(n2.size).toBe(36);
      expect(status(api, p).mps_nsrequest).toBe(0);
      void task;
    },
    { needs: ['peer'] },
  );

  conformance(
    'S27 deallocating the last send uref of a SEND_RECEIVE name leaves the receive right and fires an armed no-senders',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_dealloc MACH_PORT_TYPE_SEND_RECEIVE',
    async ({ api, task }) => {
      const p = portWithSend(api);
      const n = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_NO_SENDERS, n, 1);
      expect(status(api, p).mps_nsrequest).toBe(1);
      api.mach_port_deallocate(task, p);
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      const note = await expectNotification(api, n, C.MACH_NOTIFY_NO_SENDERS);
      expect(notificationWord(note)).toBe(1);
      expect(status(api, p).mps_srights).toBe(0);
    },
  );

  conformance(
    'S28 deallocating a receive-only name → KERN_INVALID_RIGHT, the right is intact; on SEND_RECEIVE it drops one send uref',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_dealloc (default: KERN_INVALID_RIGHT)',
    ({ api, task }) => {
      const p = port(api);
      expectMachError(() => api.mach_port_deallocate(task, p), 'KERN_INVALID_RIGHT');
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      const q = portWithSend(api);
      api.mach_port_insert_right(task, q, q, C.MACH_MSG_TYPE_MAKE_SEND);
      api.mach_port_deallocate(task, q);
      expect(typeOf(api, q)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
      expect(refs(api, q, C.MACH_PORT_RIGHT_SEND)).toBe(1);
      api.mach_port_deallocate(task, q);
      expect(typeOf(api, q)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      expectMachError(() => api.mach_port_deallocate(task, q), 'KERN_INVALID_RIGHT');
    },
  );

  conformance(
    'S29 deallocating a port set destroys it; members leave the set and keep their messages',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_dealloc MACH_PORT_TYPE_PORT_SET; ipc_pset.c:ipc_pset_destroy; xnu:tests/mach_port_deallocate_21692215.c',
    async ({ api, task }) => {
      const s = portSet(api);
      const p = port(api);
      api.mach_port_move_member(task, p, s);
      expect(status(api, p).mps_pset).toBe(1);
      await send(api, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { id: 29 }));
      api.mach_port_deallocate(task, s);
      expect(isGone(api, s)).toBe(true);
      expect(status(api, p).mps_pset).toBe(0);
      expect(status(api, p).mps_msgcount).toBe(1);
      expect((await recv(api, p)).header.msgh_id).toBe(29);
    },
  );

  conformance(
    'S30 deallocating an unknown name → KERN_INVALID_NAME; MACH_PORT_NULL and MACH_PORT_DEAD succeed',
    'xnu:osfmk/ipc/mach_port.c:mach_port_deallocate_kernel',
    ({ api, task }) => {
      expectMachError(() => api.mach_port_deallocate(task, unusedName(api)), 'KERN_INVALID_NAME');
      api.mach_port_deallocate(task, C.MACH_PORT_NULL);
      api.mach_port_deallocate(task, C.MACH_PORT_DEAD);
    },
  );

  conformance(
    'S31 deallocating a send-once right sends a 24-byte MACH_NOTIFY_SEND_ONCE to its port',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_dealloc MACH_PORT_TYPE_SEND_ONCE; ipc_notify.c:ipc_notify_send_once_and_unlock',
    async ({ api, task }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      api.mach_port_deallocate(task, o);
      expect(isGone(api, o)).toBe(true);
      const n = await expectNotification(api, p, C.MACH_NOTIFY_SEND_ONCE);
      expect(n.size).toBe(24);
      expect(n.body.length).toBe(0);
      expect(n.header.msgh_bits).toBe(C.MACH_MSGH_BITS(0, C.MACH_MSG_TYPE_PORT_SEND_ONCE));
      expect(n.header.msgh_remote_port).toBe(C.MACH_PORT_NULL);
      expect(n.header.msgh_local_port).toBe(p);
      expect(status(api, p).mps_sorights).toBe(0);
    },
  );

  conformance(
    'S31 deallocating a send-once right whose port died succeeds silently (it had become a dead name)',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_dealloc (ipc_right_check → dead_name)',
    ({ api, task }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
      api.mach_port_deallocate(task, o);
      expect(isGone(api, o)).toBe(true);
    },
  );

  conformance(
    'S32 mach_port_destroy of a SEND_RECEIVE name removes the name entirely and destroys the port',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_destroy',
    ({ api, task }) => {
      const p = portWithSend(api);
      api.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
      const o = sendOnce(api, p);
      api.mach_port_destroy(task, p);
      expect(isGone(api, p)).toBe(true);
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    },
  );

  conformance(
    'S32 mod_refs(P, RECEIVE, −1) on a SEND_RECEIVE name destroys the port but leaves P as a dead name with the send urefs',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_delta MACH_PORT_RIGHT_RECEIVE',
    ({ api, task }) => {
      const p = portWithSend(api);
      api.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(refs(api, p, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(2);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(0);
      expect(refs(api, p, C.MACH_PORT_RIGHT_RECEIVE)).toBe(0);
    },
  );

  conformance(
    'S32 …with a dead-name request on P: the dead name gets one more uref (3) and MACH_NOTIFY_DEAD_NAME names P',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_delta (ie_request → urefs+1); ipc_port.c:ipc_port_dnnotify',
    async ({ api, task }) => {
      const p = portWithSend(api);
      api.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
      const n = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_DEAD_NAME, n);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(refs(api, p, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(3);
      const note = await expectNotification(api, n, C.MACH_NOTIFY_DEAD_NAME);
      expect(notificationWord(note)).toBe(p);
      expect(note.size).toBe(36);
    },
  );

  conformance(
    'S33 mach_port_destroy of MACH_PORT_NULL/DEAD succeeds; of an unknown name → KERN_INVALID_NAME',
    'xnu:osfmk/ipc/mach_port.c:mach_port_destroy',
    ({ api, task }) => {
      api.mach_port_destroy(task, C.MACH_PORT_NULL);
      api.mach_port_destroy(task, C.MACH_PORT_DEAD);
      expectMachError(() => api.mach_port_destroy(task, unusedName(api)), 'KERN_INVALID_NAME');
    },
  );

  conformance(
    'S33 mach_port_destroy of a dead name with several urefs removes it at once; of a send-once right sends MACH_NOTIFY_SEND_ONCE',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_destroy (DEAD_NAME, SEND_ONCE); ipc_notify.c:ipc_notify_send_once_and_unlock',
    async ({ api, task }) => {
      const d = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME);
      api.mach_port_mod_refs(task, d, C.MACH_PORT_RIGHT_DEAD_NAME, 4);
      api.mach_port_destroy(task, d);
      expect(isGone(api, d)).toBe(true);
      const p = port(api);
      const o = sendOnce(api, p);
      api.mach_port_destroy(task, o);
      expect(isGone(api, o)).toBe(true);
      await expectNotification(api, p, C.MACH_NOTIFY_SEND_ONCE);
    },
  );

  conformance(
    'S33 mach_port_destroy of a send right removes all its urefs and fires no-senders; of a port set unlinks its members',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_destroy (SEND: ip_srights_dec; PORT_SET: ipc_pset_destroy)',
    async ({ api, task, peer }) => {
      const b = peer();
      const { port: p, send: s } = await sendRightIn(api, b);
      b.mach_port_mod_refs(b.mach_task_self(), s, C.MACH_PORT_RIGHT_SEND, 3);
      const n = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_NO_SENDERS, n, 1);
      b.mach_port_destroy(b.mach_task_self(), s);
      expect(isGone(b, s)).toBe(true);
      await expectNotification(api, n, C.MACH_NOTIFY_NO_SENDERS);

      const set = portSet(api);
      const q = port(api);
      api.mach_port_insert_member(task, q, set);
      api.mach_port_destroy(task, set);
      expect(isGone(api, set)).toBe(true);
      expect(status(api, q).mps_pset).toBe(0);
    },
    { needs: ['peer'] },
  );

  conformance(
    'S34 mach_port_type: MACH_PORT_DEAD → DEAD_NAME, MACH_PORT_NULL → KERN_INVALID_NAME, a dead-name request adds MACH_PORT_TYPE_DNREQUEST',
    'xnu:osfmk/ipc/mach_port.c:mach_port_type; ipc_right.c:ipc_right_info',
    async ({ api, task }) => {
      expect(api.mach_port_type(task, C.MACH_PORT_DEAD)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expectMachError(() => api.mach_port_type(task, C.MACH_PORT_NULL), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_type(task, unusedName(api)), 'KERN_INVALID_NAME');
      const p = port(api);
      const n = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_DEAD_NAME, n);
      expect(typeOf(api, p)).toBe((C.MACH_PORT_TYPE_RECEIVE | C.MACH_PORT_TYPE_DNREQUEST) >>> 0);
      const prev = api.mach_port_request_notification(task, p, C.MACH_NOTIFY_DEAD_NAME, 0, C.MACH_PORT_NULL, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      expect(typeOf(api, prev)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      api.mach_port_deallocate(task, prev);
      await expectNotification(api, n, C.MACH_NOTIFY_SEND_ONCE);
      await expectEmpty(api, n);
    },
  );
});
