/**
 * The native inspection path, driven by a fake of the primitives lib/native provides
 * (so it runs everywhere): privilege errors, missing processes, unreadable lists, and the
 * per-name calls lsmp makes on a task read port.
 */
import { describe, expect, it } from 'vitest';
import * as C from '../../lib/constants.js';
import { MachError } from '../../lib/errors.js';
import { InspectError } from '../../lib/inspect/errors.js';
import { inspectAll, inspectSelf, inspectTask } from '../../lib/inspect/inspect.js';
import type { ipc_info_name_t, NativeIntrospection } from '../../lib/inspect/native.js';
import type { MachApi, mach_port_info_ext_t } from '../../lib/types.js';

const SELF_TASK = 0x103;
const OTHER_PID = process.pid === 1 ? 2 : 1; // exists on every system, and is never readable here
const GONE_PID = 0x7ffffff0; // no such process

interface FakeTask {
  table: ipc_info_name_t[];
  status: Map<number, { mps_qlimit: number; mps_msgcount: number; mps_nsrequest: number; mps_srights: number }>;
  sets: Map<number, number[]>;
  kobjects: Map<number, number>;
}

function fake(readable: Map<number, FakeTask>) {
  const portsByTask = new Map<number, FakeTask>();
  let nextTaskName = 0x9003;
  const deallocated: number[] = [];
  const intro: NativeIntrospection = {
    listPids: () => [process.pid, OTHER_PID, ...[...readable.keys()].filter((p) => p !== process.pid)],
    procName: (pid) => (pid === process.pid ? 'node' : pid === OTHER_PID ? 'launchd' : `proc${pid}`),
    task_read_for_pid: (pid) => {
      const t = readable.get(pid);
      if (!t || pid === OTHER_PID) throw new MachError(C.KERN_FAILURE, 'task_read_for_pid');
      const name = nextTaskName;
      nextTaskName += 0x100;
      portsByTask.set(name, t);
      return name;
    },
    mach_port_space_info: (task) => {
      const t = task === SELF_TASK ? readable.get(process.pid) : portsByTask.get(task);
      if (!t) throw new MachError(C.KERN_INVALID_ARGUMENT, 'mach_port_space_info');
      return { table_info: t.table };
    },
  };
  const taskOf = (task: number) => (task === SELF_TASK ? readable.get(process.pid)! : portsByTask.get(task)!);
  const api = {
    backendName: 'native',
    mach_task_self: () => SELF_TASK,
    mach_port_get_attributes: (task: number, name: number): mach_port_info_ext_t => {
      const s = taskOf(task).status.get(name);
      if (!s) throw new MachError(C.KERN_INVALID_RIGHT, 'mach_port_get_attributes');
      return {
        mpie_status: { mps_pset: 0, mps_seqno: 0, mps_mscount: 1, mps_qlimit: s.mps_qlimit, mps_msgcount: s.mps_msgcount, mps_sorights: 0, mps_srights: s.mps_srights, mps_pdrequest: 0, mps_nsrequest: s.mps_nsrequest, mps_flags: 0 },
        mpie_boost_cnt: 0,
      };
    },
    mach_port_get_context: () => 0n,
    mach_port_get_set_status: (task: number, name: number) => taskOf(task).sets.get(name) ?? [],
    mach_port_kobject: (task: number, name: number) => {
      const k = taskOf(task).kobjects.get(name);
      if (k === undefined) throw new MachError(C.KERN_INVALID_RIGHT, 'mach_port_kobject');
      return { object_type: k, object_addr: 0n };
    },
    mach_port_deallocate: (_task: number, name: number) => {
      deallocated.push(name);
    },
  } as unknown as MachApi;
  return { native: { api, introspection: intro }, deallocated };
}

