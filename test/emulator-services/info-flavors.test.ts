/**
 * The emulator's host_info / host_statistics64 / task_info for every flavor: the flavors of
 * the shared table (lib/kernel-info/info_flavors.ts) decode into their C structs, any other
 * flavor is sent to the emulated kernel with the routine's maximum count and comes back as
 * raw words `{ flavor, count, words }` or fails with the kernel's own code — nothing is
 * refused before the message is sent.
 */
import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import * as C from '../../lib/constants.js';
import { Kernel } from '../../lib/emulator/kernel.js';

function setup() {
  const kernel = new Kernel({ seed: 5 });
  const t = kernel.createTask({ name: 'client' });
  return { t, host: t.mach_host_self(), self: t.mach_task_self() };
}

const kr = (code: number) => expect.objectContaining({ kr: code });

describe('emulated host_info flavors', () => {
  it('decodes HOST_SCHED_INFO, HOST_PRIORITY_INFO, HOST_CAN_HAS_DEBUGGER, HOST_PREFERRED_USER_ARCH', () => {
    const { t, host } = setup();
    expect(t.host_info(host, C.HOST_SCHED_INFO)).toEqual({ min_timeout: 10, min_quantum: 10 });
    // MINPRI_KERNEL, MINPRI_KERNEL, MINPRI_RESERVED, BASEPRI_DEFAULT, DEPRESSPRI, IDLEPRI,
    // MINPRI_USER, MAXPRI_RESERVED (xnu:osfmk/kern/host.c:host_info, osfmk/kern/sched.h).
    expect(t.host_info(host, C.HOST_PRIORITY_INFO)).toEqual({
      kernel_priority: 80,
      system_priority: 80,
      server_priority: 64,
      user_priority: 31,
      depress_priority: 0,
      idle_priority: 0,
      minimum_priority: 0,
      maximum_priority: 79,
    });
    expect(t.host_info(host, C.HOST_CAN_HAS_DEBUGGER)).toEqual({ can_has_debugger: 0 });
    const basic = t.host_info(host, C.HOST_BASIC_INFO);
    expect(t.host_info(host, C.HOST_PREFERRED_USER_ARCH)).toEqual({ cpu_type: basic.cpu_type, cpu_subtype: basic.cpu_subtype });
  });

  it('other flavors reach the kernel: raw words when it answers, its own code when it refuses', () => {
    const { t, host } = setup();
    // HOST_MACH_MSG_TRAP / HOST_SEMAPHORE_TRAPS: success with count 0.
    expect(t.host_info(host, 8)).toEqual({ flavor: 8, count: 0, words: [] });
    expect(t.host_info(host, 7)).toEqual({ flavor: 7, count: 0, words: [] });
    // HOST_VM_PURGABLE: vm_purgeable_info, 68 words (asked with HOST_INFO_MAX = 68).
    expect(t.host_info(host, 9)).toEqual({ flavor: 9, count: 68, words: new Array(68).fill(0) });
    // HOST_RESOURCE_SIZES: XNU refuses it (KERN_INVALID_ARGUMENT) once the count is enough.
    expect(() => t.host_info(host, 4)).toThrow(kr(C.KERN_INVALID_ARGUMENT));
    // HOST_DEBUG_INFO_INTERNAL: release kernels say KERN_NOT_SUPPORTED — the kernel's code, not ours.
    expect(() => t.host_info(host, 10)).toThrow(kr(C.KERN_NOT_SUPPORTED));
    expect(() => t.host_info(host, 9999)).toThrow(kr(C.KERN_INVALID_ARGUMENT));
    expect(() => t.host_info(host, -1)).toThrow(kr(C.KERN_INVALID_ARGUMENT));
  });
});

