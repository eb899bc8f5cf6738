/**
 * task_info(TASK_EVENTS_INFO) and task_info(TASK_THREAD_TIMES_INFO) on the emulator: the
 * per-task messages_sent / messages_received counters, bumped where XNU bumps them
 * (xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_post, ipc_mqueue_select_on_thread_locked;
 * osfmk/ipc/ipc_kmsg.c:ipc_kmsg_send for kernel-object requests), and the thread times
 * (zeros, except for the task that stands for this Node process).
 *
 * A task_info call is itself a kernel-object call: its request counts as sent before the
 * server reads the counters, its reply counts as sent once posted and as received once the
 * caller takes it. So between two consecutive reads by a task of its own counters, with
 * nothing else in between, messages_sent grows by 2 and messages_received by 1; `net`
 * takes that out.
 */
import { describe, expect, it } from 'vitest';
import * as C from '../../lib/constants.js';
import { Kernel } from '../../lib/emulator/kernel.js';
import { task_info as serverTaskInfo } from '../../lib/emulator/kobject/task_info.js';
import { machineInfoOfThisHost } from '../../lib/emulator/kobject/machine_info.js';
import { processTask } from '../../lib/emulator/process.js';
import type { EmulatedTask } from '../../lib/emulator/task.js';
import { decodeTaskEventsInfo, type task_events_info } from '../../lib/kernel-info/info_flavors.js';
import type { MachApi } from '../../lib/types.js';

function setup() {
  const kernel = new Kernel({ seed: 23 });
  const a = kernel.createTask({ name: 'a' });
  const b = kernel.createTask({ name: 'b' });
  // a holds a send right to b's task port (as task_for_pid would give it).
  const bInA = kernel.copyoutRight(a, b.taskPort, C.MACH_MSG_TYPE_MAKE_SEND);
  return { kernel, a, b, bInA };
}

/** The task's own TASK_EVENTS_INFO. */
const events = (t: MachApi): task_events_info => t.task_info(t.mach_task_self(), C.TASK_EVENTS_INFO);

/** What happened between two consecutive reads of a task's own counters, the second read's own messages taken out. */
function net(before: task_events_info, after: task_events_info): { sent: number; received: number } {
  return { sent: after.messages_sent - before.messages_sent - 2, received: after.messages_received - before.messages_received - 1 };
}

