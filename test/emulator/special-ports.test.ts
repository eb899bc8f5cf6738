/**
 * The emulator's task special ports (lib/emulator/special-ports.ts) beyond what the
 * conformance scenarios can check on every backend: another task's ports read through its
 * task port, the emulator's movable control port, TASK_ACCESS_PORT set once, a special
 * port whose port died, and the rights the kernel holds released when the task ends
 * (xnu:osfmk/kern/ipc_tt.c).
 */
import { describe, expect, it } from 'vitest';
import { C, expectKr, portWithSend, refs, world } from './helpers.js';

describe('task special ports (emulator)', () => {
  it('TASK_KERNEL_PORT of the caller’s own task is mach_task_self()’s name with one more uref (the control port is movable)', () => {
    const { k, a } = world();
    const self = a.mach_task_self();
    const before = refs(a, self, C.MACH_PORT_RIGHT_SEND);
    expect(a.task_get_special_port(self, C.TASK_KERNEL_PORT)).toBe(self);
    expect(refs(a, self, C.MACH_PORT_RIGHT_SEND)).toBe(before + 1);
    k.checkInvariants();
  });

  it('another task’s special ports, read through a send right to its task port, are copied out into the caller’s space', () => {
    const { k, a, b } = world();
    const aSelf = a.mach_task_self();
    const bSelf = b.mach_task_self();
    const p = portWithSend(b);
    b.task_set_special_port(bSelf, C.TASK_DEBUG_CONTROL_PORT, p);
    expect(b.mach_port_get_srights(bSelf, p)).toBe(2);
    const bTask = k.copyoutRight(a, b.taskPort, C.MACH_MSG_TYPE_MAKE_SEND);
    const got = a.task_get_special_port(bTask, C.TASK_DEBUG_CONTROL_PORT);
    expect(a.mach_port_type(aSelf, got)).toBe(C.MACH_PORT_TYPE_SEND);
    expect(b.mach_port_get_srights(bSelf, p)).toBe(3);
    // a sets b's bootstrap port to a port of a's; b's own bootstrap_port name is unchanged.
    const q = portWithSend(a);
    a.task_set_special_port(bTask, C.TASK_BOOTSTRAP_PORT, q);
    expect(b.task_get_special_port(bSelf, C.TASK_BOOTSTRAP_PORT)).not.toBe(b.bootstrap_port);
    expect(a.mach_port_get_srights(aSelf, q)).toBe(3);
    k.checkInvariants();
  });

  it('TASK_ACCESS_PORT can be set once, never replaced; a special port whose port died reads MACH_PORT_DEAD', () => {
    const { k, a } = world();
    const self = a.mach_task_self();
    const p = portWithSend(a);
    a.task_set_special_port(self, C.TASK_ACCESS_PORT, p);
    const q = portWithSend(a);
    expectKr(() => a.task_set_special_port(self, C.TASK_ACCESS_PORT, q), 'KERN_NO_ACCESS');
    expectKr(() => a.task_set_special_port(self, C.TASK_ACCESS_PORT, C.MACH_PORT_NULL), 'KERN_NO_ACCESS');
    expect(a.mach_port_get_srights(self, q)).toBe(1);
    a.mach_port_destroy(self, p);
    expect(a.task_get_special_port(self, C.TASK_ACCESS_PORT)).toBe(C.MACH_PORT_DEAD);
    expectKr(() => a.task_set_special_port(self, C.TASK_ACCESS_PORT, q), 'KERN_NO_ACCESS');
    k.checkInvariants();
  });

  it('TASK_INSPECT_PORT and TASK_READ_PORT are not modelled: KERN_NOT_SUPPORTED', () => {
    const { a } = world();
    expectKr(() => a.task_get_special_port(a.mach_task_self(), C.TASK_INSPECT_PORT), 'KERN_NOT_SUPPORTED');
    expectKr(() => a.task_get_special_port(a.mach_task_self(), C.TASK_READ_PORT), 'KERN_NOT_SUPPORTED');
  });

  it('the task’s end releases the special port rights the kernel held (a no-senders request fires) and kills its name port', async () => {
    const { k, a, b } = world();
    const aSelf = a.mach_task_self();
    const p = a.mach_port_allocate(aSelf, C.MACH_PORT_RIGHT_RECEIVE);
    const notify = a.mach_port_allocate(aSelf, C.MACH_PORT_RIGHT_RECEIVE);
    const sendName = k.copyoutRight(b, k.copyinRight(a, p, C.MACH_MSG_TYPE_MAKE_SEND) as never, C.MACH_MSG_TYPE_MOVE_SEND);
    b.task_set_special_port(b.mach_task_self(), C.TASK_DEBUG_CONTROL_PORT, sendName);
    b.mach_port_deallocate(b.mach_task_self(), sendName);
    expect(a.mach_port_get_srights(aSelf, p)).toBe(1);
    a.mach_port_request_notification(aSelf, p, C.MACH_NOTIFY_NO_SENDERS, 0, notify, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    const bName = k.copyoutRight(a, k.taskNamePort(b), C.MACH_MSG_TYPE_MAKE_SEND);
    b.terminate();
    expect(a.mach_port_get_srights(aSelf, p)).toBe(0);
    const m = await a.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, notify, 0);
    expect(m!.header.msgh_id).toBe(C.MACH_NOTIFY_NO_SENDERS);
    expect(a.mach_port_type(aSelf, bName)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    k.checkInvariants();
  });
});
