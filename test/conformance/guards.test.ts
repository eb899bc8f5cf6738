/**
 * mach_port_construct / destruct / guard / unguard and guard exceptions. Misuse that
 * macOS answers with an always-fatal EXC_GUARD (kGUARD_EXC_* ≤ kGUARD_EXC_MSG_FILTERED)
 * is a MachGuardError in the emulator; optional guards are ignored for third-party
 * processes (task_exc_guard = default >> 8 = 0), so those calls just fail.
 */
import { expect } from 'vitest';
import { MachGuardError } from '../../lib/errors.js';
import { conformance, expectGuard, expectMachError, suite } from './harness.js';
import { C, expectNotification, isGone, msg, port, portDesc, portSet, portWithSend, refs, send, sendOnce, status, typeOf, unusedName } from './helpers.js';

const FATAL = { needs: ['fatal-guard'] as 'fatal-guard'[] };

suite('construct, guards and guard exceptions', () => {
  conformance(
    'mach_port_construct(MPO_INSERT_SEND_RIGHT) gives a SEND_RECEIVE name with srights 1 and mscount 1',
    'xnu:osfmk/ipc/mach_port.c:mach_port_construct; ipc_port.c:ipc_port_init (IPC_PORT_INIT_MAKE_SEND_RIGHT)',
    ({ api, task }) => {
      const p = api.mach_port_construct(task, { flags: C.MPO_INSERT_SEND_RIGHT }, 0n);
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
      expect(status(api, p)).toMatchObject({ mps_srights: 1, mps_mscount: 1, mps_flags: 0, mps_qlimit: 5 });
    },
  );

  conformance(
    'mach_port_construct(MPO_QLIMIT) sets the queue limit; above 1024 → KERN_INVALID_VALUE; without CONTEXT_AS_GUARD the context is stored unguarded',
    'xnu:osfmk/ipc/mach_port.c:mach_port_construct',
    ({ api, task }) => {
      const p = api.mach_port_construct(task, { flags: C.MPO_QLIMIT, mpl: { mpl_qlimit: 17 } }, 0x5555n);
      expect(status(api, p)).toMatchObject({ mps_qlimit: 17, mps_flags: 0, mps_srights: 0 });
      expect(api.mach_port_get_context(task, p)).toBe(0x5555n);
      expectMachError(() => api.mach_port_construct(task, { flags: C.MPO_QLIMIT, mpl: { mpl_qlimit: 1025 } }, 0n), 'KERN_INVALID_VALUE');
      // a queue limit given without MPO_QLIMIT is ignored
      const q = api.mach_port_construct(task, { flags: 0, mpl: { mpl_qlimit: 3 } }, 0n);
      expect(status(api, q).mps_qlimit).toBe(5);
    },
  );

  conformance(
    'mach_port_construct(MPO_CONTEXT_AS_GUARD) guards the port (GUARDED); with MPO_STRICT also STRICT_GUARD and get_context reads 0',
    'xnu:osfmk/ipc/mach_port.c:mach_port_construct, mach_port_guard_locked, mach_port_get_context (strict → 0)',
    ({ api, task }) => {
      const g = api.mach_port_construct(task, { flags: C.MPO_CONTEXT_AS_GUARD }, 0x77n);
      expect(status(api, g).mps_flags).toBe(C.MACH_PORT_STATUS_FLAG_GUARDED);
      expect(api.mach_port_get_context(task, g)).toBe(0x77n);
      const s = api.mach_port_construct(task, { flags: C.MPO_CONTEXT_AS_GUARD | C.MPO_STRICT }, 0x88n);
      expect(status(api, s).mps_flags).toBe(C.MACH_PORT_STATUS_FLAG_GUARDED | C.MACH_PORT_STATUS_FLAG_STRICT_GUARD);
      expect(api.mach_port_get_context(task, s)).toBe(0n);
      const i = api.mach_port_construct(task, { flags: C.MPO_CONTEXT_AS_GUARD | C.MPO_IMMOVABLE_RECEIVE }, 0x99n);
      expect(status(api, i).mps_flags).toBe(C.MACH_PORT_STATUS_FLAG_GUARDED | C.MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE);
      for (const [p, guard] of [[g, 0x77n], [s, 0x88n], [i, 0x99n]] as const) api.mach_port_destruct(task, p, 0, guard);
    },
  );

  conformance(
    'mach_port_construct(MPO_TEMPOWNER / MPO_IMPORTANCE_RECEIVER) marks importance donation in mps_flags',
    'xnu:osfmk/ipc/mach_port.c:mach_port_construct (ip_impdonation, ip_tempowner), mach_port_get_status_helper',
    ({ api, task }) => {
      const t = api.mach_port_construct(task, { flags: C.MPO_TEMPOWNER }, 0n);
      expect(status(api, t).mps_flags).toBe(C.MACH_PORT_STATUS_FLAG_IMP_DONATION | C.MACH_PORT_STATUS_FLAG_TEMPOWNER);
      const r = api.mach_port_construct(task, { flags: C.MPO_IMPORTANCE_RECEIVER }, 0n);
      expect(status(api, r).mps_flags).toBe(C.MACH_PORT_STATUS_FLAG_IMP_DONATION);
    },
  );

  conformance(
    'mach_port_construct refuses conflicting flags (KERN_INVALID_ARGUMENT) and service/thread-group ports for ordinary tasks (KERN_DENIED)',
    'xnu:osfmk/ipc/mach_port.c:mach_port_construct (at_most_one_flags; MPO_SERVICE_PORT only from launchd; MPO_TG_BLOCK_TRACKING)',
    ({ api, task }) => {
      const before = api.mach_port_names(task).names.length;
      expectMachError(() => api.mach_port_construct(task, { flags: C.MPO_SERVICE_PORT | C.MPO_CONNECTION_PORT }, 0n), 'KERN_INVALID_ARGUMENT');
      expectMachError(() => api.mach_port_construct(task, { flags: C.MPO_REPLY_PORT | C.MPO_EXCEPTION_PORT }, 0n), 'KERN_INVALID_ARGUMENT');
      expectMachError(() => api.mach_port_construct(task, { flags: C.MPO_SERVICE_PORT }, 0n), 'KERN_DENIED');
      expectMachError(() => api.mach_port_construct(task, { flags: C.MPO_TG_BLOCK_TRACKING }, 0n), 'KERN_DENIED');
      expect(api.mach_port_names(task).names.length).toBe(before);
    },
  );

  conformance(
    'mach_port_destruct with the right guard: srdelta −1 removes the send uref and destroys the port; srdelta 0 leaves the send urefs as a dead name',
    'xnu:osfmk/ipc/mach_port.c:mach_port_destruct; ipc_right.c:ipc_right_destruct; xnu:tests/ipc/mach_msg_transport.c (t_port_destruct)',
    ({ api, task }) => {
      const a = api.mach_port_construct(task, { flags: C.MPO_INSERT_SEND_RIGHT | C.MPO_CONTEXT_AS_GUARD }, 0x42n);
      api.mach_port_destruct(task, a, -1, 0x42n);
      expect(isGone(api, a)).toBe(true);
      const b = api.mach_port_construct(task, { flags: C.MPO_INSERT_SEND_RIGHT }, 0n);
      api.mach_port_insert_right(task, b, b, C.MACH_MSG_TYPE_MAKE_SEND);
      api.mach_port_destruct(task, b, 0, 0n);
      expect(typeOf(api, b)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(refs(api, b, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(2);
      const c = port(api);
      api.mach_port_destruct(task, c, 0, 0n);
      expect(isGone(api, c)).toBe(true);
    },
  );

  conformance(
    'mach_port_destruct errors: srdelta > 0 or below the urefs → KERN_INVALID_VALUE; srdelta without a send right, or not a receive right → KERN_INVALID_RIGHT; NULL/unknown → KERN_INVALID_NAME',
    'xnu:osfmk/ipc/mach_port.c:mach_port_destruct; ipc_right.c:ipc_right_destruct',
    ({ api, task }) => {
      const p = portWithSend(api);
      expectMachError(() => api.mach_port_destruct(task, p, 1, 0n), 'KERN_INVALID_VALUE');
      expectMachError(() => api.mach_port_destruct(task, p, -2, 0n), 'KERN_INVALID_VALUE');
      const r = port(api);
      expectMachError(() => api.mach_port_destruct(task, r, -1, 0n), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_destruct(task, sendOnce(api, r), 0, 0n), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_destruct(task, portSet(api), 0, 0n), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_destruct(task, C.MACH_PORT_NULL, 0, 0n), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_destruct(task, unusedName(api), 0, 0n), 'KERN_INVALID_NAME');
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
      expect(typeOf(api, r)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
  );

  conformance(
    'mach_port_guard / mach_port_unguard: the guard is the context; guarding twice or guarding a port with a context → KERN_INVALID_ARGUMENT',
    'xnu:osfmk/ipc/mach_port.c:mach_port_guard, mach_port_guard_locked, mach_port_unguard, mach_port_unguard_locked',
    ({ api, task }) => {
      const p = port(api);
      api.mach_port_guard(task, p, 0x1234n, false);
      expect(status(api, p).mps_flags).toBe(C.MACH_PORT_STATUS_FLAG_GUARDED);
      expect(api.mach_port_get_context(task, p)).toBe(0x1234n);
      expectMachError(() => api.mach_port_guard(task, p, 0x1234n, false), 'KERN_INVALID_ARGUMENT');
      api.mach_port_unguard(task, p, 0x1234n);
      expect(status(api, p).mps_flags).toBe(0);
      expect(api.mach_port_get_context(task, p)).toBe(0n);
      api.mach_port_guard(task, p, 9n, true);
      expect(status(api, p).mps_flags).toBe(C.MACH_PORT_STATUS_FLAG_GUARDED | C.MACH_PORT_STATUS_FLAG_STRICT_GUARD);
      api.mach_port_unguard(task, p, 9n);
      const q = port(api);
      api.mach_port_set_context(task, q, 5n);
      expectMachError(() => api.mach_port_guard(task, q, 6n, false), 'KERN_INVALID_ARGUMENT');
      expect(status(api, q).mps_flags).toBe(0);
    },
  );

  conformance(
    'mach_port_guard / unguard name errors: NULL → KERN_INVALID_NAME, a send-once or port set → KERN_INVALID_RIGHT, unknown → KERN_INVALID_NAME',
    'xnu:osfmk/ipc/mach_port.c:mach_port_guard, mach_port_unguard (ipc_port_translate_receive)',
    ({ api, task }) => {
      const o = sendOnce(api, port(api));
      for (const f of [(n: number) => api.mach_port_guard(task, n, 1n, false), (n: number) => api.mach_port_unguard(task, n, 1n)]) {
        expectMachError(() => f(C.MACH_PORT_NULL), 'KERN_INVALID_NAME');
        expectMachError(() => f(o), 'KERN_INVALID_RIGHT');
        expectMachError(() => f(portSet(api)), 'KERN_INVALID_RIGHT');
        expectMachError(() => f(unusedName(api)), 'KERN_INVALID_NAME');
      }
    },
  );

  conformance(
    'mach_port_guard_with_flags: flags 0 guards, MPG_STRICT guards strictly (get_context reads 0), MPG_IMMOVABLE_RECEIVE adds the immovable flag; unknown flag bits are ignored',
    'xnu:osfmk/ipc/mach_port.c:mach_port_guard_with_flags, mach_port_guard_locked; mach_port_get_status_helper',
    ({ api, task }) => {
      const p = port(api);
      api.mach_port_guard_with_flags(task, p, 0x31n, 0);
      expect(status(api, p).mps_flags).toBe(C.MACH_PORT_STATUS_FLAG_GUARDED);
      expect(api.mach_port_get_context(task, p)).toBe(0x31n);
      api.mach_port_unguard(task, p, 0x31n);
      api.mach_port_guard_with_flags(task, p, 0x32n, C.MPG_STRICT | 0x100);
      expect(status(api, p).mps_flags).toBe(C.MACH_PORT_STATUS_FLAG_GUARDED | C.MACH_PORT_STATUS_FLAG_STRICT_GUARD);
      expect(api.mach_port_get_context(task, p)).toBe(0n);
      api.mach_port_unguard(task, p, 0x32n);
      expect(status(api, p).mps_flags).toBe(0);
      const i = port(api);
      api.mach_port_guard_with_flags(task, i, 0x33n, C.MPG_IMMOVABLE_RECEIVE);
      expect(status(api, i).mps_flags).toBe(C.MACH_PORT_STATUS_FLAG_GUARDED | C.MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE);
      api.mach_port_destruct(task, i, 0, 0x33n);
      expect(isGone(api, i)).toBe(true);
    },
  );

  conformance(
    'mach_port_guard_with_flags errors: a port with a context or a guard → KERN_INVALID_ARGUMENT; NULL / unknown → KERN_INVALID_NAME; a send-once or port set → KERN_INVALID_RIGHT',
    'xnu:osfmk/ipc/mach_port.c:mach_port_guard_with_flags (!MACH_PORT_VALID → KERN_INVALID_NAME), mach_port_guard_locked (ip_context → KERN_INVALID_ARGUMENT)',
    ({ api, task }) => {
      const q = port(api);
      api.mach_port_set_context(task, q, 5n);
      expectMachError(() => api.mach_port_guard_with_flags(task, q, 6n, C.MPG_STRICT), 'KERN_INVALID_ARGUMENT');
      expect(status(api, q).mps_flags).toBe(0);
      const g = api.mach_port_construct(task, { flags: C.MPO_CONTEXT_AS_GUARD }, 0x34n);
      expectMachError(() => api.mach_port_guard_with_flags(task, g, 0x35n, 0), 'KERN_INVALID_ARGUMENT');
      expect(api.mach_port_get_context(task, g)).toBe(0x34n);
      expectMachError(() => api.mach_port_guard_with_flags(task, C.MACH_PORT_NULL, 1n, 0), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_guard_with_flags(task, unusedName(api), 1n, 0), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_guard_with_flags(task, sendOnce(api, port(api)), 1n, 0), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_guard_with_flags(task, portSet(api), 1n, 0), 'KERN_INVALID_RIGHT');
      api.mach_port_destruct(task, g, 0, 0x34n);
    },
  );

  conformance(
    'mach_port_swap_guard replaces a non-strict guard presented correctly: the new guard is the context, unguard and destruct take it',
    'xnu:osfmk/ipc/mach_port.c:mach_port_swap_guard',
    ({ api, task }) => {
      const p = port(api);
      api.mach_port_guard(task, p, 0x40n, false);
      api.mach_port_swap_guard(task, p, 0x40n, 0x41n);
      expect(api.mach_port_get_context(task, p)).toBe(0x41n);
      expect(status(api, p).mps_flags).toBe(C.MACH_PORT_STATUS_FLAG_GUARDED);
      api.mach_port_unguard(task, p, 0x41n);
      const c = api.mach_port_construct(task, { flags: C.MPO_CONTEXT_AS_GUARD }, 0x42n);
      api.mach_port_swap_guard(task, c, 0x42n, 0n);
      api.mach_port_swap_guard(task, c, 0n, 0x43n);
      api.mach_port_destruct(task, c, 0, 0x43n);
      expect(isGone(api, c)).toBe(true);
    },
  );

  conformance(
    'mach_port_swap_guard name errors: NULL / unknown → KERN_INVALID_NAME; a send-once or port set → KERN_INVALID_RIGHT',
    'xnu:osfmk/ipc/mach_port.c:mach_port_swap_guard (ipc_port_translate_receive)',
    ({ api, task }) => {
      expectMachError(() => api.mach_port_swap_guard(task, C.MACH_PORT_NULL, 1n, 2n), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_swap_guard(task, unusedName(api), 1n, 2n), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_swap_guard(task, sendOnce(api, port(api)), 1n, 2n), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_swap_guard(task, portSet(api), 1n, 2n), 'KERN_INVALID_RIGHT');
    },
  );

  conformance(
    'guard_with_flags / swap_guard: wrong JS types throw TypeError',
    'machport contract (spec: “Arguments of the wrong JS type throw TypeError”)',
    ({ api, task }) => {
      const bad = api as unknown as Record<string, (...a: unknown[]) => unknown>;
      const p = port(api);
      expect(() => bad.mach_port_guard_with_flags!(task, p, 1n, 'strict')).toThrow(TypeError);
      expect(() => bad.mach_port_guard_with_flags!(task, p, 'guard', 0)).toThrow(TypeError);
      expect(() => bad.mach_port_swap_guard!(task, p, 1n, null)).toThrow(TypeError);
      expect(status(api, p).mps_flags).toBe(0);
    },
  );

  conformance(
    'optional guard exceptions are not fatal for a third-party process: deallocating an unknown name is a plain MachError KERN_INVALID_NAME',
    'xnu:osfmk/ipc/ipc_policy.c:mach_port_guard_exception (fatal only ≤ MAX_FATAL or with TASK_EXC_GUARD_MP_FATAL); kern/task.c:task_set_exc_guard_ctrl_port_default (third party: default >> 8)',
    ({ api, task }) => {
      const err = expectMachError(() => api.mach_port_deallocate(task, unusedName(api)), 'KERN_INVALID_NAME');
      expect(err).not.toBeInstanceOf(MachGuardError);
      const err2 = expectMachError(() => api.mach_port_mod_refs(task, port(api), C.MACH_PORT_RIGHT_SEND, -1), 'KERN_INVALID_RIGHT');
      expect(err2).not.toBeInstanceOf(MachGuardError);
    },
  );

  // -------------------------------------------------------------------------
  // Always-fatal guards

  conformance(
    'S33 mach_port_destroy of a guarded receive right → fatal kGUARD_EXC_DESTROY (KERN_INVALID_RIGHT); the port survives',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_destroy (guard violation → mach_port_guard_exception kGUARD_EXC_DESTROY)',
    ({ api, task }) => {
      const p = api.mach_port_construct(task, { flags: C.MPO_CONTEXT_AS_GUARD }, 0xaan);
      expectGuard(() => api.mach_port_destroy(task, p), 'kGUARD_EXC_DESTROY', 'KERN_INVALID_RIGHT');
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
    FATAL,
  );

  conformance(
    'mod_refs(RECEIVE, −1) of a guarded receive right → fatal kGUARD_EXC_DESTROY (KERN_INVALID_RIGHT)',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_delta MACH_PORT_RIGHT_RECEIVE (ip_guarded → guard_failure)',
    ({ api, task }) => {
      const p = api.mach_port_construct(task, { flags: C.MPO_CONTEXT_AS_GUARD }, 0xabn);
      expectGuard(() => api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1), 'kGUARD_EXC_DESTROY', 'KERN_INVALID_RIGHT');
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
    FATAL,
  );

  conformance(
    'mach_port_destruct with the wrong guard → fatal kGUARD_EXC_DESTROY (KERN_INVALID_ARGUMENT)',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_destruct (guard != ip_context)',
    ({ api, task }) => {
      const p = api.mach_port_construct(task, { flags: C.MPO_CONTEXT_AS_GUARD }, 0xacn);
      expectGuard(() => api.mach_port_destruct(task, p, 0, 0xadn), 'kGUARD_EXC_DESTROY', 'KERN_INVALID_ARGUMENT');
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
    FATAL,
  );

  conformance(
    'mach_port_unguard of an unguarded port → fatal kGUARD_EXC_UNGUARDED; with the wrong guard → fatal kGUARD_EXC_INCORRECT_GUARD (KERN_INVALID_ARGUMENT)',
    'xnu:osfmk/ipc/mach_port.c:mach_port_unguard_locked',
    ({ api, task }) => {
      const p = port(api);
      expectGuard(() => api.mach_port_unguard(task, p, 1n), 'kGUARD_EXC_UNGUARDED', 'KERN_INVALID_ARGUMENT');
      api.mach_port_guard(task, p, 2n, false);
      expectGuard(() => api.mach_port_unguard(task, p, 3n), 'kGUARD_EXC_INCORRECT_GUARD', 'KERN_INVALID_ARGUMENT');
      expect(status(api, p).mps_flags).toBe(C.MACH_PORT_STATUS_FLAG_GUARDED);
    },
    FATAL,
  );

  conformance(
    'mach_port_swap_guard of an unguarded port → fatal kGUARD_EXC_UNGUARDED; of a strictly guarded one → fatal kGUARD_EXC_SET_CONTEXT even with the right guard; with the wrong guard → fatal kGUARD_EXC_INCORRECT_GUARD (KERN_INVALID_ARGUMENT)',
    'xnu:osfmk/ipc/mach_port.c:mach_port_swap_guard (!ip_guarded, then ip_strict_guard, then ip_context != old_guard)',
    ({ api, task }) => {
      const p = port(api);
      expectGuard(() => api.mach_port_swap_guard(task, p, 0n, 1n), 'kGUARD_EXC_UNGUARDED', 'KERN_INVALID_ARGUMENT');
      const s = api.mach_port_construct(task, { flags: C.MPO_CONTEXT_AS_GUARD | C.MPO_STRICT }, 0x50n);
      expectGuard(() => api.mach_port_swap_guard(task, s, 0x50n, 0x51n), 'kGUARD_EXC_SET_CONTEXT', 'KERN_INVALID_ARGUMENT');
      api.mach_port_guard(task, p, 0x52n, false);
      expectGuard(() => api.mach_port_swap_guard(task, p, 0x53n, 0x54n), 'kGUARD_EXC_INCORRECT_GUARD', 'KERN_INVALID_ARGUMENT');
      expect(api.mach_port_get_context(task, p)).toBe(0x52n);
    },
    FATAL,
  );

  conformance(
    'the immovable bit of mach_port_guard_with_flags(MPG_IMMOVABLE_RECEIVE) is sticky: after unguard, RECEIVE_STATUS no longer shows it, but moving the receive right still raises a fatal kGUARD_EXC_IMMOVABLE',
    'xnu:osfmk/ipc/mach_port.c:mach_port_guard_locked, mach_port_unguard_locked ("Don\'t clear the ip_immovable_receive bit"), mach_port_get_status_helper (flag only while guarded); ipc_right.c:ipc_right_copyin',
    ({ api, task }) => {
      const p = port(api);
      api.mach_port_guard_with_flags(task, p, 0x60n, C.MPG_IMMOVABLE_RECEIVE);
      api.mach_port_unguard(task, p, 0x60n);
      expect(status(api, p).mps_flags).toBe(0);
      expectGuard(() => api.mach_port_insert_right(task, unusedName(api), p, C.MACH_MSG_TYPE_MOVE_RECEIVE), 'kGUARD_EXC_IMMOVABLE', 'KERN_INVALID_CAPABILITY');
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
    FATAL,
  );

  conformance(
    'mach_port_set_context on a strictly guarded port → fatal kGUARD_EXC_SET_CONTEXT (KERN_INVALID_ARGUMENT)',
    'xnu:osfmk/ipc/mach_port.c:mach_port_set_context (ip_strict_guard)',
    ({ api, task }) => {
      const p = api.mach_port_construct(task, { flags: C.MPO_CONTEXT_AS_GUARD | C.MPO_STRICT }, 0xaen);
      expectGuard(() => api.mach_port_set_context(task, p, 1n), 'kGUARD_EXC_SET_CONTEXT', 'KERN_INVALID_ARGUMENT');
    },
    FATAL,
  );

  conformance(
    'S76 moving an immovable receive right in a message → MACH_SEND_INVALID_RIGHT with a fatal kGUARD_EXC_IMMOVABLE; the header rights were consumed',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin MOVE_RECEIVE (ip_immovable_receive → kGUARD_EXC_IMMOVABLE); ipc_kmsg.c:ipc_kmsg_clean_header',
    async ({ api, task }) => {
      const imm = api.mach_port_construct(task, { flags: C.MPO_CONTEXT_AS_GUARD | C.MPO_IMMOVABLE_RECEIVE }, 0xafn);
      const dest = port(api);
      const r = port(api);
      await expectGuard(
        () => send(api, msg(dest, C.MACH_MSG_TYPE_MAKE_SEND, { reply: r, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE, descriptors: [portDesc(imm, C.MACH_MSG_TYPE_MOVE_RECEIVE)] })),
        'kGUARD_EXC_IMMOVABLE',
        'MACH_SEND_INVALID_RIGHT',
      );
      expect(typeOf(api, imm)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      expect(status(api, dest)).toMatchObject({ mps_mscount: 1, mps_srights: 0, mps_msgcount: 0 });
      // the reply send-once right was made and destroyed: its notification holds it until received
      await expectNotification(api, r, C.MACH_NOTIFY_SEND_ONCE);
      expect(status(api, r).mps_sorights).toBe(0);
    },
    FATAL,
  );

  conformance(
    'S76 insert_right(M, P, MOVE_RECEIVE) of an immovable receive right → KERN_INVALID_CAPABILITY with a fatal kGUARD_EXC_IMMOVABLE',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin MOVE_RECEIVE; mach_kernelrpc.c:_kernelrpc_mach_port_insert_right_trap',
    ({ api, task }) => {
      const imm = api.mach_port_construct(task, { flags: C.MPO_CONTEXT_AS_GUARD | C.MPO_IMMOVABLE_RECEIVE }, 0xb0n);
      expectGuard(() => api.mach_port_insert_right(task, unusedName(api), imm, C.MACH_MSG_TYPE_MOVE_RECEIVE), 'kGUARD_EXC_IMMOVABLE', 'KERN_INVALID_CAPABILITY');
      expect(typeOf(api, imm)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
    FATAL,
  );

  conformance(
    'S78 a guarded port descriptor with the wrong context → MACH_SEND_INVALID_RIGHT with a fatal kGUARD_EXC_INCORRECT_GUARD',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin_check_guard_locked',
    async ({ api, task }) => {
      const p = api.mach_port_construct(task, { flags: C.MPO_CONTEXT_AS_GUARD }, 0xb1n);
      const dest = portWithSend(api);
      await expectGuard(
        () => send(api, msg(dest, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: 4, name: p, disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE, context: 0xb2n, flags: C.MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE }] })),
        'kGUARD_EXC_INCORRECT_GUARD',
        'MACH_SEND_INVALID_RIGHT',
      );
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
    FATAL,
  );
});
