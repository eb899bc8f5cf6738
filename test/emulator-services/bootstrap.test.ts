import { describe, expect, it } from 'vitest';
import {
  KERN_INVALID_ARGUMENT,
  BOOTSTRAP_NO_MEMORY,
  BOOTSTRAP_NOT_PRIVILEGED,
  BOOTSTRAP_SERVICE_ACTIVE,
  BOOTSTRAP_UNKNOWN_SERVICE,
  IKOT_NONE,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSGH_BITS_COMPLEX,
  MACH_NOTIFY_NO_SENDERS,
  MACH_PORT_DEAD,
  MACH_PORT_NULL,
  MACH_PORT_RECEIVE_STATUS,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_RCV_MSG,
  MACH_RCV_TIMEOUT,
  MACH_SEND_MSG,
  MIG_BAD_ARGUMENTS,
  MIG_BAD_ID,
} from '../../lib/constants.js';
import { Kernel } from '../../lib/emulator/kernel.js';
import { launchdOf } from '../../lib/emulator/launchd/install.js';
import type { mach_port_status_t } from '../../lib/types.js';
import { le32, NDR, replyPort, retCode } from './mig-helpers.js';

function setup() {
  const kernel = new Kernel({ seed: 3 });
  const server = kernel.createTask({ name: 'server', pid: 100 });
  const client = kernel.createTask({ name: 'client', pid: 200 });
  return { kernel, server, client };
}

/** Send a message through a send right and receive it on a receive right. */
async function roundTrip(from: { mach_msg: Function }, to: { mach_msg: Function }, send: number, recv: number, id: number) {
  await from.mach_msg({ header: { msgh_bits: 0x13, msgh_remote_port: send, msgh_id: id } }, MACH_SEND_MSG);
  return to.mach_msg(undefined, MACH_RCV_MSG | MACH_RCV_TIMEOUT, recv, 0, 256);
}

