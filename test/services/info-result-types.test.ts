/**
 * Type-level tests of the info calls' result types (checked by `npm run typecheck`; at run
 * time the calls are made on an emulated task and the root functions, so the values are
 * checked too). A flavor constant's literal type selects its struct, another literal gives
 * RawInfo, and a flavor known only as `number` gives the union of every struct and RawInfo —
 * on MachApi, each backend class, the async functions of lib/services and the root exports.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as C from '../../lib/constants.js';
import { Kernel } from '../../lib/emulator/index.js';
import type { EmulatedTask } from '../../lib/emulator/task.js';
import type { RemoteTask } from '../../lib/kernel-host/remote-task.js';
import * as root from '../../lib/index.js';
import type { NativeApi } from '../../lib/native/api.js';
import { hostInfo, hostStatistics64, type InfoWords, taskInfo } from '../../lib/services/kernel-routines.js';
import type {
  AuditToken,
  host_basic_info,
  host_can_has_debugger_info,
  host_cpu_load_info,
  host_load_info,
  host_preferred_user_arch,
  host_priority_info,
  host_sched_info,
  HostInfoResult,
  HostStatistics64Result,
  mach_task_basic_info,
  MachApi,
  RawInfo,
  task_basic_info_32,
  task_basic_info_64,
  task_events_info,
  task_thread_times_info,
  TaskInfoResult,
  vm_extmod_statistics,
  vm_statistics,
  vm_statistics64,
} from '../../lib/types.js';

type AnyHostInfo = host_basic_info | host_sched_info | host_priority_info | host_can_has_debugger_info | host_preferred_user_arch | RawInfo;
type AnyHostStatistics64 = host_load_info | vm_statistics | host_cpu_load_info | vm_statistics64 | vm_extmod_statistics | RawInfo;
type AnyTaskInfo =
  | task_events_info
  | task_thread_times_info
  | task_basic_info_32
  | task_basic_info_64
  | AuditToken
  | mach_task_basic_info
  | RawInfo;

function setup() {
  const kernel = new Kernel({ seed: 11 });
  const t: EmulatedTask = kernel.createTask({ name: 't' });
  return { t, api: t as MachApi, host: t.mach_host_self(), self: t.mach_task_self() };
}

describe('result types by flavor', () => {
  it('the flavor constants are declared with literal types', () => {
    expectTypeOf<typeof C.HOST_BASIC_INFO>().toEqualTypeOf<1>();
    expectTypeOf<typeof C.HOST_SCHED_INFO>().toEqualTypeOf<3>();
    expectTypeOf<typeof C.HOST_VM_INFO64>().toEqualTypeOf<4>();
    expectTypeOf<typeof C.MACH_TASK_BASIC_INFO>().toEqualTypeOf<20>();
    expectTypeOf<typeof C.TASK_AUDIT_TOKEN>().toEqualTypeOf<15>();
  });

  it('HostInfoResult, HostStatistics64Result, TaskInfoResult map each flavor to its struct', () => {
    expectTypeOf<HostInfoResult<typeof C.HOST_BASIC_INFO>>().toEqualTypeOf<host_basic_info>();
    expectTypeOf<HostInfoResult<typeof C.HOST_SCHED_INFO>>().toEqualTypeOf<host_sched_info>();
    expectTypeOf<HostInfoResult<typeof C.HOST_PRIORITY_INFO>>().toEqualTypeOf<host_priority_info>();
    expectTypeOf<HostInfoResult<typeof C.HOST_CAN_HAS_DEBUGGER>>().toEqualTypeOf<host_can_has_debugger_info>();
    expectTypeOf<HostInfoResult<typeof C.HOST_PREFERRED_USER_ARCH>>().toEqualTypeOf<host_preferred_user_arch>();

    expectTypeOf<HostStatistics64Result<typeof C.HOST_VM_INFO64>>().toEqualTypeOf<vm_statistics64>();
    expectTypeOf<HostStatistics64Result<typeof C.HOST_LOAD_INFO>>().toEqualTypeOf<host_load_info>();
    expectTypeOf<HostStatistics64Result<typeof C.HOST_VM_INFO>>().toEqualTypeOf<vm_statistics>();
    expectTypeOf<HostStatistics64Result<typeof C.HOST_CPU_LOAD_INFO>>().toEqualTypeOf<host_cpu_load_info>();
    expectTypeOf<HostStatistics64Result<typeof C.HOST_EXTMOD_INFO64>>().toEqualTypeOf<vm_extmod_statistics>();

    expectTypeOf<TaskInfoResult<typeof C.MACH_TASK_BASIC_INFO>>().toEqualTypeOf<mach_task_basic_info>();
    expectTypeOf<TaskInfoResult<typeof C.TASK_AUDIT_TOKEN>>().toEqualTypeOf<AuditToken>();
    expectTypeOf<TaskInfoResult<typeof C.TASK_BASIC_INFO_32>>().toEqualTypeOf<task_basic_info_32>();
    expectTypeOf<TaskInfoResult<typeof C.TASK_BASIC2_INFO_32>>().toEqualTypeOf<task_basic_info_32>();
    expectTypeOf<TaskInfoResult<typeof C.TASK_BASIC_INFO_64>>().toEqualTypeOf<task_basic_info_64 | task_basic_info_32>();
    expectTypeOf<TaskInfoResult<typeof C.TASK_BASIC_INFO_64_2>>().toEqualTypeOf<task_basic_info_64>();
    expectTypeOf<TaskInfoResult<typeof C.TASK_EVENTS_INFO>>().toEqualTypeOf<task_events_info>();
    expectTypeOf<TaskInfoResult<typeof C.TASK_THREAD_TIMES_INFO>>().toEqualTypeOf<task_thread_times_info>();
  });

  it('a literal outside the table is RawInfo; a union of flavors gives the union; `number` gives every struct or RawInfo', () => {
    expectTypeOf<HostInfoResult<9>>().toEqualTypeOf<RawInfo>();
    expectTypeOf<HostStatistics64Result<9999>>().toEqualTypeOf<RawInfo>();
    expectTypeOf<TaskInfoResult<22>>().toEqualTypeOf<RawInfo>();
    expectTypeOf<HostInfoResult<1 | 3>>().toEqualTypeOf<host_basic_info | host_sched_info>();
    expectTypeOf<HostInfoResult<3 | 9>>().toEqualTypeOf<host_sched_info | RawInfo>();
    expectTypeOf<HostInfoResult<number>>().toEqualTypeOf<AnyHostInfo>();
    expectTypeOf<HostInfoResult>().toEqualTypeOf<AnyHostInfo>();
    expectTypeOf<HostStatistics64Result<number>>().toEqualTypeOf<AnyHostStatistics64>();
    expectTypeOf<TaskInfoResult<number>>().toEqualTypeOf<AnyTaskInfo>();
    // The services' InfoWords is the same type as RawInfo.
    expectTypeOf<InfoWords>().toEqualTypeOf<RawInfo>();
  });
});

describe('MachApi and the backends', () => {
  it('MachApi.host_info / host_statistics64 / task_info follow the flavor', () => {
    const { api, host, self } = setup();
    const sched = api.host_info(host, C.HOST_SCHED_INFO);
    expectTypeOf(sched).toEqualTypeOf<host_sched_info>();
    expect(sched).toEqual({ min_timeout: 10, min_quantum: 10 });
    expectTypeOf(api.host_info(host, C.HOST_BASIC_INFO)).toEqualTypeOf<host_basic_info>();
    expectTypeOf(api.host_statistics64(host, C.HOST_VM_INFO64)).toEqualTypeOf<vm_statistics64>();
    const load = api.host_statistics64(host, C.HOST_LOAD_INFO);
    expectTypeOf(load).toEqualTypeOf<host_load_info>();
    expect(load.avenrun).toHaveLength(3);
    const token = api.task_info(self, C.TASK_AUDIT_TOKEN);
    expectTypeOf(token).toEqualTypeOf<AuditToken>();
    expect(token.pid).toBe(api.task_info(self, C.TASK_AUDIT_TOKEN).pid);
    expectTypeOf(api.task_info(self, C.MACH_TASK_BASIC_INFO)).toEqualTypeOf<mach_task_basic_info>();
    // A literal the table does not decode: RawInfo, as the backends return it.
    const purgeable = api.host_info(host, 9);
    expectTypeOf(purgeable).toEqualTypeOf<RawInfo>();
    expect(purgeable.count).toBe(purgeable.words.length);
  });

  it('a flavor typed as number gives the union', () => {
    const { api, host, self } = setup();
    const flavor: number = C.HOST_BASIC_INFO;
    expectTypeOf(api.host_info(host, flavor)).toEqualTypeOf<AnyHostInfo>();
    expectTypeOf(api.host_statistics64(host, flavor)).toEqualTypeOf<AnyHostStatistics64>();
    expectTypeOf(api.task_info(self, C.MACH_TASK_BASIC_INFO as number)).toEqualTypeOf<AnyTaskInfo>();
  });

  it('EmulatedTask, NativeApi and RemoteTask declare the interface’s signatures', () => {
    const { t, host } = setup();
    expectTypeOf(t.host_info(host, C.HOST_PRIORITY_INFO)).toEqualTypeOf<host_priority_info>();
    expectTypeOf<EmulatedTask['host_info']>().toEqualTypeOf<MachApi['host_info']>();
    expectTypeOf<EmulatedTask['host_statistics64']>().toEqualTypeOf<MachApi['host_statistics64']>();
    expectTypeOf<EmulatedTask['task_info']>().toEqualTypeOf<MachApi['task_info']>();
    expectTypeOf<NativeApi['host_info']>().toEqualTypeOf<MachApi['host_info']>();
    expectTypeOf<NativeApi['host_statistics64']>().toEqualTypeOf<MachApi['host_statistics64']>();
    expectTypeOf<NativeApi['task_info']>().toEqualTypeOf<MachApi['task_info']>();
    expectTypeOf<RemoteTask['host_info']>().toEqualTypeOf<MachApi['host_info']>();
    expectTypeOf<RemoteTask['host_statistics64']>().toEqualTypeOf<MachApi['host_statistics64']>();
    expectTypeOf<RemoteTask['task_info']>().toEqualTypeOf<MachApi['task_info']>();
  });
});

describe('the async functions of lib/services', () => {
  it('hostInfo, hostStatistics64, taskInfo resolve to the flavor’s struct', async () => {
    const { api, host, self } = setup();
    const sched = await hostInfo(api, host, C.HOST_SCHED_INFO);
    expectTypeOf(sched).toEqualTypeOf<host_sched_info>();
    expect(sched).toEqual({ min_timeout: 10, min_quantum: 10 });
    const basic = hostInfo(api, host, C.HOST_BASIC_INFO);
    expectTypeOf(basic).resolves.toEqualTypeOf<host_basic_info>();
    expect((await basic).max_cpus).toBeGreaterThan(0);
    const vm = hostStatistics64(api, host, C.HOST_VM_INFO64);
    expectTypeOf(vm).resolves.toEqualTypeOf<vm_statistics64>();
    expect(typeof (await vm).free_count).toBe('number');
    const cpu = hostStatistics64(api, host, C.HOST_CPU_LOAD_INFO);
    expectTypeOf(cpu).resolves.toEqualTypeOf<host_cpu_load_info>();
    expect((await cpu).cpu_ticks).toHaveLength(4);
    const token = await taskInfo(api, self, C.TASK_AUDIT_TOKEN);
    expectTypeOf(token).toEqualTypeOf<AuditToken>();
    expect(token.pid).toBe(api.task_info(self, C.TASK_AUDIT_TOKEN).pid);
    const basicTask = taskInfo(api, self, C.MACH_TASK_BASIC_INFO);
    expectTypeOf(basicTask).resolves.toEqualTypeOf<mach_task_basic_info>();
    expect((await basicTask).resident_size).toBeGreaterThan(0n);
    const raw = hostInfo(api, host, 9);
    expectTypeOf(raw).resolves.toEqualTypeOf<RawInfo>();
    expect((await raw).flavor).toBe(9);
  });

  it('a flavor typed as number gives the union', async () => {
    const { api, host, self } = setup();
    const flavor: number = C.HOST_BASIC_INFO;
    const info = hostInfo(api, host, flavor);
    const stats = hostStatistics64(api, host, flavor);
    const task = taskInfo(api, self, flavor);
    expectTypeOf(info).resolves.toEqualTypeOf<AnyHostInfo>();
    expectTypeOf(stats).resolves.toEqualTypeOf<AnyHostStatistics64>();
    expectTypeOf(task).resolves.toEqualTypeOf<AnyTaskInfo>();
    // Flavor 1 is HOST_BASIC_INFO, HOST_LOAD_INFO for host_statistics64, and not a task_info
    // flavor the emulated kernel answers.
    const [i, s, t] = await Promise.allSettled([info, stats, task]);
    expect(i.status === 'fulfilled' && 'max_cpus' in i.value).toBe(true);
    expect(s.status === 'fulfilled' && 'avenrun' in s.value).toBe(true);
    expect(t.status).toBe('rejected');
  });
});

describe('the root functions keep the flavor typing (RootInfoFunctions)', () => {
  it('host_info, host_statistics64, task_info from the package root', () => {
    const host = root.mach_host_self();
    const sched = root.host_info(host, C.HOST_SCHED_INFO);
    expectTypeOf(sched).toEqualTypeOf<host_sched_info>();
    expect(Object.keys(sched).sort()).toEqual(['min_quantum', 'min_timeout']);
    expectTypeOf(root.host_info(host, C.HOST_BASIC_INFO)).toEqualTypeOf<host_basic_info>();
    expectTypeOf(root.host_statistics64(host, C.HOST_VM_INFO64)).toEqualTypeOf<vm_statistics64>();
    const token = root.task_info(root.mach_task_self(), C.TASK_AUDIT_TOKEN);
    expectTypeOf(token).toEqualTypeOf<AuditToken>();
    expect(token.pid).toBe(process.pid);
    expectTypeOf(root.task_info(root.mach_task_self(), C.MACH_TASK_BASIC_INFO)).toEqualTypeOf<mach_task_basic_info>();
    const flavor: number = C.HOST_BASIC_INFO;
    expectTypeOf(root.host_info(host, flavor)).toEqualTypeOf<AnyHostInfo>();
    const taskFlavor: number = C.MACH_TASK_BASIC_INFO;
    expectTypeOf(root.task_info(root.mach_task_self(), taskFlavor)).toEqualTypeOf<AnyTaskInfo>();
    // RootFunction's rule: a numeric parameter also takes bootstrap_port (a flavor so given
    // is typed as any number).
    expectTypeOf(root.host_info).toBeCallableWith(root.bootstrap_port, C.HOST_SCHED_INFO);
    expectTypeOf<ReturnType<typeof root.host_statistics64<number>>>().toEqualTypeOf<AnyHostStatistics64>();
  });
});
