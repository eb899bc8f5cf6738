/**
 * task_set_exception_ports / task_get_exception_ports / task_swap_exception_ports
 * (xnu:osfmk/kern/ipc_tt.c): the send rights a task keeps per exception type, grouped by
 * (handler, behavior, flavor) when read back and copied out into the caller's space as a
 * MIG reply's port array, and the kernel's argument checks.
 *
 * On the native backend these calls change this process's own exception ports, so every
 * scenario restores them, and the ones that set a handler use exception types no modern
 * macOS raises (EXC_EMULATION, EXC_RPC_ALERT): a handler that never answers an
 * EXC_BAD_ACCESS would otherwise hang the thread that faulted. They also use the
 * identity-protected behaviors, which the kernel accepts for every caller, even a hardened
 * binary (xnu:osfmk/kern/ipc_tt.c:behavior_is_identity_protected).
 */
import { expect } from 'vitest';
import type { ExceptionPortsInfo, MachApi } from '../../lib/types.js';
import { conformance, expectMachError, suite } from './harness.js';
import { C, port, portWithSend, refs, unusedName } from './helpers.js';

/** Two exception types nothing raises here. */
const QUIET = C.EXC_MASK_EMULATION | C.EXC_MASK_RPC_ALERT;
const PROTECTED = C.EXCEPTION_STATE_IDENTITY_PROTECTED | C.MACH_EXCEPTION_CODES;

/** Release the handler names a get or swap copied out. */
function release(api: MachApi, info: ExceptionPortsInfo): void {
  for (const h of info.old_handlers) if (C.MACH_PORT_VALID(h)) api.mach_port_deallocate(api.mach_task_self(), h);
}

/** Run `body`, then put back the task's handlers for `mask` as they were. */
function preserving(api: MachApi, mask: number, body: () => void): void {
  const task = api.mach_task_self();
  const saved = api.task_get_exception_ports(task, mask);
  try {
    body();
  } finally {
    saved.masks.forEach((m, i) => api.task_set_exception_ports(task, m, saved.old_handlers[i]!, saved.old_behaviors[i]!, saved.old_flavors[i]!));
    release(api, saved);
  }
}

