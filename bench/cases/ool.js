/**
 * ool-4KiB: a ping-pong whose request carries one port right (a MAKE_SEND port
 * descriptor of a client port) and a 4 KiB out-of-line buffer, and whose reply carries
 * the 4 KiB region back out-of-line. vs MessageChannel ping-pong transferring a 4 KiB
 * ArrayBuffer each way (postMessage(buf, [buf]): the buffer is detached on the sending
 * side and its memory handed over, no copy).
 *
 * What is measured, per round trip: the client sends its own buffer with deallocate:
 * false, so the kernel copies it at send time (the client keeps and reuses it, as a
 * C client sending from a stack or static buffer does); the server deallocates the send
 * right it received (the name spaces stay the same size) and echoes the region it
 * received with deallocate: true, as a C echo server does with memory it no longer needs.
 * That is the Mach analogue of a transfer: with deallocate the region leaves the
 * sender's address space as part of the send and XNU moves its pages to the receiver
 * instead of copying them (vm_map_copyin with src_destroy), and the emulator hands the
 * received region on without a copy. So one copy per round trip (the request), against
 * none for MessageChannel's two transfers.
 */
import { MessageChannel } from 'node:worker_threads';
import { measureAgainstBaseline } from '../lib/measure.js';
import { serverClient, runServer, stopServer } from '../lib/emu.js';
import { compareRow } from '../lib/rows.js';

export const meta = [
  { name: 'ool-4KiB', kind: 'compare', baseline: 'MessageChannel ping-pong, 4 KiB ArrayBuffer transferred', target: 5 },
];

const BYTES = 4096;

function messageChannelTransfer(bytes) {
  const { port1, port2 } = new MessageChannel();
  port2.on('message', (buf) => port2.postMessage(buf, [buf]));
  let remaining = 0;
  let done = null;
  let buf = new ArrayBuffer(bytes);
  new Uint8Array(buf).fill(0xa5);
  port1.on('message', (back) => {
    buf = back;
    if (--remaining > 0) port1.postMessage(buf, [buf]);
    else done();
  });
  return {
    fn: (n) =>
      new Promise((resolve) => {
        done = resolve;
        remaining = n;
        port1.postMessage(buf, [buf]);
      }),
    check: () => buf.byteLength === bytes && new Uint8Array(buf)[bytes - 1] === 0xa5,
    close() {
      port1.close();
      port2.close();
    },
  };
}

export async function emulatorOol(bytes) {
  const fx = await serverClient();
  const { C, server, client, svc, svcSend, reply } = fx;
  const serverTask = server.mach_task_self();
  const replyDesc = { type: C.MACH_MSG_OOL_DESCRIPTOR, data: null, deallocate: true, copy: C.MACH_MSG_VIRTUAL_COPY };
  const loop = runServer(server, svc, C, (m, r) => {
    const [port, ool] = m.descriptors;
    server.mach_port_deallocate(serverTask, port.name);
    r.header.msgh_bits = C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_MOVE_SEND_ONCE, 0) | C.MACH_MSGH_BITS_COMPLEX;
    r.header.msgh_remote_port = m.header.msgh_remote_port;
    r.header.msgh_id = m.header.msgh_id + 100;
    replyDesc.data = ool.data;
    r.descriptors = [replyDesc];
    r.body = undefined;
  });
  const carried = client.mach_port_allocate(client.mach_task_self(), C.MACH_PORT_RIGHT_RECEIVE);
  const data = new Uint8Array(bytes).fill(0xa5);
  const ping = {
    header: {
      msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MAKE_SEND_ONCE) | C.MACH_MSGH_BITS_COMPLEX,
      msgh_remote_port: svcSend,
      msgh_local_port: reply,
      msgh_id: 2000,
    },
    descriptors: [
      { type: C.MACH_MSG_PORT_DESCRIPTOR, name: carried, disposition: C.MACH_MSG_TYPE_MAKE_SEND },
      { type: C.MACH_MSG_OOL_DESCRIPTOR, data, deallocate: false, copy: C.MACH_MSG_VIRTUAL_COPY },
    ],
  };
  const opts = C.MACH_SEND_MSG | C.MACH_RCV_MSG;
  const namesBefore = server.mach_port_names(serverTask).names.length;
  // The reply carries the 4 KiB back intact, and the client's own buffer (sent without
  // deallocate) is still there: checked after the first round trip and after every timed run.
  const checkEcho = (m) => {
    const d = m?.descriptors?.[0];
    if (!d || d.type !== C.MACH_MSG_OOL_DESCRIPTOR || d.data.byteLength !== bytes || d.data[0] !== 0xa5 || d.data[bytes - 1] !== 0xa5) {
      throw new Error('emulator ool ping-pong: the reply did not carry the 4 KiB buffer back');
    }
    if (data.byteLength !== bytes || data[bytes - 1] !== 0xa5) throw new Error('emulator ool ping-pong: the client lost its buffer');
  };
  checkEcho(await client.mach_msg(ping, opts, reply));
  const namesAfter = server.mach_port_names(serverTask).names.length;
  if (namesAfter !== namesBefore) throw new Error('emulator ool ping-pong: the server name space grew');
  return {
    fn: async (n) => {
      let m;
      for (let i = 0; i < n; i++) m = await client.mach_msg(ping, opts, reply);
      checkEcho(m);
    },
    close: () => stopServer(fx, loop),
  };
}

export async function run(cfg) {
  const m = meta[0];
  const base = messageChannelTransfer(BYTES);
  const r = await measureAgainstBaseline(base, () => emulatorOol(BYTES), cfg);
  if (!base.check()) throw new Error('MessageChannel transfer baseline lost its buffer');
  return [compareRow({ ...m, machport: r.machport, base: r.baseline, unmeasurable: r.unmeasurable })];
}

/** The machport body alone, for profiling (bench/profile.js). */
export const profileBodies = { 'ool-4KiB': () => emulatorOol(BYTES) };
