// Guarded receive rights through the classes: ReceiveRight.allocate({ guard, strict,
// immovable }) (mach_port_construct), guard / unguard / swapGuard (mach_port_guard,
// mach_port_guard_with_flags, mach_port_unguard, mach_port_swap_guard), the `guarded` and
// `context` readings, and close() destroying a guarded right with mach_port_destruct.
import { describe, expect, it } from 'vitest';
import {
  kGUARD_EXC_DESTROY,
  kGUARD_EXC_IMMOVABLE,
  kGUARD_EXC_INCORRECT_GUARD,
  kGUARD_EXC_SET_CONTEXT,
  kGUARD_EXC_UNGUARDED,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE,
  MACH_PORT_STATUS_FLAG_GUARDED,
  MACH_PORT_STATUS_FLAG_STRICT_GUARD,
  MPO_CONTEXT_AS_GUARD,
  MPO_STRICT,
} from '../../lib/constants.js';
import { MachGuardError } from '../../lib/errors.js';
import { ReceiveRight } from '../../lib/rights/index.js';
import type { MachApi } from '../../lib/types.js';
import { checkInvariants, expectReleasedWhenCollected, sendRightFor, space, throwsWith, typeOf, world } from './helpers.js';

const G = 0xfeed_face_cafe_beefn;

/** The MachGuardError `fn` throws, with its kr's code and guard reason checked. */
function guardError(fn: () => unknown, code: string, reason: number): MachGuardError {
  const err = throwsWith(fn, code);
  expect(err).toBeInstanceOf(MachGuardError);
  expect((err as MachGuardError).reason).toBe(reason);
  return err as MachGuardError;
}

/** The guard bits of the port's receive status. */
function guardFlags(r: ReceiveRight): number {
  return r.status().mps_flags & (MACH_PORT_STATUS_FLAG_GUARDED | MACH_PORT_STATUS_FLAG_STRICT_GUARD | MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE);
}

describe('ReceiveRight.allocate({ guard })', () => {
  it('constructs a guarded port, and close() destroys it with its guard, leaving no name behind', () => {
    const w = world();
    const before = space(w.a);
    const r = ReceiveRight.allocate({ api: w.a, guard: G });
    const name = r.name;
    expect(r.guarded).toBe(true);
    expect(r.context).toBe(G);
    expect(guardFlags(r)).toBe(MACH_PORT_STATUS_FLAG_GUARDED);
    // What close() avoids: mod_refs(RECEIVE, -1) on a guarded right is a fatal guard.
    guardError(() => w.a.mach_port_mod_refs(w.a.mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1), 'KERN_INVALID_RIGHT', kGUARD_EXC_DESTROY);
    r.close();
    expect(r.state).toBe('closed');
    expect(typeOf(w.a, name)).toBe('KERN_INVALID_NAME');
    expect(space(w.a)).toEqual(before);
    r.close(); // idempotent
    checkInvariants(w.kernel);
  });

  it('`using` disposes of a guarded right the same way; its send rights become dead names', () => {
    const w = world();
    const before = space(w.a);
    let name = 0;
    const s = (() => {
      using r = ReceiveRight.allocate({ api: w.a, guard: G, qlimit: 9 });
      name = r.name;
      expect(r.qlimit).toBe(9);
      return r.makeSendRight();
    })();
    expect(typeOf(w.a, name)).not.toBe('KERN_INVALID_NAME');
    expect(s.dead).toBe(true);
    s.close();
    expect(space(w.a)).toEqual(before);
    checkInvariants(w.kernel);
  });

  it('a strict guard: the context reads 0, swapGuard is refused, close() still destroys the right', () => {
    const w = world();
    const before = space(w.a);
    const r = ReceiveRight.allocate({ api: w.a, guard: G, strict: true });
    expect(r.guarded).toBe(true);
    expect(r.context).toBe(0n);
    expect(guardFlags(r)).toBe(MACH_PORT_STATUS_FLAG_GUARDED | MACH_PORT_STATUS_FLAG_STRICT_GUARD);
    guardError(() => r.swapGuard(1n), 'KERN_INVALID_ARGUMENT', kGUARD_EXC_SET_CONTEXT);
    guardError(() => w.a.mach_port_set_context(w.a.mach_task_self(), r.name, 5n), 'KERN_INVALID_ARGUMENT', kGUARD_EXC_SET_CONTEXT);
    expect(r.state).toBe('open');
    r.close();
    expect(space(w.a)).toEqual(before);
    checkInvariants(w.kernel);
  });

  it('guard 0 is a guard too', () => {
    const w = world();
    const before = space(w.a);
    const r = ReceiveRight.allocate({ api: w.a, guard: 0n });
    expect(r.guarded).toBe(true);
    r.close();
    expect(space(w.a)).toEqual(before);
  });
});

