/**
 * Port of xnu:tests/ipc/mach_msg_transport.c (xnu-11417): trailers, and port, guarded
 * port, port array and memory descriptors, each both received normally and handed back
 * by a pseudo-receive (a send to a full queue with a zero timeout fails with
 * MACH_SEND_TIMED_OUT and the send buffer is rewritten as if received).
 *
 * Apple's test uses mach_msg2 with MACH64_SEND_MQ_CALL on send and
 * MACH64_RCV_GUARDED_DESC on receive; with MachApi that is mach_msg with
 * MACH_SEND_MSG | MACH_SEND_TIMEOUT (timeout 0) and MACH_RCV_MSG | MACH_RCV_GUARDED_DESC.
 * Where Apple compares a guarded descriptor's context with the address of its message
 * buffer, this port (which has no addresses) checks the context is the port's new guard:
 * non-zero and accepted by mach_port_destruct, exactly the use Apple's test makes of it.
 */
import { expect } from 'vitest';
import type { MachApi, MachMessage, MachMsgDescriptor, OolDescriptor, OolPortsDescriptor, GuardedPortDescriptor, PortDescriptor, ReceivedMessage } from '../../../../lib/types.js';
import { conformance, expectMachError, suite } from '../../harness.js';
import { C, msg, recv, sendOnce } from '../../helpers.js';
import { xnuTest } from '../xnu.js';

const FILE = 'ipc/mach_msg_transport.c';
const DEFAULT_CONTEXT = 0x42424242n;

/** t_port_construct_full: construct with MPO_QLIMIT and the default context (not a guard). */
function construct(api: MachApi, flags: number = C.MPO_INSERT_SEND_RIGHT, qlimit = 1): number {
  return api.mach_port_construct(api.mach_task_self(), { flags: flags | C.MPO_QLIMIT, mpl: { mpl_qlimit: qlimit } }, DEFAULT_CONTEXT);
}

/** t_port_destruct_full. */
function destruct(api: MachApi, name: number, srights: number, ctx: bigint): void {
  api.mach_port_destruct(api.mach_task_self(), name, -srights, ctx);
}

/** t_send: COPY_SEND to `dest`, id 42, no reply/voucher, MACH_SEND_TIMEOUT with timeout 0. */
function sendMsg(api: MachApi, dest: number, descriptors?: MachMsgDescriptor[]): { m: MachMessage; p: Promise<unknown> } {
  const m = msg(dest, C.MACH_MSG_TYPE_COPY_SEND, { id: 42, ...(descriptors ? { descriptors } : {}) });
  return { m, p: api.mach_msg(m, C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT, C.MACH_PORT_NULL, 0) };
}

/** t_receive: MACH_RCV_MSG | MACH_RCV_GUARDED_DESC (no timeout in Apple's test; the message is queued). */
function receive(api: MachApi, name: number, options = 0, size?: number): Promise<ReceivedMessage> {
  return recv(api, name, { options: C.MACH_RCV_GUARDED_DESC | options, ...(size !== undefined ? { size } : {}) });
}

/** t_fill_port: n header-only messages. */
async function fill(api: MachApi, dest: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await sendMsg(api, dest).p;
    expect(r).toBeUndefined();
  }
}

/**
 * Send `descriptors` to rcv; in pseudo mode expect MACH_SEND_TIMED_OUT and return the
 * rewritten send message, else expect success and return the received message.
 */
async function transport(api: MachApi, rcv: number, descriptors: MachMsgDescriptor[], pseudo: boolean): Promise<{ bits: number; descriptors: MachMsgDescriptor[] }> {
  const { m, p } = sendMsg(api, rcv, descriptors);
  if (pseudo) {
    await expectMachError(p, 'MACH_SEND_TIMED_OUT');
    return { bits: m.header.msgh_bits, descriptors: m.descriptors ?? [] };
  }
  expect(await p).toBeUndefined();
  const r = await receive(api, rcv);
  return { bits: r.header.msgh_bits, descriptors: r.descriptors };
}

