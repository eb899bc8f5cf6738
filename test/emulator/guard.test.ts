/**
 * Guard exceptions: always-fatal guards throw MachGuardError under any policy; optional
 * ones (INVALID_NAME, INVALID_RIGHT, INVALID_VALUE, …) only for 'hardened' tasks, with the
 * call's state change already made (§1.14, S33, S76, S78).
 */
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../lib/emulator/index.js';
import { MachGuardError } from '../../lib/errors.js';
import { C, expectGuard, expectKr, port, portWithSend, recv, status, typeOf } from './helpers.js';

function tasks(): { plain: ReturnType<Kernel['createTask']>; hard: ReturnType<Kernel['createTask']>; k: Kernel } {
  const k = new Kernel({ seed: 2 });
  return { k, plain: k.createTask({ name: 'plain' }), hard: k.createTask({ name: 'hard', guardPolicy: 'hardened' }) };
}

describe('guard exceptions', () => {
  it('optional guards: plain error for default tasks, MachGuardError for hardened ones', async () => {
    const { plain, hard } = tasks();
    expectKr(() => plain.mach_port_deallocate(plain.mach_task_self(), 0x5503), 'KERN_INVALID_NAME');
    await expectGuard(() => hard.mach_port_deallocate(hard.mach_task_self(), 0x5503), 'kGUARD_EXC_INVALID_NAME', 'KERN_INVALID_NAME');
    const p = port(hard);
    await expectGuard(() => hard.mach_port_deallocate(hard.mach_task_self(), p), 'kGUARD_EXC_INVALID_RIGHT', 'KERN_INVALID_RIGHT');
    const q = portWithSend(hard);
    await expectGuard(() => hard.mach_port_mod_refs(hard.mach_task_self(), q, C.MACH_PORT_RIGHT_SEND, -2), 'kGUARD_EXC_INVALID_VALUE', 'KERN_INVALID_VALUE');
    expectKr(() => plain.mach_port_mod_refs(plain.mach_task_self(), portWithSend(plain), C.MACH_PORT_RIGHT_SEND, -2), 'KERN_INVALID_VALUE');
    // A send right that never was a receive right.
    await expectGuard(hard.mach_msg(undefined, C.MACH_RCV_MSG, hard.mach_task_self()), 'kGUARD_EXC_RCV_INVALID_NAME', 'MACH_RCV_INVALID_NAME');
  });

  it('destroying a guarded receive right: fatal DESTROY guard under any policy (S33)', async () => {
    const { plain } = tasks();
    const self = plain.mach_task_self();
    const g = plain.mach_port_construct(self, { flags: C.MPO_CONTEXT_AS_GUARD }, 0x77n);
    await expectGuard(() => plain.mach_port_destroy(self, g), 'kGUARD_EXC_DESTROY', 'KERN_INVALID_RIGHT');
    await expectGuard(() => plain.mach_port_mod_refs(self, g, C.MACH_PORT_RIGHT_RECEIVE, -1), 'kGUARD_EXC_DESTROY', 'KERN_INVALID_RIGHT');
    await expectGuard(() => plain.mach_port_destruct(self, g, 0, 0x78n), 'kGUARD_EXC_DESTROY', 'KERN_INVALID_ARGUMENT');
    expect(typeOf(plain, g)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    plain.mach_port_destruct(self, g, 0, 0x77n);
    expectKr(() => typeOf(plain, g), 'KERN_INVALID_NAME');
  });

  it('guard, unguard, strict guards and contexts', async () => {
    const { plain } = tasks();
    const self = plain.mach_task_self();
    const p = port(plain);
    plain.mach_port_guard(self, p, 0x10n, true);
    expect(status(plain, p).mps_flags & (C.MACH_PORT_STATUS_FLAG_GUARDED | C.MACH_PORT_STATUS_FLAG_STRICT_GUARD)).toBe(6);
    expect(plain.mach_port_get_context(self, p)).toBe(0n);
    await expectGuard(() => plain.mach_port_set_context(self, p, 1n), 'kGUARD_EXC_SET_CONTEXT', 'KERN_INVALID_ARGUMENT');
    await expectGuard(() => plain.mach_port_unguard(self, p, 0x11n), 'kGUARD_EXC_INCORRECT_GUARD', 'KERN_INVALID_ARGUMENT');
    plain.mach_port_unguard(self, p, 0x10n);
    await expectGuard(() => plain.mach_port_unguard(self, p, 0x10n), 'kGUARD_EXC_UNGUARDED', 'KERN_INVALID_ARGUMENT');
    plain.mach_port_set_context(self, p, 5n);
    expectKr(() => plain.mach_port_guard(self, p, 0x10n, false), 'KERN_INVALID_ARGUMENT');
    expectKr(() => plain.mach_port_guard(self, 0, 0x10n, false), 'KERN_INVALID_NAME');
  });

  it('construct: options, queue limit, inserted send right and immovable receive rights', () => {
    const { plain } = tasks();
    const self = plain.mach_task_self();
    const p = plain.mach_port_construct(self, { flags: C.MPO_INSERT_SEND_RIGHT | C.MPO_QLIMIT, mpl: { mpl_qlimit: 9 } }, 0n);
    expect(status(plain, p)).toMatchObject({ mps_srights: 1, mps_mscount: 1, mps_qlimit: 9 });
    expect(typeOf(plain, p)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
    expectKr(() => plain.mach_port_construct(self, { flags: C.MPO_QLIMIT, mpl: { mpl_qlimit: 2000 } }, 0n), 'KERN_INVALID_VALUE');
    expectKr(() => plain.mach_port_construct(self, { flags: C.MPO_SERVICE_PORT | C.MPO_CONNECTION_PORT }, 0n), 'KERN_INVALID_ARGUMENT');
    const imm = plain.mach_port_construct(self, { flags: C.MPO_CONTEXT_AS_GUARD | C.MPO_IMMOVABLE_RECEIVE }, 3n);
    expect(status(plain, imm).mps_flags & C.MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE).not.toBe(0);
    let err: unknown;
    try {
      plain.mach_port_insert_right(self, 0x9903, imm, C.MACH_MSG_TYPE_MOVE_RECEIVE);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MachGuardError);
    expect((err as MachGuardError).code).toBe('KERN_INVALID_CAPABILITY');
  });

  it('the state change of a guarded call is kept (XNU delivers the guard after the call)', async () => {
    const { hard } = tasks();
    const self = hard.mach_task_self();
    const p = port(hard);
    const o = hard.mach_port_extract_right(self, p, C.MACH_MSG_TYPE_MAKE_SEND_ONCE).poly;
    hard.mach_port_destroy(self, p);
    await expectGuard(() => hard.mach_port_mod_refs(self, o, C.MACH_PORT_RIGHT_SEND_ONCE, -1), 'kGUARD_EXC_INVALID_RIGHT', 'KERN_INVALID_RIGHT');
    expect(typeOf(hard, o)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    expect(recv).toBeDefined();
  });
});

