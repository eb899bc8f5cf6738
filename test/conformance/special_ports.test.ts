/**
 * task_get_special_port / task_set_special_port (xnu:osfmk/kern/ipc_tt.c): the send rights
 * a task keeps for its special ports, copied out into the caller's space as a MIG reply's
 * port (joining a send right the caller already holds), and which ports user space may set.
 */
import { expect } from 'vitest';
import { conformance, expectMachError, suite } from './harness.js';
import { C, port, portWithSend, refs, unusedName } from './helpers.js';

suite('task_get_special_port / task_set_special_port', () => {
  conformance(
    'get TASK_BOOTSTRAP_PORT is bootstrap_port’s name with one more user reference; TASK_HOST_PORT is mach_host_self()’s',
    'xnu:osfmk/kern/ipc_tt.c:task_get_special_port_internal (ipc_port_copy_send_mqueue(itk_bootstrap), host_port_copy_send(itk_host)); ipc_object.c:ipc_object_copyout (an existing send right gains a uref)',
    ({ api, task }) => {
      const bp = api.bootstrap_port;
      const before = refs(api, bp, C.MACH_PORT_RIGHT_SEND);
      expect(api.task_get_special_port(task, C.TASK_BOOTSTRAP_PORT)).toBe(bp);
      expect(refs(api, bp, C.MACH_PORT_RIGHT_SEND)).toBe(before + 1);
      api.mach_port_deallocate(task, bp);
      // Only the reference task_get_special_port added is released: whether mach_host_self()
      // added one is the backend's business (the native addon takes the process's host
      // right once and hands out that name, docs/NATIVE.md), and taking one it did not add
      // would leave the process without its host right.
      const host = api.mach_host_self();
      const hostRefs = refs(api, host, C.MACH_PORT_RIGHT_SEND);
      expect(api.task_get_special_port(task, C.TASK_HOST_PORT)).toBe(host);
      expect(refs(api, host, C.MACH_PORT_RIGHT_SEND)).toBe(hostRefs + 1);
      api.mach_port_deallocate(task, host);
    },
  );

  conformance(
    'get TASK_KERNEL_PORT is a send right to a task control port (mach_task_self()’s name gaining a uref where the control port is movable); TASK_NAME_PORT a send right to the task’s IKOT_TASK_NAME port, the same name each time',
    'xnu:osfmk/kern/ipc_tt.c:task_get_special_port_from_user (task_get_non_substituted_self), task_get_special_port_internal (ipc_kobject_make_send of itk_task_ports[TASK_FLAVOR_NAME])',
    ({ api, task }) => {
      // On macOS only hardened (first-party) binaries get an immovable, pinned self port
      // (xnu:osfmk/ipc/ipc_init.c IPC_CONTROL_PORT_OPTIONS_DEFAULT; kern/task.c:
      // task_set_exc_guard_ctrl_port_default). There mach_task_self() names that port and
      // TASK_KERNEL_PORT is the movable control port, copied out through a subst-once
      // wrapper under a new name (ipc_tt.c:task_get_non_substituted_self); elsewhere the two
      // are one port and the name is shared.
      const selfRefs = refs(api, task, C.MACH_PORT_RIGHT_SEND);
      const k = api.task_get_special_port(task, C.TASK_KERNEL_PORT);
      expect(api.mach_port_kobject(task, k).object_type).toBe(C.IKOT_TASK_CONTROL);
      if (k === task) expect(refs(api, task, C.MACH_PORT_RIGHT_SEND)).toBe(selfRefs + 1);
      api.mach_port_deallocate(task, k);
      const n = api.task_get_special_port(task, C.TASK_NAME_PORT);
      expect(n).not.toBe(task);
      expect(api.mach_port_kobject(task, n).object_type).toBe(C.IKOT_TASK_NAME);
      expect(api.task_get_special_port(task, C.TASK_NAME_PORT)).toBe(n);
      expect(refs(api, n, C.MACH_PORT_RIGHT_SEND)).toBeGreaterThanOrEqual(2);
      api.mach_port_mod_refs(task, n, C.MACH_PORT_RIGHT_SEND, -2);
    },
  );

  conformance(
    'a special port never set reads MACH_PORT_NULL (TASK_ACCESS_PORT, TASK_DEBUG_CONTROL_PORT of a new task)',
    'xnu:osfmk/kern/ipc_tt.c:ipc_task_init (itk_debug_control = IP_NULL), task_get_special_port_internal (ipc_port_copy_send_mqueue(IP_NULL))',
    ({ api, task }) => {
      expect(api.task_get_special_port(task, C.TASK_ACCESS_PORT)).toBe(C.MACH_PORT_NULL);
      expect(api.task_get_special_port(task, C.TASK_DEBUG_CONTROL_PORT)).toBe(C.MACH_PORT_NULL);
    },
    { needs: ['fresh-space'] },
  );

  conformance(
    'set TASK_BOOTSTRAP_PORT stores a copy of the caller’s send right (the caller keeps its own; the port’s send rights count the task’s), get returns it under the caller’s name; setting it back releases the copy',
    'xnu:osfmk/kern/ipc_tt.c:task_set_special_port_internal (old released with ipc_port_release_send); task.defs:task_set_special_port (special_port: mach_port_t, copied with MACH_MSG_TYPE_COPY_SEND)',
    ({ api, task }) => {
      const bp = api.bootstrap_port;
      const p = portWithSend(api);
      api.task_set_special_port(task, C.TASK_BOOTSTRAP_PORT, p);
      try {
        expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
        expect(api.mach_port_get_srights(task, p)).toBe(2);
        expect(api.task_get_special_port(task, C.TASK_BOOTSTRAP_PORT)).toBe(p);
        expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(2);
        api.mach_port_deallocate(task, p);
      } finally {
        api.task_set_special_port(task, C.TASK_BOOTSTRAP_PORT, bp);
      }
      expect(api.mach_port_get_srights(task, p)).toBe(1);
      expect(api.task_get_special_port(task, C.TASK_BOOTSTRAP_PORT)).toBe(bp);
      api.mach_port_deallocate(task, bp);
      api.mach_port_destroy(task, p);
    },
  );

  conformance(
    'get of a retired, unknown or (on a release kernel) TASK_RESOURCE_NOTIFY_PORT → KERN_INVALID_ARGUMENT; set of TASK_NAME_PORT or an unknown port → KERN_INVALID_ARGUMENT, the caller’s right untouched',
    'xnu:osfmk/kern/ipc_tt.c:task_get_special_port_internal (default), task_set_special_port_internal (default); config/MASTER.* (CONFIG_PROC_RESOURCE_LIMITS only on development kernels)',
    ({ api, task }) => {
      for (const which of [0, C.TASK_SEATBELT_PORT, 8, C.TASK_RESOURCE_NOTIFY_PORT, 12, -1]) {
        expectMachError(() => api.task_get_special_port(task, which), 'KERN_INVALID_ARGUMENT');
      }
      const p = portWithSend(api);
      expectMachError(() => api.task_set_special_port(task, C.TASK_NAME_PORT, p), 'KERN_INVALID_ARGUMENT');
      expectMachError(() => api.task_set_special_port(task, C.TASK_SEATBELT_PORT, p), 'KERN_INVALID_ARGUMENT');
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
      expect(api.mach_port_get_srights(task, p)).toBe(1);
      api.mach_port_destroy(task, p);
    },
  );

  conformance(
    'with System Integrity Protection enabled, set of TASK_KERNEL_PORT / TASK_HOST_PORT → KERN_NO_ACCESS, the caller’s right untouched',
    'xnu:osfmk/kern/ipc_tt.c:task_set_special_port (csr_check(CSR_ALLOW_KERNEL_DEBUGGER) != 0 → KERN_NO_ACCESS)',
    ({ api, task }) => {
      const p = portWithSend(api);
      expectMachError(() => api.task_set_special_port(task, C.TASK_KERNEL_PORT, p), 'KERN_NO_ACCESS');
      expectMachError(() => api.task_set_special_port(task, C.TASK_HOST_PORT, p), 'KERN_NO_ACCESS');
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
      expect(api.mach_port_get_srights(task, p)).toBe(1);
      api.mach_port_destroy(task, p);
    },
    // SIP is a property of the Mac, not of XNU: where its kernel-debugger restriction is
    // lifted both calls succeed and would replace this process's own task and host ports.
    { needs: ['sip'] },
  );

  conformance(
    'set with a name that is not a send right fails as the MIG request’s copy-in (MACH_SEND_INVALID_RIGHT); get / set with a task argument that is not a send right → MACH_SEND_INVALID_DEST; wrong JS types → TypeError',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_copyin_port_descriptor, ipc_kmsg_copyin_header (a MIG routine)',
    ({ api, task }) => {
      expectMachError(() => api.task_set_special_port(task, C.TASK_BOOTSTRAP_PORT, unusedName(api)), 'MACH_SEND_INVALID_RIGHT');
      expectMachError(() => api.task_get_special_port(C.MACH_PORT_NULL, C.TASK_BOOTSTRAP_PORT), 'MACH_SEND_INVALID_DEST');
      expectMachError(() => api.task_set_special_port(unusedName(api), C.TASK_BOOTSTRAP_PORT, C.MACH_PORT_NULL), 'MACH_SEND_INVALID_DEST');
      const bad = api as unknown as Record<string, (...a: unknown[]) => unknown>;
      expect(() => bad.task_get_special_port!(task, 'bootstrap')).toThrow(TypeError);
      expect(() => bad.task_set_special_port!(task, C.TASK_BOOTSTRAP_PORT, 1n)).toThrow(TypeError);
      expect(() => bad.task_set_special_port!(task, null, port(api))).toThrow(TypeError);
    },
  );
});
