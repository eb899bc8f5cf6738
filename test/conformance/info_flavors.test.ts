/**
 * Info flavors past the basic ones: every backend decodes the same flavors into the same C
 * structs and hands any other flavor to the kernel (lib/kernel-info/info_flavors.ts). Only
 * what real Darwin does is asserted here (the native backend runs these on macOS CI).
 */
import { expect } from 'vitest';
import { conformance, expectMachError, suite } from './harness.js';
import { C, portWithSend, recv, sendSimple } from './helpers.js';

const isNatural = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

suite('info flavors', () => {
  conformance(
    'host_info(HOST_SCHED_INFO) decodes host_sched_info with positive min_timeout and min_quantum',
    'xnu:osfmk/kern/host.c:host_info HOST_SCHED_INFO; osfmk/mach/host_info.h',
    ({ api }) => {
      const s = api.host_info(api.mach_host_self(), C.HOST_SCHED_INFO) as unknown as Record<string, number>;
      expect(Object.keys(s)).toEqual(['min_timeout', 'min_quantum']);
      expect(s.min_timeout).toBeGreaterThan(0);
      expect(s.min_quantum).toBeGreaterThan(0);
    },
  );

  conformance(
    'host_info(HOST_PRIORITY_INFO) decodes host_priority_info: kernel above server above user, user within minimum..maximum',
    'xnu:osfmk/kern/host.c:host_info HOST_PRIORITY_INFO; osfmk/kern/sched.h',
    ({ api }) => {
      const p = api.host_info(api.mach_host_self(), C.HOST_PRIORITY_INFO) as unknown as Record<string, number>;
      expect(Object.keys(p)).toEqual([
        'kernel_priority', 'system_priority', 'server_priority', 'user_priority',
        'depress_priority', 'idle_priority', 'minimum_priority', 'maximum_priority',
      ]);
      for (const v of Object.values(p)) expect(Number.isInteger(v)).toBe(true);
      expect(p.kernel_priority).toBeGreaterThan(p.server_priority!);
      expect(p.server_priority).toBeGreaterThan(p.user_priority!);
      expect(p.user_priority).toBeGreaterThanOrEqual(p.minimum_priority!);
      expect(p.user_priority).toBeLessThanOrEqual(p.maximum_priority!);
    },
  );

  conformance(
    'host_info of a flavor without a decoder that the kernel answers (HOST_MACH_MSG_TRAP) returns its raw words: { flavor, count: 0, words: [] }',
    'xnu:osfmk/kern/host.c:host_info HOST_MACH_MSG_TRAP (*count = 0)',
    ({ api }) => {
      expect(api.host_info(api.mach_host_self(), 8)).toEqual({ flavor: 8, count: 0, words: [] });
    },
  );

  conformance(
    'host_statistics64(HOST_CPU_LOAD_INFO) decodes host_cpu_load_info: 4 natural_t tick counters, not all zero',
    'xnu:osfmk/kern/host.c:host_statistics HOST_CPU_LOAD_INFO; osfmk/mach/host_info.h; osfmk/mach/machine.h (CPU_STATE_MAX)',
    ({ api }) => {
      const c = api.host_statistics64(api.mach_host_self(), C.HOST_CPU_LOAD_INFO) as unknown as { cpu_ticks: number[] };
      expect(Object.keys(c)).toEqual(['cpu_ticks']);
      expect(c.cpu_ticks).toHaveLength(4);
      for (const v of c.cpu_ticks) expect(isNatural(v)).toBe(true);
      expect(c.cpu_ticks.some((v) => v > 0)).toBe(true);
    },
  );

  conformance(
    'host_statistics64(HOST_LOAD_INFO) decodes host_load_info: avenrun[3] and mach_factor[3], non-negative',
    'xnu:osfmk/kern/host.c:host_statistics HOST_LOAD_INFO; osfmk/kern/sched_average.c',
    ({ api }) => {
      const l = api.host_statistics64(api.mach_host_self(), C.HOST_LOAD_INFO) as unknown as { avenrun: number[]; mach_factor: number[] };
      expect(Object.keys(l)).toEqual(['avenrun', 'mach_factor']);
      expect(l.avenrun).toHaveLength(3);
      expect(l.mach_factor).toHaveLength(3);
      for (const v of [...l.avenrun, ...l.mach_factor]) expect(Number.isInteger(v) && v >= 0).toBe(true);
    },
  );

  conformance(
    'host_statistics64(HOST_VM_INFO) decodes the 32-bit vm_statistics (revision 2, 15 natural_t fields)',
    'xnu:osfmk/kern/host.c:host_statistics HOST_VM_INFO; osfmk/mach/vm_statistics.h',
    ({ api }) => {
      const v = api.host_statistics64(api.mach_host_self(), C.HOST_VM_INFO) as unknown as Record<string, number>;
      expect(Object.keys(v)).toHaveLength(15);
      expect(Object.keys(v)[0]).toBe('free_count');
      expect(Object.keys(v)[14]).toBe('speculative_count');
      for (const x of Object.values(v)) expect(isNatural(x)).toBe(true);
      expect(v.free_count! + v.active_count! + v.wire_count!).toBeGreaterThan(0);
    },
  );

  conformance(
    'task_info(TASK_BASIC_INFO_64) decodes by the count the kernel returns (task_basic_info_64, or the 32-bit layout arm64 answers with)',
    'xnu:osfmk/kern/task.c:task_info TASK_BASIC_INFO_64; osfmk/mach/task_info.h',
    ({ api, task }) => {
      const b = api.task_info(task, C.TASK_BASIC_INFO_64);
      expect(Object.keys(b)).toEqual(['suspend_count', 'virtual_size', 'resident_size', 'user_time', 'system_time', 'policy']);
      const resident = b.resident_size;
      expect(typeof resident === 'bigint' ? resident > 0n : (resident as number) > 0).toBe(true);
      expect(b.suspend_count).toBe(0);
    },
  );

  conformance(
    'task_info(TASK_EVENTS_INFO): after N successful sends and N receives by the caller, messages_sent and messages_received each grew by at least N',
    'xnu:osfmk/kern/task.c:task_info TASK_EVENTS_INFO; osfmk/ipc/ipc_mqueue.c:ipc_mqueue_post, ipc_mqueue_select_on_thread_locked; osfmk/mach/task_info.h',
    async ({ api, task }) => {
      const N = 3;
      const p = portWithSend(api);
      const e0 = api.task_info(task, C.TASK_EVENTS_INFO);
      expect(Object.keys(e0)).toEqual([
        'faults', 'pageins', 'cow_faults', 'messages_sent', 'messages_received', 'syscalls_mach', 'syscalls_unix', 'csw',
      ]);
      for (const v of Object.values(e0)) expect(Number.isInteger(v) && v >= 0).toBe(true);
      // The messages are queued before the receives (one thread), so each receive takes its
      // message off the queue, which is where XNU counts messages_received.
      for (let i = 0; i < N; i++) await sendSimple(api, p, C.MACH_MSG_TYPE_COPY_SEND, { id: 700 + i });
      for (let i = 0; i < N; i++) expect((await recv(api, p, { size: 256 })).header.msgh_id).toBe(700 + i);
      const e1 = api.task_info(task, C.TASK_EVENTS_INFO);
      // Other threads of the process (and the task_info calls themselves) may add more.
      expect(e1.messages_sent - e0.messages_sent).toBeGreaterThanOrEqual(N);
      expect(e1.messages_received - e0.messages_received).toBeGreaterThanOrEqual(N);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
    },
  );

  conformance(
    'task_info(TASK_THREAD_TIMES_INFO) decodes task_thread_times_info: two time_value_t, non-negative, microseconds below 1,000,000',
    'xnu:osfmk/kern/task.c:task_info TASK_THREAD_TIMES_INFO; osfmk/mach/task_info.h; osfmk/mach/time_value.h',
    ({ api, task }) => {
      const t = api.task_info(task, C.TASK_THREAD_TIMES_INFO);
      expect(Object.keys(t)).toEqual(['user_time', 'system_time']);
      for (const v of [t.user_time, t.system_time]) {
        expect(Object.keys(v)).toEqual(['seconds', 'microseconds']);
        expect(Number.isInteger(v.seconds) && v.seconds >= 0).toBe(true);
        expect(Number.isInteger(v.microseconds) && v.microseconds >= 0 && v.microseconds < 1_000_000).toBe(true);
      }
    },
  );

  conformance(
    'an unknown flavor reaches the kernel and fails with its KERN_INVALID_ARGUMENT on host_info, host_statistics64 and task_info',
    'xnu:osfmk/kern/host.c:host_info, host_statistics (default cases); osfmk/kern/task.c:task_info (default case)',
    ({ api, task }) => {
      expectMachError(() => api.host_info(api.mach_host_self(), 9999), 'KERN_INVALID_ARGUMENT');
      expectMachError(() => api.host_statistics64(api.mach_host_self(), 9999), 'KERN_INVALID_ARGUMENT');
      expectMachError(() => api.task_info(task, 9999), 'KERN_INVALID_ARGUMENT');
    },
  );
});
