/**
 * User references: saturation instead of overflow, underflow, and the per-right delta
 * rules of mach_port_mod_refs / get_refs (S20–S26).
 */
import { describe, expect, it } from 'vitest';
import { C, expectKr, gone, port, portWithSend, refs, sendOnceTo, status, typeOf, world } from './helpers.js';

describe('user references', () => {
  it('saturate at 65535 and stay pegged until a single −65535 (S20)', () => {
    const { a, k } = world();
    const self = a.mach_task_self();
    const p = portWithSend(a);
    a.mach_port_mod_refs(self, p, C.MACH_PORT_RIGHT_SEND, 65534);
    expect(refs(a, p, C.MACH_PORT_RIGHT_SEND)).toBe(65535);
    a.mach_port_mod_refs(self, p, C.MACH_PORT_RIGHT_SEND, 1);
    expect(refs(a, p, C.MACH_PORT_RIGHT_SEND)).toBe(65535);
    a.mach_port_deallocate(self, p);
    expect(refs(a, p, C.MACH_PORT_RIGHT_SEND)).toBe(65535);
    a.mach_port_insert_right(self, p, p, C.MACH_MSG_TYPE_COPY_SEND);
    expect(refs(a, p, C.MACH_PORT_RIGHT_SEND)).toBe(65535);
    a.mach_port_mod_refs(self, p, C.MACH_PORT_RIGHT_SEND, -65535);
    expect(typeOf(a, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    expect(status(a, p).mps_srights).toBe(0);
    k.checkInvariants();
  });

  it('|delta| > 65535 is KERN_INVALID_VALUE (S20)', () => {
    const { a } = world();
    const p = portWithSend(a);
    expectKr(() => a.mach_port_mod_refs(a.mach_task_self(), p, C.MACH_PORT_RIGHT_SEND, 65536), 'KERN_INVALID_VALUE');
    expectKr(() => a.mach_port_mod_refs(a.mach_task_self(), p, C.MACH_PORT_RIGHT_SEND, -65536), 'KERN_INVALID_VALUE');
    expect(refs(a, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
  });

  it('underflow is KERN_INVALID_VALUE and changes nothing (S21)', () => {
    const { a } = world();
    const p = portWithSend(a);
    a.mach_port_mod_refs(a.mach_task_self(), p, C.MACH_PORT_RIGHT_SEND, 1);
    expectKr(() => a.mach_port_mod_refs(a.mach_task_self(), p, C.MACH_PORT_RIGHT_SEND, -3), 'KERN_INVALID_VALUE');
    expect(refs(a, p, C.MACH_PORT_RIGHT_SEND)).toBe(2);
  });

  it('wrong right kinds (S22)', () => {
    const { a } = world();
    const self = a.mach_task_self();
    const p = port(a);
    for (const r of [C.MACH_PORT_RIGHT_SEND, C.MACH_PORT_RIGHT_SEND_ONCE, C.MACH_PORT_RIGHT_PORT_SET, C.MACH_PORT_RIGHT_DEAD_NAME, C.MACH_PORT_RIGHT_LABELH]) {
      expectKr(() => a.mach_port_mod_refs(self, p, r, -1), 'KERN_INVALID_RIGHT');
    }
    expectKr(() => a.mach_port_mod_refs(self, p, 6, -1), 'KERN_INVALID_VALUE');
    expectKr(() => a.mach_port_mod_refs(self, p, C.MACH_PORT_RIGHT_SEND, 1), 'KERN_INVALID_RIGHT');
    const s = a.mach_port_allocate(self, C.MACH_PORT_RIGHT_PORT_SET);
    for (const r of [C.MACH_PORT_RIGHT_SEND, C.MACH_PORT_RIGHT_SEND_ONCE, C.MACH_PORT_RIGHT_RECEIVE, C.MACH_PORT_RIGHT_DEAD_NAME]) {
      expectKr(() => a.mach_port_mod_refs(self, s, r, -1), 'KERN_INVALID_RIGHT');
    }
  });

  it('receive and port-set deltas (S23)', () => {
    const { a } = world();
    const self = a.mach_task_self();
    const p = port(a);
    a.mach_port_mod_refs(self, p, C.MACH_PORT_RIGHT_RECEIVE, 0);
    expectKr(() => a.mach_port_mod_refs(self, p, C.MACH_PORT_RIGHT_RECEIVE, 1), 'KERN_INVALID_VALUE');
    expectKr(() => a.mach_port_mod_refs(self, p, C.MACH_PORT_RIGHT_RECEIVE, -2), 'KERN_INVALID_VALUE');
    const s = a.mach_port_allocate(self, C.MACH_PORT_RIGHT_PORT_SET);
    expectKr(() => a.mach_port_mod_refs(self, s, C.MACH_PORT_RIGHT_PORT_SET, 1), 'KERN_INVALID_VALUE');
    a.mach_port_mod_refs(self, s, C.MACH_PORT_RIGHT_PORT_SET, -1);
    expect(gone(a, s)).toBe(true);
  });

  it('send-once deltas: +1 invalid, −1 destroys and notifies, on a dead port INVALID_RIGHT (S24)', async () => {
    const { a, b } = world();
    const p = port(a);
    const o = sendOnceTo(a, p, b);
    const self = b.mach_task_self();
    expectKr(() => b.mach_port_mod_refs(self, o, C.MACH_PORT_RIGHT_SEND_ONCE, 1), 'KERN_INVALID_VALUE');
    b.mach_port_mod_refs(self, o, C.MACH_PORT_RIGHT_SEND_ONCE, -1);
    expect(gone(b, o)).toBe(true);
    const n = await a.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, p, 0);
    expect(n!.header.msgh_id).toBe(C.MACH_NOTIFY_SEND_ONCE);
    const o2 = sendOnceTo(a, p, b);
    a.mach_port_destroy(a.mach_task_self(), p);
    expectKr(() => b.mach_port_mod_refs(self, o2, C.MACH_PORT_RIGHT_SEND_ONCE, -1), 'KERN_INVALID_RIGHT');
    expect(typeOf(b, o2)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
  });

  it('get_refs corner cases (S25)', () => {
    const { a } = world();
    const self = a.mach_task_self();
    expect(a.mach_port_get_refs(self, C.MACH_PORT_NULL, C.MACH_PORT_RIGHT_SEND)).toBe(1);
    expect(a.mach_port_get_refs(self, C.MACH_PORT_DEAD, C.MACH_PORT_RIGHT_SEND_ONCE)).toBe(1);
    expectKr(() => a.mach_port_get_refs(self, C.MACH_PORT_NULL, C.MACH_PORT_RIGHT_RECEIVE), 'KERN_INVALID_NAME');
    const p = port(a);
    expectKr(() => a.mach_port_get_refs(self, p, 6), 'KERN_INVALID_VALUE');
    expect(refs(a, p, C.MACH_PORT_RIGHT_SEND)).toBe(0);
    expect(refs(a, p, C.MACH_PORT_RIGHT_RECEIVE)).toBe(1);
    expectKr(() => a.mach_port_get_refs(self, 0x5503, C.MACH_PORT_RIGHT_SEND), 'KERN_INVALID_NAME');
  });

  it('mod_refs on NULL or DEAD (S26)', () => {
    const { a } = world();
    const self = a.mach_task_self();
    a.mach_port_mod_refs(self, C.MACH_PORT_NULL, C.MACH_PORT_RIGHT_SEND, 5);
    a.mach_port_mod_refs(self, C.MACH_PORT_DEAD, C.MACH_PORT_RIGHT_SEND_ONCE, -1);
    expectKr(() => a.mach_port_mod_refs(self, C.MACH_PORT_NULL, C.MACH_PORT_RIGHT_RECEIVE, -1), 'KERN_INVALID_NAME');
    expectKr(() => a.mach_port_mod_refs(self, C.MACH_PORT_DEAD, C.MACH_PORT_RIGHT_DEAD_NAME, -1), 'KERN_INVALID_NAME');
  });

  it('dead names count references like send rights', () => {
    const { a } = world();
    const self = a.mach_task_self();
    const d = a.mach_port_allocate(self, C.MACH_PORT_RIGHT_DEAD_NAME);
    a.mach_port_mod_refs(self, d, C.MACH_PORT_RIGHT_DEAD_NAME, 2);
    expect(refs(a, d, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(3);
    a.mach_port_deallocate(self, d);
    expect(refs(a, d, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(2);
    a.mach_port_mod_refs(self, d, C.MACH_PORT_RIGHT_DEAD_NAME, -2);
    expect(gone(a, d)).toBe(true);
  });
});
