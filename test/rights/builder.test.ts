// The message builder on its own: header bits, COMPLEX, descriptor layout and the
// argument checks. A stub MachApi stands in for a task (no messages are sent here).
import { describe, expect, it } from 'vitest';
import {
  MACH_MSG_OOL_DESCRIPTOR,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_PHYSICAL_COPY,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_MSG_VIRTUAL_COPY,
  MACH_MSGH_BITS_COMPLEX,
  MACH_MSGH_BITS_SET,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_PORT_TYPE_SEND_ONCE,
} from '../../lib/constants.js';
import type { MachApi } from '../../lib/types.js';
import { composeMessage, PortTransfer, portTransfer, ReceiveRight, SendOnceRight, SendRight } from '../../lib/rights/index.js';

/** Just enough of a task for building: names come from a counter; nothing is ever sent. */
function stubTask(): MachApi {
  let next = 0x103;
  const types = new Map<number, number>();
  const stub: Partial<MachApi> = {
    backendName: 'emulator',
    mach_task_self: () => 0x203,
    mach_port_allocate: (_t, right) => {
      const n = next;
      next += 0x100;
      types.set(n, right === MACH_PORT_RIGHT_RECEIVE ? MACH_PORT_TYPE_RECEIVE : 0);
      return n;
    },
    mach_port_type: (_t, name) => types.get(name) ?? 0,
    mach_port_insert_right: (_t, name) => void types.set(name, (types.get(name) ?? 0) | MACH_PORT_TYPE_SEND),
    mach_port_extract_right: () => {
      const n = next;
      next += 0x100;
      types.set(n, MACH_PORT_TYPE_SEND_ONCE);
      return { poly: n, polyPoly: MACH_MSG_TYPE_MOVE_SEND_ONCE };
    },
    mach_port_mod_refs: () => {},
    mach_port_deallocate: () => {},
    mach_msg: async () => undefined,
  };
  return stub as MachApi;
}

