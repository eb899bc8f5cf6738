/**
 * Kernel objects: the synchronous fast path with a toy server (S96, S97), the refusal of
 * plain mach_msg to a kernel object (S98), user-service ports, kernelCall, and the
 * Kernel's right helpers for services.
 */
import { describe, expect, it } from 'vitest';
import { Kernel, type KobjectRequest, type KobjectServer } from '../../lib/emulator/index.js';
import { C, expectCode, expectGuard, expectKr, gone, msg, port, portOf, recv, send, status, typeOf, word, world } from './helpers.js';

const TOY_IKOT = C.IKOT_SEMAPHORE;

/** A toy MIG server: id 1000 echoes the first argument + 1; id 1001 fails with KERN_INVALID_ARGUMENT; id 1002 returns a send right. */
function toy(log: KobjectRequest[]): KobjectServer {
  return (req) => {
    log.push(req);
    const out = new Uint8Array(16);
    const v = new DataView(out.buffer);
    out[4] = 1;
    switch (req.id) {
      case 1000:
        v.setInt32(8, 0, true);
        v.setUint32(12, new DataView(req.body.buffer, req.body.byteOffset).getUint32(8, true) + 1, true);
        return { body: out };
      case 1001:
        v.setInt32(8, C.KERN_INVALID_ARGUMENT, true);
        return { body: out.subarray(0, 12) };
      case 1002: {
        const p = req.kernel.createPort('made');
        req.kernel.makeRight(p, C.MACH_MSG_TYPE_MAKE_SEND);
        req.kernel.releaseRight(p, C.MACH_MSG_TYPE_PORT_RECEIVE);
        const q = req.port;
        req.kernel.makeRight(q, C.MACH_MSG_TYPE_MAKE_SEND);
        return { body: out.subarray(0, 8), descriptors: [{ type: 0, port: q, disposition: C.MACH_MSG_TYPE_PORT_SEND }] };
      }
      default: {
        v.setInt32(8, C.MIG_BAD_ID, true);
        return { body: out.subarray(0, 12) };
      }
    }
  };
}

function request(dest: number, id: number, arg = 0): { header: { msgh_bits: number; msgh_remote_port: number; msgh_id: number }; body: Uint8Array } {
  const body = new Uint8Array(12);
  body[4] = 1;
  new DataView(body.buffer).setUint32(8, arg, true);
  return { header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0), msgh_remote_port: dest, msgh_id: id }, body };
}

