/**
 * lib/native's TypeScript over a stand-in addon (fake-addon.ts), on every platform: what
 * NativeApi checks before calling C, how it maps return codes, how mach_msg sends and
 * receives without blocking the event loop. The C++ itself is exercised only on macOS
 * (darwin.test.ts, in the macOS CI jobs).
 */
import { describe, expect, it } from 'vitest';
import * as C from '../../lib/constants.js';
import { MachError, MachGuardError } from '../../lib/errors.js';
import { NativeApi } from '../../lib/native/api.js';
import type { MachMessage } from '../../lib/types.js';
import { FakeKernel } from './fake-addon.js';

function setup(behavior = 0x80) {
  const k = new FakeKernel();
  k.behavior = behavior;
  const api = new NativeApi(k.addon());
  return { k, api, task: api.mach_task_self() };
}

function simple(dest: number, id: number, body = new Uint8Array(0), disposition: number = C.MACH_MSG_TYPE_COPY_SEND): MachMessage {
  return { header: { msgh_bits: C.MACH_MSGH_BITS(disposition, 0), msgh_remote_port: dest, msgh_id: id }, body };
}

describe('NativeApi argument checks (stand-in addon)', () => {
  it('throws TypeError for arguments of the wrong JS type, before calling C', () => {
    const { k, api, task } = setup();
    expect(() => api.mach_port_allocate('x' as unknown as number, C.MACH_PORT_RIGHT_RECEIVE)).toThrow(TypeError);
    expect(() => api.mach_port_allocate(task, 1.5)).toThrow(TypeError);
    expect(() => api.mach_port_allocate(task, 2 ** 33)).toThrow(TypeError);
    expect(() => api.mach_port_set_context(task, 0x103, 5 as unknown as bigint)).toThrow(TypeError);
    expect(() => api.mach_port_guard(task, 0x103, 1n, 'yes' as unknown as boolean)).toThrow(TypeError);
    expect(k.called('mach_port_allocate')).toHaveLength(0);
  });

  it('turns a kern_return_t into MachError with Darwin code and name', () => {
    const { api, task } = setup();
    try {
      api.mach_port_allocate(task, C.MACH_PORT_RIGHT_SEND);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MachError);
      expect((e as MachError).kr).toBe(C.KERN_INVALID_VALUE);
      expect((e as MachError).code).toBe('KERN_INVALID_VALUE');
    }
  });

  it('refuses bootstrap names launchd would truncate', () => {
    const { api } = setup();
    expect(() => api.bootstrap_look_up(api.bootstrap_port, 'x'.repeat(128))).toThrow(MachError);
    expect(() => api.bootstrap_look_up(api.bootstrap_port, 42 as unknown as string)).toThrow(TypeError);
  });

  it('decodes attributes into the C struct fields and encodes them back', () => {
    const { api, task } = setup();
    const p = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_RECEIVE);
    api.mach_port_set_attributes(task, p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 16 });
    expect(api.mach_port_get_attributes(task, p, C.MACH_PORT_LIMITS_INFO)).toEqual({ mpl_qlimit: 16 });
    const status = api.mach_port_get_attributes(task, p, C.MACH_PORT_RECEIVE_STATUS) as { mps_qlimit: number; mps_msgcount: number };
    expect(status.mps_qlimit).toBe(16);
    expect(status.mps_msgcount).toBe(0);
  });

  it('mach_port_names hands back the Uint32Arrays the addon copied out (one new pair per call)', () => {
    const { api, task } = setup();
    const p = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_RECEIVE);
    const first = api.mach_port_names(task);
    expect(first.names).toBeInstanceOf(Uint32Array);
    expect(first.types).toBeInstanceOf(Uint32Array);
    expect(first.types.length).toBe(first.names.length);
    expect(first.types[first.names.indexOf(p)]).toBe(C.MACH_PORT_TYPE_RECEIVE);
    const second = api.mach_port_names(task);
    expect(second.names).not.toBe(first.names);
    first.names.fill(0);
    expect(second.names).toContain(p);
  });
});