describe('composeMessage', () => {
  it('a simple message: COPY_SEND destination, no reply, not complex', () => {
    const api = stubTask();
    using rr = ReceiveRight.allocate({ api });
    using s = rr.makeSendRight();
    const m = composeMessage(s.copySend(), { id: 1234, body: 'hi' });
    expect(m.header).toEqual({
      msgh_bits: MACH_MSGH_BITS_SET(MACH_MSG_TYPE_COPY_SEND, 0, 0, 0),
      msgh_remote_port: s.name,
      msgh_local_port: 0,
      msgh_voucher_port: 0,
      msgh_id: 1234,
    });
    expect(m.descriptors).toBeUndefined();
    expect(Array.from(m.body!)).toEqual([0x68, 0x69]);
  });

  it('reply, ports, OOL memory and OOL ports: bits, COMPLEX and descriptor order', () => {
    const api = stubTask();
    using dest = ReceiveRight.allocate({ api });
    using reply = ReceiveRight.allocate({ api });
    using other = ReceiveRight.allocate({ api });
    using s = other.makeSendRight();
    using so = other.makeSendOnceRight();
    const data = new Uint8Array([1, 2, 3, 4, 5]);
    const m = composeMessage(dest.makeSend(), {
      id: 7,
      ports: [s.moveSend(), other.makeSend(), so.moveSendOnce()],
      ool: [data, { data: new Uint16Array([1, 2]), copy: MACH_MSG_PHYSICAL_COPY }],
      oolPorts: [[s.copySend(), s.copySend()]],
      reply: reply.makeSendOnce(),
    });
    expect(m.header.msgh_bits >>> 0).toBe(
      (MACH_MSGH_BITS_SET(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE, 0, MACH_MSGH_BITS_COMPLEX) >>> 0),
    );
    expect(m.header.msgh_bits >>> 0).toBe(0x80001514);
    expect(m.header.msgh_remote_port).toBe(dest.name);
    expect(m.header.msgh_local_port).toBe(reply.name);
    expect(m.descriptors).toEqual([
      { type: MACH_MSG_PORT_DESCRIPTOR, name: s.name, disposition: MACH_MSG_TYPE_MOVE_SEND },
      { type: MACH_MSG_PORT_DESCRIPTOR, name: other.name, disposition: MACH_MSG_TYPE_MAKE_SEND },
      { type: MACH_MSG_PORT_DESCRIPTOR, name: so.name, disposition: MACH_MSG_TYPE_MOVE_SEND_ONCE },
      { type: MACH_MSG_OOL_DESCRIPTOR, data, copy: MACH_MSG_VIRTUAL_COPY, deallocate: false },
      { type: MACH_MSG_OOL_DESCRIPTOR, data: new Uint8Array([1, 0, 2, 0]), copy: MACH_MSG_PHYSICAL_COPY, deallocate: false },
      { type: MACH_MSG_OOL_PORTS_DESCRIPTOR, names: [s.name, s.name], disposition: MACH_MSG_TYPE_COPY_SEND, deallocate: false, copy: MACH_MSG_VIRTUAL_COPY },
    ]);
    // Building moves nothing.
    expect(s.closed).toBe(false);
    expect(so.closed).toBe(false);
  });

  it('the send-once destination and a MOVE_RECEIVE', () => {
    const api = stubTask();
    using rr = ReceiveRight.allocate({ api });
    using carried = ReceiveRight.allocate({ api });
    using so = rr.makeSendOnceRight();
    const m = composeMessage(so.moveSendOnce(), { ports: [carried.moveReceive()] });
    expect(m.header.msgh_bits >>> 0).toBe(0x80000012);
    expect(m.descriptors).toEqual([{ type: MACH_MSG_PORT_DESCRIPTOR, name: carried.name, disposition: MACH_MSG_TYPE_MOVE_RECEIVE }]);
  });

  it('raw names through portTransfer', () => {
    const m = composeMessage(portTransfer(0x1103, MACH_MSG_TYPE_COPY_SEND), { ports: [portTransfer(0x2203, MACH_MSG_TYPE_MOVE_SEND)] });
    expect(m.header.msgh_remote_port).toBe(0x1103);
    expect(m.descriptors).toEqual([{ type: MACH_MSG_PORT_DESCRIPTOR, name: 0x2203, disposition: MACH_MSG_TYPE_MOVE_SEND }]);
  });

  it('refuses a closed source, a double move, mixed OOL-ports dispositions and non-transfers', () => {
    const api = stubTask();
    using rr = ReceiveRight.allocate({ api });
    const s = rr.makeSendRight();
    const t = s.moveSend();
    s.close();
    expect(() => composeMessage(rr.makeSend(), { ports: [t] })).toThrow(/closed/);
    using s2 = rr.makeSendRight();
    expect(() => composeMessage(rr.makeSend(), { ports: [s2.moveSend(), s2.moveSend()] })).toThrow(TypeError);
    expect(() => composeMessage(rr.makeSend(), { oolPorts: [[s2.copySend(), rr.makeSend()]] })).toThrow(/same disposition/);
    expect(() => composeMessage(rr.makeSend(), { ports: [s2.name as unknown as PortTransfer] })).toThrow(TypeError);
    expect(() => composeMessage(rr.makeSend(), { body: 5 as unknown as string })).toThrow(TypeError);
  });

  it('refuses a right of another task', () => {
    const a = stubTask();
    const b = stubTask();
    using ra = ReceiveRight.allocate({ api: a });
    using rb = ReceiveRight.allocate({ api: b });
    using sa = ra.makeSendRight();
    return expect(sa.send({ ports: [rb.makeSend()] })).rejects.toThrow(/another task/);
  });

  it('objects print their kind, name and state', () => {
    const api = stubTask();
    const rr = ReceiveRight.allocate({ api });
    expect(String(rr)).toBe(`ReceiveRight(0x${rr.name.toString(16)})`);
    rr.close();
    expect(String(rr)).toBe('ReceiveRight(closed)');
    expect(rr.name).toBe(0);
    expect(rr.state).toBe('closed');
    expect(SendRight.name).toBe('SendRight');
    expect(SendOnceRight.name).toBe('SendOnceRight');
  });
});
