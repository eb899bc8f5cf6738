/**
 * mach_port_peek, mach_port_get_srights, mach_port_guard_with_flags and
 * mach_port_swap_guard in lib/native over the stand-in addon (fake-addon.ts): the trailer
 * decoding, the guard pre-checks (xnu:osfmk/ipc/mach_port.c), KERN_NOT_SUPPORTED from an
 * addon built before the bindings; and that both cross-compiled Darwin builds export the
 * bindings with their libSystem calls bound. The kernel's own answers are the macOS CI
 * job's (the conformance scenarios run there on the native backend).
 */
import { describe, expect, it } from 'vitest';
import * as C from '../../lib/constants.js';
import { MachGuardError } from '../../lib/errors.js';
import { NativeApi } from '../../lib/native/api.js';
import { FakeKernel } from './fake-addon.js';
import { apiWithout, describeBindingsInBuilds } from './optional-bindings.js';

function setup(behavior = 0x80) {
  const k = new FakeKernel();
  k.behavior = behavior;
  const api = new NativeApi(k.addon());
  return { k, api, task: api.mach_task_self() };
}

const TRAILER = (elements: number): number => (C.MACH_RCV_TRAILER_TYPE(C.MACH_MSG_TRAILER_FORMAT_0) | C.MACH_RCV_TRAILER_ELEMENTS(elements)) >>> 0;

describe('NativeApi.mach_port_peek (stand-in addon)', () => {
  it('decodes the trailer bytes the kernel copied out, as many as it copied', async () => {
    const { k, api, task } = setup();
    const p = k.receiveWithSend();
    await api.mach_msg({ header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0), msgh_remote_port: p, msgh_id: -2 }, body: new Uint8Array(8) }, C.MACH_SEND_MSG);
    const audit = api.mach_port_peek(task, p, TRAILER(C.MACH_RCV_TRAILER_AUDIT));
    expect(audit).toMatchObject({ seqno: 0, msg_size: 40, msg_id: -2, trailer_size: 52 });
    expect(audit.trailer).toMatchObject({ msgh_trailer_size: 8, seqno: 0, sender: { uid: 501, gid: 20 }, audit: { pid: 4242 } });
    const seqno = api.mach_port_peek(task, p, TRAILER(C.MACH_RCV_TRAILER_SEQNO), 0);
    expect(seqno.trailer_size).toBe(12);
    expect(seqno.trailer).toMatchObject({ sender: { uid: 0, gid: 0 }, audit: { pid: 0 } });
    expect(k.called('mach_port_peek').map((c) => c[4])).toEqual([0, 0]);
    expect(() => api.mach_port_peek(task, p, TRAILER(C.MACH_RCV_TRAILER_SEQNO), 5)).toThrow(expect.objectContaining({ code: 'KERN_FAILURE' }));
  });

  it('hardened policy: a trailer past AUDIT, or a name without a receive right, is the optional guard, refused before the call', () => {
    const { k, api, task } = setup(0x80);
    const p = k.receiveRight();
    expect(() => api.mach_port_peek(task, p, TRAILER(C.MACH_RCV_TRAILER_CTX))).toThrow(
      expect.objectContaining({ name: 'MachGuardError', code: 'KERN_INVALID_VALUE', reasonName: 'kGUARD_EXC_INVALID_VALUE' }),
    );
    expect(() => api.mach_port_peek(task, k.sendRight(), TRAILER(0))).toThrow(expect.objectContaining({ code: 'KERN_INVALID_RIGHT', reasonName: 'kGUARD_EXC_INVALID_RIGHT' }));
    expect(() => api.mach_port_peek(task, 0x9903, TRAILER(0))).toThrow(expect.objectContaining({ code: 'KERN_INVALID_NAME', reasonName: 'kGUARD_EXC_INVALID_NAME' }));
    // A dead name has no object for ipc_right_lookup_read: KERN_INVALID_NAME, not _RIGHT.
    expect(() => api.mach_port_peek(task, k.deadName(), TRAILER(0))).toThrow(expect.objectContaining({ code: 'KERN_INVALID_NAME', reasonName: 'kGUARD_EXC_INVALID_NAME' }));
    expect(() => api.mach_port_swap_guard(task, k.deadName(), 1n, 2n)).toThrow(expect.objectContaining({ code: 'KERN_INVALID_NAME', reasonName: 'kGUARD_EXC_INVALID_NAME' }));
    expect(k.called('mach_port_peek')).toHaveLength(0);
    // An invalid name is KERN_INVALID_RIGHT without a guard: the kernel answers.
    expect(() => api.mach_port_peek(task, C.MACH_PORT_NULL, TRAILER(C.MACH_RCV_TRAILER_CTX))).toThrow(expect.objectContaining({ name: 'MachError' }));
    expect(k.called('mach_port_peek')).toHaveLength(1);
  });

  it('default policy: no probe at all, the kernel answers', () => {
    const { k, api, task } = setup(0);
    const p = k.receiveRight();
    k.probes.length = 0;
    expect(() => api.mach_port_peek(task, p, TRAILER(C.MACH_RCV_TRAILER_CTX))).toThrow(expect.objectContaining({ name: 'MachError', code: 'KERN_INVALID_VALUE' }));
    expect(() => api.mach_port_peek(task, p, TRAILER(0))).toThrow(expect.objectContaining({ code: 'KERN_FAILURE' }));
    expect(k.probes).toEqual([]);
    expect(k.called('mach_port_peek')).toHaveLength(2);
  });
});