describe('kernel objects', () => {
  it('a request is served inside the sender’s mach_msg; the reply is id + 100 on the reply port (S96)', async () => {
    const { k, a } = world();
    const log: KobjectRequest[] = [];
    const kp = k.createKobjectPort(TOY_IKOT, toy(log), { label: 'toy' });
    const name = k.copyoutRight(a, kp, C.MACH_MSG_TYPE_MAKE_SEND);
    expect(a.mach_port_kobject(a.mach_task_self(), name).object_type).toBe(TOY_IKOT);
    const reply = port(a);
    const m = request(name, 1000, 41);
    const rq = { ...m, header: { ...m.header, msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), msgh_local_port: reply } };
    const r = (await a.mach_msg(rq, C.MACH_SEND_MSG | C.MACH_RCV_MSG, reply, 0, undefined, { kobjectCall: true }))!;
    expect(log.length).toBe(1);
    expect(log[0]!.caller).toBe(a);
    expect(r.header).toMatchObject({ msgh_id: 1100, msgh_bits: 0x1200, msgh_remote_port: 0, msgh_local_port: reply });
    expect(word(r.body, 12)).toBe(42);
    expect(r.trailer.sender).toEqual({ uid: 0, gid: 0 });
    expect(kp.msgcount).toBe(0);
    expect(kp.seqno).toBe(1);
    k.checkInvariants();
  });

  it('kernelCall goes through the task’s MIG reply port and returns the reply synchronously', () => {
    const { k, a } = world();
    const kp = k.createKobjectPort(TOY_IKOT, toy([]));
    const name = k.copyoutRight(a, kp, C.MACH_MSG_TYPE_MAKE_SEND);
    const r = a.kernelCall(request(name, 1000, 1));
    expect(word(r.body, 12)).toBe(2);
    const r2 = a.kernelCall(request(name, 1000, 5));
    expect(r2.header.msgh_local_port).toBe(r.header.msgh_local_port);
    expect(word(a.kernelCall(request(name, 4242)).body, 8) | 0).toBe(C.MIG_BAD_ID);
    k.checkInvariants();
  });

  it('a failed routine destroys the rights the request carried (S97)', () => {
    const { k, a } = world();
    const kp = k.createKobjectPort(TOY_IKOT, toy([]));
    const name = k.copyoutRight(a, kp, C.MACH_MSG_TYPE_MAKE_SEND);
    const carried = port(a);
    const req = request(name, 1001);
    const m = { ...req, header: { ...req.header, msgh_bits: (req.header.msgh_bits | C.MACH_MSGH_BITS_COMPLEX) >>> 0 }, descriptors: [{ type: 0 as const, name: carried, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }] };
    const r = a.kernelCall(m);
    expect(word(r.body, 8) | 0).toBe(C.KERN_INVALID_ARGUMENT);
    expect(gone(a, carried)).toBe(true);
    k.checkInvariants();
  });

  it('a reply can carry rights to the caller', () => {
    const { k, a } = world();
    const kp = k.createKobjectPort(TOY_IKOT, toy([]));
    const name = k.copyoutRight(a, kp, C.MACH_MSG_TYPE_MAKE_SEND);
    const r = a.kernelCall(request(name, 1002));
    expect(C.MACH_MSGH_BITS_IS_COMPLEX(r.header.msgh_bits)).toBe(true);
    const d = r.descriptors[0] as { name: number; disposition: number };
    expect(d).toMatchObject({ name, disposition: C.MACH_MSG_TYPE_PORT_SEND });
    k.checkInvariants();
  });

  it('without a reply port the reply is dropped; the send succeeds', async () => {
    const { k, a } = world();
    const log: KobjectRequest[] = [];
    const kp = k.createKobjectPort(TOY_IKOT, toy(log));
    const name = k.copyoutRight(a, kp, C.MACH_MSG_TYPE_MAKE_SEND);
    const q = port(a);
    await a.mach_msg(request(name, 1000), C.MACH_SEND_MSG | C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, q, 0, undefined, { kobjectCall: true }).catch(() => undefined);
    expect(log.length).toBe(1);
    k.checkInvariants();
  });

  it('a plain mach_msg to a kernel object is refused with a fatal INVALID_OPTIONS guard (S98)', async () => {
    const { a, k } = world();
    const reply = port(a);
    const m = request(a.mach_task_self(), 3405);
    const rq = { ...m, header: { ...m.header, msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), msgh_local_port: reply } };
    await expectGuard(a.mach_msg(rq, C.MACH_SEND_MSG | C.MACH_RCV_MSG, reply), 'kGUARD_EXC_INVALID_OPTIONS', 'MACH_SEND_INVALID_OPTIONS');
    await expectGuard(a.mach_msg(request(a.mach_task_self(), 3405), C.MACH_SEND_MSG, 0, 0, undefined, { kobjectCall: true }), 'kGUARD_EXC_INVALID_OPTIONS', 'MACH_SEND_INVALID_OPTIONS');
    const q = port(a);
    const qs = a.mach_port_extract_right(a.mach_task_self(), q, C.MACH_MSG_TYPE_MAKE_SEND).poly;
    await expectGuard(a.mach_msg(request(qs, 1), C.MACH_SEND_MSG | C.MACH_RCV_MSG, q, 0, undefined, { kobjectCall: true }), 'kGUARD_EXC_INVALID_OPTIONS', 'MACH_SEND_INVALID_OPTIONS');
    expect(status(a, q).mps_msgcount).toBe(0);
    k.checkInvariants();
  });

  it('user-service ports take plain mach_msg and report IKOT_NONE', async () => {
    const { k, a } = world();
    const log: KobjectRequest[] = [];
    const svc = k.createKobjectPort(C.IKOT_NONE, toy(log), { userService: true, label: 'svc' });
    const name = k.copyoutRight(a, svc, C.MACH_MSG_TYPE_MAKE_SEND);
    expect(a.mach_port_kobject(a.mach_task_self(), name).object_type).toBe(C.IKOT_NONE);
    const reply = port(a);
    const m = request(name, 1000, 9);
    const rq = { ...m, header: { ...m.header, msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), msgh_local_port: reply } };
    const r = (await a.mach_msg(rq, C.MACH_SEND_MSG | C.MACH_RCV_MSG, reply))!;
    expect(word(r.body, 12)).toBe(10);
    expect(word(a.kernelCall(request(name, 1000, 1)).body, 12)).toBe(2);
  });

  it('kernelCall refuses ordinary ports, and a dead destination gives MIG_SERVER_DIED', () => {
    const { k, a, b } = world();
    const p = port(a);
    const ps = a.mach_port_extract_right(a.mach_task_self(), p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE).poly;
    expectKr(() => a.kernelCall(request(ps, 1)), 'MACH_SEND_INVALID_OPTIONS');
    const bt = k.copyoutRight(a, b.taskPort, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    b.terminate();
    const req = request(bt, 3405);
    req.header.msgh_bits = C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
    expectKr(() => a.kernelCall(req), 'MIG_SERVER_DIED');
    k.checkInvariants();
  });

  it('a kernel call whose send fails in the body gives up its MIG reply port, and the next call works (S70)', () => {
    const { k, a } = world();
    const kp = k.createKobjectPort(TOY_IKOT, toy([]));
    const name = k.copyoutRight(a, kp, C.MACH_MSG_TYPE_MAKE_SEND);
    const before = a.kernelCall(request(name, 1000, 1)).header.msgh_local_port;
    const bare = port(a); // a receive right without send: COPY_SEND of it is invalid
    const req = request(name, 1000);
    const bad = { ...req, header: { ...req.header, msgh_bits: (req.header.msgh_bits | C.MACH_MSGH_BITS_COMPLEX) >>> 0 }, descriptors: [{ type: 0 as const, name: bare, disposition: C.MACH_MSG_TYPE_COPY_SEND }] };
    expectKr(() => a.kernelCall(bad), 'MACH_SEND_INVALID_RIGHT');
    // mig_dealloc_reply_port: the old reply port, with the send-once notification the
    // failed send left on it, is gone.
    expect(gone(a, before)).toBe(true);
    const r = a.kernelCall(request(name, 1000, 7));
    expect(word(r.body, 12)).toBe(8);
    expect(r.header.msgh_local_port).not.toBe(before);
    k.checkInvariants();
  });

  it('a stale message on the MIG reply port is received and dropped without a new notification', () => {
    const { k, a } = world();
    const kp = k.createKobjectPort(TOY_IKOT, toy([]));
    const name = k.copyoutRight(a, kp, C.MACH_MSG_TYPE_MAKE_SEND);
    const mig = a.kernelCall(request(name, 1000, 1)).header.msgh_local_port;
    // Leave two messages on the reply port, each addressed with a send-once right to it:
    // destroying them undelivered would notify the same port again, forever.
    for (let i = 0; i < 2; i++) void send(a, msg(mig, C.MACH_MSG_TYPE_MAKE_SEND_ONCE, { id: 77 }));
    expect(status(a, mig).mps_msgcount).toBe(2);
    expect(word(a.kernelCall(request(name, 1000, 2)).body, 12)).toBe(3);
    expect(status(a, mig).mps_msgcount).toBe(0);
    expect(status(a, mig).mps_sorights).toBe(0);
    k.checkInvariants();
  });

  it('service helpers: copyoutRight, copyinRight, makeRight, releaseRight, createPort', () => {
    const k = new Kernel({ seed: 5 });
    const t = k.createTask();
    const p = k.createPort('svc');
    const name = k.copyoutRight(t, p, C.MACH_MSG_TYPE_MOVE_RECEIVE);
    expect(typeOf(t, name)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    const held = k.copyinRight(t, name, C.MACH_MSG_TYPE_MAKE_SEND);
    expect(held).toBe(p);
    k.checkInvariants();
    const again = k.copyoutRight(t, p, C.MACH_MSG_TYPE_MOVE_SEND);
    expect(again).toBe(name);
    expect(() => k.copyoutRight(t, p, C.MACH_MSG_TYPE_MOVE_SEND)).toThrow();
    k.makeRight(p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    k.releaseRight(p, C.MACH_MSG_TYPE_PORT_SEND_ONCE);
    expect(portOf(t, name).msgcount).toBe(1);
    k.checkInvariants();
    expect(k.taskForPort(t.taskPort)).toBe(t);
  });

  it('the process task uses this process’s pid', async () => {
    const { processTask, processKernel } = await import('../../lib/emulator/process.js');
    const t = processTask() as unknown as { pid: number; backendName: string };
    expect(t.pid).toBe(process.pid);
    expect(t.backendName).toBe('emulator');
    expect(processKernel().tasks).toContain(t);
  });

  it('helpers for raw messages', async () => {
    const { a } = world();
    const p = port(a);
    await send(a, msg(p, C.MACH_MSG_TYPE_MAKE_SEND));
    expect((await recv(a, p)).header.msgh_local_port).toBe(p);
    await expectCode(recv(a, p), 'MACH_RCV_TIMED_OUT');
  });
});
