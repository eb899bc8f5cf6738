/**
 * Emulator fixtures shared by the cases: a kernel with a server task and a client task,
 * connected the way Mach programs connect (the server checks a service in with the
 * emulated launchd, the client looks it up), and an echo server loop.
 */
import { loadEmulator } from './machport.js';

let seq = 0;

/** msgh_id that tells an echo server to stop (sent without a reply port). */
export const STOP_ID = 0x7fff0001;

/**
 * A fresh Kernel with two tasks. `svc` is the server's receive right, `svcSend` the
 * client's send right to it, `reply` a receive right of the client's for replies.
 */
export async function serverClient({ qlimit } = {}) {
  const { Kernel, C } = await loadEmulator();
  const kernel = new Kernel();
  const server = kernel.createTask({ name: 'bench-server' });
  const client = kernel.createTask({ name: 'bench-client' });
  const service = `com.machport.bench.${process.pid}.${seq++}`;
  const svc = server.bootstrap_check_in(server.bootstrap_port, service);
  const svcSend = client.bootstrap_look_up(client.bootstrap_port, service);
  const reply = client.mach_port_allocate(client.mach_task_self(), C.MACH_PORT_RIGHT_RECEIVE);
  if (qlimit) {
    server.mach_port_set_attributes(server.mach_task_self(), svc, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: qlimit });
  }
  return { C, kernel, server, client, svc, svcSend, reply };
}

/**
 * The server loop of a MIG-style server: receive, then reply-and-receive in one
 * mach_msg (MACH_SEND_MSG | MACH_RCV_MSG), as mach_msg_server does. `handle(request,
 * reply)` fills in the reusable reply message. Resolves when a STOP_ID message arrives.
 */
export async function runServer(server, svc, C, handle) {
  const reply = {
    header: {
      msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_MOVE_SEND_ONCE, 0),
      msgh_remote_port: 0,
      msgh_id: 0,
    },
    body: undefined,
  };
  let m = await server.mach_msg(undefined, C.MACH_RCV_MSG, svc);
  while (m.header.msgh_id !== STOP_ID) {
    handle(m, reply);
    m = await server.mach_msg(reply, C.MACH_SEND_MSG | C.MACH_RCV_MSG, svc);
  }
}

/** Sends the STOP message to an echo server and waits for its loop to end. */
export async function stopServer(fx, loop) {
  const { C, client, svcSend } = fx;
  await client.mach_msg(
    { header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0), msgh_remote_port: svcSend, msgh_id: STOP_ID } },
    C.MACH_SEND_MSG,
  );
  await loop;
}