describe('NativeApi.mach_port_guard_with_flags / mach_port_swap_guard (stand-in addon)', () => {
  it('guard_with_flags(MPG_STRICT) remembers the strict guard, which the kernel hides', () => {
    const { k, api, task } = setup(0);
    const p = k.receiveRight();
    api.mach_port_guard_with_flags(task, p, 0x77n, C.MPG_STRICT | C.MPG_IMMOVABLE_RECEIVE);
    expect(k.called('mach_port_guard_with_flags')).toEqual([['mach_port_guard_with_flags', task, p, 0x77n, C.MPG_STRICT | C.MPG_IMMOVABLE_RECEIVE]]);
    expect(api.mach_port_get_context(task, p)).toBe(0n);
    expect(() => api.mach_port_unguard(task, p, 0x78n)).toThrow(expect.objectContaining({ reasonName: 'kGUARD_EXC_INCORRECT_GUARD' }));
    api.mach_port_unguard(task, p, 0x77n);
  });

  it('guard_with_flags on a guarded port or one with a context is the INVALID_ARGUMENT guard when fatal', () => {
    const { k, api, task } = setup(0x80);
    const p = k.receiveRight();
    k.ports.get(p)!.context = 5n;
    expect(() => api.mach_port_guard_with_flags(task, p, 1n, 0)).toThrow(expect.objectContaining({ reasonName: 'kGUARD_EXC_INVALID_ARGUMENT', message: expect.stringMatching(/^mach_port_guard_with_flags: /) }));
    expect(k.called('mach_port_guard_with_flags')).toHaveLength(0);
  });

  it('swap_guard: unguarded → UNGUARDED, strict → SET_CONTEXT (whatever the guard), wrong guard → INCORRECT_GUARD, all refused before the call', () => {
    const { k, api, task } = setup(0);
    const p = k.receiveRight();
    expect(() => api.mach_port_swap_guard(task, p, 0n, 1n)).toThrow(expect.objectContaining({ reasonName: 'kGUARD_EXC_UNGUARDED', kr: C.KERN_INVALID_ARGUMENT }));
    const s = k.receiveRight();
    api.mach_port_guard_with_flags(task, s, 0x50n, C.MPG_STRICT);
    expect(() => api.mach_port_swap_guard(task, s, 0x50n, 1n)).toThrow(expect.objectContaining({ reasonName: 'kGUARD_EXC_SET_CONTEXT' }));
    api.mach_port_guard(task, p, 0x52n, false);
    expect(() => api.mach_port_swap_guard(task, p, 0x53n, 1n)).toThrow(MachGuardError);
    expect(k.called('mach_port_swap_guard')).toHaveLength(0);
    api.mach_port_swap_guard(task, p, 0x52n, 0x54n);
    expect(api.mach_port_get_context(task, p)).toBe(0x54n);
  });
});

describe('NativeApi.mach_port_get_srights (stand-in addon)', () => {
  it('returns the count; errors are MachErrors', () => {
    const { k, api, task } = setup();
    expect(api.mach_port_get_srights(task, k.receiveWithSend())).toBe(1);
    expect(() => api.mach_port_get_srights(task, k.sendRight())).toThrow(expect.objectContaining({ name: 'MachError', code: 'KERN_INVALID_RIGHT' }));
  });
});

describe('an addon built before the bindings', () => {
  it('answers KERN_NOT_SUPPORTED, after the argument checks', () => {
    const { k, api, task } = apiWithout(['mach_port_peek', 'mach_port_get_srights', 'mach_port_guard_with_flags', 'mach_port_swap_guard']);
    const p = k.receiveRight();
    const notSupported = expect.objectContaining({ code: 'KERN_NOT_SUPPORTED', message: expect.stringMatching(/rebuild/) });
    expect(() => api.mach_port_peek(task, p, 0)).toThrow(notSupported);
    expect(() => api.mach_port_get_srights(task, p)).toThrow(notSupported);
    expect(() => api.mach_port_guard_with_flags(task, p, 1n, 0)).toThrow(notSupported);
    expect(() => api.mach_port_swap_guard(task, p, 1n, 2n)).toThrow(notSupported);
    expect(() => api.mach_port_peek(task, p, 'x' as unknown as number)).toThrow(TypeError);
  });
});

describeBindingsInBuilds(['mach_port_peek', 'mach_port_get_srights', 'mach_port_guard_with_flags', 'mach_port_swap_guard']);
