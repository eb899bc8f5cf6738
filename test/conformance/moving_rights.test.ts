/**
 * Rights carried in messages: port descriptors, OOL ports, OOL memory, moving
 * receive rights, coalescing, circular sends (reference S73–S78, §2.2).
 */
import { expect } from 'vitest';
import { conformance, expectMachError, suite } from './harness.js';
import type { OolDescriptor } from '../../lib/types.js';
import {
  C,
  expectEmpty,
  expectNotification,
  isGone,
  msg,
  notificationWord,
  pattern,
  port,
  portDesc,
  portSet,
  portWithSend,
  recv,
  setQlimit,
  refs,
  requestNotification,
  send,
  sendOnce,
  sendRightIn,
  sendSimple,
  status,
  transfer,
  typeOf,
} from './helpers.js';

type PortD = { type: number; name: number; disposition: number };

suite('moving rights in messages', () => {
  conformance(
    'port descriptors with every disposition arrive as PORT_* rights; to a space that holds the receive right they coalesce under its name',
    'xnu:tests/ipc/mach_msg_transport.c:mach_msg_descriptor_port; ipc_object.c:ipc_object_copyin_type, ipc_object_copyout',
    async ({ api, task }) => {
      const rcv = portWithSend(api);
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
        await send(api, msg(rcv, C.MACH_MSG_TYPE_COPY_SEND, { id: 42, descriptors: [portDesc(name, disp)] }), 1000);
        const m = await recv(api, rcv);
        expect(C.MACH_MSGH_BITS_IS_COMPLEX(m.header.msgh_bits)).toBe(true);
        expect(m.descriptors.length).toBe(1);
        const d = m.descriptors[0] as PortD;
        expect(d.type).toBe(C.MACH_MSG_PORT_DESCRIPTOR);
        expect(d.disposition).toBe(received);
        if (received === C.MACH_MSG_TYPE_PORT_SEND_ONCE) {
          expect(d.name).not.toBe(p);
          expect(typeOf(api, d.name)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
          api.mach_port_deallocate(task, d.name);
        } else {
          expect(d.name).toBe(p);
        }
      }
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(3);
      await send(api, msg(rcv, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [portDesc(p, C.MACH_MSG_TYPE_COPY_SEND)] }));
      expect((await recv(api, rcv)).size).toBe(24 + 4 + 12);
    },
  );

  conformance(
    'OOL port arrays carry rights like port descriptors and arrive in new memory (deallocate reported true)',
    'xnu:tests/ipc/mach_msg_transport.c:mach_msg_descriptor_port_array; ipc_kmsg.c:ipc_kmsg_copyout_ool_ports_descriptor',
    async ({ api, task }) => {
      const rcv = portWithSend(api);
      const p1 = portWithSend(api);
      const p2 = portWithSend(api);
      for (const [disp, received] of [
        [C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_PORT_SEND],
        [C.MACH_MSG_TYPE_MAKE_SEND, C.MACH_MSG_TYPE_PORT_SEND],
        [C.MACH_MSG_TYPE_MAKE_SEND_ONCE, C.MACH_MSG_TYPE_PORT_SEND_ONCE],
        [C.MACH_MSG_TYPE_MOVE_RECEIVE, C.MACH_MSG_TYPE_PORT_RECEIVE],
      ] as const) {
        await send(api, msg(rcv, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 2, names: [p1, p2], disposition: disp, deallocate: false }] }), 1000);
        const m = await recv(api, rcv);
        const d = m.descriptors[0] as { type: number; names: number[]; disposition: number; deallocate?: boolean };
        expect(d.type).toBe(C.MACH_MSG_OOL_PORTS_DESCRIPTOR);
        expect(d.disposition).toBe(received);
        expect(d.names.length).toBe(2);
        expect(d.deallocate).toBe(true);
        if (received === C.MACH_MSG_TYPE_PORT_SEND_ONCE) {
          for (const n of d.names) api.mach_port_deallocate(task, n);
        } else {
          expect(d.names).toEqual([p1, p2]);
        }
      }
      expect(refs(api, p1, C.MACH_PORT_RIGHT_SEND)).toBe(3);
      expect(refs(api, p2, C.MACH_PORT_RIGHT_SEND)).toBe(3);
    },
  );

  conformance(
    'an OOL port array may be the Uint32Array mach_port_names returned: sent as the same names, the caller array left as it was',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_ool_ports_descriptor (the array is copied in from the sender memory)',
    async ({ api, task }) => {
      const rcv = portWithSend(api);
      const p1 = portWithSend(api);
      const p2 = portWithSend(api);
      const { names, types } = api.mach_port_names(task);
      const chosen = names.filter((n, i) => (n === p1 || n === p2) && (types[i]! & C.MACH_PORT_TYPE_SEND) !== 0);
      expect(chosen).toBeInstanceOf(Uint32Array);
      expect(Array.from(chosen).sort()).toEqual([p1, p2].sort());
      const before = Array.from(chosen);
      await send(api, msg(rcv, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 2, names: chosen as unknown as number[], disposition: C.MACH_MSG_TYPE_COPY_SEND, deallocate: false }] }), 1000);
      const m = await recv(api, rcv);
      const d = m.descriptors[0] as { type: number; names: number[] };
      expect(d.type).toBe(C.MACH_MSG_OOL_PORTS_DESCRIPTOR);
      expect(d.names).toEqual(before);
      expect(Array.from(chosen)).toEqual(before);
      expect(refs(api, p1, C.MACH_PORT_RIGHT_SEND)).toBe(2);
      expect(refs(api, p2, C.MACH_PORT_RIGHT_SEND)).toBe(2);
    },
  );

  conformance(
    'OOL memory arrives with the same bytes and size; deallocate is reported true for VIRTUAL copy, false for PHYSICAL',
    'xnu:tests/ipc/mach_msg_transport.c:mach_msg_descriptor_memory; ipc_kmsg.c:ipc_kmsg_deflate_memory_descriptor',
    async ({ api }) => {
      const rcv = portWithSend(api);
      const data = pattern(1 << 20, 0xff);
      await send(api, msg(rcv, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 1, data, copy: C.MACH_MSG_VIRTUAL_COPY }] }));
      const m = await recv(api, rcv);
      const d = m.descriptors[0] as { type: number; data: Uint8Array; deallocate?: boolean; copy?: number; size?: number };
      expect(d.type).toBe(C.MACH_MSG_OOL_DESCRIPTOR);
      expect(d.data.length).toBe(1 << 20);
      expect(Buffer.from(d.data).equals(Buffer.from(data))).toBe(true);
      expect(d.deallocate).toBe(true);
      expect(m.size).toBe(24 + 4 + 16);
      const small = pattern(100, 3);
      await send(api, msg(rcv, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 1, data: small, copy: C.MACH_MSG_PHYSICAL_COPY }] }));
      const m2 = await recv(api, rcv);
      const d2 = m2.descriptors[0] as { data: Uint8Array; deallocate?: boolean; copy?: number };
      expect(Array.from(d2.data)).toEqual(Array.from(small));
      expect(d2.deallocate).toBe(false);
      expect(d2.copy).toBe(C.MACH_MSG_PHYSICAL_COPY);
    },
  );

  conformance(
    'OOL memory is copied at send time: changing the buffer afterwards does not change what arrives',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_ool_descriptor (vm_map_copyin at send)',
    async ({ api }) => {
      const rcv = portWithSend(api);
      const data = pattern(4096, 7);
      const copy = Uint8Array.from(data);
      await send(api, msg(rcv, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 1, data }] }));
      data.fill(0);
      const m = await recv(api, rcv);
      expect(Buffer.from((m.descriptors[0] as { data: Uint8Array }).data).equals(Buffer.from(copy))).toBe(true);
    },
  );

  conformance(
    'OOL memory sent with deallocate leaves the sender: a whole buffer is detached once sent and its bytes arrive; a view into a larger buffer is copied and left alone; a send refused at the header leaves the buffer alone; a detached buffer cannot be sent again',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_ool_descriptor (vm_map_copyin with src_destroy = deallocate); osfmk/vm/vm_map.c:vm_map_copyin_internal (the source range is removed once copied)',
    async ({ api }) => {
      const rcv = portWithSend(api);
      const ool = (data: Uint8Array, deallocate: boolean): OolDescriptor => ({ type: C.MACH_MSG_OOL_DESCRIPTOR, data, deallocate, copy: C.MACH_MSG_VIRTUAL_COPY });
      const received = async (): Promise<Uint8Array> => (((await recv(api, rcv)).descriptors[0]) as { data: Uint8Array }).data;
      // Refused before anything is copied in: the buffer stays.
      const data = pattern(4096, 7);
      const copy = Uint8Array.from(data);
      await expectMachError(send(api, msg(0x1234_5603, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [ool(data, true)] })), 'MACH_SEND_INVALID_DEST');
      expect(data.length).toBe(4096);
      // Sent: the whole buffer is gone from the sender, the receiver has the bytes.
      await send(api, msg(rcv, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [ool(data, true)] }));
      const got = await received();
      expect(Buffer.from(got).equals(Buffer.from(copy))).toBe(true);
      expect(data.length).toBe(0);
      expect(data.buffer.byteLength).toBe(0);
      // Sending it again is sending memory that is no longer there.
      await expectMachError(send(api, msg(rcv, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [ool(data, false)] })), 'MACH_SEND_INVALID_MEMORY');
      // A received region sent on with deallocate arrives intact.
      await send(api, msg(rcv, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [ool(got, true)] }));
      expect(Buffer.from(await received()).equals(Buffer.from(copy))).toBe(true);
      // A view into a larger buffer (here a subarray; also a pooled Node Buffer) is never detached.
      const big = pattern(8192, 3);
      const view = big.subarray(4096);
      await send(api, msg(rcv, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [ool(view, true)] }));
      expect(view.length).toBe(4096);
      expect(big.length).toBe(8192);
      const got2 = await received();
      view.fill(0);
      expect(Buffer.from(got2).equals(Buffer.from(pattern(8192, 3).subarray(4096)))).toBe(true);
      const pooled = Buffer.from('pooled');
      await send(api, msg(rcv, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [ool(pooled, true)] }));
      expect(pooled.toString()).toBe('pooled');
      expect(Buffer.from(await received()).toString()).toBe('pooled');
    },
  );

  conformance(
    'OOL memory sent with deallocate to a full queue: the send times out after copy-in, the caller\'s buffer is gone and the pseudo-receive hands the region back in the message',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_ool_descriptor (the region leaves the sender at copy-in); ipc_mqueue.c:ipc_mqueue_send (a full queue with a zero timeout: MACH_SEND_TIMED_OUT); mach_msg.c:mach_msg_send (copy-in before the send, pseudo-receive after it fails)',
    async ({ api }) => {
      const rcv = portWithSend(api);
      setQlimit(api, rcv, 1);
      await send(api, msg(rcv, C.MACH_MSG_TYPE_COPY_SEND));
      const data = pattern(4096, 11);
      const copy = Uint8Array.from(data);
      const m = msg(rcv, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: C.MACH_MSG_OOL_DESCRIPTOR, data, deallocate: true, copy: C.MACH_MSG_VIRTUAL_COPY }] });
      await expectMachError(api.mach_msg(m, C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT, C.MACH_PORT_NULL, 0), 'MACH_SEND_TIMED_OUT');
      expect(data.length).toBe(0);
      const back = (m.descriptors![0] as OolDescriptor).data;
      expect(Buffer.from(back).equals(Buffer.from(copy))).toBe(true);
      // The queue still holds only the first message.
      expect((await recv(api, rcv)).descriptors ?? []).toEqual([]);
      await expectEmpty(api, rcv);
    },
  );

  conformance(
    'S73 moving a receive right away: the sender loses the name, mscount/seqno/context reset, the port leaves its sets, queued messages travel with it',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin MOVE_RECEIVE, ipc_right_copyout; ipc_port.c:ipc_port_clear_receiver',
    async ({ api, task }) => {
      const q = portWithSend(api);
      const set = portSet(api);
      api.mach_port_move_member(task, q, set);
      api.mach_port_set_seqno(task, q, 5);
      api.mach_port_set_context(task, q, 0xabcn);
      await sendSimple(api, q, C.MACH_MSG_TYPE_COPY_SEND, { id: 0x73 });
      api.mach_port_deallocate(task, q); // q is receive-only now; the queued message still holds a send right
      const carrier = port(api);
      await send(api, msg(carrier, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [portDesc(q, C.MACH_MSG_TYPE_MOVE_RECEIVE)] }));
      expect(isGone(api, q)).toBe(true);
      expect(api.mach_port_get_set_status(task, set)).toEqual([]);
      const m = await recv(api, carrier);
      const d = m.descriptors[0] as PortD;
      expect(d.disposition).toBe(C.MACH_MSG_TYPE_PORT_RECEIVE);
      const q2 = d.name;
      expect(typeOf(api, q2)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      const st = status(api, q2);
      expect(st).toMatchObject({ mps_pset: 0, mps_seqno: 0, mps_mscount: 0, mps_msgcount: 1 });
      expect(api.mach_port_get_context(task, q2)).toBe(0n);
      const old = await recv(api, q2, { options: C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_SEQNO) });
      expect(old.header.msgh_id).toBe(0x73);
      expect(old.header.msgh_local_port).toBe(q2);
      expect(old.trailer.seqno).toBe(0);
    },
  );

  conformance(
    'S73 moving a receive right fires port-deleted for a dead-name request on the old name, and keeps an armed no-senders request',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin MOVE_RECEIVE (ipc_right_request_cancel); ipc_port.c:ipc_port_clear_receiver (nsrequest untouched)',
    async ({ api, task }) => {
      const q = portWithSend(api);
      const dn = port(api);
      const ns = port(api);
      requestNotification(api, q, C.MACH_NOTIFY_NO_SENDERS, ns, 1);
      const o = sendOnce(api, q);
      requestNotification(api, o, C.MACH_NOTIFY_DEAD_NAME, dn);
      api.mach_port_deallocate(task, o); // port-deleted for o, send-once notification to q
      expect(notificationWord(await expectNotification(api, dn, C.MACH_NOTIFY_PORT_DELETED))).toBe(o);
      const r = port(api);
      requestNotification(api, r, C.MACH_NOTIFY_DEAD_NAME, dn);
      const carrier = port(api);
      await send(api, msg(carrier, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [portDesc(r, C.MACH_MSG_TYPE_MOVE_RECEIVE), portDesc(q, C.MACH_MSG_TYPE_MOVE_RECEIVE)] }));
      expect(notificationWord(await expectNotification(api, dn, C.MACH_NOTIFY_PORT_DELETED))).toBe(r);
      // q keeps its send right under the old name; the receive right travels
      expect(typeOf(api, q)).toBe(C.MACH_PORT_TYPE_SEND);
      const m = await recv(api, carrier);
      const q2 = (m.descriptors[1] as PortD).name;
      expect(q2).toBe(q); // coalesced with the send right still named q
      expect(status(api, q2).mps_nsrequest).toBe(1);
      api.mach_port_deallocate(task, q2);
      expect(notificationWord(await expectNotification(api, ns, C.MACH_NOTIFY_NO_SENDERS))).toBe(0);
    },
  );

  conformance(
    'S73 a receive right moved to another task: the sender keeps a send right under the name, the receiver gets disposition PORT_RECEIVE and the queued message',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin MOVE_RECEIVE, ipc_right_copyout PORT_RECEIVE',
    async ({ api, task, peer }) => {
      const b = peer();
      const q = portWithSend(api);
      await sendSimple(api, q, C.MACH_MSG_TYPE_COPY_SEND, { id: 0xa73 });
      const qb = await transfer(api, b, q, C.MACH_MSG_TYPE_MOVE_RECEIVE);
      expect(typeOf(api, q)).toBe(C.MACH_PORT_TYPE_SEND);
      expect(b.mach_port_type(b.mach_task_self(), qb)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      expect((await recv(b, qb)).header.msgh_id).toBe(0xa73);
      await sendSimple(api, q, C.MACH_MSG_TYPE_COPY_SEND, { id: 0xb73 });
      expect((await recv(b, qb)).header.msgh_id).toBe(0xb73);
      await expectMachError(recv(api, q, { timeout: 0 }), 'MACH_RCV_INVALID_NAME');
      void task;
    },
    { needs: ['peer'] },
  );

  conformance(
    'S74 sending a receive right inside a message to itself succeeds, but the message is destroyed and with it the port',
    'xnu:osfmk/ipc/ipc_port.c:ipc_port_check_circularity (port == dest); ipc_kmsg.c:ipc_kmsg_send (MACH_MSGH_BITS_CIRCULAR)',
    async ({ api, task }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      await send(api, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [portDesc(p, C.MACH_MSG_TYPE_MOVE_RECEIVE)] }));
      expect(isGone(api, p)).toBe(true);
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      void task;
    },
  );

  conformance(
    'S74 …unless the port has a port-destroyed request: then its receive right goes to the notify port',
    'xnu:osfmk/ipc/ipc_port.c:ipc_port_destroy (ip_pdrequest → ipc_notify_port_destroyed)',
    async ({ api }) => {
      const p = port(api);
      const n = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_PORT_DESTROYED, n);
      await send(api, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { id: 0x74, descriptors: [portDesc(p, C.MACH_MSG_TYPE_MOVE_RECEIVE)] }));
      const note = await expectNotification(api, n, C.MACH_NOTIFY_PORT_DESTROYED);
      const p2 = (note.descriptors[0] as PortD).name;
      expect(typeOf(api, p2)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      expect(status(api, p2).mps_pdrequest).toBe(0);
    },
  );

  conformance(
    'S75 a longer cycle (Q in transit inside a message on P, then P sent to Q) is destroyed too: both ports die',
    'xnu:osfmk/ipc/ipc_port.c:ipc_port_check_circularity (walks ip_destination)',
    async ({ api, task }) => {
      const p = port(api);
      const op = sendOnce(api, p);
      const q = portWithSend(api);
      const oq = sendOnce(api, q);
      await send(api, msg(p, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [portDesc(q, C.MACH_MSG_TYPE_MOVE_RECEIVE)] }));
      expect(typeOf(api, q)).toBe(C.MACH_PORT_TYPE_SEND);
      await send(api, msg(q, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [portDesc(p, C.MACH_MSG_TYPE_MOVE_RECEIVE)] }));
      expect(isGone(api, p)).toBe(true);
      expect(typeOf(api, op)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(typeOf(api, oq)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(typeOf(api, q)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      void task;
    },
  );

  conformance(
    'S77 a send right arriving where the receiver holds the receive right lands under the receive name (SEND_RECEIVE, urefs+1); a receive right arriving where a send right is named merges into it',
    'xnu:tests/ipc_mach_port.c:right_dedup; ipc_object.c:ipc_object_copyout (ipc_right_reverse)',
    async ({ api, peer }) => {
      const b = peer();
      const q = port(b);
      const s = await transfer(b, api, q, C.MACH_MSG_TYPE_MAKE_SEND);
      const s2 = await transfer(b, api, q, C.MACH_MSG_TYPE_MAKE_SEND);
      expect(s2).toBe(s);
      expect(refs(api, s, C.MACH_PORT_RIGHT_SEND)).toBe(2);
      // the receive right follows and merges into the send name
      const r = await transfer(b, api, q, C.MACH_MSG_TYPE_MOVE_RECEIVE);
      expect(r).toBe(s);
      expect(typeOf(api, s)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
      expect(refs(api, s, C.MACH_PORT_RIGHT_SEND)).toBe(2);
      // sending a send right back to b, which holds nothing for q now, creates a fresh name there
      const back = await transfer(api, b, s, C.MACH_MSG_TYPE_COPY_SEND);
      expect(b.mach_port_type(b.mach_task_self(), back)).toBe(C.MACH_PORT_TYPE_SEND);
      // send-once rights never coalesce
      const o1 = await transfer(api, b, s, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      const o2 = await transfer(api, b, s, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      expect(new Set([o1, o2, back]).size).toBe(3);
    },
    { needs: ['peer'] },
  );

  conformance(
    'S77 in one space: a send right received in a message coalesces with the receive right (urefs+1)',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_copyout (ipc_right_reverse)',
    async ({ api }) => {
      const carrier = port(api);
      const q = port(api);
      await send(api, msg(carrier, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [portDesc(q, C.MACH_MSG_TYPE_MAKE_SEND), portDesc(q, C.MACH_MSG_TYPE_MAKE_SEND)] }));
      const m = await recv(api, carrier);
      expect((m.descriptors as PortD[]).map((d) => d.name)).toEqual([q, q]);
      expect(typeOf(api, q)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
      expect(refs(api, q, C.MACH_PORT_RIGHT_SEND)).toBe(2);
      expect(status(api, q).mps_mscount).toBe(2);
    },
  );

  conformance(
    'S68 dead names in port descriptors: COPY_SEND/MOVE_SEND of a dead name arrive as MACH_PORT_DEAD; MOVE consumes a uref',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_copyin (DEADOK); ipc_right.c:ipc_right_copyin copy_dead, move_dead',
    async ({ api, task }) => {
      const carrier = port(api);
      const d = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME);
      api.mach_port_mod_refs(task, d, C.MACH_PORT_RIGHT_DEAD_NAME, 1);
      await send(api, msg(carrier, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [portDesc(d, C.MACH_MSG_TYPE_COPY_SEND), portDesc(d, C.MACH_MSG_TYPE_MOVE_SEND)] }));
      expect(refs(api, d, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
      const m = await recv(api, carrier);
      for (const x of m.descriptors as PortD[]) {
        expect(x.name).toBe(C.MACH_PORT_DEAD);
        expect(x.disposition).toBe(C.MACH_MSG_TYPE_PORT_SEND);
      }
      await send(api, msg(carrier, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [portDesc(d, C.MACH_MSG_TYPE_MOVE_SEND_ONCE)] }));
      expect(isGone(api, d)).toBe(true);
      expect(((await recv(api, carrier)).descriptors[0] as PortD).name).toBe(C.MACH_PORT_DEAD);
    },
  );

  conformance(
    'S78 a guarded port descriptor moves a guarded receive right; a receiver with MACH_RCV_GUARDED_DESC gets it guarded and immovable, context = the new guard',
    'xnu:tests/ipc/mach_msg_transport.c:mach_msg_descriptor_guarded_port; ipc_right.c:ipc_right_copyin_check_guard_locked, ipc_right_copyout',
    async ({ api, task }) => {
      const rcv = portWithSend(api);
      const ctx = 0x42424242n;
      const p = api.mach_port_construct(task, { flags: C.MPO_INSERT_SEND_RIGHT | C.MPO_CONTEXT_AS_GUARD }, ctx);
      expect(status(api, p).mps_flags & C.MACH_PORT_STATUS_FLAG_GUARDED).toBe(C.MACH_PORT_STATUS_FLAG_GUARDED);
      await send(api, msg(rcv, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 4, name: p, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE, context: ctx, flags: C.MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE }] }));
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_SEND);
      const m = await recv(api, rcv, { options: C.MACH_RCV_GUARDED_DESC });
      const d = m.descriptors[0] as { type: number; name: number; disposition: number; context: bigint; flags: number };
      expect(d.type).toBe(C.MACH_MSG_GUARDED_PORT_DESCRIPTOR);
      expect(d.disposition).toBe(C.MACH_MSG_TYPE_PORT_RECEIVE);
      expect(d.name).toBe(p);
      expect(typeof d.context).toBe('bigint');
      expect(d.context).not.toBe(0n);
      const flags = status(api, p).mps_flags;
      expect(flags & C.MACH_PORT_STATUS_FLAG_GUARDED).toBe(C.MACH_PORT_STATUS_FLAG_GUARDED);
      expect(flags & C.MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE).toBe(C.MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE);
      expect(flags & C.MACH_PORT_STATUS_FLAG_STRICT_GUARD).toBe(0);
      expect(api.mach_port_get_context(task, p)).toBe(d.context);
      api.mach_port_destruct(task, p, -1, d.context);
      expect(isGone(api, p)).toBe(true);
    },
  );

  conformance(
    'S78 a guarded descriptor with UNGUARDED_ON_SEND moves an unguarded right; a receiver without MACH_RCV_GUARDED_DESC gets name 0 and the right is destroyed',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyout_guarded_port_descriptor (ipc_object_destroy when !MACH_RCV_GUARDED_DESC)',
    async ({ api }) => {
      const rcv = portWithSend(api);
      const p = port(api);
      const o = sendOnce(api, p);
      await send(api, msg(rcv, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 4, name: p, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE, context: 0n, flags: C.MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE | C.MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND }] }));
      expect(isGone(api, p)).toBe(true);
      const m = await recv(api, rcv);
      const d = m.descriptors[0] as { name: number; context: bigint };
      expect(d.name).toBe(C.MACH_PORT_NULL);
      expect(d.context).toBe(0n);
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      await expectEmpty(api, rcv);
    },
  );
  conformance(
    'OOL port arrays pass MACH_PORT_NULL and MACH_PORT_DEAD entries through unchanged',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_ool_ports_descriptor (!MACH_PORT_VALID(name) → kept as is)',
    async ({ api }) => {
      const rcv = portWithSend(api);
      const p = portWithSend(api);
      await send(api, msg(rcv, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 2, names: [C.MACH_PORT_NULL, C.MACH_PORT_DEAD, p], disposition: C.MACH_MSG_TYPE_COPY_SEND }] }));
      const d = (await recv(api, rcv)).descriptors[0] as { names: number[] };
      expect(d.names).toEqual([C.MACH_PORT_NULL, C.MACH_PORT_DEAD, p]);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(2);
    },
  );

  conformance(
    'a bad name inside an OOL port array → MACH_SEND_INVALID_RIGHT; the array’s earlier rights are destroyed (a moved receive right dies)',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_ool_ports_descriptor (on failure ipc_object_destroy of the names before it)',
    async ({ api }) => {
      const rcv = portWithSend(api);
      const z = port(api);
      const oz = sendOnce(api, z);
      const other = port(api);
      const o = sendOnce(api, other);
      await expectMachError(
        send(api, msg(rcv, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 2, names: [z, o], disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }] })),
        'MACH_SEND_INVALID_RIGHT',
      );
      expect(isGone(api, z)).toBe(true);
      expect(typeOf(api, oz)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      await expectEmpty(api, rcv);
    },
  );

  conformance(
    'a port whose receive right is in transit still accepts messages; they arrive with the port',
    'xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_send_locked (an in-transit port keeps its queue); ipc_right.c:ipc_right_copyout PORT_RECEIVE',
    async ({ api }) => {
      const carrier = port(api);
      const q = portWithSend(api);
      await send(api, msg(carrier, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [portDesc(q, C.MACH_MSG_TYPE_MOVE_RECEIVE)] }));
      expect(typeOf(api, q)).toBe(C.MACH_PORT_TYPE_SEND);
      await sendSimple(api, q, C.MACH_MSG_TYPE_COPY_SEND, { id: 0x7a });
      const got = (await recv(api, carrier)).descriptors[0] as PortD;
      expect(got.name).toBe(q);
      expect(status(api, q).mps_msgcount).toBe(1);
      expect((await recv(api, q)).header.msgh_id).toBe(0x7a);
    },
  );

  conformance(
    'a port-destroyed request travels with the receive right: the new holder destroying it sends it to the notify port',
    'xnu:osfmk/ipc/ipc_port.c:ipc_port_clear_receiver (ip_pdrequest untouched), ipc_port_destroy',
    async ({ api, task }) => {
      const p = port(api);
      const n = port(api);
      requestNotification(api, p, C.MACH_NOTIFY_PORT_DESTROYED, n);
      const carrier = port(api);
      await send(api, msg(carrier, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [portDesc(p, C.MACH_MSG_TYPE_MOVE_RECEIVE)] }));
      const p2 = ((await recv(api, carrier)).descriptors[0] as PortD).name;
      expect(status(api, p2).mps_pdrequest).toBe(1);
      api.mach_port_mod_refs(task, p2, C.MACH_PORT_RIGHT_RECEIVE, -1);
      const note = await expectNotification(api, n, C.MACH_NOTIFY_PORT_DESTROYED);
      expect(typeOf(api, (note.descriptors[0] as PortD).name)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
  );

  conformance(
    'a reply right whose port died in flight arrives as msgh_remote_port = MACH_PORT_DEAD',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyout_header (!ip_active(reply) → MACH_PORT_DEAD)',
    async ({ api, task }) => {
      const p = portWithSend(api);
      const r = port(api);
      await send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND }));
      api.mach_port_mod_refs(task, r, C.MACH_PORT_RIGHT_RECEIVE, -1);
      const m = await recv(api, p);
      expect(m.header.msgh_remote_port).toBe(C.MACH_PORT_DEAD);
      expect(C.MACH_MSGH_BITS_REMOTE(m.header.msgh_bits)).toBe(C.MACH_MSG_TYPE_PORT_SEND);
    },
  );
});
