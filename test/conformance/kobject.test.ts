/**
 * Kernel objects through the Mach-named calls: mach_port_kobject, mach_task_self,
 * mach_host_self, host_info, host_statistics64, task_info (reference S95, §4).
 */
import { expect } from 'vitest';
import type { host_basic_info, mach_task_basic_info, vm_statistics64 } from '../../lib/types.js';
import { conformance, expectGuard, expectMachError, suite } from './harness.js';
import { C, port, portSet, portWithSend, refs, sendOnce, typeOf, unusedName } from './helpers.js';

suite('kernel objects', () => {
  conformance(
    'mach_task_self names a send right to the task port (the same name every call)',
    'xnu:libsyscall/mach/mach_init.c (mach_task_self_ cached); osfmk/kern/ipc_tt.c:task_self_trap',
    ({ api, task }) => {
      expect(api.mach_task_self()).toBe(task);
      expect(C.MACH_PORT_VALID(task)).toBe(true);
      expect(typeOf(api, task) & C.MACH_PORT_TYPE_SEND).toBe(C.MACH_PORT_TYPE_SEND);
      expect(typeOf(api, task) & C.MACH_PORT_TYPE_RECEIVE).toBe(0);
    },
  );

  conformance(
    'mach_host_self names a send right to the host port; repeated calls return the same (coalesced) name',
    'xnu:osfmk/kern/host.c:host_self_trap; ipc_object.c:ipc_object_copyout (reverse lookup)',
    ({ api }) => {
      const h = api.mach_host_self();
      expect(api.mach_host_self()).toBe(h);
      expect(typeOf(api, h)).toBe(C.MACH_PORT_TYPE_SEND);
      expect(refs(api, h, C.MACH_PORT_RIGHT_SEND)).toBeGreaterThanOrEqual(1);
      expect(h).not.toBe(api.mach_task_self());
    },
  );

  conformance(
    'S95 mach_port_kobject: the task self port is IKOT_TASK_CONTROL, the host port IKOT_HOST, ordinary ports IKOT_NONE; the address is 0 on release kernels',
    'xnu:osfmk/ipc/mach_debug.c:mach_port_kobject_description; osfmk/kern/ipc_kobject.h',
    ({ api, task }) => {
      expect(api.mach_port_kobject(task, task)).toEqual({ object_type: C.IKOT_TASK_CONTROL, object_addr: 0n });
      expect(api.mach_port_kobject(task, api.mach_host_self())).toEqual({ object_type: C.IKOT_HOST, object_addr: 0n });
      const p = port(api);
      expect(api.mach_port_kobject(task, p)).toEqual({ object_type: C.IKOT_NONE, object_addr: 0n });
      const ps = portWithSend(api);
      expect(api.mach_port_kobject(task, ps).object_type).toBe(C.IKOT_NONE);
    },
  );

  conformance(
    'S95 mach_port_kobject errors: a send-once or a port set → KERN_INVALID_RIGHT; a dead name, an unknown name or NULL → KERN_INVALID_NAME',
    'xnu:osfmk/ipc/mach_debug.c:mach_port_kobject_description; ipc_right.c:ipc_right_lookup_read',
    ({ api, task }) => {
      const p = port(api);
      expectMachError(() => api.mach_port_kobject(task, sendOnce(api, p)), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_kobject(task, portSet(api)), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_kobject(task, api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME)), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_kobject(task, unusedName(api)), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_kobject(task, C.MACH_PORT_NULL), 'KERN_INVALID_NAME');
    },
  );

  conformance(
    'host_info(HOST_BASIC_INFO) answers with values that pass type and range checks',
    'xnu:osfmk/kern/host.c:host_info HOST_BASIC_INFO; osfmk/mach/host_info.h; osfmk/mach/machine.h',
    ({ api }) => {
      const h = api.host_info(api.mach_host_self(), C.HOST_BASIC_INFO) as host_basic_info;
      for (const k of ['max_cpus', 'avail_cpus', 'memory_size', 'cpu_type', 'cpu_subtype', 'cpu_threadtype', 'physical_cpu', 'physical_cpu_max', 'logical_cpu', 'logical_cpu_max'] as const) {
        expect(Number.isInteger(h[k]), k).toBe(true);
      }
      expect(typeof h.max_mem).toBe('bigint');
      expect(h.max_cpus).toBeGreaterThanOrEqual(1);
      expect(h.avail_cpus).toBeGreaterThanOrEqual(1);
      expect(h.avail_cpus).toBeLessThanOrEqual(h.max_cpus);
      expect(h.logical_cpu).toBeLessThanOrEqual(h.logical_cpu_max);
      expect(h.physical_cpu).toBeLessThanOrEqual(h.physical_cpu_max);
      expect(h.physical_cpu_max).toBeLessThanOrEqual(h.logical_cpu_max);
      expect(h.physical_cpu).toBeGreaterThanOrEqual(1);
      expect([C.CPU_TYPE_ARM64, C.CPU_TYPE_X86_64]).toContain(h.cpu_type);
      expect(h.memory_size).toBeGreaterThan(0);
      expect(h.memory_size).toBeLessThanOrEqual(0x80000000);
      expect(h.max_mem).toBeGreaterThan(0n);
      expect(BigInt(h.memory_size)).toBeLessThanOrEqual(h.max_mem);
    },
  );

  conformance(
    'host_info errors: an unknown flavor → KERN_INVALID_ARGUMENT; the task port instead of the host → KERN_INVALID_ARGUMENT; MACH_PORT_NULL → MACH_SEND_INVALID_DEST',
    'xnu:osfmk/kern/host.c:host_info (HOST_NULL, default case); MIG user stub (mach_msg to an invalid destination)',
    ({ api, task }) => {
      expectMachError(() => api.host_info(api.mach_host_self(), 99), 'KERN_INVALID_ARGUMENT');
      expectMachError(() => api.host_info(task, C.HOST_BASIC_INFO), 'KERN_INVALID_ARGUMENT');
      expectMachError(() => api.host_info(C.MACH_PORT_NULL, C.HOST_BASIC_INFO), 'MACH_SEND_INVALID_DEST');
    },
  );

  conformance(
    'host_statistics64(HOST_VM_INFO64) answers with non-negative page counts and 64-bit counters',
    'xnu:osfmk/kern/host.c:host_statistics64 (vm_stats); osfmk/mach/vm_statistics.h',
    ({ api }) => {
      const v = api.host_statistics64(api.mach_host_self(), C.HOST_VM_INFO64) as vm_statistics64;
      const counts = ['free_count', 'active_count', 'inactive_count', 'wire_count', 'purgeable_count', 'speculative_count', 'compressor_page_count', 'throttled_count', 'external_page_count', 'internal_page_count'] as const;
      for (const k of counts) {
        expect(Number.isInteger(v[k]), k).toBe(true);
        expect(v[k], k).toBeGreaterThanOrEqual(0);
      }
      const big = ['zero_fill_count', 'reactivations', 'pageins', 'pageouts', 'faults', 'cow_faults', 'lookups', 'hits', 'purges', 'decompressions', 'compressions', 'swapins', 'swapouts', 'total_uncompressed_pages_in_compressor'] as const;
      for (const k of big) {
        expect(typeof v[k], k).toBe('bigint');
        expect(v[k] >= 0n, k).toBe(true);
      }
      expect(v.free_count + v.active_count + v.inactive_count + v.wire_count).toBeGreaterThan(0);
    },
  );

  conformance(
    'host_statistics64 errors: the task port → KERN_INVALID_HOST; an unknown flavor → KERN_INVALID_ARGUMENT',
    'xnu:osfmk/kern/host.c:host_statistics64, host_statistics (default → KERN_INVALID_ARGUMENT)',
    ({ api, task }) => {
      expectMachError(() => api.host_statistics64(task, C.HOST_VM_INFO64), 'KERN_INVALID_HOST');
      expectMachError(() => api.host_statistics64(api.mach_host_self(), 99), 'KERN_INVALID_ARGUMENT');
    },
  );

  conformance(
    'task_info(MACH_TASK_BASIC_INFO) of this task: sizes positive, times well-formed, not suspended',
    'xnu:osfmk/kern/task.c:task_info MACH_TASK_BASIC_INFO; osfmk/mach/task_info.h',
    ({ api, task }) => {
      const t = api.task_info(task, C.MACH_TASK_BASIC_INFO) as mach_task_basic_info;
      expect(typeof t.virtual_size).toBe('bigint');
      expect(t.virtual_size).toBeGreaterThan(0n);
      expect(t.resident_size).toBeGreaterThan(0n);
      expect(t.resident_size_max).toBeGreaterThan(0n);
      expect(t.resident_size).toBeLessThanOrEqual(t.virtual_size);
      for (const time of [t.user_time, t.system_time]) {
        expect(Number.isInteger(time.seconds)).toBe(true);
        expect(time.seconds).toBeGreaterThanOrEqual(0);
        expect(time.microseconds).toBeGreaterThanOrEqual(0);
        expect(time.microseconds).toBeLessThan(1_000_000);
      }
      expect(t.suspend_count).toBe(0);
      expect(Number.isInteger(t.policy)).toBe(true);
    },
  );

  conformance(
    'task_info errors: an unknown flavor → KERN_INVALID_ARGUMENT; the host port instead of a task → KERN_INVALID_ARGUMENT',
    'xnu:osfmk/kern/task.c:task_info (TASK_NULL, default case)',
    ({ api, task }) => {
      expectMachError(() => api.task_info(task, 9999), 'KERN_INVALID_ARGUMENT');
      expectMachError(() => api.task_info(api.mach_host_self(), C.MACH_TASK_BASIC_INFO), 'KERN_INVALID_ARGUMENT');
    },
  );

  conformance(
    'kernel-object calls do not consume the caller’s send right (host and task ports keep their urefs)',
    'xnu:osfmk/kern/ipc_kobject.c:ipc_kobject_server (COPY_SEND destination)',
    ({ api, task }) => {
      const h = api.mach_host_self();
      const before = refs(api, h, C.MACH_PORT_RIGHT_SEND);
      const tb = refs(api, task, C.MACH_PORT_RIGHT_SEND);
      for (let i = 0; i < 5; i++) {
        api.host_info(h, C.HOST_BASIC_INFO);
        api.task_info(task, C.MACH_TASK_BASIC_INFO);
      }
      expect(refs(api, h, C.MACH_PORT_RIGHT_SEND)).toBe(before);
      expect(refs(api, task, C.MACH_PORT_RIGHT_SEND)).toBe(tb);
    },
  );

  conformance(
    'S98 a raw mach_msg to a kernel object is refused on macOS 13+: MACH_SEND_INVALID_OPTIONS with a fatal EXC_GUARD (kGUARD_EXC_INVALID_OPTIONS)',
    'xnu:osfmk/ipc/ipc_policy.c:ipc_validate_kmsg_dest_from_user, mach_port_guard_exception; libsyscall/mach/mach_msg.c:mach_msg_overwrite (MACH64_SEND_MQ_CALL)',
    async ({ api, task }) => {
      const reply = port(api);
      const req = {
        header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), msgh_remote_port: api.mach_host_self(), msgh_local_port: reply, msgh_id: C.MIG_HOST_INFO_ID },
        body: new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 12, 0, 0, 0]),
      };
      await expectGuard(() => api.mach_msg(req, C.MACH_SEND_MSG | C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, reply, 1000), 'kGUARD_EXC_INVALID_OPTIONS', 'MACH_SEND_INVALID_OPTIONS');
      const req2 = { header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0), msgh_remote_port: task, msgh_id: C.MIG_TASK_INFO_ID } };
      await expectGuard(() => api.mach_msg(req2, C.MACH_SEND_MSG, 0, 0), 'kGUARD_EXC_INVALID_OPTIONS', 'MACH_SEND_INVALID_OPTIONS');
    },
    { needs: ['fatal-guard'] },
  );

  conformance(
    'S98 the reverse is refused too: a kernel-object call to an ordinary port → MACH_SEND_INVALID_OPTIONS with a fatal EXC_GUARD (SIP on)',
    'xnu:osfmk/ipc/ipc_policy.c:ipc_validate_kmsg_dest_from_user (MQ_CALL required for message queues)',
    async ({ api }) => {
      const p = portWithSend(api);
      const r = port(api);
      const req = { header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), msgh_remote_port: p, msgh_local_port: r, msgh_id: 1 } };
      await expectGuard(
        () => api.mach_msg(req, C.MACH_SEND_MSG | C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, r, 100, undefined, { kobjectCall: true }),
        'kGUARD_EXC_INVALID_OPTIONS',
        'MACH_SEND_INVALID_OPTIONS',
      );
    },
    { needs: ['fatal-guard'] },
  );
});