const me: FakeTask = {
  table: [
    { iin_name: SELF_TASK, iin_type: C.MACH_PORT_TYPE_SEND, iin_urefs: 1, iin_object: 0x5001 },
    { iin_name: 0x203, iin_type: C.MACH_PORT_TYPE_RECEIVE, iin_urefs: 0, iin_object: 0x5002 },
    { iin_name: 0x303, iin_type: 0, iin_urefs: 0, iin_object: 0 },
    { iin_name: 0x403, iin_type: C.MACH_PORT_TYPE_PORT_SET, iin_urefs: 0, iin_object: 0x5004 },
    { iin_name: 0x503, iin_type: C.MACH_PORT_TYPE_SEND, iin_urefs: 1, iin_object: 0x6001 },
  ],
  status: new Map([[0x203, { mps_qlimit: 5, mps_msgcount: 1, mps_nsrequest: 1, mps_srights: 1 }]]),
  sets: new Map([[0x403, [0x203]]]),
  kobjects: new Map([[SELF_TASK, C.IKOT_TASK_CONTROL]]),
};

const child: FakeTask = {
  table: [
    { iin_name: 0x103, iin_type: C.MACH_PORT_TYPE_SEND, iin_urefs: 2, iin_object: 0x5002 },
    { iin_name: 0x207, iin_type: C.MACH_PORT_TYPE_RECEIVE, iin_urefs: 0, iin_object: 0x6001 },
  ],
  status: new Map([[0x207, { mps_qlimit: 16, mps_msgcount: 0, mps_nsrequest: 0, mps_srights: 1 }]]),
  sets: new Map(),
  kobjects: new Map(),
};

const CHILD_PID = 0x7ffffff1; // a pid the fake can read; pidExists is not consulted for it (see below)

describe('native inspection (fake primitives)', () => {
  it('inspects its own task without task_read_for_pid', () => {
    const { native } = fake(new Map([[process.pid, me]]));
    const t = inspectSelf({ native, peers: false });
    expect(t).toMatchObject({ backend: 'native', pid: process.pid, process: 'node', self: true });
    expect(t.ports.map((p) => p.name)).toEqual([SELF_TASK, 0x203, 0x403, 0x503]);
    expect(t.ports[0]!.kobject).toMatchObject({ label: 'TASK-CONTROL', task: { pid: process.pid, self: true } });
    expect(t.ports[1]!.receive).toMatchObject({ qlimit: 5, msgcount: 1, sets: [0x403] });
    expect(t.ports[1]!.requests).toEqual(['no-senders']);
    expect(t.ports[2]!.members).toEqual([0x203]);
    expect(t.ports[3]!.peer).toEqual({ state: 'unknown' });
  });

  it('says which privilege is missing when task_read_for_pid refuses', () => {
    const { native } = fake(new Map([[process.pid, me]]));
    let err: unknown;
    try {
      inspectTask(OTHER_PID, { native });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InspectError);
    const e = err as InspectError;
    expect(e).toMatchObject({ pid: OTHER_PID, reason: 'not-permitted', code: 'KERN_FAILURE', kr: 5, process: 'launchd' });
    expect(e.message).toMatch(/^KERN_FAILURE: task_read_for_pid\(\d+\) was refused: .*root.*com\.apple\.security\.cs\.debugger/);
  });

  it('says when there is no such process', () => {
    const { native } = fake(new Map([[process.pid, me]]));
    expect(() => inspectTask(GONE_PID, { native })).toThrow(/^ESRCH: no process with pid 2147483632$/);
    try {
      inspectTask(GONE_PID, { native });
    } catch (e) {
      expect(e).toMatchObject({ reason: 'no-such-process', code: 'ESRCH' });
    }
  });

  it('inspectAll lists what it could read and, for the rest, why not; peers resolve across readable tasks', () => {
    const { native, deallocated } = fake(new Map([[process.pid, me], [CHILD_PID, child]]));
    // CHILD_PID does not exist on this machine, so stand in for kill(pid, 0) while the fake reads it.
    const realKill = process.kill;
    process.kill = ((pid: number, sig?: string | number) => (pid === CHILD_PID ? true : realKill.call(process, pid, sig))) as typeof process.kill;
    try {
      const report = inspectAll({ native });
      expect(report.backend).toBe('native');
      expect(report.tasks.map((t) => t.pid).sort((a, b) => a - b)).toEqual([process.pid, CHILD_PID].sort((a, b) => a - b));
      expect(report.unreadable).toEqual([
        expect.objectContaining({ pid: OTHER_PID, process: 'launchd', reason: 'not-permitted', code: 'KERN_FAILURE' }),
      ]);
      const mine = report.tasks.find((t) => t.pid === process.pid)!;
      expect(mine.ports.find((p) => p.name === 0x503)!.peer).toEqual({ state: 'task', pid: CHILD_PID, process: `proc${CHILD_PID}`, name: 0x207, qlimit: 16, msgcount: 0 });
      expect(mine.ports.find((p) => p.name === 0x203)!.holders).toEqual([
        { pid: CHILD_PID, process: `proc${CHILD_PID}`, name: 0x103, rights: ['send'], urefs: 2, deadNameRequest: false },
      ]);
      expect(deallocated).toContain(0x9003); // the task read port is released
      const one = inspectTask(CHILD_PID, { native, peers: true });
      expect(one.ports.find((p) => p.name === 0x103)!.peer).toMatchObject({ state: 'task', pid: process.pid, name: 0x203 });
      // Without cross-referencing (the default when not root, as lsmp) the other end is unknown.
      const alone = inspectTask(CHILD_PID, { native, peers: false });
      expect(alone.ports.find((p) => p.name === 0x103)!.peer).toEqual({ state: 'unknown' });
    } finally {
      process.kill = realKill;
    }
  });
});

