/**
 * NativeApi's host_info / host_statistics64 / task_info over a stand-in addon: which count
 * each flavor is asked with, how the shared flavor table (lib/kernel-info/info_flavors.ts)
 * decodes the words libSystem hands back, and that the result has the same shape as the
 * emulator's for the same kernel answer (the stand-in answers with the emulated kernel's own
 * host and task routines).
 */
import { describe, expect, it } from 'vitest';
import * as C from '../../lib/constants.js';
import { Kernel } from '../../lib/emulator/kernel.js';
import { host_info as emuHostInfo, host_statistics64 as emuHostStatistics64 } from '../../lib/emulator/kobject/host.js';
import { machineInfoOfThisHost } from '../../lib/emulator/kobject/machine_info.js';
import { task_info as emuTaskInfo } from '../../lib/emulator/kobject/task_info.js';
import { MachError } from '../../lib/errors.js';
import { NativeApi } from '../../lib/native/api.js';
import type { NativeAddon } from '../../lib/native/addon.js';
import { FakeKernel } from './fake-addon.js';

type Answer = (flavor: number, count: number) => [number, Int32Array?];

/** A NativeApi whose three info calls are answered by `answer`, recording (routine, flavor, count). */
function nativeWith(answer: { host?: Answer; stats?: Answer; task?: Answer }) {
  const k = new FakeKernel();
  const asked: Array<[string, number, number]> = [];
  const none: Answer = () => [C.KERN_INVALID_ARGUMENT];
  const addon: NativeAddon = {
    ...k.addon(),
    host_info: (_h, flavor, count) => (asked.push(['host_info', flavor, count]), (answer.host ?? none)(flavor, count)),
    host_statistics64: (_h, flavor, count) => (asked.push(['host_statistics64', flavor, count]), (answer.stats ?? none)(flavor, count)),
    task_info: (_t, flavor, count) => (asked.push(['task_info', flavor, count]), (answer.task ?? none)(flavor, count)),
  };
  const api = new NativeApi(addon);
  return { api, asked, host: 0x303, task: api.mach_task_self() };
}

/** Answer with fixed words (their number is the returned count, clipped to the caller's). */
const words =
  (...w: number[]): Answer =>
  (_f, count) => [C.KERN_SUCCESS, Int32Array.from(w.slice(0, count))];

describe('NativeApi info flavors: the count each flavor is asked with', () => {
  it('decoded flavors are asked with their *_COUNT, any other with the routine maximum', () => {
    const { api, asked, host, task } = nativeWith({});
    const tryCall = (f: () => unknown) => {
      try {
        f();
      } catch {
        // the stand-in refuses every flavor; only the counts matter here
      }
    };
    for (const f of [C.HOST_BASIC_INFO, C.HOST_SCHED_INFO, C.HOST_PRIORITY_INFO, C.HOST_CAN_HAS_DEBUGGER, C.HOST_PREFERRED_USER_ARCH, 4, 9999]) {
      tryCall(() => api.host_info(host, f));
    }
    for (const f of [C.HOST_LOAD_INFO, C.HOST_VM_INFO, C.HOST_CPU_LOAD_INFO, C.HOST_VM_INFO64, C.HOST_EXTMOD_INFO64, 7, 9999]) {
      tryCall(() => api.host_statistics64(host, f));
    }
    for (const f of [
      C.TASK_EVENTS_INFO, C.TASK_THREAD_TIMES_INFO, C.TASK_BASIC_INFO_32, C.TASK_BASIC_INFO_64, C.TASK_BASIC2_INFO_32,
      C.TASK_AUDIT_TOKEN, C.TASK_BASIC_INFO_64_2, C.MACH_TASK_BASIC_INFO, 22, 9999,
    ]) {
      tryCall(() => api.task_info(task, f));
    }
    expect(asked).toEqual([
      ['host_info', C.HOST_BASIC_INFO, 12],
      ['host_info', C.HOST_SCHED_INFO, 2],
      ['host_info', C.HOST_PRIORITY_INFO, 8],
      ['host_info', C.HOST_CAN_HAS_DEBUGGER, 1],
      ['host_info', C.HOST_PREFERRED_USER_ARCH, 2],
      ['host_info', 4, C.HOST_INFO_MAX],
      ['host_info', 9999, C.HOST_INFO_MAX],
      ['host_statistics64', C.HOST_LOAD_INFO, 6],
      ['host_statistics64', C.HOST_VM_INFO, 15],
      ['host_statistics64', C.HOST_CPU_LOAD_INFO, 4],
      ['host_statistics64', C.HOST_VM_INFO64, 38],
      ['host_statistics64', C.HOST_EXTMOD_INFO64, 12],
      ['host_statistics64', 7, C.HOST_INFO64_MAX],
      ['host_statistics64', 9999, C.HOST_INFO64_MAX],
      ['task_info', C.TASK_EVENTS_INFO, 8],
      ['task_info', C.TASK_THREAD_TIMES_INFO, 4],
      ['task_info', C.TASK_BASIC_INFO_32, 8],
      ['task_info', C.TASK_BASIC_INFO_64, 10],
      ['task_info', C.TASK_BASIC2_INFO_32, 8],
      ['task_info', C.TASK_AUDIT_TOKEN, 8],
      ['task_info', C.TASK_BASIC_INFO_64_2, 10],
      ['task_info', C.MACH_TASK_BASIC_INFO, 12],
      ['task_info', 22, C.TASK_INFO_MAX],
      ['task_info', 9999, C.TASK_INFO_MAX],
    ]);
  });

  it('an unknown flavor fails with the kernel’s own code (no check before the call)', () => {
    const { api, host, task } = nativeWith({ host: () => [C.KERN_INVALID_ARGUMENT], stats: () => [C.KERN_NOT_SUPPORTED] });
    expect(() => api.host_info(host, 9999)).toThrow(expect.objectContaining({ kr: C.KERN_INVALID_ARGUMENT }));
    expect(() => api.host_statistics64(host, 7)).toThrow(expect.objectContaining({ kr: C.KERN_NOT_SUPPORTED }));
    expect(() => api.task_info(task, 9999)).toThrow(MachError);
  });
});

