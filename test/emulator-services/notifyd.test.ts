import { describe, expect, it } from 'vitest';
import {
  MACH_PORT_LIMITS_INFO,
  MACH_PORT_RECEIVE_STATUS,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_TYPE_RECEIVE,
  MACH_RCV_MSG,
  MACH_RCV_TIMEOUT,
} from '../../lib/constants.js';
import { Kernel } from '../../lib/emulator/kernel.js';
import type { EmulatedTask } from '../../lib/emulator/task.js';
import {
  EmulatedNotifyd,
  NOTIFY_REUSE,
  NOTIFY_SERVICE_NAME,
  NOTIFY_STATUS_INVALID_NAME,
  NOTIFY_STATUS_INVALID_PORT,
  NOTIFY_STATUS_INVALID_TOKEN,
  NOTIFY_STATUS_NOT_AUTHORIZED,
  NOTIFYD_PID,
  notify_cancel,
  notify_check,
  notify_get_state,
  notify_is_valid_token,
  notify_post,
  notify_register_check,
  notify_register_mach_port,
  notify_resume,
  notify_set_state,
  notify_suspend,
} from '../../lib/emulator/notifyd/index.js';
import type { mach_port_status_t, ReceivedMessage } from '../../lib/types.js';

function setup() {
  const kernel = new Kernel({ seed: 5 });
  const listener = kernel.createTask({ name: 'listener', pid: 300 });
  const poster = kernel.createTask({ name: 'poster', pid: 400 });
  return { kernel, listener, poster };
}

/** Receive with a zero timeout: the next message, or null when the queue is empty. */
async function poll(t: EmulatedTask, port: number): Promise<ReceivedMessage | null> {
  try {
    return (await t.mach_msg(undefined, MACH_RCV_MSG | MACH_RCV_TIMEOUT | (3 << 24), port, 0, 256))!;
  } catch (e) {
    if ((e as { code?: string }).code === 'MACH_RCV_TIMED_OUT') return null;
    throw e;
  }
}

async function drain(t: EmulatedTask, port: number): Promise<number[]> {
  const ids: number[] = [];
  for (let m = await poll(t, port); m !== null; m = await poll(t, port)) ids.push(m.header.msgh_id);
  return ids;
}