const DISPOSITIONS: Array<[number, number]> = [
  [C.MACH_MSG_TYPE_MOVE_RECEIVE, C.MACH_MSG_TYPE_PORT_RECEIVE],
  [C.MACH_MSG_TYPE_MOVE_SEND, C.MACH_MSG_TYPE_PORT_SEND],
  [C.MACH_MSG_TYPE_MOVE_SEND_ONCE, C.MACH_MSG_TYPE_PORT_SEND_ONCE],
  [C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_PORT_SEND],
  [C.MACH_MSG_TYPE_MAKE_SEND, C.MACH_MSG_TYPE_PORT_SEND],
  [C.MACH_MSG_TYPE_MAKE_SEND_ONCE, C.MACH_MSG_TYPE_PORT_SEND_ONCE],
];

suite('xnu tests/ipc/mach_msg_transport.c', () => {
  conformance(
    'trailers NULL/SEQNO/SENDER/AUDIT/CTX/AV: msgh_size 24, type FORMAT_0, msgh_trailer_size as requested, sender = the task\'s security token, audit = its audit token, context = the port context, ad 0, labels 0; nothing beyond the requested size',
    `${xnuTest(FILE, 'mach_msg_trailer')}; xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_add_trailer; mach/message.h:REQUESTED_TRAILER_SIZE`,
    async ({ api, task }) => {
      const rcv = construct(api);
      const audit = api.task_info(task, C.TASK_AUDIT_TOKEN);
      // TASK_SECURITY_TOKEN is not decoded by MachApi's task_info; the kernel's security
      // token is the task's (euid, egid), the same two words as in the audit token.
      const secToken = { uid: audit.euid, gid: audit.egid };
      const zeroAudit = { auid: 0, euid: 0, egid: 0, ruid: 0, rgid: 0, pid: 0, asid: 0, pidversion: 0 };
      for (const i of [C.MACH_RCV_TRAILER_NULL, C.MACH_RCV_TRAILER_SEQNO, C.MACH_RCV_TRAILER_SENDER, C.MACH_RCV_TRAILER_AUDIT, C.MACH_RCV_TRAILER_CTX, C.MACH_RCV_TRAILER_AV]) {
        const topts = C.MACH_RCV_TRAILER_ELEMENTS(i);
        const tsize = C.REQUESTED_TRAILER_SIZE(topts);
        expect(await sendMsg(api, rcv).p).toBeUndefined();
        // Apple's buffer: header + mach_msg_max_trailer_t + a 4-byte sentinel
        const m = await receive(api, rcv, topts, 24 + 68 + 4);
        const t = m.trailer;
        expect(m.header.msgh_size, `msgh_size (trailer ${i})`).toBe(24);
        expect(t.msgh_trailer_type).toBe(C.MACH_MSG_TRAILER_FORMAT_0);
        expect(t.msgh_trailer_size, `msgh_trailer_size (trailer ${i})`).toBe(tsize);
        // Fields past the requested size are not written: MachApi reports them as zero / absent.
        expect(t.sender).toEqual(tsize > 12 ? secToken : { uid: 0, gid: 0 });
        expect(t.audit).toEqual(tsize > 20 ? { ...zeroAudit, ...pick({ ...audit }, Object.keys(zeroAudit)) } : zeroAudit);
        expect(t.context).toBe(tsize > 52 ? DEFAULT_CONTEXT : 0n);
        if (tsize > 60) expect(t.ad).toBe(0);
        else expect(t.ad ?? 0).toBe(0);
        if (tsize > 64) expect(t.labels?.sender).toBe(0);
        else expect(t.labels?.sender ?? 0).toBe(0);
      }
      destruct(api, rcv, 1, 0n);
    },
  );

  for (const pseudo of [false, true]) {
    const mode = pseudo ? 'pseudo receive' : 'regular receive';

    conformance(
      `port descriptors, ${mode}: each of MOVE_RECEIVE, MOVE_SEND, MOVE_SEND_ONCE, COPY_SEND, MAKE_SEND, MAKE_SEND_ONCE comes back complex with one PORT descriptor of the PORT_* disposition; a receive right under its old name; the port then holds 3 send urefs`,
      `${xnuTest(FILE, 'mach_msg_descriptor_port')}; xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyout_port_descriptor${pseudo ? ', ipc_kmsg_copyout_pseudo' : ''}`,
      async ({ api, task }) => {
        const rcv = construct(api);
        const p = construct(api);
        if (pseudo) await fill(api, rcv, 1);
        for (const [disp, expected] of DISPOSITIONS) {
          const name = disp === C.MACH_MSG_TYPE_MOVE_SEND_ONCE ? sendOnce(api, p) : p;
          const out = await transport(api, rcv, [{ type: C.MACH_MSG_PORT_DESCRIPTOR, name, disposition: disp }], pseudo);
          expect((out.bits & C.MACH_MSGH_BITS_COMPLEX) >>> 0, `complex (disposition ${disp})`).toBe(C.MACH_MSGH_BITS_COMPLEX >>> 0);
          expect(out.descriptors.length).toBe(1);
          const d = out.descriptors[0] as PortDescriptor;
          expect(d.type).toBe(C.MACH_MSG_PORT_DESCRIPTOR);
          expect(d.disposition, `disposition for ${disp}`).toBe(expected);
          // Apple's test compares names for PORT_RECEIVE (its second condition compares
          // the disposition with MACH_PORT_TYPE_SEND, which never matches).
          if (expected === C.MACH_MSG_TYPE_PORT_RECEIVE) expect(d.name).toBe(name);
          if (expected === C.MACH_MSG_TYPE_PORT_SEND_ONCE) api.mach_port_deallocate(task, d.name);
        }
        destruct(api, p, 3, 0n); // one from construct, one COPY_SEND, one MAKE_SEND
        destruct(api, rcv, 1, 0n);
      },
    );

    conformance(
      `guarded port descriptors, ${mode}: MOVE_RECEIVE of a guarded port (flags IMMOVABLE_RECEIVE) and of an unguarded one (IMMOVABLE_RECEIVE|UNGUARDED_ON_SEND, context 0) comes back as a GUARDED descriptor, PORT_RECEIVE, same name, guarded by the context it carries`,
      `${xnuTest(FILE, 'mach_msg_descriptor_guarded_port')}; xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyout_guarded_port_descriptor${pseudo ? ', ipc_kmsg_copyout_pseudo' : ''}`,
      async ({ api }) => {
        const rcv = construct(api);
        if (pseudo) await fill(api, rcv, 1);
        for (const flags of [C.MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE, C.MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE | C.MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND]) {
          const unguarded = (flags & C.MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND) !== 0;
          const p = unguarded ? construct(api) : construct(api, C.MPO_INSERT_SEND_RIGHT | C.MPO_CONTEXT_AS_GUARD);
          const desc: GuardedPortDescriptor = {
            type: C.MACH_MSG_GUARDED_PORT_DESCRIPTOR,
            name: p,
            disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE,
            context: unguarded ? 0n : DEFAULT_CONTEXT,
            flags,
          };
          const out = await transport(api, rcv, [desc], pseudo);
          expect((out.bits & C.MACH_MSGH_BITS_COMPLEX) >>> 0).toBe(C.MACH_MSGH_BITS_COMPLEX >>> 0);
          expect(out.descriptors.length).toBe(1);
          const d = out.descriptors[0] as GuardedPortDescriptor;
          expect(d.type, `type (flags ${flags})`).toBe(C.MACH_MSG_GUARDED_PORT_DESCRIPTOR);
          expect(d.disposition).toBe(C.MACH_MSG_TYPE_PORT_RECEIVE);
          expect(d.name).toBe(p);
          // Apple: context == the message buffer's address; then destructs with it.
          expect(typeof d.context).toBe('bigint');
          expect(d.context).not.toBe(0n);
          destruct(api, p, 1, d.context);
        }
        destruct(api, rcv, 1, 0n);
      },
    );

    conformance(
      `port array descriptors, ${mode}: each disposition comes back as an OOL_PORTS descriptor of the PORT_* disposition, count 2, deallocate set; receive rights under their old names; each port then holds 3 send urefs`,
      `${xnuTest(FILE, 'mach_msg_descriptor_port_array')}; xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyout_ool_ports_descriptor${pseudo ? ', ipc_kmsg_copyout_pseudo' : ''}`,
      async ({ api, task }) => {
        const rcv = construct(api);
        const p1 = construct(api);
        const p2 = construct(api);
        if (pseudo) await fill(api, rcv, 1);
        for (const [disp, expected] of DISPOSITIONS) {
          const n1 = disp === C.MACH_MSG_TYPE_MOVE_SEND_ONCE ? sendOnce(api, p1) : p1;
          const n2 = disp === C.MACH_MSG_TYPE_MOVE_SEND_ONCE ? sendOnce(api, p2) : p2;
          const desc: OolPortsDescriptor = { type: C.MACH_MSG_OOL_PORTS_DESCRIPTOR, names: [n1, n2], disposition: disp, deallocate: false };
          const out = await transport(api, rcv, [desc], pseudo);
          expect((out.bits & C.MACH_MSGH_BITS_COMPLEX) >>> 0).toBe(C.MACH_MSGH_BITS_COMPLEX >>> 0);
          expect(out.descriptors.length).toBe(1);
          const d = out.descriptors[0] as OolPortsDescriptor;
          expect(d.type).toBe(C.MACH_MSG_OOL_PORTS_DESCRIPTOR);
          expect(d.disposition, `disposition for ${disp}`).toBe(expected);
          expect(d.names.length, 'count').toBe(2);
          expect(d.deallocate, `deallocate (disposition ${disp})`).toBe(true);
          if (expected === C.MACH_MSG_TYPE_PORT_RECEIVE) expect(d.names).toEqual([n1, n2]);
          if (expected === C.MACH_MSG_TYPE_PORT_SEND_ONCE) for (const n of d.names) api.mach_port_deallocate(task, n);
        }
        destruct(api, p1, 3, 0n);
        destruct(api, p2, 3, 0n);
        destruct(api, rcv, 1, 0n);
      },
    );

    conformance(
      `memory descriptors, ${mode}: 1 MiB of 0xff sent without and with deallocate comes back as an OOL descriptor of the same size and content`,
      `${xnuTest(FILE, 'mach_msg_descriptor_memory')}; xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyout_ool_descriptor${pseudo ? ', ipc_kmsg_copyout_pseudo' : ''}`,
      async ({ api }) => {
        const rcv = construct(api);
        if (pseudo) await fill(api, rcv, 1);
        const size = 1 << 20;
        for (let n = 0; n < 2; n++) {
          const data = new Uint8Array(size).fill(0xff);
          const desc: OolDescriptor = { type: C.MACH_MSG_OOL_DESCRIPTOR, data, size, deallocate: n > 0 };
          const out = await transport(api, rcv, [desc], pseudo);
          expect((out.bits & C.MACH_MSGH_BITS_COMPLEX) >>> 0).toBe(C.MACH_MSGH_BITS_COMPLEX >>> 0);
          expect(out.descriptors.length).toBe(1);
          const d = out.descriptors[0] as OolDescriptor;
          expect(d.type).toBe(C.MACH_MSG_OOL_DESCRIPTOR);
          expect(d.size ?? d.data.byteLength, 'size').toBe(size);
          expect(d.data.byteLength).toBe(size);
          expect(d.data.findIndex((b) => b !== 0xff), 'first byte that is not 0xff').toBe(-1);
        }
        destruct(api, rcv, 1, 0n);
      },
    );
  }
});

function pick(o: Record<string, number>, keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) if (k in o) out[k] = o[k]!;
  return out;
}