describe('bootstrap_check_in / look_up', () => {
  it('check_in of a new name gives the receive right; look_up in another task gives a send right to it', async () => {
    const { server, client } = setup();
    const recv = server.bootstrap_check_in(server.bootstrap_port, 'com.example.svc');
    expect(server.mach_port_type(server.mach_task_self(), recv)).toBe(MACH_PORT_TYPE_RECEIVE);
    const send = client.bootstrap_look_up(client.bootstrap_port, 'com.example.svc');
    expect(client.mach_port_type(client.mach_task_self(), send)).toBe(MACH_PORT_TYPE_SEND);
    const got = await roundTrip(client, server, send, recv, 0x1234);
    expect(got.header.msgh_id).toBe(0x1234);
    expect(got.header.msgh_local_port).toBe(recv);
  });

  it('launchd keeps a send right: mscount 1 and srights true before any look-up, so no-senders stays silent', () => {
    const { server } = setup();
    const recv = server.bootstrap_check_in(server.bootstrap_port, 'svc.keep');
    const status = server.mach_port_get_attributes(server.mach_task_self(), recv, MACH_PORT_RECEIVE_STATUS) as mach_port_status_t;
    expect(status.mps_mscount).toBe(1);
    expect(status.mps_srights).toBe(1);
  });

  it('look_up twice gives the same name (send rights coalesce) with two urefs', () => {
    const { server, client } = setup();
    server.bootstrap_check_in(server.bootstrap_port, 'svc.twice');
    const a = client.bootstrap_look_up(client.bootstrap_port, 'svc.twice');
    const b = client.bootstrap_look_up(client.bootstrap_port, 'svc.twice');
    expect(a).toBe(b);
    expect(client.mach_port_get_refs(client.mach_task_self(), a, MACH_PORT_RIGHT_SEND)).toBe(2);
  });

  it('look_up of an unknown name is BOOTSTRAP_UNKNOWN_SERVICE (1102)', () => {
    const { client } = setup();
    expect(() => client.bootstrap_look_up(client.bootstrap_port, 'nobody.home')).toThrow(
      expect.objectContaining({ kr: BOOTSTRAP_UNKNOWN_SERVICE, code: 'BOOTSTRAP_UNKNOWN_SERVICE' }),
    );
  });

  it('check_in of a live name: by its owner 1103, by another task 1100', () => {
    const { server, client } = setup();
    server.bootstrap_check_in(server.bootstrap_port, 'svc.owned');
    expect(() => server.bootstrap_check_in(server.bootstrap_port, 'svc.owned')).toThrow(expect.objectContaining({ kr: BOOTSTRAP_SERVICE_ACTIVE }));
    expect(() => client.bootstrap_check_in(client.bootstrap_port, 'svc.owned')).toThrow(expect.objectContaining({ kr: BOOTSTRAP_NOT_PRIVILEGED }));
  });

  it('when the receive right dies the name is gone (1102) and can be checked in again', () => {
    const { server, client } = setup();
    const recv = server.bootstrap_check_in(server.bootstrap_port, 'svc.dies');
    const send = client.bootstrap_look_up(client.bootstrap_port, 'svc.dies');
    server.mach_port_mod_refs(server.mach_task_self(), recv, MACH_PORT_RIGHT_RECEIVE, -1);
    expect(() => client.bootstrap_look_up(client.bootstrap_port, 'svc.dies')).toThrow(expect.objectContaining({ kr: BOOTSTRAP_UNKNOWN_SERVICE }));
    expect(client.mach_port_type(client.mach_task_self(), send)).toBe(0x00100000 /* DEAD_NAME */);
    const again = client.bootstrap_check_in(client.bootstrap_port, 'svc.dies');
    expect(client.mach_port_type(client.mach_task_self(), again)).toBe(MACH_PORT_TYPE_RECEIVE);
    client.kernel.checkInvariants();
  });

  it('when the owning task terminates its services go away', () => {
    const { server, client } = setup();
    server.bootstrap_check_in(server.bootstrap_port, 'svc.exit');
    server.terminate();
    expect(() => client.bootstrap_look_up(client.bootstrap_port, 'svc.exit')).toThrow(expect.objectContaining({ kr: BOOTSTRAP_UNKNOWN_SERVICE }));
  });

  it('names of 128 bytes or more are refused by the client calls (KERN_INVALID_ARGUMENT); 127 bytes fit a name_t and work', () => {
    const { server, client } = setup();
    const long = 'x'.repeat(127);
    expect(() => server.bootstrap_check_in(server.bootstrap_port, `${long}-and-more`)).toThrow(expect.objectContaining({ kr: KERN_INVALID_ARGUMENT }));
    // Nothing was checked in under the 127-byte prefix the MIG stub would have cut it to.
    expect(() => client.bootstrap_look_up(client.bootstrap_port, long)).toThrow(expect.objectContaining({ kr: BOOTSTRAP_UNKNOWN_SERVICE }));
    const recv = server.bootstrap_check_in(server.bootstrap_port, long);
    expect(recv).not.toBe(MACH_PORT_NULL);
    expect(client.bootstrap_look_up(client.bootstrap_port, long)).not.toBe(MACH_PORT_NULL);
    expect(() => client.bootstrap_look_up(client.bootstrap_port, long.slice(1))).toThrow(expect.objectContaining({ kr: BOOTSTRAP_UNKNOWN_SERVICE }));
  });

  it('rejects bad argument types with TypeError and a bad bootstrap name with the send error', () => {
    const { client } = setup();
    expect(() => client.bootstrap_look_up(client.bootstrap_port, 42 as never)).toThrow(TypeError);
    expect(() => client.bootstrap_look_up(-1 as never, 'x')).toThrow(TypeError);
    expect(() => client.bootstrap_look_up(0x12345603, 'x')).toThrow(expect.objectContaining({ code: 'MACH_SEND_INVALID_DEST' }));
  });

  it('the bootstrap port is an ordinary port to user code (IKOT_NONE) that accepts plain mach_msg', async () => {
    const { client } = setup();
    const self = client.mach_task_self();
    expect(client.mach_port_kobject(self, client.bootstrap_port).object_type).toBe(IKOT_NONE);
    const r = replyPort(client);
    const reply = await client.mach_msg(
      { header: { msgh_bits: 0x1513, msgh_remote_port: client.bootstrap_port, msgh_local_port: r, msgh_id: 999 } },
      MACH_SEND_MSG | MACH_RCV_MSG,
      r,
      0,
      256,
    );
    expect(reply!.header.msgh_id).toBe(1099);
    expect(reply!.size).toBe(36);
    expect(retCode(reply!)).toBe(MIG_BAD_ID);
  });

  it('a check_in2 request with a wrong size or no NUL in name_t is MIG_BAD_ARGUMENTS', async () => {
    const { client } = setup();
    const r = replyPort(client);
    const send = (body: Uint8Array) =>
      client.mach_msg({ header: { msgh_bits: 0x1513, msgh_remote_port: client.bootstrap_port, msgh_local_port: r, msgh_id: 402 }, body }, MACH_SEND_MSG | MACH_RCV_MSG, r, 0, 256);
    expect(retCode((await send(Uint8Array.from([...NDR, ...le32(0)])))!)).toBe(MIG_BAD_ARGUMENTS);
    const noNul = new Uint8Array(8 + 128 + 8).fill(0x41);
    noNul.set(NDR, 0);
    noNul.fill(0, 136);
    expect(retCode((await send(noNul))!)).toBe(MIG_BAD_ARGUMENTS);
  });

  it('check_in2 reply bytes: complex, one MOVE_RECEIVE port descriptor, NDR, zero instance id (64 bytes)', async () => {
    const { client } = setup();
    const r = replyPort(client);
    const name = new Uint8Array(128);
    name.set(new TextEncoder().encode('svc.bytes'));
    const body = Uint8Array.from([...NDR, ...name, 0, 0, 0, 0, 0, 0, 0, 0]);
    const reply = (await client.mach_msg(
      { header: { msgh_bits: 0x1513, msgh_remote_port: client.bootstrap_port, msgh_local_port: r, msgh_id: 402 }, body },
      MACH_SEND_MSG | MACH_RCV_MSG,
      r,
      0,
      256,
    ))!;
    expect(reply.header.msgh_id).toBe(502);
    expect((reply.header.msgh_bits & MACH_MSGH_BITS_COMPLEX) >>> 0).toBe(MACH_MSGH_BITS_COMPLEX);
    expect(reply.size).toBe(64);
    expect(reply.descriptors).toHaveLength(1);
    expect(reply.descriptors[0]).toMatchObject({ type: 0, disposition: 16 });
    expect(Array.from(reply.body)).toEqual([...NDR, ...new Array(16).fill(0)]);
  });
});