describe('introspectionFromAddon', () => {
  it('decodes the addon’s [kr, …] results and seven-word ipc_info_name_t table', async () => {
    const { introspectionFromAddon } = await import('../../lib/inspect/native.js');
    const words = new Uint32Array([0x103, 0, C.MACH_PORT_TYPE_SEND, 1, 0xabc, 0, 0, 0x203, 0, C.MACH_PORT_TYPE_RECEIVE, 0, 0xdef, 0, 0]);
    const intro = introspectionFromAddon({
      task_read_for_pid: (pid) => (pid === 7 ? [0, 0x1503] : [C.KERN_FAILURE, 0]),
      mach_port_space_info: (task) => (task === 0x1503 ? [0, new Uint32Array(6), words] : [C.KERN_INVALID_ARGUMENT]),
      mach_port_kobject_description: (_t, name) => (name === 0x103 ? [0, C.IKOT_TASK_CONTROL, 0n, 'pid 7'] : [C.KERN_INVALID_RIGHT]),
      proc_listpids: () => new Int32Array([1, 7]),
      proc_name: (pid) => (pid === 7 ? 'seven' : ''),
    });
    expect(intro.listPids()).toEqual([1, 7]);
    expect(intro.procName(7)).toBe('seven');
    expect(intro.task_read_for_pid(7)).toBe(0x1503);
    expect(() => intro.task_read_for_pid(8)).toThrow(expect.objectContaining({ code: 'KERN_FAILURE', kr: 5 }));
    expect(intro.mach_port_space_info(0x1503).table_info).toEqual([
      { iin_name: 0x103, iin_collision: 0, iin_type: C.MACH_PORT_TYPE_SEND, iin_urefs: 1, iin_object: 0xabc, iin_next: 0, iin_hash: 0 },
      { iin_name: 0x203, iin_collision: 0, iin_type: C.MACH_PORT_TYPE_RECEIVE, iin_urefs: 0, iin_object: 0xdef, iin_next: 0, iin_hash: 0 },
    ]);
    expect(() => intro.mach_port_space_info(1)).toThrow(expect.objectContaining({ code: 'KERN_INVALID_ARGUMENT' }));
    expect(intro.mach_port_kobject_description!(0x1503, 0x103)).toEqual({ object_type: 2, object_addr: 0n, description: 'pid 7' });
  });
});