describe('immovable receive rights', () => {
  it('moving one in a message fails as the kernel does, and the object keeps its right', async () => {
    const w = world();
    const before = space(w.a);
    const r = ReceiveRight.allocate({ api: w.a, guard: G, immovable: true });
    expect(guardFlags(r)).toBe(MACH_PORT_STATUS_FLAG_GUARDED | MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE);
    using dest = ReceiveRight.allocate({ api: w.b });
    using to = sendRightFor(w.kernel, dest, w.a);
    const err = await to.send({ ports: [r.moveReceive()] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MachGuardError);
    expect((err as MachGuardError).code).toBe('MACH_SEND_INVALID_RIGHT');
    expect((err as MachGuardError).reason).toBe(kGUARD_EXC_IMMOVABLE);
    expect(r.state).toBe('open');
    expect(r.guarded).toBe(true);
    expect(await dest.tryReceive()).toBeUndefined();
    // Unguarding does not make it movable again, though the status reports the
    // immovable bit only with the guard (as XNU's mach_port_get_status_helper).
    r.unguard();
    expect(r.guarded).toBe(false);
    expect(guardFlags(r)).toBe(0);
    await expect(to.send({ ports: [r.moveReceive()] })).rejects.toMatchObject({ code: 'MACH_SEND_INVALID_RIGHT', reason: kGUARD_EXC_IMMOVABLE });
    expect(r.state).toBe('open');
    r.close();
    to.close();
    expect(space(w.a)).toEqual(before);
    checkInvariants(w.kernel);
  });

  it('guard(g, { immovable }) uses mach_port_guard_with_flags and makes the right immovable', async () => {
    const w = world();
    const r = ReceiveRight.allocate({ api: w.a });
    r.guard(G, { immovable: true, strict: true });
    expect(guardFlags(r)).toBe(MACH_PORT_STATUS_FLAG_GUARDED | MACH_PORT_STATUS_FLAG_STRICT_GUARD | MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE);
    using dest = ReceiveRight.allocate({ api: w.a });
    using to = dest.makeSendRight();
    await expect(to.send({ ports: [r.moveReceive()] })).rejects.toMatchObject({ code: 'MACH_SEND_INVALID_RIGHT', reason: kGUARD_EXC_IMMOVABLE });
    expect(r.state).toBe('open');
    const name = r.name;
    r.close();
    expect(typeOf(w.a, name)).toBe('KERN_INVALID_NAME');
    checkInvariants(w.kernel);
  });

  it('a guarded, movable right moves; the kernel drops the guard and the receiver owns it plainly', async () => {
    const w = world();
    const before = space(w.a);
    const r = ReceiveRight.allocate({ api: w.a, guard: G });
    using dest = ReceiveRight.allocate({ api: w.b });
    using to = sendRightFor(w.kernel, dest, w.a);
    await to.send({ ports: [r.moveReceive()] });
    expect(r.state).toBe('moved');
    using msg = await dest.receive({ timeout: 0 });
    using moved = msg.takeReceive(0);
    expect(moved.guarded).toBe(false);
    expect(moved.context).toBe(0n);
    to.close();
    expect(space(w.a)).toEqual(before);
    checkInvariants(w.kernel);
  });

  it('a send that times out hands a guarded right back unguarded, and the object forgets the guard', async () => {
    const w = world();
    const before = space(w.a);
    const r = ReceiveRight.allocate({ api: w.a, guard: G });
    const dest = ReceiveRight.allocate({ api: w.a, qlimit: 1 });
    const to = dest.makeSendRight();
    await to.send({ id: 1 });
    await expect(to.send({ ports: [r.moveReceive()] }, { timeout: 0 })).rejects.toMatchObject({ code: 'MACH_SEND_TIMED_OUT' });
    expect(r.state).toBe('open');
    expect(r.guarded).toBe(false);
    expect(r.context).toBe(0n);
    expect(() => r.unguard()).toThrow(/knows no guard for the port/);
    r.guard(7n);
    r.close();
    to.close();
    dest.close();
    expect(space(w.a)).toEqual(before);
    checkInvariants(w.kernel);
  });
});

describe('guard, unguard and swapGuard', () => {
  it('guard() on an allocated right: close() then destructs with that guard', () => {
    const w = world();
    const before = space(w.a);
    const r = ReceiveRight.allocate({ api: w.a });
    expect(r.guarded).toBe(false);
    r.guard(G);
    expect(r.guarded).toBe(true);
    expect(r.context).toBe(G);
    r.close();
    expect(space(w.a)).toEqual(before);
    checkInvariants(w.kernel);
  });

  it('guard({ strict }) hides the guard; unguard() with the known guard unhides it', () => {
    const w = world();
    using r = ReceiveRight.allocate({ api: w.a });
    r.guard(G, { strict: true });
    expect(r.context).toBe(0n);
    r.unguard();
    expect(r.guarded).toBe(false);
    expect(r.context).toBe(0n);
    expect(guardFlags(r)).toBe(0);
  });

  it('swapGuard() replaces the guard, and close() presents the new one', () => {
    const w = world();
    const before = space(w.a);
    const r = ReceiveRight.allocate({ api: w.a, guard: G });
    r.swapGuard(7n);
    expect(r.context).toBe(7n);
    r.swapGuard(8n, 7n);
    expect(r.context).toBe(8n);
    r.close();
    expect(space(w.a)).toEqual(before);
    checkInvariants(w.kernel);
  });

  it('unguard() then close() releases a plain right', () => {
    const w = world();
    const before = space(w.a);
    const r = ReceiveRight.allocate({ api: w.a, guard: G });
    r.unguard();
    expect(r.guarded).toBe(false);
    // Unguarded, its context is free to set again.
    w.a.mach_port_set_context(w.a.mach_task_self(), r.name, 3n);
    expect(r.context).toBe(3n);
    r.close();
    expect(space(w.a)).toEqual(before);
  });

  it('a wrong guard is the kernel’s KERN_INVALID_ARGUMENT and leaves the object and the port as they were', () => {
    const w = world();
    const before = space(w.a);
    const r = ReceiveRight.allocate({ api: w.a, guard: G });
    guardError(() => r.unguard(G + 1n), 'KERN_INVALID_ARGUMENT', kGUARD_EXC_INCORRECT_GUARD);
    guardError(() => r.swapGuard(9n, G - 1n), 'KERN_INVALID_ARGUMENT', kGUARD_EXC_INCORRECT_GUARD);
    // Guarding a guarded port (its context is not 0).
    throwsWith(() => r.guard(5n), 'KERN_INVALID_ARGUMENT');
    expect(r.state).toBe('open');
    expect(r.guarded).toBe(true);
    expect(r.context).toBe(G);
    // The object still knows the right guard: unguard and close work.
    r.unguard();
    expect(r.guarded).toBe(false);
    r.close();
    expect(space(w.a)).toEqual(before);
    checkInvariants(w.kernel);
  });

  it('a guard set behind the object’s back must be given explicitly', () => {
    const w = world();
    using r = ReceiveRight.allocate({ api: w.a });
    // Guarded behind the object's back: it knows no guard, so it asks for one.
    w.a.mach_port_guard(w.a.mach_task_self(), r.name, G, false);
    expect(() => r.unguard()).toThrow(/knows no guard for the port; pass guard/);
    expect(() => r.swapGuard(1n)).toThrow(/knows no guard for the port; pass oldGuard/);
    r.unguard(G);
    expect(r.guarded).toBe(false);
  });

  it('unguard() and swapGuard() on an unguarded port are refused by the kernel', () => {
    const w = world();
    using r = ReceiveRight.allocate({ api: w.a });
    guardError(() => r.unguard(1n), 'KERN_INVALID_ARGUMENT', kGUARD_EXC_UNGUARDED);
    guardError(() => r.swapGuard(2n, 1n), 'KERN_INVALID_ARGUMENT', kGUARD_EXC_UNGUARDED);
    expect(r.state).toBe('open');
  });

  it('guard() on a port with a context set is refused (the context would be the guard)', () => {
    const w = world();
    using r = ReceiveRight.allocate({ api: w.a });
    w.a.mach_port_set_context(w.a.mach_task_self(), r.name, 4n);
    throwsWith(() => r.guard(G), 'KERN_INVALID_ARGUMENT');
    expect(r.guarded).toBe(false);
    expect(r.context).toBe(4n);
  });

  it('a closed or moved object throws its usual MachError', () => {
    const w = world();
    const r = ReceiveRight.allocate({ api: w.a, guard: G });
    r.close();
    for (const fn of [() => r.guard(1n), () => r.unguard(), () => r.swapGuard(1n), () => r.context, () => r.guarded]) {
      const err = throwsWith(fn, 'KERN_INVALID_NAME');
      expect(err.details.state).toBe('closed');
    }
  });
});

describe('ReceiveRight.from({ guard })', () => {
  it('adopts a guarded right made with the Mach calls, and close() destructs it', () => {
    const w = world();
    const before = space(w.a);
    const task = w.a.mach_task_self();
    const name = w.a.mach_port_construct(task, { flags: MPO_CONTEXT_AS_GUARD | MPO_STRICT }, G);
    const r = ReceiveRight.from(name, { api: w.a, guard: G });
    expect(r.guarded).toBe(true);
    r.close();
    expect(space(w.a)).toEqual(before);
    checkInvariants(w.kernel);
  });
});

describe('bad input is a TypeError before any Mach call', () => {
  it('allocate, guard, unguard, swapGuard and from check their arguments', () => {
    const w = world();
    const before = space(w.a);
    const api: MachApi = w.a;
    for (const guard of [1, -1n, 2n ** 64n, '1', null]) {
      expect(() => ReceiveRight.allocate({ api, guard: guard as never })).toThrow(/ReceiveRight\.allocate: guard must be a bigint/);
    }
    expect(() => ReceiveRight.allocate({ api, strict: true })).toThrow(/strict and immovable apply to a guarded port/);
    expect(() => ReceiveRight.allocate({ api, immovable: true })).toThrow(/strict and immovable apply to a guarded port/);
    expect(() => ReceiveRight.allocate({ api, guard: G, strict: 1 as never })).toThrow(/strict must be a boolean/);
    expect(() => ReceiveRight.allocate({ api, guard: G, qlimit: -1 })).toThrow(/qlimit must be a non-negative integer/);
    expect(() => ReceiveRight.allocate({ api, qlimit: 1.5 })).toThrow(/qlimit must be a non-negative integer/);
    expect(space(w.a)).toEqual(before);

    using r = ReceiveRight.allocate({ api });
    expect(() => r.guard(5 as never)).toThrow(/ReceiveRight\.guard: guard must be a bigint/);
    expect(() => r.guard(G, null as never)).toThrow(/ReceiveRight\.guard: options must be an object/);
    expect(() => r.guard(G, { immovable: 'yes' as never })).toThrow(/immovable must be a boolean/);
    expect(r.guarded).toBe(false);
    r.guard(G);
    expect(() => r.unguard(-1n)).toThrow(/ReceiveRight\.unguard: guard must be a bigint/);
    expect(() => r.swapGuard(1 as never)).toThrow(/ReceiveRight\.swapGuard: newGuard must be a bigint/);
    expect(() => r.swapGuard(1n, 'x' as never)).toThrow(/ReceiveRight\.swapGuard: oldGuard must be a bigint/);
    expect(r.context).toBe(G);
    expect(() => ReceiveRight.from(r.name, { api, guard: 3 as never })).toThrow(/ReceiveRight\.from: guard must be a bigint/);
  });
});

describe('garbage-collection safety net', () => {
  it('an unclosed guarded right is destroyed with its guard when collected', async () => {
    const { a } = world();
    await expectReleasedWhenCollected(a, () => {
      return ReceiveRight.allocate({ api: a, guard: G, strict: true }).name; // dropped without close()
    });
  });
});