describe('bootstrap_register', () => {
  it('registers a send right; look_up returns it; the receive right’s death removes it', async () => {
    const { server, client } = setup();
    const self = server.mach_task_self();
    const port = server.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    server.mach_port_insert_right(self, port, port, MACH_MSG_TYPE_MAKE_SEND);
    server.bootstrap_register(server.bootstrap_port, 'svc.reg', port);
    // register copies the send right: the server keeps its uref.
    expect(server.mach_port_get_refs(self, port, MACH_PORT_RIGHT_SEND)).toBe(1);
    const send = client.bootstrap_look_up(client.bootstrap_port, 'svc.reg');
    const got = await roundTrip(client, server, send, port, 77);
    expect(got.header.msgh_id).toBe(77);
    server.mach_port_mod_refs(self, port, MACH_PORT_RIGHT_RECEIVE, -1);
    expect(() => client.bootstrap_look_up(client.bootstrap_port, 'svc.reg')).toThrow(expect.objectContaining({ kr: BOOTSTRAP_UNKNOWN_SERVICE }));
  });

  it('another task’s name → 1100; the caller’s own active name → 1103; MACH_PORT_NULL unregisters', () => {
    const { server, client } = setup();
    const sSelf = server.mach_task_self();
    const port = server.mach_port_allocate(sSelf, MACH_PORT_RIGHT_RECEIVE);
    server.mach_port_insert_right(sSelf, port, port, MACH_MSG_TYPE_MAKE_SEND);
    server.bootstrap_register(server.bootstrap_port, 'svc.mine', port);
    const refs = server.mach_port_get_refs(sSelf, port, MACH_PORT_RIGHT_SEND);
    expect(() => server.bootstrap_register(server.bootstrap_port, 'svc.mine', port)).toThrow(expect.objectContaining({ kr: BOOTSTRAP_SERVICE_ACTIVE }));
    expect(server.mach_port_get_refs(sSelf, port, MACH_PORT_RIGHT_SEND)).toBe(refs);
    const cSelf = client.mach_task_self();
    const other = client.mach_port_allocate(cSelf, MACH_PORT_RIGHT_RECEIVE);
    client.mach_port_insert_right(cSelf, other, other, MACH_MSG_TYPE_MAKE_SEND);
    expect(() => client.bootstrap_register(client.bootstrap_port, 'svc.mine', other)).toThrow(expect.objectContaining({ kr: BOOTSTRAP_NOT_PRIVILEGED }));
    expect(() => client.bootstrap_register(client.bootstrap_port, 'svc.mine', MACH_PORT_NULL)).toThrow(expect.objectContaining({ kr: BOOTSTRAP_NOT_PRIVILEGED }));
    expect(() => client.bootstrap_check_in(client.bootstrap_port, 'svc.mine')).toThrow(expect.objectContaining({ kr: BOOTSTRAP_NOT_PRIVILEGED }));
    server.bootstrap_register(server.bootstrap_port, 'svc.mine', MACH_PORT_NULL);
    expect(() => client.bootstrap_look_up(client.bootstrap_port, 'svc.mine')).toThrow(expect.objectContaining({ kr: BOOTSTRAP_UNKNOWN_SERVICE }));
    // Now free: the client may take it.
    client.bootstrap_register(client.bootstrap_port, 'svc.mine', other);
    expect(client.bootstrap_look_up(client.bootstrap_port, 'svc.mine')).toBe(other);
    // Unregistering an unknown name succeeds.
    client.bootstrap_register(client.bootstrap_port, 'never.was', MACH_PORT_NULL);
    server.kernel.checkInvariants();
  });

  it('a name registered with a kernel object’s port outlives its task; one with an ordinary send right goes with it', () => {
    const { kernel, server, client } = setup();
    const self = server.mach_task_self();
    const host = server.mach_host_self();
    server.bootstrap_register(server.bootstrap_port, 'svc.kobject', host);
    const port = server.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    server.mach_port_insert_right(self, port, port, MACH_MSG_TYPE_MAKE_SEND);
    server.bootstrap_register(server.bootstrap_port, 'svc.plain', port);
    server.terminate();
    // The host port never dies, so launchd never learns the name is stale (bootstrap.md fact 10).
    const found = client.bootstrap_look_up(client.bootstrap_port, 'svc.kobject');
    expect(found).toBe(client.mach_host_self());
    const cSelf = client.mach_task_self();
    const mine = client.mach_port_allocate(cSelf, MACH_PORT_RIGHT_RECEIVE);
    client.mach_port_insert_right(cSelf, mine, mine, MACH_MSG_TYPE_MAKE_SEND);
    expect(() => client.bootstrap_register(client.bootstrap_port, 'svc.kobject', mine)).toThrow(expect.objectContaining({ kr: BOOTSTRAP_NOT_PRIVILEGED }));
    expect(() => client.bootstrap_look_up(client.bootstrap_port, 'svc.plain')).toThrow(expect.objectContaining({ kr: BOOTSTRAP_UNKNOWN_SERVICE }));
    kernel.checkInvariants();
  });

  it('a dead name is refused with BOOTSTRAP_NO_MEMORY (1105) and a failed register leaves the caller’s right alone', () => {
    const { server } = setup();
    const self = server.mach_task_self();
    const port = server.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    server.mach_port_insert_right(self, port, port, MACH_MSG_TYPE_MAKE_SEND);
    server.mach_port_mod_refs(self, port, MACH_PORT_RIGHT_SEND, 1);
    server.mach_port_mod_refs(self, port, MACH_PORT_RIGHT_RECEIVE, -1);
    // `port` is now a dead name with 2 urefs.
    expect(() => server.bootstrap_register(server.bootstrap_port, 'svc.dead', port)).toThrow(expect.objectContaining({ kr: BOOTSTRAP_NO_MEMORY }));
    expect(() => server.bootstrap_register(server.bootstrap_port, 'svc.dead2', MACH_PORT_DEAD)).toThrow(expect.objectContaining({ kr: BOOTSTRAP_NO_MEMORY }));
  });

  it('launchd’s send right on a registered port keeps no-senders from firing until unregistered', async () => {
    const { server } = setup();
    const self = server.mach_task_self();
    const port = server.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    const notify = server.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    server.mach_port_insert_right(self, port, port, MACH_MSG_TYPE_MAKE_SEND);
    server.bootstrap_register(server.bootstrap_port, 'svc.ns', port);
    server.mach_port_request_notification(self, port, MACH_NOTIFY_NO_SENDERS, 0, notify, 21 /* MAKE_SEND_ONCE */);
    server.mach_port_deallocate(self, port);
    await expect(server.mach_msg(undefined, MACH_RCV_MSG | MACH_RCV_TIMEOUT, notify, 0, 256)).rejects.toMatchObject({ code: 'MACH_RCV_TIMED_OUT' });
    server.bootstrap_register(server.bootstrap_port, 'svc.ns', MACH_PORT_NULL);
    const n = await server.mach_msg(undefined, MACH_RCV_MSG | MACH_RCV_TIMEOUT, notify, 0, 256);
    expect(n!.header.msgh_id).toBe(MACH_NOTIFY_NO_SENDERS);
  });

  it('daemons installed by the kernel are listed and looked up like any service', () => {
    const { kernel, client } = setup();
    const launchd = launchdOf(kernel);
    const port = kernel.createPort('daemon');
    launchd.addDaemonService('com.example.daemon', port);
    expect(launchd.list()).toContainEqual({ name: 'com.example.daemon', pid: null, active: true });
    const send = client.bootstrap_look_up(client.bootstrap_port, 'com.example.daemon');
    expect(client.mach_port_type(client.mach_task_self(), send)).toBe(MACH_PORT_TYPE_SEND);
  });
});