describe('NativeApi info flavors: decoding the words libSystem returns', () => {
  it('host_info: host_sched_info, host_priority_info, host_can_has_debugger_info, host_preferred_user_arch', () => {
    const { api, host } = nativeWith({
      host: (f, count) => {
        const byFlavor: Record<number, number[]> = {
          [C.HOST_SCHED_INFO]: [10, 10],
          [C.HOST_PRIORITY_INFO]: [80, 80, 64, 31, 0, 0, 0, 79],
          [C.HOST_CAN_HAS_DEBUGGER]: [1],
          [C.HOST_PREFERRED_USER_ARCH]: [C.CPU_TYPE_ARM64, 2],
        };
        return words(...(byFlavor[f] ?? []))(f, count);
      },
    });
    expect(api.host_info(host, C.HOST_SCHED_INFO)).toEqual({ min_timeout: 10, min_quantum: 10 });
    expect(api.host_info(host, C.HOST_PRIORITY_INFO)).toEqual({
      kernel_priority: 80,
      system_priority: 80,
      server_priority: 64,
      user_priority: 31,
      depress_priority: 0,
      idle_priority: 0,
      minimum_priority: 0,
      maximum_priority: 79,
    });
    expect(api.host_info(host, C.HOST_CAN_HAS_DEBUGGER)).toEqual({ can_has_debugger: 1 });
    expect(api.host_info(host, C.HOST_PREFERRED_USER_ARCH)).toEqual({ cpu_type: C.CPU_TYPE_ARM64, cpu_subtype: 2 });
    // A flavor without a decoder that the kernel answers: its raw words.
    expect(api.host_info(host, 8)).toEqual({ flavor: 8, count: 0, words: [] });
  });

  it('host_statistics64: host_load_info, host_cpu_load_info (natural_t ticks), vm_statistics by revision, vm_extmod_statistics', () => {
    const vm = Array.from({ length: 15 }, (_, i) => i + 1);
    const { api, host } = nativeWith({
      stats: (f, count) => {
        if (f === C.HOST_LOAD_INFO) return words(1500, 1200, 900, 500, 800, 1100)(f, count);
        if (f === C.HOST_CPU_LOAD_INFO) return words(100, 200, -1, 0)(f, count);
        if (f === C.HOST_VM_INFO) return words(...vm)(f, count);
        if (f === C.HOST_EXTMOD_INFO64) return words(1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1)(f, count);
        if (f === 6) return words(-7, 8)(f, count);
        return [C.KERN_INVALID_ARGUMENT];
      },
    });
    expect(api.host_statistics64(host, C.HOST_LOAD_INFO)).toEqual({ avenrun: [1500, 1200, 900], mach_factor: [500, 800, 1100] });
    expect(api.host_statistics64(host, C.HOST_CPU_LOAD_INFO)).toEqual({ cpu_ticks: [100, 200, 0xffffffff, 0] });
    const s = api.host_statistics64(host, C.HOST_VM_INFO) as unknown as Record<string, number>;
    expect(Object.keys(s)).toEqual([
      'free_count', 'active_count', 'inactive_count', 'wire_count', 'zero_fill_count', 'reactivations', 'pageins',
      'pageouts', 'faults', 'cow_faults', 'lookups', 'hits', 'purgeable_count', 'purges', 'speculative_count',
    ]);
    expect(Object.values(s)).toEqual(vm);
    expect(api.host_statistics64(host, C.HOST_EXTMOD_INFO64)).toEqual({
      task_for_pid_count: 1n,
      task_for_pid_caller_count: 2n,
      thread_creation_count: 3n,
      thread_creation_caller_count: 4n,
      thread_set_state_count: 5n,
      thread_set_state_caller_count: 0x100000006n,
    });
    expect(api.host_statistics64(host, 6)).toEqual({ flavor: 6, count: 2, words: [-7, 8] });
  });

  it('task_info: events, thread times, and the legacy task_basic_info flavors by returned count', () => {
    const basic32 = [0, 4096, 8192, 1, 2, 3, 4, 1];
    const basic64 = [0, 4096, 1, 8192, 1, 1, 2, 3, 4, 1];
    let arm64 = true;
    const { api, task } = nativeWith({
      task: (f, count) => {
        if (f === C.TASK_EVENTS_INFO) return words(1, 2, 3, 4, 5, 6, 7, 8)(f, count);
        if (f === C.TASK_THREAD_TIMES_INFO) return words(1, 500000, 0, 250000)(f, count);
        if (f === C.TASK_BASIC_INFO_32 || f === C.TASK_BASIC2_INFO_32) return words(...basic32)(f, count);
        if (f === C.TASK_BASIC_INFO_64) return words(...(arm64 ? basic32 : basic64))(f, count);
        if (f === C.TASK_BASIC_INFO_64_2) return words(...basic64)(f, count);
        if (f === 22) return words(9, 8, 7)(f, count);
        return [C.KERN_INVALID_ARGUMENT];
      },
    });
    expect(api.task_info(task, C.TASK_EVENTS_INFO)).toEqual({
      faults: 1,
      pageins: 2,
      cow_faults: 3,
      messages_sent: 4,
      messages_received: 5,
      syscalls_mach: 6,
      syscalls_unix: 7,
      csw: 8,
    });
    expect(api.task_info(task, C.TASK_THREAD_TIMES_INFO)).toEqual({
      user_time: { seconds: 1, microseconds: 500000 },
      system_time: { seconds: 0, microseconds: 250000 },
    });
    const t32 = { suspend_count: 0, virtual_size: 4096, resident_size: 8192, user_time: { seconds: 1, microseconds: 2 }, system_time: { seconds: 3, microseconds: 4 }, policy: 1 };
    const t64 = { ...t32, virtual_size: 0x100001000n, resident_size: 0x100002000n };
    expect(api.task_info(task, C.TASK_BASIC_INFO_32)).toEqual(t32);
    expect(api.task_info(task, C.TASK_BASIC2_INFO_32)).toEqual(t32);
    expect(api.task_info(task, C.TASK_BASIC_INFO_64_2)).toEqual(t64);
    // arm64 answers TASK_BASIC_INFO_64 with 8 words (the 32-bit layout), x86_64 with 10.
    expect(api.task_info(task, C.TASK_BASIC_INFO_64)).toEqual(t32);
    arm64 = false;
    expect(api.task_info(task, C.TASK_BASIC_INFO_64)).toEqual(t64);
    expect(api.task_info(task, 22)).toEqual({ flavor: 22, count: 3, words: [9, 8, 7] });
  });
});

