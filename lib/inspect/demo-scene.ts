/**
 * The scene `machport lsmp --emulator-demo` inspects, built deterministically on a fresh
 * emulated kernel: a service checked in with launchd and put in a port set with a second
 * port, two clients holding send rights to it (one with a dead-name request armed), a
 * request of the second client still queued (its send-once reply right in flight inside
 * the message), the first client's request received by the server (which now holds the
 * send-once reply right), and a dead name in the server left by a worker task that handed
 * it a send right and exited.
 * @module
 */
import * as C from '../constants.js';
import { Kernel } from '../emulator/index.js';

/** The service name the scene checks in. */
export const DEMO_SERVICE = 'com.example.machport.lsmp-demo';

/** The scene's kernel and tasks, and the names that matter in each. */
export interface LsmpDemoScene {
  kernel: Kernel;
  server: ReturnType<Kernel['createTask']>;
  client1: ReturnType<Kernel['createTask']>;
  client2: ReturnType<Kernel['createTask']>;
  names: {
    service: number;
    control: number;
    portSet: number;
    serverNotify: number;
    serverReplyRight: number;
    client1Service: number;
    client1Reply: number;
    client1Notify: number;
    client2Service: number;
    client2Reply: number;
    serverDeadName: number;
  };
}

/** Build the scene (seeded, so names and identities are the same on every run). */
export async function buildLsmpDemoScene(seed = 1): Promise<LsmpDemoScene> {
  const kernel = new Kernel({ seed });
  const server = kernel.createTask({ name: 'demo-server' });
  const client1 = kernel.createTask({ name: 'demo-client-1' });
  const client2 = kernel.createTask({ name: 'demo-client-2' });
  const worker = kernel.createTask({ name: 'demo-worker' });
  const sSelf = server.mach_task_self();
  const c1Self = client1.mach_task_self();
  const c2Self = client2.mach_task_self();

  // The server: the service port from launchd, a control port, both in one port set; a
  // no-senders request on the service port.
  const service = server.bootstrap_check_in(server.bootstrap_port, DEMO_SERVICE);
  const control = server.mach_port_allocate(sSelf, C.MACH_PORT_RIGHT_RECEIVE);
  const portSet = server.mach_port_allocate(sSelf, C.MACH_PORT_RIGHT_PORT_SET);
  server.mach_port_move_member(sSelf, service, portSet);
  server.mach_port_move_member(sSelf, control, portSet);
  const serverNotify = server.mach_port_allocate(sSelf, C.MACH_PORT_RIGHT_RECEIVE);

  // Two clients look the service up; the first arms a dead-name request on its right.
  const client1Service = client1.bootstrap_look_up(client1.bootstrap_port, DEMO_SERVICE);
  const client2Service = client2.bootstrap_look_up(client2.bootstrap_port, DEMO_SERVICE);
  server.mach_port_request_notification(sSelf, service, C.MACH_NOTIFY_NO_SENDERS, 0, serverNotify, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
  const client1Notify = client1.mach_port_allocate(c1Self, C.MACH_PORT_RIGHT_RECEIVE);
  client1.mach_port_request_notification(c1Self, client1Service, C.MACH_NOTIFY_DEAD_NAME, 0, client1Notify, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);

  // Each client sends a request with a send-once reply right.
  const client1Reply = client1.mach_port_allocate(c1Self, C.MACH_PORT_RIGHT_RECEIVE);
  const client2Reply = client2.mach_port_allocate(c2Self, C.MACH_PORT_RIGHT_RECEIVE);
  const request = (remote: number, reply: number, id: number) => ({
    header: {
      msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MAKE_SEND_ONCE),
      msgh_remote_port: remote,
      msgh_local_port: reply,
      msgh_id: id,
    },
    body: new Uint8Array(8),
  });
  await client1.mach_msg(request(client1Service, client1Reply, 1000), C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT, C.MACH_PORT_NULL, 0);
  // The server takes the first request off its set: it now holds client 1's reply right.
  const received = await server.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, portSet, 0);
  const serverReplyRight = received!.header.msgh_remote_port;

  // A worker hands the server a send right to a port of its own, then exits: the server is
  // left with a dead name (converted from the kernel's lazy view by looking at it, as any
  // use of the name would).
  const wSelf = worker.mach_task_self();
  const workerService = worker.bootstrap_look_up(worker.bootstrap_port, DEMO_SERVICE);
  const workerPort = worker.mach_port_allocate(wSelf, C.MACH_PORT_RIGHT_RECEIVE);
  await worker.mach_msg(
    {
      header: {
        msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0) | C.MACH_MSGH_BITS_COMPLEX,
        msgh_remote_port: workerService,
        msgh_id: 1002,
      },
      descriptors: [{ type: C.MACH_MSG_PORT_DESCRIPTOR, name: workerPort, disposition: C.MACH_MSG_TYPE_MAKE_SEND }],
    },
    C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT,
    C.MACH_PORT_NULL,
    0,
  );
  const handed = await server.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, portSet, 0);
  const d = handed!.descriptors[0];
  const serverDeadName = d && d.type === C.MACH_MSG_PORT_DESCRIPTOR ? d.name : C.MACH_PORT_NULL;
  worker.terminate();
  server.mach_port_type(sSelf, serverDeadName);

  // Client 2's request stays queued: its reply right is in flight inside the message.
  await client2.mach_msg(request(client2Service, client2Reply, 1001), C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT, C.MACH_PORT_NULL, 0);

  return {
    kernel,
    server,
    client1,
    client2,
    names: {
      service,
      control,
      portSet,
      serverNotify,
      serverReplyRight,
      client1Service,
      client1Reply,
      client1Notify,
      client2Service,
      client2Reply,
      serverDeadName,
    },
  };
}
