/**
 * How many kernel calls the guard pre-checks make on mach_msg's common paths, counted at a
 * stand-in addon (fake-addon.ts), and that the checks still refuse what XNU would answer
 * with a fatal guard. Each probe is a real kernel call on macOS: mach_port_type is a trap,
 * mach_port_get_refs and mach_port_kobject are MIG routines (a message round trip into the
 * kernel each). The counts before this change are in the comments.
 */
import { describe, expect, it } from 'vitest';
import * as C from '../../lib/constants.js';
import { MachGuardError } from '../../lib/errors.js';
import { NativeApi } from '../../lib/native/api.js';
import { CS_PLATFORM_BINARY, CS_RUNTIME, ipcPolicyIsHardened } from '../../lib/native/guards.js';
import type { MachMessage, MachMsgDescriptor } from '../../lib/types.js';
import { FakeKernel } from './fake-addon.js';

type Ipc = 'plain' | 'hardened-runtime' | 'hardened-guards' | 'unknown';

/** A NativeApi over a fresh stand-in; `plain`: neither a hardened runtime nor fatal optional guards. */
function setup(ipc: Ipc = 'plain') {
  const k = new FakeKernel();
  k.behavior = ipc === 'hardened-guards' ? 0x80 : 0;
  k.csFlags = ipc === 'hardened-runtime' ? CS_RUNTIME : ipc === 'unknown' ? undefined : 0;
  const api = new NativeApi(k.addon());
  return { k, api, task: api.mach_task_self() };
}

function msg(dest: number, destDisp: number, reply = 0, replyDisp = 0, descriptors?: MachMsgDescriptor[]): MachMessage {
  const complex = descriptors !== undefined ? C.MACH_MSGH_BITS_COMPLEX : 0;
  return {
    header: { msgh_bits: (C.MACH_MSGH_BITS(destDisp, replyDisp) | complex) >>> 0, msgh_remote_port: dest, msgh_local_port: reply, msgh_id: 0x6d70 },
    body: new Uint8Array(64),
    descriptors,
  };
}

/** A queued message of `size` bytes, as another task would have sent it. */
function raw(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  new DataView(bytes.buffer).setUint32(4, size, true);
  return bytes;
}

/** The probes one mach_msg makes (the stand-in's list is cleared first). */
async function probesOf(k: FakeKernel, call: () => Promise<unknown>): Promise<string[]> {
  k.probes.length = 0;
  await call();
  return [...k.probes];
}

const SEND_RCV = C.MACH_SEND_MSG | C.MACH_RCV_MSG;

describe('IPC policy', () => {
  it('hardened runtime, platform binaries, fatal optional guards and unknown flags count as hardened', () => {
    expect(ipcPolicyIsHardened(0, 'default')).toBe(false);
    expect(ipcPolicyIsHardened(CS_RUNTIME, 'default')).toBe(true);
    expect(ipcPolicyIsHardened(CS_PLATFORM_BINARY, 'default')).toBe(true);
    expect(ipcPolicyIsHardened(0, 'hardened')).toBe(true);
    expect(ipcPolicyIsHardened(undefined, 'default')).toBe(true);
    expect(setup('plain').api.ipcHardened).toBe(false);
    expect(setup('hardened-runtime').api.ipcHardened).toBe(true);
    expect(setup('hardened-guards').api.ipcHardened).toBe(true);
    expect(setup('unknown').api.ipcHardened).toBe(true);
  });
});