describe('emulated host_statistics64 flavors', () => {
  it('decodes HOST_LOAD_INFO, HOST_CPU_LOAD_INFO, HOST_VM_INFO, HOST_EXTMOD_INFO64', () => {
    const { t, host } = setup();
    const load = t.host_statistics64(host, C.HOST_LOAD_INFO) as unknown as { avenrun: number[]; mach_factor: number[] };
    expect(Object.keys(load)).toEqual(['avenrun', 'mach_factor']);
    expect(load.avenrun).toHaveLength(3);
    expect(load.mach_factor).toHaveLength(3);
    for (const v of [...load.avenrun, ...load.mach_factor]) expect(Number.isInteger(v) && v >= 0).toBe(true);
    const cpu = t.host_statistics64(host, C.HOST_CPU_LOAD_INFO) as unknown as { cpu_ticks: number[] };
    expect(Object.keys(cpu)).toEqual(['cpu_ticks']);
    expect(cpu.cpu_ticks).toHaveLength(4);
    for (const v of cpu.cpu_ticks) expect(Number.isInteger(v) && v >= 0 && v <= 0xffffffff).toBe(true);
    const vm = t.host_statistics64(host, C.HOST_VM_INFO) as unknown as Record<string, number>;
    expect(Object.keys(vm)).toHaveLength(15);
    expect(vm.free_count).toBeGreaterThan(0);
    expect(vm.free_count * (process.arch === 'x64' ? 4096 : 16384)).toBeLessThanOrEqual(os.totalmem());
    expect(typeof vm.speculative_count).toBe('number');
    expect(t.host_statistics64(host, C.HOST_EXTMOD_INFO64)).toEqual({
      task_for_pid_count: 0n,
      task_for_pid_caller_count: 0n,
      thread_creation_count: 0n,
      thread_creation_caller_count: 0n,
      thread_set_state_count: 0n,
      thread_set_state_caller_count: 0n,
    });
  });

  it('HOST_VM_INFO64 is decoded as before; unknown flavors fail with the kernel’s code', () => {
    const { t, host } = setup();
    expect(typeof t.host_statistics64(host, C.HOST_VM_INFO64).faults).toBe('bigint');
    // HOST_EXPIRED_TASK_INFO, HOST_VM_COMPRESSOR_Q_LENS: not modelled / release kernel.
    expect(() => t.host_statistics64(host, 6)).toThrow(kr(C.KERN_NOT_SUPPORTED));
    expect(() => t.host_statistics64(host, 7)).toThrow(kr(C.KERN_NOT_SUPPORTED));
    expect(() => t.host_statistics64(host, 9999)).toThrow(kr(C.KERN_INVALID_ARGUMENT));
  });
});

describe('emulated task_info flavors', () => {
  it('TASK_BASIC2_INFO_32 and TASK_BASIC_INFO_64_2 decode (the latter on arm64 only, as XNU)', () => {
    const { t, self } = setup();
    const b2 = t.task_info(self, C.TASK_BASIC2_INFO_32);
    expect(Object.keys(b2)).toEqual(['suspend_count', 'virtual_size', 'resident_size', 'user_time', 'system_time', 'policy']);
    expect(typeof b2.resident_size).toBe('number');
    if (process.arch === 'x64') {
      expect(() => t.task_info(self, C.TASK_BASIC_INFO_64_2)).toThrow(kr(C.KERN_INVALID_ARGUMENT));
      expect(typeof t.task_info(self, C.TASK_BASIC_INFO_64).resident_size).toBe('bigint');
    } else {
      expect(typeof t.task_info(self, C.TASK_BASIC_INFO_64_2).resident_size).toBe('bigint');
      expect(typeof t.task_info(self, C.TASK_BASIC_INFO_64).resident_size).toBe('number');
    }
  });

  it('TASK_EVENTS_INFO and TASK_THREAD_TIMES_INFO are answered and decode (task-events-info.test.ts has the counts)', () => {
    const { t, self } = setup();
    expect(Object.keys(t.task_info(self, C.TASK_EVENTS_INFO))).toEqual([
      'faults', 'pageins', 'cow_faults', 'messages_sent', 'messages_received', 'syscalls_mach', 'syscalls_unix', 'csw',
    ]);
    expect(t.task_info(self, C.TASK_THREAD_TIMES_INFO)).toEqual({
      user_time: { seconds: 0, microseconds: 0 },
      system_time: { seconds: 0, microseconds: 0 },
    });
  });

  it('flavors the emulated task server does not model fail with its KERN_INVALID_ARGUMENT', () => {
    const { t, self } = setup();
    for (const f of [22, 9999]) {
      expect(() => t.task_info(self, f), `flavor ${f}`).toThrow(kr(C.KERN_INVALID_ARGUMENT));
    }
  });
});