describe('NativeApi guard pre-checks (stand-in addon)', () => {
  it('hardened policy: deallocating an unknown name throws MachGuardError without calling the kernel', () => {
    const { k, api, task } = setup(0x80);
    expect(api.guardPolicy).toBe('hardened');
    try {
      api.mach_port_deallocate(task, 0x5503);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MachGuardError);
      expect((e as MachGuardError).reason).toBe(C.kGUARD_EXC_INVALID_NAME);
      expect((e as MachGuardError).kr).toBe(C.KERN_INVALID_NAME);
      expect((e as MachGuardError).portName).toBe(0x5503);
    }
    expect(k.called('mach_port_deallocate')).toHaveLength(0);
  });

  it('default policy: the same call reaches the kernel and reports its code', () => {
    const { k, api, task } = setup(0);
    expect(api.guardPolicy).toBe('default');
    expect(() => api.mach_port_deallocate(task, 0x5503)).toThrow(expect.objectContaining({ code: 'KERN_INVALID_NAME', name: 'MachError' }));
    expect(k.called('mach_port_deallocate')).toHaveLength(1);
  });

  it('destroying a guarded receive right is always refused (fatal DESTROY guard)', () => {
    const { k, api, task } = setup(0);
    const p = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_RECEIVE);
    api.mach_port_guard(task, p, 0x1234n, false);
    expect(() => api.mach_port_destroy(task, p)).toThrow(MachGuardError);
    expect(() => api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1)).toThrow(MachGuardError);
    expect(() => api.mach_port_unguard(task, p, 0x9999n)).toThrow(expect.objectContaining({ reasonName: 'kGUARD_EXC_INCORRECT_GUARD' }));
    expect(k.called('mach_port_destroy')).toHaveLength(0);
    api.mach_port_unguard(task, p, 0x1234n);
    api.mach_port_destroy(task, p);
    expect(k.called('mach_port_destroy')).toHaveLength(1);
  });

  it('remembers strict guards, which the kernel hides from mach_port_get_context', () => {
    const { api, task } = setup(0);
    const p = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_RECEIVE);
    api.mach_port_guard(task, p, 0x77n, true);
    expect(api.mach_port_get_context(task, p)).toBe(0n);
    expect(() => api.mach_port_set_context(task, p, 1n)).toThrow(expect.objectContaining({ reasonName: 'kGUARD_EXC_SET_CONTEXT' }));
    expect(() => api.mach_port_unguard(task, p, 0x78n)).toThrow(MachGuardError);
    expect(() => api.mach_port_unguard(task, p, 0x77n)).not.toThrow();
  });

  it('a plain message to a kernel object is refused (fatal INVALID_OPTIONS guard), never sent', async () => {
    const { k, api, task } = setup(0);
    await expect(api.mach_msg(simple(task, 3409), C.MACH_SEND_MSG)).rejects.toMatchObject({
      name: 'MachGuardError',
      kr: C.MACH_SEND_INVALID_OPTIONS,
      reasonName: 'kGUARD_EXC_INVALID_OPTIONS',
    });
    expect(k.called('msg_send')).toHaveLength(0);
  });

  it('kobjectCall is not offered by the native backend', async () => {
    const { k, api } = setup();
    await expect(api.mach_msg(simple(k.host, 200), C.MACH_SEND_MSG, 0, 0, undefined, { kobjectCall: true })).rejects.toMatchObject({ code: 'KERN_NOT_SUPPORTED' });
  });

  it('receiving on a send-only name is refused as the RCV_INVALID_NAME guard when that guard is fatal', async () => {
    const { k, api } = setup(0x80);
    const p = k.receiveWithSend();
    k.ports.get(p)!.type = C.MACH_PORT_TYPE_SEND;
    await expect(api.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, p, 0)).rejects.toMatchObject({ reasonName: 'kGUARD_EXC_RCV_INVALID_NAME' });
    expect(k.called('msg_receive')).toHaveLength(0);
  });
});

