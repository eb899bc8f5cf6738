/**
 * ool-4KiB: a ping-pong whose request carries one port right (a MAKE_SEND port
 * descriptor of a client port) and a 4 KiB out-of-line buffer, and whose reply carries
 * the 4 KiB region back out-of-line. vs MessageChannel ping-pong transferring a 4 KiB
 * ArrayBuffer each way (postMessage(buf, [buf]): the buffer is detached on the sending
 * side and its memory handed over, no copy).
 *
 * What the row measures, per round trip: the client's first request copies its own buffer
 * in (deallocate: false); from then on each side sends on, with deallocate: true, the
 * region it just received, as MessageChannel's two sides post back the buffer they just
 * got. With deallocate the region leaves the sender as part of the send and XNU moves
 * its pages to the receiver instead of copying them (vm_map_copyin with src_destroy);
 * the emulator hands the received region on without a copy. That is the Mach analogue
 * of a transfer, and like the baseline no round trip copies or allocates the 4 KiB. The
 * server deallocates the send right it received (the name spaces stay the same size).
 *
 * Reported beside the row (its note, extra.copy_*), measured after it against a baseline
 * run of its own: the client sending its own buffer with deallocate: false every time, so the kernel copies 4 KiB into fresh memory
 * per round trip (as a C client sending from a static buffer does), the server still
 * echoing with deallocate: true.
 */
import { MessageChannel } from 'node:worker_threads';
import { measureSideBySide } from '../lib/measure.js';
import { Unavailable } from '../lib/machport.js';
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

/** `mode`: 'move' (each request sends on the region the last reply brought) or 'copy' (the client's own buffer every time). */
export async function emulatorOol(bytes, mode = 'move') {
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
  const request = ping.descriptors[1];
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
  // In move mode the next request carries, with deallocate, the region this reply brought.
  const sendOn = (m) => {
    if (mode !== 'move') return;
    request.data = m.descriptors[0].data;
    request.deallocate = true;
  };
  let last = await client.mach_msg(ping, opts, reply);
  checkEcho(last);
  sendOn(last);
  const namesAfter = server.mach_port_names(serverTask).names.length;
  if (namesAfter !== namesBefore) throw new Error('emulator ool ping-pong: the server name space grew');
  return {
    fn: async (n) => {
      for (let i = 0; i < n; i++) {
        last = await client.mach_msg(ping, opts, reply);
        sendOn(last);
      }
      checkEcho(last);
    },
    close: () => stopServer(fx, loop),
  };
}

export async function run(cfg) {
  const m = meta[0];
  const base = messageChannelTransfer(BYTES);
  const opened = [];
  // One emulator body at a time against the baseline: the copy variant's fresh memory
  // (and the collections it brings) would otherwise land in the row's samples too.
  const against = async (mode) => {
    let body;
    try {
      body = await emulatorOol(BYTES, mode);
    } catch (e) {
      if (!(e instanceof Unavailable)) throw e;
      return { unmeasurable: e.message };
    }
    opened.push(body);
    const r = await measureSideBySide({ baseline: { fn: base.fn }, machport: { fn: body.fn } }, cfg);
    await body.close?.();
    opened.pop();
    return r;
  };
  try {
    const row = await against('move');
    const copy = row.unmeasurable === undefined ? await against('copy') : null;
    if (!base.check()) throw new Error('MessageChannel transfer baseline lost its buffer');
    const copyRatio = copy?.machport ? copy.baseline.median / copy.machport.median : null;
    const note =
      copyRatio !== null
        ? `the client sending its own buffer every time (copied into fresh memory per round trip), measured after the row against its own baseline run: ${(copy.machport.median / 1000).toFixed(2)} µs vs ${(copy.baseline.median / 1000).toFixed(1)} µs, ratio ${copyRatio.toFixed(2)}`
        : undefined;
    return [
      compareRow({
        ...m,
        machport: row.machport,
        base: row.baseline,
        unmeasurable: row.unmeasurable,
        note,
        extra: copyRatio !== null ? { copy_ns: copy.machport.median, copy_baseline_ns: copy.baseline.median, copy_ratio: copyRatio, copy_samples: copy.machport.samples } : undefined,
      }),
    ];
  } finally {
    base.close();
    for (const body of opened) await body.close?.();
  }
}

/** The machport body alone, for profiling (bench/profile.js). */
export const profileBodies = { 'ool-4KiB': () => emulatorOol(BYTES, 'move'), 'ool-4KiB:copy': () => emulatorOol(BYTES, 'copy') };