describe('notify_register_mach_port and notify_post across tasks', () => {
  it('delivers the header-only message: id = token, bits 0x1100, size 24, remote 0, sent by notifyd', async () => {
    const { listener, poster } = setup();
    const { token, port } = notify_register_mach_port(listener, 'com.example.changed', 0, 0);
    expect(token).toBe(2);
    expect(listener.mach_port_type(listener.mach_task_self(), port)).toBe(MACH_PORT_TYPE_RECEIVE);
    notify_post(poster, 'com.example.changed');
    const m = (await poll(listener, port))!;
    expect(m.header.msgh_id).toBe(token);
    expect(m.header.msgh_bits).toBe(0x1100);
    expect(m.size).toBe(24);
    expect(m.body.length).toBe(0);
    expect(m.descriptors).toEqual([]);
    expect(m.header.msgh_remote_port).toBe(0);
    expect(m.header.msgh_local_port).toBe(port);
    expect(m.trailer.audit.pid).toBe(NOTIFYD_PID);
    expect(m.trailer.audit.euid).toBe(0);
    expect(await poll(listener, port)).toBeNull();
  });

  it('tokens count from 2 per task and are shared by every registration kind', () => {
    const { listener, poster } = setup();
    expect(notify_register_mach_port(listener, 'a', 0, 0).token).toBe(2);
    expect(notify_register_check(listener, 'b')).toBe(3);
    expect(notify_register_mach_port(listener, 'c', 0, 0).token).toBe(4);
    expect(notify_register_check(poster, 'a')).toBe(2);
  });

  it('the port notifyd makes has queue limit 16, and notifyd holds a send right (mscount 1)', () => {
    const { listener } = setup();
    const { port } = notify_register_mach_port(listener, 'q', 0, 0);
    const self = listener.mach_task_self();
    expect(listener.mach_port_get_attributes(self, port, MACH_PORT_LIMITS_INFO)).toEqual({ mpl_qlimit: 16 });
    const st = listener.mach_port_get_attributes(self, port, MACH_PORT_RECEIVE_STATUS) as mach_port_status_t;
    expect(st.mps_mscount).toBe(1);
    expect(st.mps_srights).toBe(1);
  });

  it('every post adds a message while there is room: no coalescing', async () => {
    const { listener, poster } = setup();
    const { token, port } = notify_register_mach_port(listener, 'burst', 0, 0);
    for (let i = 0; i < 5; i++) notify_post(poster, 'burst');
    expect(await drain(listener, port)).toEqual([token, token, token, token, token]);
  });

  it('a full queue (16) makes later posts owe exactly one message, delivered when the reader dequeues', async () => {
    const { listener, poster } = setup();
    const { token, port } = notify_register_mach_port(listener, 'flood', 0, 0);
    for (let i = 0; i < 40; i++) notify_post(poster, 'flood');
    const st = listener.mach_port_get_attributes(listener.mach_task_self(), port, MACH_PORT_RECEIVE_STATUS) as mach_port_status_t;
    expect(st.mps_msgcount).toBe(16);
    listener.kernel.checkInvariants();
    const ids = await drain(listener, port);
    expect(ids).toHaveLength(17);
    expect(new Set(ids)).toEqual(new Set([token]));
    // After the drain the registration is live again: the next post is delivered at once.
    notify_post(poster, 'flood');
    expect(await drain(listener, port)).toEqual([token]);
  });

  it('several registrations of one name each get a message, told apart by msgh_id', async () => {
    const { listener, poster } = setup();
    const a = notify_register_mach_port(listener, 'shared', 0, 0);
    const b = notify_register_mach_port(listener, 'shared', a.port, NOTIFY_REUSE);
    expect(b.port).toBe(a.port);
    notify_post(poster, 'shared');
    expect((await drain(listener, a.port)).sort()).toEqual([a.token, b.token].sort());
  });

  it('NOTIFY_REUSE with a port notifyd did not create succeeds but delivers nothing', async () => {
    const { listener, poster } = setup();
    const self = listener.mach_task_self();
    const mine = listener.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    const { token } = notify_register_mach_port(listener, 'foreign', mine, NOTIFY_REUSE);
    expect(notify_is_valid_token(listener, token)).toBe(true);
    notify_post(poster, 'foreign');
    expect(await poll(listener, mine)).toBeNull();
    expect(() => notify_register_mach_port(listener, 'foreign', 0, NOTIFY_REUSE)).toThrow(expect.objectContaining({ status: NOTIFY_STATUS_INVALID_PORT }));
  });

  it('notify_post with a name nobody registered, or one the caller may not post, still succeeds', () => {
    const { poster } = setup();
    expect(() => notify_post(poster, 'nobody.listens')).not.toThrow();
    expect(() => notify_post(poster, 'com.apple.system.timezone')).not.toThrow();
    expect(() => notify_post(poster, null as never)).toThrow(expect.objectContaining({ status: NOTIFY_STATUS_INVALID_NAME }));
    expect(() => notify_post(poster, 5 as never)).toThrow(TypeError);
  });

  it('com.apple.system.* names: non-root may register but its posts are not delivered; root’s are', async () => {
    const { kernel, listener, poster } = setup();
    const root = kernel.createTask({ name: 'root', uid: 0, gid: 0 });
    const { token, port } = notify_register_mach_port(listener, 'com.apple.system.config.network_change', 0, 0);
    notify_post(poster, 'com.apple.system.config.network_change');
    expect(await poll(listener, port)).toBeNull();
    notify_post(root, 'com.apple.system.config.network_change');
    expect((await poll(listener, port))!.header.msgh_id).toBe(token);
  });

  it('user.uid.N names are for uid N only', () => {
    const { listener } = setup();
    expect(() => notify_register_mach_port(listener, 'user.uid.0.secret', 0, 0)).toThrow(expect.objectContaining({ status: NOTIFY_STATUS_NOT_AUTHORIZED }));
    expect(notify_register_mach_port(listener, 'user.uid.501.mine', 0, 0).token).toBeGreaterThan(0);
  });
});