describe('NativeApi mach_msg (stand-in addon)', () => {
  it('sends with a zero timeout first and receives what was queued', async () => {
    const { k, api } = setup();
    const p = k.receiveWithSend();
    await api.mach_msg(simple(p, 7, Uint8Array.of(1, 2, 3, 4)), C.MACH_SEND_MSG);
    const [send] = k.called('msg_send');
    expect((send![2] as number) & C.MACH_SEND_TIMEOUT).toBe(C.MACH_SEND_TIMEOUT);
    expect(send![3]).toBe(0);
    const got = await api.mach_msg(undefined, C.MACH_RCV_MSG, p);
    expect(got!.header.msgh_id).toBe(7);
    expect(got!.header.msgh_local_port).toBe(p);
    expect(Array.from(got!.body)).toEqual([1, 2, 3, 4]);
  });

  it('hands OOL data to the kernel by address and takes received regions back', async () => {
    const { k, api } = setup();
    const p = k.receiveWithSend();
    const data = new Uint8Array(5000).map((_, i) => i & 0xff);
    const msg: MachMessage = {
      header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0) | C.MACH_MSGH_BITS_COMPLEX, msgh_remote_port: p, msgh_id: 1 },
      descriptors: [{ type: C.MACH_MSG_OOL_DESCRIPTOR, data, copy: C.MACH_MSG_VIRTUAL_COPY }],
    };
    await api.mach_msg(msg, C.MACH_SEND_MSG);
    const [send] = k.called('msg_send');
    expect(send![4]).toEqual([28]); // the OOL descriptor right after header and count
    const got = await api.mach_msg(undefined, C.MACH_RCV_MSG, p);
    const d = got!.descriptors[0]!;
    expect(d.type).toBe(C.MACH_MSG_OOL_DESCRIPTOR);
    expect((d as { data: Uint8Array }).data).toEqual(data);
    expect(k.called('take_ool')).toHaveLength(1);
  });

  it('waits for a message on the receive loop without blocking, then receives it', async () => {
    const { k, api } = setup();
    const p = k.receiveWithSend();
    const pending = api.mach_msg(undefined, C.MACH_RCV_MSG, p);
    await new Promise((r) => setTimeout(r, 10));
    expect(k.called('loop_watch')).toEqual([['loop_watch', p]]);
    expect(k.refCalls).toEqual([true]);
    k.deliver(p, new Uint8Array(new Uint32Array([C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0), 24, p, 0, 0, 99]).buffer));
    const got = await pending;
    expect(got!.header.msgh_id).toBe(99);
    expect(k.refCalls).toEqual([true, false]);
  });

  it('MACH_RCV_TIMEOUT: rejects MACH_RCV_TIMED_OUT and stops watching', async () => {
    const { k, api } = setup();
    const p = k.receiveWithSend();
    const t0 = Date.now();
    await expect(api.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, p, 30)).rejects.toMatchObject({ code: 'MACH_RCV_TIMED_OUT' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    expect(k.called('loop_unwatch')).toEqual([['loop_unwatch', p]]);
    await expect(api.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, p, 0)).rejects.toMatchObject({ code: 'MACH_RCV_TIMED_OUT' });
  });

  it('an AbortSignal cancels a pending receive', async () => {
    const { k, api } = setup();
    const p = k.receiveWithSend();
    const ac = new AbortController();
    const pending = api.mach_msg(undefined, C.MACH_RCV_MSG, p, 0, undefined, { signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });

  it('a receiver whose port is destroyed while it waits gets MACH_RCV_PORT_CHANGED', async () => {
    const { k, api } = setup();
    const p = k.receiveWithSend();
    const pending = api.mach_msg(undefined, C.MACH_RCV_MSG, p);
    await new Promise((r) => setTimeout(r, 5));
    k.destroyPort(p);
    await expect(pending).rejects.toMatchObject({ code: 'MACH_RCV_PORT_CHANGED' });
  });

  it('grows the receive buffer for a large message when no rcv_size is given', async () => {
    const { k, api } = setup();
    const p = k.receiveWithSend();
    const body = new Uint8Array(20000).fill(7);
    await api.mach_msg(simple(p, 5, body), C.MACH_SEND_MSG);
    const got = await api.mach_msg(undefined, C.MACH_RCV_MSG, p);
    expect(got!.body.byteLength).toBe(20000);
    expect(k.called('msg_receive').length).toBe(2); // too large once, then the right size
  });

  it('an explicit rcv_size with MACH_RCV_LARGE reports the size needed', async () => {
    const { k, api } = setup();
    const p = k.receiveWithSend();
    await api.mach_msg(simple(p, 5, new Uint8Array(400)), C.MACH_SEND_MSG);
    await expect(api.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_LARGE, p, 0, 100)).rejects.toMatchObject({
      code: 'MACH_RCV_TOO_LARGE',
      details: { size: 424 },
    });
  });

  it('a send to a full queue continues off the event loop until the receiver drains it', async () => {
    const { k, api } = setup();
    const p = k.receiveWithSend();
    for (let i = 0; i < 5; i++) await api.mach_msg(simple(p, i), C.MACH_SEND_MSG);
    let done = false;
    const sixth = api.mach_msg(simple(p, 5), C.MACH_SEND_MSG).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    expect(k.called('msg_send_async')).toHaveLength(1);
    await api.mach_msg(undefined, C.MACH_RCV_MSG, p);
    await sixth;
    expect(done).toBe(true);
  });

  it('MACH_SEND_TIMEOUT on a full queue: MACH_SEND_TIMED_OUT and the message rewritten as Darwin pseudo-receives it', async () => {
    const { k, api } = setup();
    const p = k.receiveWithSend();
    for (let i = 0; i < 5; i++) await api.mach_msg(simple(p, i), C.MACH_SEND_MSG);
    const msg = simple(p, 9);
    await expect(api.mach_msg(msg, C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT, 0, 30)).rejects.toMatchObject({ code: 'MACH_SEND_TIMED_OUT' });
    expect(C.MACH_MSGH_BITS_REMOTE(msg.header.msgh_bits)).toBe(C.MACH_MSG_TYPE_PORT_SEND);
    // A zero timeout never leaves the event loop.
    await expect(api.mach_msg(simple(p, 10), C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT, 0, 0)).rejects.toMatchObject({ code: 'MACH_SEND_TIMED_OUT' });
    expect(k.called('msg_send_async')).toHaveLength(1);
  });

  it('an AbortSignal cancels a blocked send', async () => {
    const { k, api } = setup();
    const p = k.receiveWithSend();
    for (let i = 0; i < 5; i++) await api.mach_msg(simple(p, i), C.MACH_SEND_MSG);
    const ac = new AbortController();
    const pending = api.mach_msg(simple(p, 5), C.MACH_SEND_MSG, 0, 0, undefined, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 10));
    ac.abort(new Error('cancelled'));
    await expect(pending).rejects.toThrow('cancelled');
  });
});
