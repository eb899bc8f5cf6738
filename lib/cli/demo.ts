/**
 * `machport demo`: a short, real exchange between two tasks on the emulated kernel,
 * printed step by step: a service checked in with the emulated launchd, a client that
 * looks it up, a request carrying a send right and out-of-line memory, a reply on a
 * send-once right, and the no-senders notification when the server lets go.
 * @module
 */
import { backend } from '../backend.js';
import * as C from '../constants.js';
import { Kernel } from '../emulator/index.js';

const SERVICE = 'com.example.machport.demo';

function hex(name: number): string {
  return `0x${(name >>> 0).toString(16)}`;
}

/** Run the demo, writing each step with `out`; resolves to the exit code. */
export async function runDemo(out: (line: string) => void): Promise<number> {
  out(`machport demo — active backend for this process: ${backend.name}${backend.reason ? ` (${backend.reason})` : ''}`);
  out('The exchange below runs between two tasks of an emulated XNU kernel.\n');

  const kernel = new Kernel();
  const server = kernel.createTask({ name: 'server' });
  const client = kernel.createTask({ name: 'client' });
  const sSelf = server.mach_task_self();
  const cSelf = client.mach_task_self();

  const service = server.bootstrap_check_in(server.bootstrap_port, SERVICE);
  out(`1. server checks in '${SERVICE}' with launchd: receive right ${hex(service)}`);

  const svc = client.bootstrap_look_up(client.bootstrap_port, SERVICE);
  out(`2. client looks it up: send right ${hex(svc)} (type ${hex(client.mach_port_type(cSelf, svc))})`);

  const token = client.mach_port_allocate(cSelf, C.MACH_PORT_RIGHT_RECEIVE);
  const replyPort = client.mach_port_allocate(cSelf, C.MACH_PORT_RIGHT_RECEIVE);
  const notifyPort = client.mach_port_allocate(cSelf, C.MACH_PORT_RIGHT_RECEIVE);
  client.mach_port_request_notification(cSelf, token, C.MACH_NOTIFY_NO_SENDERS, 1, notifyPort, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
  out(`3. client allocates port ${hex(token)} to hand out, arms a no-senders notification on it`);

  const payload = new TextEncoder().encode('hello from the client, out of line');
  await client.mach_msg(
    {
      header: {
        msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MAKE_SEND_ONCE) | C.MACH_MSGH_BITS_COMPLEX,
        msgh_remote_port: svc,
        msgh_local_port: replyPort,
        msgh_id: 1000,
      },
      descriptors: [
        { type: C.MACH_MSG_PORT_DESCRIPTOR, name: token, disposition: C.MACH_MSG_TYPE_MAKE_SEND },
        { type: C.MACH_MSG_OOL_DESCRIPTOR, data: payload, copy: C.MACH_MSG_VIRTUAL_COPY },
      ],
    },
    C.MACH_SEND_MSG,
  );
  out(`4. client sends id 1000: a MAKE_SEND right for ${hex(token)}, ${payload.length} bytes OOL, reply MAKE_SEND_ONCE ${hex(replyPort)}`);

  const request = (await server.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AUDIT), service))!;
  const [portDesc, oolDesc] = request.descriptors;
  const gotRight = portDesc && portDesc.type === C.MACH_MSG_PORT_DESCRIPTOR ? portDesc.name : C.MACH_PORT_NULL;
  const text = oolDesc && (oolDesc.type === C.MACH_MSG_OOL_DESCRIPTOR || oolDesc.type === C.MACH_MSG_OOL_VOLATILE_DESCRIPTOR) ? new TextDecoder().decode(oolDesc.data) : '';
  out(
    `5. server receives id ${request.header.msgh_id} (${request.size} bytes, seqno ${request.trailer.seqno}, sender pid ${request.trailer.audit.pid}):` +
      ` send right ${hex(gotRight)}, OOL "${text}", reply send-once ${hex(request.header.msgh_remote_port)}`,
  );

  const body = new Uint8Array(8);
  new DataView(body.buffer).setUint32(4, payload.length, true);
  await server.mach_msg(
    {
      header: {
        msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_MOVE_SEND_ONCE, 0),
        msgh_remote_port: request.header.msgh_remote_port,
        msgh_id: 1100,
      },
      body,
    },
    C.MACH_SEND_MSG,
  );
  out('6. server replies id 1100 on the send-once right (consumed by the send)');

  const reply = (await client.mach_msg(undefined, C.MACH_RCV_MSG, replyPort))!;
  out(`7. client receives the reply id ${reply.header.msgh_id}: server counted ${new DataView(reply.body.buffer, reply.body.byteOffset).getUint32(4, true)} bytes`);

  server.mach_port_deallocate(sSelf, gotRight);
  out(`8. server deallocates its send right ${hex(gotRight)}: no senders remain`);

  const notice = (await client.mach_msg(undefined, C.MACH_RCV_MSG, notifyPort, 1000))!;
  const mscount = new DataView(notice.body.buffer, notice.body.byteOffset).getUint32(8, true);
  out(`9. client receives MACH_NOTIFY_NO_SENDERS (id ${notice.header.msgh_id}) on notify port ${hex(notice.header.msgh_local_port)}: ${hex(token)} had mscount ${mscount}`);

  server.terminate();
  client.terminate();
  out('\nBoth tasks terminated; every right they held was released by the kernel.');
  return 0;
}