suite('task_set_exception_ports / task_get_exception_ports / task_swap_exception_ports', () => {
  conformance(
    'get covers every masked type exactly once: one entry per distinct (handler, behavior, flavor), the masks disjoint and OR-ed to the mask asked for; a task that never set one answers a single MACH_PORT_NULL entry with behavior 0 and flavor 0',
    'xnu:osfmk/kern/ipc_tt.c:task_get_exception_ports_internal (unset exc_actions group like any other), ipc_task_init (a task inherits its parent’s exc_actions)',
    ({ api, task }) => {
      for (const mask of [C.EXC_MASK_ALL, C.EXC_MASK_VALID, C.EXC_MASK_CRASH | C.EXC_MASK_CORPSE_NOTIFY]) {
        const info = api.task_get_exception_ports(task, mask);
        const n = info.masks.length;
        expect(n).toBeGreaterThan(0);
        expect([info.old_handlers.length, info.old_behaviors.length, info.old_flavors.length]).toEqual([n, n, n]);
        let union = 0;
        for (const m of info.masks) {
          expect(union & m).toBe(0);
          union |= m;
        }
        expect(union >>> 0).toBe(mask);
        // What a real process has depends on what its parent (shell, launchd, a debugger)
        // set: ipc_task_init copies the parent's handlers. The emulator's task has no parent.
        if (api.backendName === 'emulator') {
          expect(info).toEqual({ masks: [mask], old_handlers: [C.MACH_PORT_NULL], old_behaviors: [0], old_flavors: [0] });
        }
        release(api, info);
      }
      expect(api.task_get_exception_ports(task, 0)).toEqual({ masks: [], old_handlers: [], old_behaviors: [], old_flavors: [] });
    },
  );

  conformance(
    'set stores a send right per exception type (the caller keeps its own; the port’s send rights count the task’s); get copies the handler out under the caller’s name, one more uref each time; entries split by flavor; MACH_EXCEPTION_CODES behaviors read back as the signed C int',
    'xnu:osfmk/kern/ipc_tt.c:task_set_exception_ports (exception_port_copy_send per type, the request’s right released), task_get_exception_ports_internal; osfmk/kern/exception.c:exception_port_copy_send; task.defs (new_port copied with MACH_MSG_TYPE_COPY_SEND)',
    ({ api, task }) => {
      preserving(api, QUIET, () => {
        const p = portWithSend(api);
        api.task_set_exception_ports(task, QUIET, p, PROTECTED, C.MACHINE_THREAD_STATE);
        expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
        expect(api.mach_port_get_srights(task, p)).toBe(3);
        const got = api.task_get_exception_ports(task, QUIET);
        expect(got).toEqual({ masks: [QUIET], old_handlers: [p], old_behaviors: [PROTECTED | 0], old_flavors: [C.MACHINE_THREAD_STATE] });
        expect(got.old_behaviors[0]).toBeLessThan(0);
        expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(2);
        api.task_get_exception_ports(task, QUIET);
        expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(3);
        api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, -2);

        api.task_set_exception_ports(task, C.EXC_MASK_EMULATION, p, PROTECTED, C.THREAD_STATE_NONE);
        expect(api.mach_port_get_srights(task, p)).toBe(3);
        const split = api.task_get_exception_ports(task, QUIET);
        expect(split).toEqual({
          masks: [C.EXC_MASK_EMULATION, C.EXC_MASK_RPC_ALERT],
          old_handlers: [p, p],
          old_behaviors: [PROTECTED | 0, PROTECTED | 0],
          old_flavors: [C.THREAD_STATE_NONE, C.MACHINE_THREAD_STATE],
        });
        expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(3);
        api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, -2);

        // Clearing releases the task's rights; the behavior is not checked without a port.
        api.task_set_exception_ports(task, QUIET, C.MACH_PORT_NULL, 0, 0);
        expect(api.mach_port_get_srights(task, p)).toBe(1);
        expect(api.task_get_exception_ports(task, QUIET)).toEqual({ masks: [QUIET], old_handlers: [C.MACH_PORT_NULL], old_behaviors: [0], old_flavors: [0] });
        api.mach_port_destroy(task, p);
      });
    },
  );

  conformance(
    'swap returns the handlers it replaces, grouped as get groups them and copied out (a uref on the caller’s name), and stores the new one; the replaced rights are released',
    'xnu:osfmk/kern/ipc_tt.c:task_swap_exception_ports',
    ({ api, task }) => {
      preserving(api, QUIET, () => {
        const p = portWithSend(api);
        const q = portWithSend(api);
        api.task_set_exception_ports(task, C.EXC_MASK_EMULATION, p, PROTECTED, C.MACHINE_THREAD_STATE);
        api.task_set_exception_ports(task, C.EXC_MASK_RPC_ALERT, C.MACH_PORT_NULL, 0, 0);
        const ident = C.EXCEPTION_IDENTITY_PROTECTED | C.MACH_EXCEPTION_CODES;
        const old = api.task_swap_exception_ports(task, QUIET, q, ident, C.THREAD_STATE_NONE);
        expect(old).toEqual({
          masks: [C.EXC_MASK_EMULATION, C.EXC_MASK_RPC_ALERT],
          old_handlers: [p, C.MACH_PORT_NULL],
          old_behaviors: [PROTECTED | 0, 0],
          old_flavors: [C.MACHINE_THREAD_STATE, 0],
        });
        expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(2);
        expect(api.mach_port_get_srights(task, p)).toBe(1);
        expect(api.mach_port_get_srights(task, q)).toBe(3);
        api.mach_port_deallocate(task, p);
        const back = api.task_swap_exception_ports(task, QUIET, C.MACH_PORT_NULL, 0, 0);
        expect(back).toEqual({ masks: [QUIET], old_handlers: [q], old_behaviors: [ident | 0], old_flavors: [C.THREAD_STATE_NONE] });
        expect(api.mach_port_get_srights(task, q)).toBe(1);
        expect(refs(api, q, C.MACH_PORT_RIGHT_SEND)).toBe(2);
        api.mach_port_destroy(task, p);
        api.mach_port_destroy(task, q);
      });
    },
  );

  conformance(
    'mask bits outside EXC_MASK_VALID, an unknown behavior with a port, an unknown flavor, EXCEPTION_IDENTITY_PROTECTED or MACH_EXCEPTION_BACKTRACE_PREFERRED without MACH_EXCEPTION_CODES → KERN_INVALID_ARGUMENT; nothing changes and the caller’s right is untouched',
    'xnu:osfmk/kern/ipc_tt.c:set_exception_ports_validation, task_get_exception_ports_internal (exception_mask & ~EXC_MASK_VALID)',
    ({ api, task }) => {
      preserving(api, QUIET, () => {
        const p = portWithSend(api);
        const before = api.task_get_exception_ports(task, QUIET);
        for (const mask of [1, 1 << 14, 0x80000000, C.EXC_MASK_VALID | 1]) {
          expectMachError(() => api.task_get_exception_ports(task, mask), 'KERN_INVALID_ARGUMENT');
          expectMachError(() => api.task_set_exception_ports(task, mask, p, PROTECTED, C.THREAD_STATE_NONE), 'KERN_INVALID_ARGUMENT');
          expectMachError(() => api.task_swap_exception_ports(task, mask, p, PROTECTED, C.THREAD_STATE_NONE), 'KERN_INVALID_ARGUMENT');
        }
        const refused: Array<[number, number]> = [
          [0, C.THREAD_STATE_NONE],
          [6, C.THREAD_STATE_NONE],
          [C.MACH_EXCEPTION_CODES | 6, C.THREAD_STATE_NONE],
          [PROTECTED, 0x7fff],
          [PROTECTED, -1],
          [C.EXCEPTION_IDENTITY_PROTECTED, C.THREAD_STATE_NONE],
          [C.EXCEPTION_STATE | C.MACH_EXCEPTION_BACKTRACE_PREFERRED, C.MACHINE_THREAD_STATE],
        ];
        for (const [behavior, flavor] of refused) {
          expectMachError(() => api.task_set_exception_ports(task, QUIET, p, behavior, flavor), 'KERN_INVALID_ARGUMENT');
          expectMachError(() => api.task_swap_exception_ports(task, QUIET, p, behavior, flavor), 'KERN_INVALID_ARGUMENT');
        }
        expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
        expect(api.mach_port_get_srights(task, p)).toBe(1);
        const after = api.task_get_exception_ports(task, QUIET);
        expect(after).toEqual(before);
        release(api, before);
        release(api, after);
        api.mach_port_destroy(task, p);
      });
    },
  );

  conformance(
    'new_port that is not a send right fails as the MIG request’s copy-in (MACH_SEND_INVALID_RIGHT); a task argument that is not a send right → MACH_SEND_INVALID_DEST; wrong JS types → TypeError',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_port_descriptor, ipc_kmsg_copyin_header (a MIG routine)',
    ({ api, task }) => {
      preserving(api, QUIET, () => {
        const r = port(api);
        expectMachError(() => api.task_set_exception_ports(task, QUIET, unusedName(api), PROTECTED, C.THREAD_STATE_NONE), 'MACH_SEND_INVALID_RIGHT');
        expectMachError(() => api.task_swap_exception_ports(task, QUIET, r, PROTECTED, C.THREAD_STATE_NONE), 'MACH_SEND_INVALID_RIGHT');
        expectMachError(() => api.task_get_exception_ports(C.MACH_PORT_NULL, QUIET), 'MACH_SEND_INVALID_DEST');
        expectMachError(() => api.task_set_exception_ports(unusedName(api), QUIET, C.MACH_PORT_NULL, 0, 0), 'MACH_SEND_INVALID_DEST');
        const bad = api as unknown as Record<string, (...a: unknown[]) => unknown>;
        expect(() => bad.task_get_exception_ports!(task, 'all')).toThrow(TypeError);
        expect(() => bad.task_set_exception_ports!(task, QUIET, 1n, PROTECTED, 0)).toThrow(TypeError);
        expect(() => bad.task_swap_exception_ports!(task, QUIET, C.MACH_PORT_NULL, null, 0)).toThrow(TypeError);
        expect(() => bad.task_set_exception_ports!(task, QUIET, C.MACH_PORT_NULL, 0, 1.5)).toThrow(TypeError);
        api.mach_port_destroy(task, r);
      });
    },
  );
});