/** A receive right with a send right under the same name. */
function portWithSend(t: EmulatedTask): number {
  const self = t.mach_task_self();
  const p = t.mach_port_allocate(self, C.MACH_PORT_RIGHT_RECEIVE);
  t.mach_port_insert_right(self, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
  return p;
}

/** A simple message to `dest` (COPY_SEND). */
const ping = (dest: number, id = 1) => ({ header: { msgh_bits: C.MACH_MSG_TYPE_COPY_SEND, msgh_remote_port: dest, msgh_id: id } });

const receive = (t: MachApi, p: number) => t.mach_msg(undefined, C.MACH_RCV_MSG, p, 0, 256);

describe('TASK_EVENTS_INFO on the emulator', () => {
  it('decodes task_events_info; the request being served already counts; VM, syscall and switch counters are 0', () => {
    const { a } = setup();
    const first = events(a);
    expect(Object.keys(first)).toEqual([
      'faults', 'pageins', 'cow_faults', 'messages_sent', 'messages_received', 'syscalls_mach', 'syscalls_unix', 'csw',
    ]);
    // A fresh task's first call: its own request (counted before the server runs), nothing received yet.
    expect(first).toEqual({ faults: 0, pageins: 0, cow_faults: 0, messages_sent: 1, messages_received: 0, syscalls_mach: 0, syscalls_unix: 0, csw: 0 });
    // The first call's reply (posted, then received) and the second call's request.
    expect(events(a)).toMatchObject({ messages_sent: 3, messages_received: 1 });
  });

  it('N sends to the task’s own port and N receives count exactly N each', async () => {
    const { a } = setup();
    const p = portWithSend(a);
    const N = 4;
    const e0 = events(a);
    for (let i = 0; i < N; i++) await a.mach_msg(ping(p, i), C.MACH_SEND_MSG);
    const e1 = events(a);
    expect(net(e0, e1)).toEqual({ sent: N, received: 0 });
    for (let i = 0; i < N; i++) expect((await receive(a, p))!.header.msgh_id).toBe(i);
    expect(net(e1, events(a))).toEqual({ sent: 0, received: N });
  });

  it('between two tasks the sender counts its sends and the receiver its receives; reading another task’s counters counts on the caller', async () => {
    const { kernel, a, b, bInA } = setup();
    const bp = portWithSend(b);
    const sendInA = kernel.copyoutRight(a, kernel.copyinRight(b, bp, C.MACH_MSG_TYPE_COPY_SEND) as never, C.MACH_MSG_TYPE_MOVE_SEND);
    const a0 = events(a);
    const b0 = a.task_info(bInA, C.TASK_EVENTS_INFO);
    for (let i = 0; i < 3; i++) await a.mach_msg(ping(sendInA, i), C.MACH_SEND_MSG);
    for (let i = 0; i < 3; i++) await receive(b, bp);
    const b1 = a.task_info(bInA, C.TASK_EVENTS_INFO);
    // b sent nothing: a's reads of b's counters are a's messages.
    expect(b1.messages_sent - b0.messages_sent).toBe(0);
    expect(b1.messages_received - b0.messages_received).toBe(3);
    const a1 = events(a);
    // a0's reply, b0's call (2 sent, 1 received), 3 sends, b1's call, a1's request.
    expect(a1.messages_sent - a0.messages_sent).toBe(1 + 2 + 3 + 2 + 1);
    expect(a1.messages_received - a0.messages_received).toBe(1 + 1 + 1);
  });

  it('a message handed straight to a receive that was already waiting is not counted as received, as in XNU', async () => {
    const { kernel, a, b, bInA } = setup();
    const bp = portWithSend(b);
    const sendInA = kernel.copyoutRight(a, kernel.copyinRight(b, bp, C.MACH_MSG_TYPE_COPY_SEND) as never, C.MACH_MSG_TYPE_MOVE_SEND);
    const waiting = receive(b, bp);
    const b0 = a.task_info(bInA, C.TASK_EVENTS_INFO);
    const a0 = events(a);
    await a.mach_msg(ping(sendInA, 7), C.MACH_SEND_MSG);
    expect((await waiting)!.header.msgh_id).toBe(7);
    expect(net(a0, events(a))).toEqual({ sent: 1, received: 0 });
    // xnu:osfmk/ipc/ipc_mqueue.c: only ipc_mqueue_select_on_thread_locked (a message taken
    // off the queue) counts; ipc_mqueue_post's hand-off to a waiting thread does not.
    expect(a.task_info(bInA, C.TASK_EVENTS_INFO).messages_received).toBe(b0.messages_received);
  });

  it('failed sends are not counted; a send that waited on a full queue counts once its message is queued', async () => {
    const { kernel, a, b } = setup();
    const self = a.mach_task_self();
    const p = portWithSend(a);
    a.mach_port_set_attributes(self, p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 1 });
    const e0 = events(a);
    await a.mach_msg(ping(p, 1), C.MACH_SEND_MSG);
    await expect(a.mach_msg(ping(p, 2), C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT, 0, 0)).rejects.toMatchObject({ code: 'MACH_SEND_TIMED_OUT' });
    const blocked = a.mach_msg(ping(p, 3), C.MACH_SEND_MSG);
    // A send right to a port that has died: MACH_SEND_INVALID_DEST, nothing posted.
    const bp = portWithSend(b);
    const deadInA = kernel.copyoutRight(a, kernel.copyinRight(b, bp, C.MACH_MSG_TYPE_COPY_SEND) as never, C.MACH_MSG_TYPE_MOVE_SEND);
    b.mach_port_mod_refs(b.mach_task_self(), bp, C.MACH_PORT_RIGHT_RECEIVE, -1);
    await expect(a.mach_msg(ping(deadInA), C.MACH_SEND_MSG)).rejects.toMatchObject({ code: 'MACH_SEND_INVALID_DEST' });
    const e1 = events(a);
    expect(net(e0, e1)).toEqual({ sent: 1, received: 0 });
    expect((await receive(a, p))!.header.msgh_id).toBe(1);
    await blocked;
    expect(net(e1, events(a))).toEqual({ sent: 1, received: 1 });
    expect((await receive(a, p))!.header.msgh_id).toBe(3);
  });

  it('a notification counts as a message sent by the task whose call generated it', async () => {
    const { a } = setup();
    const self = a.mach_task_self();
    const p = portWithSend(a);
    const q = a.mach_port_allocate(self, C.MACH_PORT_RIGHT_RECEIVE);
    a.mach_port_request_notification(self, p, C.MACH_NOTIFY_NO_SENDERS, 0, q, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
    const e0 = events(a);
    a.mach_port_deallocate(self, p);
    const e1 = events(a);
    expect(net(e0, e1)).toEqual({ sent: 1, received: 0 });
    expect((await receive(a, q))!.header.msgh_id).toBe(C.MACH_NOTIFY_NO_SENDERS);
    expect(net(e1, events(a))).toEqual({ sent: 0, received: 1 });
  });

  it('a terminated task’s port fails as for the other flavors; a too-small count and TASK_NULL are KERN_INVALID_ARGUMENT', () => {
    const { a, b, bInA } = setup();
    b.terminate();
    for (const f of [C.TASK_EVENTS_INFO, C.TASK_THREAD_TIMES_INFO, C.TASK_AUDIT_TOKEN]) {
      expect(() => a.task_info(bInA, f), `flavor ${f}`).toThrow(expect.objectContaining({ code: 'MACH_SEND_INVALID_DEST' }));
    }
    const m = machineInfoOfThisHost();
    const subject = {
      audit_token: { auid: 0, euid: 0, egid: 0, ruid: 0, rgid: 0, pid: 1, asid: 0, pidversion: 1 },
      suspend_count: 0,
      messages_sent: 2 ** 40,
      messages_received: 5,
      is_process: false,
    };
    expect(serverTaskInfo(m, undefined, C.TASK_EVENTS_INFO, 8).kr).toBe(C.KERN_INVALID_ARGUMENT);
    expect(serverTaskInfo(m, undefined, C.TASK_THREAD_TIMES_INFO, 4).kr).toBe(C.KERN_INVALID_ARGUMENT);
    expect(serverTaskInfo(m, subject, C.TASK_EVENTS_INFO, 7).kr).toBe(C.KERN_INVALID_ARGUMENT);
    expect(serverTaskInfo(m, subject, C.TASK_THREAD_TIMES_INFO, 3).kr).toBe(C.KERN_INVALID_ARGUMENT);
    const r = serverTaskInfo(m, subject, C.TASK_EVENTS_INFO, 94);
    expect(r.kr).toBe(C.KERN_SUCCESS);
    expect(r.words).toHaveLength(C.TASK_EVENTS_INFO_COUNT);
    // (int32_t) MIN(counter, INT32_MAX), as xnu:osfmk/kern/task.c:task_info reports it.
    expect(decodeTaskEventsInfo(r.words)).toMatchObject({ messages_sent: 0x7fffffff, messages_received: 5 });
    expect(serverTaskInfo(m, subject, C.TASK_THREAD_TIMES_INFO, 94).words).toHaveLength(C.TASK_THREAD_TIMES_INFO_COUNT);
  });
});

describe('TASK_THREAD_TIMES_INFO on the emulator', () => {
  it('an emulated task has no threads of its own: zero times', () => {
    const { a, b, bInA } = setup();
    const zero = { seconds: 0, microseconds: 0 };
    expect(a.task_info(a.mach_task_self(), C.TASK_THREAD_TIMES_INFO)).toEqual({ user_time: zero, system_time: zero });
    expect(a.task_info(bInA, C.TASK_THREAD_TIMES_INFO)).toEqual({ user_time: zero, system_time: zero });
    expect(b.terminated).toBe(false);
  });

  it('the task that stands for this process reports the process’s CPU time (process.cpuUsage)', () => {
    const t = processTask();
    const us = (v: { seconds: number; microseconds: number }) => v.seconds * 1_000_000 + v.microseconds;
    const before = process.cpuUsage();
    const times = t.task_info(t.mach_task_self(), C.TASK_THREAD_TIMES_INFO);
    const after = process.cpuUsage();
    for (const v of [times.user_time, times.system_time]) {
      expect(Number.isInteger(v.seconds) && v.seconds >= 0).toBe(true);
      expect(Number.isInteger(v.microseconds) && v.microseconds >= 0 && v.microseconds < 1_000_000).toBe(true);
    }
    expect(us(times.user_time)).toBeGreaterThanOrEqual(before.user);
    expect(us(times.user_time)).toBeLessThanOrEqual(after.user);
    expect(us(times.system_time)).toBeGreaterThanOrEqual(before.system);
    expect(us(times.system_time)).toBeLessThanOrEqual(after.system);
    expect(us(times.user_time) + us(times.system_time)).toBeGreaterThan(0);
  });
});