describe('probe counts on the common paths (stand-in addon)', () => {
  it('the bench shape: COPY_SEND to a port whose receive right we hold, then receive from it', async () => {
    // Before: mach_port_type, mach_port_get_refs, mach_port_kobject, mach_port_type.
    const { k, api } = setup('plain');
    const port = k.receiveWithSend();
    const m = msg(port, C.MACH_MSG_TYPE_COPY_SEND);
    expect(await probesOf(k, () => api.mach_msg(m, SEND_RCV, port))).toEqual(['mach_port_type']);
    expect(k.called('msg_send')).toHaveLength(1);
    expect(k.called('msg_receive')).toHaveLength(1);
  });

  it('the bench shape in a hardened process still asks mach_port_kobject (an mk_timer port would be refused)', async () => {
    for (const ipc of ['hardened-runtime', 'hardened-guards', 'unknown'] as const) {
      const { k, api } = setup(ipc);
      const port = k.receiveWithSend();
      expect(await probesOf(k, () => api.mach_msg(msg(port, C.MACH_MSG_TYPE_COPY_SEND), SEND_RCV, port))).toEqual([
        'mach_port_type',
        'mach_port_kobject',
      ]);
    }
  });

  it('COPY_SEND to a send-only right (client to server): type and kobject, no uref count', async () => {
    // Before: mach_port_type, mach_port_get_refs, mach_port_kobject.
    const { k, api } = setup('plain');
    const server = k.sendRight();
    expect(await probesOf(k, () => api.mach_msg(msg(server, C.MACH_MSG_TYPE_COPY_SEND), C.MACH_SEND_MSG))).toEqual([
      'mach_port_type',
      'mach_port_kobject',
    ]);
  });

  it('a client RPC: COPY_SEND to the server, MAKE_SEND_ONCE reply, receive on the reply port', async () => {
    // Before: type(dest), get_refs(dest), type(reply), kobject(dest), type(reply) for the receive.
    const { k, api } = setup('plain');
    const server = k.sendRight();
    const reply = k.receiveRight();
    k.deliver(reply, raw(24)); // the server's answer, already queued
    const m = msg(server, C.MACH_MSG_TYPE_COPY_SEND, reply, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    expect(await probesOf(k, () => api.mach_msg(m, SEND_RCV, reply))).toEqual(['mach_port_type', 'mach_port_type', 'mach_port_kobject']);
  });

  it('MOVE_SEND of a send-only right: type and kobject; the uref count only when the name comes back', async () => {
    // Before: mach_port_type, mach_port_get_refs, mach_port_kobject.
    const { k, api } = setup('plain');
    const server = k.sendRight(0, 1);
    expect(await probesOf(k, () => api.mach_msg(msg(server, C.MACH_MSG_TYPE_MOVE_SEND), C.MACH_SEND_MSG))).toEqual([
      'mach_port_type',
      'mach_port_kobject',
    ]);
    const other = k.sendRight(0, 2);
    const again = msg(other, C.MACH_MSG_TYPE_MOVE_SEND, 0, 0, [{ type: C.MACH_MSG_PORT_DESCRIPTOR, name: other, disposition: C.MACH_MSG_TYPE_COPY_SEND }]);
    expect(await probesOf(k, () => api.mach_msg(again, C.MACH_SEND_MSG))).toEqual(['mach_port_type', 'mach_port_kobject', 'mach_port_get_refs']);
  });

  it('MOVE_SEND of the last uref, then the same name again in a descriptor, is still refused', async () => {
    const { k, api } = setup('hardened-guards');
    const server = k.sendRight(0, 1);
    const m = msg(server, C.MACH_MSG_TYPE_MOVE_SEND, 0, 0, [{ type: C.MACH_MSG_PORT_DESCRIPTOR, name: server, disposition: C.MACH_MSG_TYPE_COPY_SEND }]);
    const e = await api.mach_msg(m, C.MACH_SEND_MSG).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MachGuardError);
    expect((e as MachGuardError).reasonName).toBe('kGUARD_EXC_SEND_INVALID_RIGHT');
    expect(k.called('msg_send')).toHaveLength(0);
  });

  it('MAKE_SEND_ONCE to our own receive right: one mach_port_type', async () => {
    const { k, api } = setup('plain');
    const port = k.receiveRight();
    expect(await probesOf(k, () => api.mach_msg(msg(port, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), C.MACH_SEND_MSG))).toEqual(['mach_port_type']);
  });

  it('a MOVE_SEND_ONCE reply (server to client): one mach_port_type, as before', async () => {
    const { k, api } = setup('plain');
    const so = k.sendOnceRight();
    expect(await probesOf(k, () => api.mach_msg(msg(so, C.MACH_MSG_TYPE_MOVE_SEND_ONCE), C.MACH_SEND_MSG))).toEqual(['mach_port_type']);
  });

  it('a receive alone: one mach_port_type, as before; a MACH_RCV_TOO_LARGE retry makes no second', async () => {
    const { k, api } = setup('plain');
    const port = k.receiveRight();
    k.deliver(port, raw(32));
    expect(await probesOf(k, () => api.mach_msg(undefined, C.MACH_RCV_MSG, port))).toEqual(['mach_port_type']);
    k.deliver(port, raw(8192)); // larger than the first receive buffer
    expect(await probesOf(k, () => api.mach_msg(undefined, C.MACH_RCV_MSG, port))).toEqual(['mach_port_type']);
    expect(k.called('msg_receive')).toHaveLength(3);
  });

  it('a receive after a send that had to wait probes again (other JS may have run)', async () => {
    const { k, api } = setup('plain');
    const port = k.receiveWithSend();
    k.ports.get(port)!.qlimit = 1;
    k.deliver(port, raw(24)); // the queue is full
    const pending = api.mach_msg(msg(port, C.MACH_MSG_TYPE_COPY_SEND), SEND_RCV, port);
    k.probes.length = 0;
    await new Promise((r) => setTimeout(r, 5));
    k.ports.get(port)!.queue.shift(); // someone drains the queue; the thread-pool send goes through
    await pending;
    expect(k.probes).toEqual(['mach_port_type']);
  });

  it('a receive after a send that moved our receive right away is still checked', async () => {
    const { k, api } = setup('hardened-guards');
    const port = k.receiveWithSend();
    const dest = k.sendRight();
    const m = msg(dest, C.MACH_MSG_TYPE_COPY_SEND, 0, 0, [{ type: C.MACH_MSG_PORT_DESCRIPTOR, name: port, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }]);
    k.probes.length = 0;
    // The stand-in does not move rights, so the receive finds the port still there; what
    // matters is that the receive asked the kernel instead of trusting the send's view.
    await api.mach_msg(m, C.MACH_SEND_MSG | C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, port, 0).catch(() => undefined);
    expect(k.probes.filter((p) => p === 'mach_port_type')).toHaveLength(3);
  });
});

