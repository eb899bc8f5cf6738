/**
 * Queue limits, blocking sends, timeouts, pseudo-receive (reference S57–S61, §2.6).
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
  refs,
  send,
  sendOnce,
  sendRightIn,
  sendSimple,
  setQlimit,
  sleep,
  status,
  typeOf,
  unusedName,
} from './helpers.js';

async function fill(api: Parameters<typeof port>[0], p: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 1000 + i }, 0);
}

suite('queue limit, blocking, timeouts', () => {
  conformance(
    'S57 the default queue limit is 5: five sends succeed, a sixth with MACH_SEND_TIMEOUT 0 → MACH_SEND_TIMED_OUT',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_send_locked (imq_full: msgcount >= qlimit); ipc_mqueue_init',
    async ({ api }) => {
      const p = portWithSend(api);
      await fill(api, p, 5);
      expect(status(api, p).mps_msgcount).toBe(5);
      await expectMachError(sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, {}, 0), 'MACH_SEND_TIMED_OUT');
      expect(status(api, p).mps_msgcount).toBe(5);
    },
  );

  conformance(
    'S57 a timed-out send is pseudo-received into the send buffer: PORT_SEND destination bits, the COPY_SEND right handed back (+1 uref)',
    'xnu:osfmk/ipc/mach_msg.c:mach_msg_receive_pseudo; ipc_kmsg.c:ipc_kmsg_copyout_pseudo',
    async ({ api }) => {
      const p = portWithSend(api);
      await fill(api, p, 5);
      const m = msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 57 });
      await expectMachError(api.mach_msg(m, C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT, 0, 0), 'MACH_SEND_TIMED_OUT');
      expect(m.header.msgh_bits).toBe(C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_PORT_SEND, 0));
      expect(m.header.msgh_remote_port).toBe(p);
      expect(m.header.msgh_local_port ?? 0).toBe(0);
      expect(m.header.msgh_id).toBe(57);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(2);
    },
  );

  conformance(
    'S57 pseudo-receive hands back a MAKE_SEND_ONCE reply as a send-once right under a fresh name, and a MAKE_SEND destination as a send right',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyout_pseudo (not reversed: remote = destination, local = reply)',
    async ({ api, task }) => {
      const p = portWithSend(api);
      await fill(api, p, 5);
      api.mach_port_deallocate(task, p);
      const r = port(api);
      const m = msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE, id: 58 });
      await expectMachError(api.mach_msg(m, C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT, 0, 0), 'MACH_SEND_TIMED_OUT');
      expect(m.header.msgh_bits).toBe(C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_PORT_SEND, C.MACH_MSG_TYPE_PORT_SEND_ONCE));
      expect(m.header.msgh_remote_port).toBe(p);
      const so = m.header.msgh_local_port!;
      expect(so).not.toBe(r);
      expect(typeOf(api, so)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      expect(status(api, r).mps_sorights).toBe(1);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
      expect(status(api, p).mps_mscount).toBe(2);
    },
  );

  conformance(
    'S57 pseudo-receive of port descriptors: every disposition comes back as PORT_*, rights return to the sender (xnu mach_msg_descriptor_port, pseudo variant)',
    'xnu:tests/ipc/mach_msg_transport.c:mach_msg_descriptor_port; ipc_kmsg.c:ipc_kmsg_copyout_pseudo',
    async ({ api, task }) => {
      const rcv = portWithSend(api);
      setQlimit(api, rcv, 1);
      await sendSimple(api, rcv, C.MACH_MSG_TYPE_COPY_SEND, {}, 0);
      const p = portWithSend(api);
      const cases: Array<[number, number]> = [
        [C.MACH_MSG_TYPE_MOVE_RECEIVE, C.MACH_MSG_TYPE_PORT_RECEIVE],
        [C.MACH_MSG_TYPE_MOVE_SEND, C.MACH_MSG_TYPE_PORT_SEND],
        [C.MACH_MSG_TYPE_MOVE_SEND_ONCE, C.MACH_MSG_TYPE_PORT_SEND_ONCE],
        [C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_PORT_SEND],
        [C.MACH_MSG_TYPE_MAKE_SEND, C.MACH_MSG_TYPE_PORT_SEND],
        [C.MACH_MSG_TYPE_MAKE_SEND_ONCE, C.MACH_MSG_TYPE_PORT_SEND_ONCE],
      ];
      for (const [disp, received] of cases) {
        const name = disp === C.MACH_MSG_TYPE_MOVE_SEND_ONCE ? sendOnce(api, p) : p;
        const m = msg(rcv, C.MACH_MSG_TYPE_COPY_SEND, { id: 42, descriptors: [portDesc(name, disp)] });
        await expectMachError(api.mach_msg(m, C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT, 0, 0), 'MACH_SEND_TIMED_OUT');
        expect(C.MACH_MSGH_BITS_IS_COMPLEX(m.header.msgh_bits)).toBe(true);
        expect(m.descriptors?.length).toBe(1);
        const d = m.descriptors![0] as { type: number; name: number; disposition: number };
        expect(d.type).toBe(C.MACH_MSG_PORT_DESCRIPTOR);
        expect(d.disposition).toBe(received);
        if (received !== C.MACH_MSG_TYPE_PORT_SEND_ONCE) expect(d.name).toBe(p);
        else api.mach_port_deallocate(task, d.name);
      }
      // one COPY_SEND and one MAKE_SEND came back as extra urefs
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(3);
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
    },
  );

  conformance(
    'S58 a send to a full queue without MACH_SEND_TIMEOUT blocks until a receive makes room',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_send_locked, ipc_mqueue_release_msgcount',
    async ({ api }) => {
      const p = portWithSend(api);
      await fill(api, p, 5);
      const blocked = sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 6 });
      expect(await isPending(blocked)).toBe(true);
      expect((await recv(api, p)).header.msgh_id).toBe(1000);
      await blocked;
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push((await recv(api, p)).header.msgh_id);
      expect(ids).toEqual([1001, 1002, 1003, 1004, 6]);
    },
  );

  conformance(
    'S58 MACH_SEND_TIMEOUT t on a full queue → MACH_SEND_TIMED_OUT after about t ms',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_send_locked (timeout in ms)',
    async ({ api }) => {
      const p = portWithSend(api);
      await fill(api, p, 5);
      const t0 = Date.now();
      await expectMachError(sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, {}, 80), 'MACH_SEND_TIMED_OUT');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(70);
    },
  );

  conformance(
    'S58 raising the queue limit releases a blocked sender',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_set_qlimit_locked (wakes that many senders)',
    async ({ api }) => {
      const p = portWithSend(api);
      await fill(api, p, 5);
      const blocked = sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 6 });
      expect(await isPending(blocked)).toBe(true);
      setQlimit(api, p, 6);
      await blocked;
      expect(status(api, p).mps_msgcount).toBe(6);
    },
  );

  conformance(
    'S59 LIMITS_INFO: qlimit 1024 ok, 1025 → KERN_INVALID_VALUE, 0 ok (then every ordinary send times out); get returns the limit',
    'xnu:osfmk/ipc/mach_port.c:mach_port_set_attributes, mach_port_get_attributes',
    async ({ api, task }) => {
      const p = portWithSend(api);
      setQlimit(api, p, C.MACH_PORT_QLIMIT_MAX);
      expect(api.mach_port_get_attributes(task, p, C.MACH_PORT_LIMITS_INFO, 1)).toEqual({ mpl_qlimit: 1024 });
      expectMachError(() => setQlimit(api, p, C.MACH_PORT_QLIMIT_MAX + 1), 'KERN_INVALID_VALUE');
      expect(status(api, p).mps_qlimit).toBe(1024);
      setQlimit(api, p, 7);
      expect(api.mach_port_get_attributes(task, p, C.MACH_PORT_LIMITS_INFO, 1)).toEqual({ mpl_qlimit: 7 });
      setQlimit(api, p, 0);
      expect(status(api, p).mps_qlimit).toBe(0);
      await expectMachError(sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, {}, 0), 'MACH_SEND_TIMED_OUT');
      await sendSimple(api, p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE, {}, 0);
    },
  );

  conformance(
    'S59 LIMITS_INFO errors: a send-only name or a port set → KERN_INVALID_RIGHT, name 0 on set → KERN_INVALID_RIGHT, unknown → KERN_INVALID_NAME',
    'xnu:osfmk/ipc/mach_port.c:mach_port_set_attributes (ipc_port_translate_receive)',
    ({ api, task }) => {
      const s = portSet(api);
      const p = port(api);
      const o = sendOnce(api, p);
      expectMachError(() => setQlimit(api, s, 3), 'KERN_INVALID_RIGHT');
      expectMachError(() => setQlimit(api, o, 3), 'KERN_INVALID_RIGHT');
      expectMachError(() => setQlimit(api, C.MACH_PORT_NULL, 3), 'KERN_INVALID_RIGHT');
      expectMachError(() => setQlimit(api, unusedName(api), 3), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_get_attributes(task, s, C.MACH_PORT_LIMITS_INFO, 1), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_get_attributes(task, p, C.MACH_PORT_LIMITS_INFO, 0), 'KERN_FAILURE');
      // the quirk: LIMITS_INFO of MACH_PORT_NULL succeeds (with count 0)
      api.mach_port_get_attributes(task, C.MACH_PORT_NULL, C.MACH_PORT_LIMITS_INFO, 1);
    },
  );

  conformance(
    'S59 LIMITS_INFO on a send-only name → KERN_INVALID_RIGHT',
    'xnu:osfmk/ipc/mach_port.c:mach_port_set_attributes (ipc_port_translate_receive)',
    async ({ api, peer }) => {
      const b = peer();
      const { send: s } = await sendRightIn(b, api);
      expectMachError(() => setQlimit(api, s, 3), 'KERN_INVALID_RIGHT');
    },
    { needs: ['peer'] },
  );

  conformance(
    'S60 MACH_RCV_TIMEOUT 0 on an empty port or set → MACH_RCV_TIMED_OUT immediately; timeout t → after about t ms',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_receive_on_thread_and_unlock',
    async ({ api }) => {
      const p = port(api);
      const s = portSet(api);
      await expectMachError(recv(api, p, { timeout: 0 }), 'MACH_RCV_TIMED_OUT');
      await expectMachError(recv(api, s, { timeout: 0 }), 'MACH_RCV_TIMED_OUT');
      const t0 = Date.now();
      await expectMachError(recv(api, p, { timeout: 60 }), 'MACH_RCV_TIMED_OUT');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(50);
    },
  );

  conformance(
    'S60 SEND|RCV whose send succeeds and whose receive times out → MACH_RCV_TIMED_OUT; the message stays sent',
    'xnu:osfmk/ipc/mach_msg.c:mach_msg2_trap',
    async ({ api }) => {
      const p = portWithSend(api);
      const r = port(api);
      await expectMachError(
        api.mach_msg(msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 60 }), C.MACH_SEND_MSG | C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, r, 0),
        'MACH_RCV_TIMED_OUT',
      );
      expect((await recv(api, p)).header.msgh_id).toBe(60);
    },
  );

  conformance(
    'S60 a pending receive resolves when a message arrives later',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_post (hands the message to the waiting thread)',
    async ({ api }) => {
      const p = portWithSend(api);
      const waiting = recv(api, p, { timeout: 10_000 });
      expect(await isPending(waiting)).toBe(true);
      setTimeout(() => void sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 0x60 }), 20);
      expect((await waiting).header.msgh_id).toBe(0x60);
      await expectEmpty(api, p);
    },
  );

  conformance(
    'S61 receiving on NULL, an unknown name, a dead name, a send-once or a send right → MACH_RCV_INVALID_NAME',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_copyin',
    async ({ api, task }) => {
      const p = portWithSend(api);
      const o = sendOnce(api, p);
      const d = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME);
      for (const name of [C.MACH_PORT_NULL, C.MACH_PORT_DEAD, unusedName(api), d, o, task]) {
        await expectMachError(recv(api, name, { timeout: 0 }), 'MACH_RCV_INVALID_NAME');
      }
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
    },
  );

  conformance(
    'S61 receiving on a send-only name → MACH_RCV_INVALID_NAME',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_copyin',
    async ({ api, peer }) => {
      const b = peer();
      const { send: s } = await sendRightIn(b, api);
      await expectMachError(recv(api, s, { timeout: 0 }), 'MACH_RCV_INVALID_NAME');
    },
    { needs: ['peer'] },
  );

  conformance(
    'S43/S12 kernel notifications ignore the queue limit (a full queue still gets MACH_NOTIFY_SEND_ONCE)',
    'xnu:osfmk/ipc/ipc_notify.c; kern/ipc_mig.c:mach_msg_send_from_kernel (MACH_SEND_ALWAYS); ipc_mqueue.c:ipc_mqueue_send_locked',
    async ({ api, task }) => {
      const p = portWithSend(api);
      await fill(api, p, 5);
      const o = sendOnce(api, p);
      api.mach_port_deallocate(task, o);
      expect(status(api, p).mps_msgcount).toBe(6);
      const ids = [];
      for (let i = 0; i < 6; i++) ids.push((await recv(api, p)).header.msgh_id);
      expect(ids[5]).toBe(C.MACH_NOTIFY_SEND_ONCE);
    },
  );

  conformance(
    'a blocked sender whose timeout expires gets its message back; the queue is unchanged',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_send_locked; mach_msg.c:mach_msg_receive_pseudo',
    async ({ api }) => {
      const p = portWithSend(api);
      setQlimit(api, p, 1);
      await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 1 });
      const z = portWithSend(api);
      const m = msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 2, descriptors: [portDesc(z, C.MACH_MSG_TYPE_MOVE_RECEIVE)] });
      // The timeout leaves room for the look below even when the task is in another
      // process (kernel-host backend) on a loaded machine.
      const pending = api.mach_msg(m, C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT, 0, 1000);
      await sleep(10);
      // while the sender waits, the receive right is in the message, not in the space
      expect(typeOf(api, z)).toBe(C.MACH_PORT_TYPE_SEND);
      await expectMachError(pending, 'MACH_SEND_TIMED_OUT');
      const d = m.descriptors![0] as { name: number; disposition: number };
      expect(d.disposition).toBe(C.MACH_MSG_TYPE_PORT_RECEIVE);
      expect(d.name).toBe(z);
      expect(typeOf(api, z)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
      expect(status(api, p).mps_msgcount).toBe(1);
      expect(isGone(api, z)).toBe(false);
    },
  );
});
