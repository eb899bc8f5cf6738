/**
 * The emulator's task exception ports (lib/emulator/exception-ports.ts) beyond what the
 * conformance scenarios can check on every backend: behaviors a non-hardened process may
 * use, the immovable-receive refusal, the flavors of the architecture Node runs on, a
 * handler whose port died, another task's ports through its task port, and the rights
 * released when the task ends (xnu:osfmk/kern/ipc_tt.c).
 */
import { describe, expect, it } from 'vitest';
import { C, expectKr, portWithSend, refs, world } from './helpers.js';

describe('task exception ports (emulator)', () => {
  it('a non-hardened task may use every behavior, with or without MACH_EXCEPTION_CODES (except IDENTITY_PROTECTED, which needs it)', () => {
    const { k, a } = world();
    const self = a.mach_task_self();
    const p = portWithSend(a);
    for (const behavior of [C.EXCEPTION_DEFAULT, C.EXCEPTION_STATE, C.EXCEPTION_STATE_IDENTITY, C.EXCEPTION_STATE_IDENTITY_PROTECTED]) {
      a.task_set_exception_ports(self, C.EXC_MASK_ALL, p, behavior, C.THREAD_STATE_NONE);
      a.task_set_exception_ports(self, C.EXC_MASK_CRASH, p, behavior | C.MACH_EXCEPTION_CODES, C.MACHINE_THREAD_STATE);
    }
    // Unsigned and signed spellings of the same C int are one behavior.
    a.task_set_exception_ports(self, C.EXC_MASK_CRASH, p, (C.EXCEPTION_DEFAULT | C.MACH_EXCEPTION_CODES) >>> 0, 0);
    const got = a.task_get_exception_ports(self, C.EXC_MASK_CRASH);
    expect(got.old_behaviors).toEqual([C.EXCEPTION_DEFAULT | C.MACH_EXCEPTION_CODES]);
    expect(a.mach_port_get_srights(self, p)).toBe(1 + 12);
    expectKr(() => a.task_set_exception_ports(self, C.EXC_MASK_CRASH, p, C.EXCEPTION_IDENTITY_PROTECTED, 0), 'KERN_INVALID_ARGUMENT');
    k.checkInvariants();
  });

  it('an immovable receive right’s port is KERN_INVALID_RIGHT unless made with MPO_EXCEPTION_PORT', () => {
    const { k, a } = world();
    const self = a.mach_task_self();
    const guarded = a.mach_port_construct(self, { flags: C.MPO_CONTEXT_AS_GUARD | C.MPO_IMMOVABLE_RECEIVE | C.MPO_INSERT_SEND_RIGHT }, 0x55n);
    expectKr(() => a.task_set_exception_ports(self, C.EXC_MASK_CRASH, guarded, C.EXCEPTION_DEFAULT, 0), 'KERN_INVALID_RIGHT');
    expect(a.mach_port_get_srights(self, guarded)).toBe(1);
    const exc = a.mach_port_construct(self, { flags: C.MPO_EXCEPTION_PORT | C.MPO_INSERT_SEND_RIGHT }, 0n);
    a.task_set_exception_ports(self, C.EXC_MASK_CRASH, exc, C.EXCEPTION_DEFAULT | C.MACH_EXCEPTION_CODES, 0);
    expect(a.mach_port_get_srights(self, exc)).toBe(2);
    k.checkInvariants();
  });

  it('flavors are the architecture’s VALID_THREAD_STATE_FLAVOR set', () => {
    const { a } = world();
    const self = a.mach_task_self();
    const p = portWithSend(a);
    const other = process.arch === 'x64' ? C.ARM_THREAD_STATE_NONE + 100 : C.X86_THREAD_STATE_NONE;
    expectKr(() => a.task_set_exception_ports(self, C.EXC_MASK_CRASH, p, C.EXCEPTION_DEFAULT, other), 'KERN_INVALID_ARGUMENT');
    const ok = process.arch === 'x64' ? [C.x86_THREAD_STATE, C.x86_AVX512_STATE64, C.x86_LAST_BRANCH_STATE] : [C.ARM_THREAD_STATE64, C.ARM_NEON_STATE64, C.ARM_PAGEIN_STATE];
    for (const f of ok) a.task_set_exception_ports(self, C.EXC_MASK_CRASH, p, C.EXCEPTION_STATE, f);
  });

  it('a handler whose port died reads MACH_PORT_DEAD, grouped with the other types holding that port', () => {
    const { k, a } = world();
    const self = a.mach_task_self();
    const p = portWithSend(a);
    a.task_set_exception_ports(self, C.EXC_MASK_BAD_ACCESS | C.EXC_MASK_CRASH, p, C.EXCEPTION_DEFAULT, 0);
    a.mach_port_destroy(self, p);
    const got = a.task_get_exception_ports(self, C.EXC_MASK_BAD_ACCESS | C.EXC_MASK_CRASH | C.EXC_MASK_GUARD);
    expect(got).toEqual({
      masks: [C.EXC_MASK_BAD_ACCESS | C.EXC_MASK_CRASH, C.EXC_MASK_GUARD],
      old_handlers: [C.MACH_PORT_DEAD, C.MACH_PORT_NULL],
      old_behaviors: [C.EXCEPTION_DEFAULT, 0],
      old_flavors: [0, 0],
    });
    k.checkInvariants();
  });

  it('another task’s exception ports, changed and read through a send right to its task port', () => {
    const { k, a, b } = world();
    const aSelf = a.mach_task_self();
    const bTask = k.copyoutRight(a, b.taskPort, C.MACH_MSG_TYPE_MAKE_SEND);
    const p = portWithSend(a);
    a.task_set_exception_ports(bTask, C.EXC_MASK_CRASH, p, C.EXCEPTION_DEFAULT, 0);
    expect(a.mach_port_get_srights(aSelf, p)).toBe(2);
    expect(b.task_get_exception_ports(b.mach_task_self(), C.EXC_MASK_CRASH).old_handlers[0]).not.toBe(C.MACH_PORT_NULL);
    const old = a.task_swap_exception_ports(bTask, C.EXC_MASK_CRASH, C.MACH_PORT_NULL, 0, 0);
    expect(old.old_handlers).toEqual([p]);
    expect(refs(a, p, C.MACH_PORT_RIGHT_SEND)).toBe(2);
    k.checkInvariants();
  });

  it('the task’s end releases the exception handlers’ send rights (a no-senders request fires)', async () => {
    const { k, a, b } = world();
    const aSelf = a.mach_task_self();
    const p = a.mach_port_allocate(aSelf, C.MACH_PORT_RIGHT_RECEIVE);
    const notify = a.mach_port_allocate(aSelf, C.MACH_PORT_RIGHT_RECEIVE);
    const sendName = k.copyoutRight(b, k.copyinRight(a, p, C.MACH_MSG_TYPE_MAKE_SEND) as never, C.MACH_MSG_TYPE_MOVE_SEND);
    b.task_set_exception_ports(b.mach_task_self(), C.EXC_MASK_ALL | C.EXC_MASK_CRASH, sendName, C.EXCEPTION_DEFAULT, 0);
    b.mach_port_deallocate(b.mach_task_self(), sendName);
    expect(a.mach_port_get_srights(aSelf, p)).toBe(12);
    a.mach_port_request_notification(aSelf, p, C.MACH_NOTIFY_NO_SENDERS, 0, notify, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    b.terminate();
    expect(a.mach_port_get_srights(aSelf, p)).toBe(0);
    const m = await a.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, notify, 0);
    expect(m!.header.msgh_id).toBe(C.MACH_NOTIFY_NO_SENDERS);
    k.checkInvariants();
  });
});