describe('the guards still fire (stand-in addon)', () => {
  async function guardOf(p: Promise<unknown>): Promise<string | undefined> {
    const e = await p.then(
      () => undefined,
      (x: unknown) => x,
    );
    if (e === undefined) return undefined;
    if (e instanceof MachGuardError) return e.reasonName;
    throw e;
  }

  it('a plain mach_msg to a kernel object, under every policy, without reaching the kernel', async () => {
    for (const ipc of ['plain', 'hardened-runtime', 'hardened-guards'] as const) {
      const { k, api, task } = setup(ipc);
      expect(await guardOf(api.mach_msg(msg(task, C.MACH_MSG_TYPE_COPY_SEND), C.MACH_SEND_MSG))).toBe('kGUARD_EXC_INVALID_OPTIONS');
      const host = api.mach_host_self();
      expect(await guardOf(api.mach_msg(msg(host, C.MACH_MSG_TYPE_MOVE_SEND), C.MACH_SEND_MSG))).toBe('kGUARD_EXC_INVALID_OPTIONS');
      const kobj = k.sendRight(C.IKOT_SEMAPHORE);
      expect(await guardOf(api.mach_msg(msg(kobj, C.MACH_MSG_TYPE_COPY_SEND), C.MACH_SEND_MSG))).toBe('kGUARD_EXC_INVALID_OPTIONS');
      expect(k.called('msg_send')).toHaveLength(0);
    }
  });

  it('an mk_timer port: refused for a hardened process, allowed otherwise', async () => {
    for (const ipc of ['hardened-runtime', 'hardened-guards', 'unknown'] as const) {
      const { k, api } = setup(ipc);
      const timer = k.receiveRight(C.IKOT_TIMER);
      expect(await guardOf(api.mach_msg(msg(timer, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), C.MACH_SEND_MSG))).toBe('kGUARD_EXC_INVALID_OPTIONS');
      expect(k.called('msg_send')).toHaveLength(0);
    }
    const { k, api } = setup('plain');
    const timer = k.receiveRight(C.IKOT_TIMER);
    expect(await guardOf(api.mach_msg(msg(timer, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), C.MACH_SEND_MSG))).toBeUndefined();
    // A send right to a timer (held apart from its receive right) is asked about in any process.
    const timerSend = k.sendRight(C.IKOT_TIMER);
    k.probes.length = 0;
    expect(await guardOf(api.mach_msg(msg(timerSend, C.MACH_MSG_TYPE_COPY_SEND), C.MACH_SEND_MSG))).toBeUndefined();
    expect(k.probes).toContain('mach_port_kobject');
  });

  it('moving an immovable receive right, and a guarded port without its guard', async () => {
    const { k, api } = setup('plain');
    const dest = k.receiveWithSend();
    const immovable = k.receiveRight();
    k.ports.get(immovable)!.flags = C.MACH_PORT_STATUS_FLAG_GUARDED | C.MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE;
    const move = msg(dest, C.MACH_MSG_TYPE_COPY_SEND, 0, 0, [{ type: C.MACH_MSG_PORT_DESCRIPTOR, name: immovable, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE }]);
    expect(await guardOf(api.mach_msg(move, C.MACH_SEND_MSG))).toBe('kGUARD_EXC_IMMOVABLE');
    const guarded = k.receiveRight();
    api.mach_port_guard(api.mach_task_self(), guarded, 7n, false);
    const wrong = msg(dest, C.MACH_MSG_TYPE_COPY_SEND, 0, 0, [
      { type: C.MACH_MSG_GUARDED_PORT_DESCRIPTOR, name: guarded, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE, context: 8n, flags: 0 },
    ]);
    expect(await guardOf(api.mach_msg(wrong, C.MACH_SEND_MSG))).toBe('kGUARD_EXC_INCORRECT_GUARD');
    expect(k.called('msg_send')).toHaveLength(0);
  });

  it('a bad reply right, and a receive on a send-only name (hardened guard policy)', async () => {
    const { k, api } = setup('hardened-guards');
    const dest = k.sendRight();
    const sendOnly = k.sendRight();
    expect(await guardOf(api.mach_msg(msg(dest, C.MACH_MSG_TYPE_COPY_SEND, sendOnly, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), C.MACH_SEND_MSG))).toBe(
      'kGUARD_EXC_SEND_INVALID_REPLY',
    );
    expect(await guardOf(api.mach_msg(undefined, C.MACH_RCV_MSG, sendOnly))).toBe('kGUARD_EXC_RCV_INVALID_NAME');
    // SEND | RCV where the send's checks saw the receive name only as a send right: the
    // receive is still checked, and refused.
    expect(await guardOf(api.mach_msg(msg(dest, C.MACH_MSG_TYPE_COPY_SEND), SEND_RCV, dest))).toBe('kGUARD_EXC_RCV_INVALID_NAME');
    expect(k.called('msg_receive')).toHaveLength(0);
  });
});
