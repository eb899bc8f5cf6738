/**
 * destroyMessage (libsyscall's mach_msg_destroy) on a received message, in an emulated
 * kernel: every right the message brought into the receiver's space is released — the
 * reply right in the header, a receive right and send rights in descriptors — with the
 * kernel's consequences (a destroyed send-once right notifies its port; a destroyed
 * receive right kills the port for its senders), and nothing else is touched.
 */
import { describe, expect, it } from 'vitest';
import {
  KERN_INVALID_NAME,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSGH_BITS,
  MACH_MSGH_BITS_COMPLEX,
  MACH_NOTIFY_SEND_ONCE,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_RCV_MSG,
  MACH_RCV_TIMEOUT,
  MACH_SEND_MSG,
} from '../../lib/constants.js';
import { Kernel } from '../../lib/emulator/index.js';
import { destroyMessage } from '../../lib/message/index.js';

function world() {
  const kernel = new Kernel({ seed: 5 });
  const client = kernel.createTask({ name: 'client', pid: 10 });
  const server = kernel.createTask({ name: 'server', pid: 11 });
  const inbox = server.bootstrap_check_in(server.bootstrap_port, 'com.example.destroy');
  const toServer = client.bootstrap_look_up(client.bootstrap_port, 'com.example.destroy');
  const self = client.mach_task_self();
  const reply = client.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
  const moved = client.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
  client.mach_port_insert_right(self, moved, moved, MACH_MSG_TYPE_MAKE_SEND);
  const shared = client.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
  client.mach_port_insert_right(self, shared, shared, MACH_MSG_TYPE_MAKE_SEND);
  return { kernel, client, server, inbox, toServer, reply, moved, shared };
}

describe('destroyMessage', () => {
  it('releases the reply right and every descriptor right a received message brought, with the kernel’s notifications', async () => {
    const { kernel, client, server, inbox, toServer, reply, moved, shared } = world();
    await client.mach_msg(
      {
        header: { msgh_bits: (MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) | MACH_MSGH_BITS_COMPLEX) >>> 0, msgh_remote_port: toServer, msgh_local_port: reply, msgh_id: 500 },
        descriptors: [
          { type: MACH_MSG_PORT_DESCRIPTOR, name: moved, disposition: MACH_MSG_TYPE_MOVE_RECEIVE },
          { type: MACH_MSG_OOL_PORTS_DESCRIPTOR, names: [shared, shared], disposition: MACH_MSG_TYPE_COPY_SEND, deallocate: false },
        ],
      },
      MACH_SEND_MSG,
    );
    const got = (await server.mach_msg(undefined, MACH_RCV_MSG | MACH_RCV_TIMEOUT, inbox, 0))!;
    const sSelf = server.mach_task_self();
    const replyName = got.header.msgh_remote_port;
    const movedName = (got.descriptors[0] as { name: number }).name;
    const sharedName = (got.descriptors[1] as { names: number[] }).names[0]!;
    expect(server.mach_port_get_refs(sSelf, sharedName, MACH_PORT_RIGHT_SEND)).toBe(2);
    const namesBefore = server.mach_port_names(sSelf).names.length;

    destroyMessage(server, got);

    for (const name of [replyName, movedName, sharedName]) {
      expect(() => server.mach_port_type(sSelf, name)).toThrow(expect.objectContaining({ kr: KERN_INVALID_NAME }));
    }
    expect(server.mach_port_names(sSelf).names.length).toBe(namesBefore - 3);
    // The send-once right died unused: its port hears MACH_NOTIFY_SEND_ONCE.
    const note = (await client.mach_msg(undefined, MACH_RCV_MSG | MACH_RCV_TIMEOUT, reply, 0))!;
    expect(note.header.msgh_id).toBe(MACH_NOTIFY_SEND_ONCE);
    // The moved receive right was destroyed: the client's send right to it is a dead name.
    expect(client.mach_port_type(client.mach_task_self(), moved)).toBe(MACH_PORT_TYPE_DEAD_NAME);
    // The client's own rights to `shared` are untouched, and the server's inbox too.
    expect(client.mach_port_get_refs(client.mach_task_self(), shared, MACH_PORT_RIGHT_SEND)).toBe(1);
    expect(server.mach_port_get_refs(sSelf, inbox, MACH_PORT_RIGHT_RECEIVE)).toBe(1);
    kernel.checkInvariants();
  });

  it('ignores rights that are already gone, as mach_msg_destroy does', async () => {
    const { kernel, client, server, inbox, toServer, reply } = world();
    await client.mach_msg(
      { header: { msgh_bits: MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), msgh_remote_port: toServer, msgh_local_port: reply, msgh_id: 501 } },
      MACH_SEND_MSG,
    );
    const got = (await server.mach_msg(undefined, MACH_RCV_MSG | MACH_RCV_TIMEOUT, inbox, 0))!;
    server.mach_port_deallocate(server.mach_task_self(), got.header.msgh_remote_port);
    expect(() => destroyMessage(server, got)).not.toThrow();
    kernel.checkInvariants();
  });
});