describe('notify_check and notify_cancel', () => {
  it('the first check reports 1, then 0 until the next post', () => {
    const { listener, poster } = setup();
    const token = notify_register_check(listener, 'checked');
    expect(notify_check(listener, token)).toBe(1);
    expect(notify_check(listener, token)).toBe(0);
    notify_post(poster, 'checked');
    notify_post(poster, 'checked');
    expect(notify_check(listener, token)).toBe(1);
    expect(notify_check(listener, token)).toBe(0);
    const { token: portToken } = notify_register_mach_port(listener, 'checked', 0, 0);
    expect(notify_check(listener, portToken)).toBe(1);
  });

  it('unknown tokens are NOTIFY_STATUS_INVALID_TOKEN; tokens are per task', () => {
    const { listener, poster } = setup();
    const token = notify_register_check(listener, 'x');
    expect(() => notify_check(poster, token)).toThrow(expect.objectContaining({ status: NOTIFY_STATUS_INVALID_TOKEN, code: 'NOTIFY_STATUS_INVALID_TOKEN' }));
    expect(() => notify_cancel(poster, 99)).toThrow(expect.objectContaining({ status: NOTIFY_STATUS_INVALID_TOKEN }));
    expect(() => notify_check(listener, 'a' as never)).toThrow(TypeError);
  });

  it('cancel stops delivery; the last token on notifyd’s port destroys the receive right', async () => {
    const { listener, poster } = setup();
    const a = notify_register_mach_port(listener, 'c1', 0, 0);
    const b = notify_register_mach_port(listener, 'c2', a.port, NOTIFY_REUSE);
    notify_cancel(listener, a.token);
    expect(notify_is_valid_token(listener, a.token)).toBe(false);
    expect(() => notify_cancel(listener, a.token)).toThrow(expect.objectContaining({ status: NOTIFY_STATUS_INVALID_TOKEN }));
    notify_post(poster, 'c1');
    notify_post(poster, 'c2');
    expect(await drain(listener, a.port)).toEqual([b.token]);
    notify_cancel(listener, b.token);
    expect(() => listener.mach_port_type(listener.mach_task_self(), a.port)).toThrow(expect.objectContaining({ code: 'KERN_INVALID_NAME' }));
    listener.kernel.checkInvariants();
  });

  it('a registration whose receive right dies is dropped by notifyd', () => {
    const { listener, poster, kernel } = setup();
    const { port } = notify_register_mach_port(listener, 'gone', 0, 0);
    listener.mach_port_mod_refs(listener.mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
    notify_post(poster, 'gone');
    expect(EmulatedNotifyd.of(kernel).state.clientCount).toBe(0);
    kernel.checkInvariants();
  });

  it('a task that exits loses its registrations', () => {
    const { listener, poster, kernel } = setup();
    notify_register_check(listener, 'exit.test');
    listener.terminate();
    notify_post(poster, 'exit.test');
    expect(EmulatedNotifyd.of(kernel).state.clientCount).toBe(0);
  });

  it('suspend makes posts collapse into one message on the final resume', async () => {
    const { listener, poster } = setup();
    const { token, port } = notify_register_mach_port(listener, 'susp', 0, 0);
    notify_suspend(listener, token);
    notify_suspend(listener, token);
    for (let i = 0; i < 3; i++) notify_post(poster, 'susp');
    notify_resume(listener, token);
    expect(await poll(listener, port)).toBeNull();
    notify_resume(listener, token);
    expect(await drain(listener, port)).toEqual([token]);
  });

  it('state is per name, independent of posts, and needs write access', () => {
    const { listener, poster } = setup();
    const a = notify_register_check(listener, 'stateful');
    const b = notify_register_check(poster, 'stateful');
    expect(notify_get_state(listener, a)).toBe(0n);
    notify_set_state(poster, b, 0xfeedn);
    expect(notify_get_state(listener, a)).toBe(0xfeedn);
    expect(notify_check(listener, a)).toBe(1);
    expect(notify_check(listener, a)).toBe(0);
    const sys = notify_register_check(listener, 'com.apple.system.lowpowermode');
    expect(() => notify_set_state(listener, sys, 1n)).toThrow(expect.objectContaining({ status: NOTIFY_STATUS_NOT_AUTHORIZED }));
  });
});

describe('self. names and the service', () => {
  it('self.* names never leave the task', async () => {
    const { listener, poster } = setup();
    const { token, port } = notify_register_mach_port(listener, 'self.local', 0, 0);
    notify_post(poster, 'self.local');
    expect(await poll(listener, port)).toBeNull();
    notify_post(listener, 'self.local');
    const m = (await poll(listener, port))!;
    expect(m.header.msgh_id).toBe(token);
    expect(m.trailer.audit.pid).toBe(300);
    notify_cancel(listener, token);
    expect(() => listener.mach_port_type(listener.mach_task_self(), port)).toThrow(expect.objectContaining({ code: 'KERN_INVALID_NAME' }));
    listener.kernel.checkInvariants();
  });

  it('notifyd is registered with launchd under com.apple.system.notification_center once started', () => {
    const { kernel, poster } = setup();
    EmulatedNotifyd.of(kernel);
    const send = poster.bootstrap_look_up(poster.bootstrap_port, NOTIFY_SERVICE_NAME);
    expect(poster.mach_port_kobject(poster.mach_task_self(), send).object_type).toBe(0);
  });

  it('a port the caller supplies with NOTIFY_REUSE on a self name gets a send right the library releases', () => {
    const { listener } = setup();
    const self = listener.mach_task_self();
    const mine = listener.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    const { token } = notify_register_mach_port(listener, 'self.reuse', mine, NOTIFY_REUSE);
    expect(listener.mach_port_type(self, mine)).toBe(MACH_PORT_TYPE_RECEIVE | 0x10000);
    notify_cancel(listener, token);
    expect(listener.mach_port_type(self, mine)).toBe(MACH_PORT_TYPE_RECEIVE);
  });
});

describe('notify_ipc on the wire', () => {
  async function rpc(t: EmulatedTask, dest: number, id: number, body: Uint8Array, descriptors?: never[]) {
    const r = t.mach_port_allocate(t.mach_task_self(), MACH_PORT_RIGHT_RECEIVE);
    const bits = 0x1513 | (descriptors ? 0x80000000 : 0);
    return (await t.mach_msg({ header: { msgh_bits: bits >>> 0, msgh_remote_port: dest, msgh_local_port: r, msgh_id: id }, body, descriptors }, 3, r, 0, 512))!;
  }
  const ndr = [0, 0, 0, 0, 1, 0, 0, 0];
  const le = (...w: number[]) => w.flatMap((x) => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff]);

  it('register_mach_port_3 (1027): name as offset, count, padded bytes; reply complex 52 bytes with status', async () => {
    const { kernel, listener } = setup();
    EmulatedNotifyd.of(kernel);
    const srv = listener.bootstrap_look_up(listener.bootstrap_port, NOTIFY_SERVICE_NAME);
    const name = [...new TextEncoder().encode('wire.x'), 0, 0]; // "wire.x" + NUL, padded to 8
    const reply = await rpc(listener, srv, 1027, Uint8Array.from([...ndr, ...le(0, 7), ...name, ...le(77)]));
    expect(reply.header.msgh_id).toBe(1127);
    expect(reply.size).toBe(52);
    expect(reply.descriptors).toHaveLength(1);
    expect(reply.descriptors[0]).toMatchObject({ type: 0, disposition: 16 });
    expect(Array.from(reply.body)).toEqual([...ndr, ...le(0)]);
  });

  it('a bad name count or size is MIG_BAD_ARGUMENTS; an unknown id MIG_BAD_ID', async () => {
    const { kernel, listener } = setup();
    EmulatedNotifyd.of(kernel);
    const srv = listener.bootstrap_look_up(listener.bootstrap_port, NOTIFY_SERVICE_NAME);
    const bad = await rpc(listener, srv, 1027, Uint8Array.from([...ndr, ...le(0, 600), 0, 0, 0, 0, ...le(1)]));
    expect(bad.size).toBe(36);
    expect(new DataView(bad.body.buffer, bad.body.byteOffset).getInt32(8, true)).toBe(-304);
    const unknown = await rpc(listener, srv, 1099, Uint8Array.from(ndr));
    expect(new DataView(unknown.body.buffer, unknown.body.byteOffset).getInt32(8, true)).toBe(-303);
  });

  it('checkin (1023) reports IPC version 3 and notifyd’s pid', async () => {
    const { kernel, listener } = setup();
    EmulatedNotifyd.of(kernel);
    const srv = listener.bootstrap_look_up(listener.bootstrap_port, NOTIFY_SERVICE_NAME);
    const reply = await rpc(listener, srv, 1023, new Uint8Array(0));
    expect(reply.size).toBe(48);
    expect(Array.from(reply.body)).toEqual([...ndr, ...le(0, 3, NOTIFYD_PID, 0)]);
  });
});