describe('NativeApi and the emulator return the same shape for the same kernel answer', () => {
  /** The structure of a value: its keys and the types of its leaves (volatile numbers differ). */
  function shape(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(shape);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
    return typeof v;
  }
  function outcome(f: () => unknown): unknown {
    try {
      return { ok: shape(f()) };
    } catch (e) {
      return { kr: (e as MachError).kr };
    }
  }

  it('every host_info / host_statistics64 flavor 0–14 and 9999, and the task flavors the emulator models', () => {
    const kernel = new Kernel({ seed: 11 });
    const t = kernel.createTask({ name: 'emulated' });
    const m = machineInfoOfThisHost();
    const subject = { audit_token: { auid: 1, euid: 2, egid: 3, ruid: 4, rgid: 5, pid: 6, asid: 7, pidversion: 8 }, suspend_count: 0, messages_sent: 0, messages_received: 0, is_process: false };
    const toAddon = (r: { kr: number; words: Int32Array }): [number, Int32Array?] => (r.kr === C.KERN_SUCCESS ? [r.kr, r.words] : [r.kr]);
    const { api, host, task } = nativeWith({
      host: (f, count) => toAddon(emuHostInfo(m, f, count)),
      stats: (f, count) => toAddon(emuHostStatistics64(m, f, count)),
      task: (f, count) => toAddon(emuTaskInfo(m, subject, f, count)),
    });
    const flavors = [...Array.from({ length: 15 }, (_, i) => i), 9999];
    for (const f of flavors) {
      expect(outcome(() => api.host_info(host, f)), `host_info ${f}`).toEqual(outcome(() => t.host_info(t.mach_host_self(), f)));
      expect(outcome(() => api.host_statistics64(host, f)), `host_statistics64 ${f}`).toEqual(
        outcome(() => t.host_statistics64(t.mach_host_self(), f)),
      );
    }
    for (const f of [...flavors, 15, 18, 20, 22]) {
      expect(outcome(() => api.task_info(task, f)), `task_info ${f}`).toEqual(outcome(() => t.task_info(t.mach_task_self(), f)));
    }
  });
});
