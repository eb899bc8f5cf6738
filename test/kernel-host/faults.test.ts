/**
 * The kernel host against bad clients and its own death: malformed, truncated and
 * oversized frames, a client that stops reading, and a restart of the kernel. Through
 * all of it a well-behaved client keeps working, and a restart is reported to clients
 * as MACH_RCV_PORT_CHANGED / MACH_SEND_INVALID_DEST rather than a hang.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectKernel } from '../../lib/kernel-host/connect.js';
import { FrameCutter, parseFrame, payload, valueFrame, type Frame } from '../../lib/kernel-host/frames.js';
import { helloFrame, reasonOf } from '../../lib/kernel-host/handshake.js';
import { F, HELLO_MAGIC, METHOD_ID, ROLE } from '../../lib/kernel-host/protocol.js';
import type { RemoteTask } from '../../lib/kernel-host/remote-task.js';
import { beginFrame, endFrame } from '../../lib/kernel-host/frames.js';
import { readValue, writeValue } from '../../lib/kernel-host/values.js';
import { MachError } from '../../lib/errors.js';
import { C, msg, port, portWithSend, recv, send } from '../conformance/helpers.js';
import { requireDist, startKernelHost, tempSocketPath, until, type KernelChild } from './helpers.js';

const MAX_FRAME = 1024 * 1024;
const MAX_BACKLOG = 1024 * 1024;

let kernel: KernelChild & { lines: string[] };
let healthy: RemoteTask;

beforeAll(async () => {
  requireDist();
  kernel = await startKernelHost({ quiet: false, args: ['--max-frame', String(MAX_FRAME), '--max-backlog', String(MAX_BACKLOG)] });
  healthy = await connectKernel(kernel.socket, { name: 'healthy' });
});

afterAll(async () => {
  healthy?.session.close();
  await kernel?.stop();
});

/** A raw connection to the kernel: frames in, frames out. */
interface Raw {
  sock: net.Socket;
  frames: Frame[];
  next(): Promise<Frame>;
  closed: Promise<void>;
  write(b: Buffer): void;
}

async function raw(path = kernel.socket): Promise<Raw> {
  const sock = net.createConnection(path);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  const cutter = new FrameCutter(64 * 1024 * 1024);
  const frames: Frame[] = [];
  const waiting: Array<(f: Frame) => void> = [];
  sock.on('data', (d: Buffer) =>
    cutter.push(d, (b) => {
      const f = parseFrame(Buffer.from(b));
      const w = waiting.shift();
      if (w) w(f);
      else frames.push(f);
    }),
  );
  sock.on('error', () => {});
  const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
  return {
    sock,
    frames,
    closed,
    write: (b) => void sock.write(b),
    next: () => {
      const f = frames.shift();
      if (f) return Promise.resolve(f);
      return new Promise<Frame>((resolve, reject) => {
        waiting.push(resolve);
        void closed.then(() => reject(new Error('connection closed before the next frame')));
      });
    },
  };
}

/** A raw session (one connection for everything) with one task open. */
async function rawSession(): Promise<{ r: Raw; handle: number; seq: () => number; sid: string }> {
  const r = await raw();
  const sid = randomBytes(16);
  r.write(helloFrame(ROLE.BOTH, sid, process.pid, 'raw'));
  expect((await r.next()).type).toBe(F.WELCOME);
  let seq = 0;
  const nextSeq = (): number => ++seq;
  r.write(valueFrame(F.OPEN_TASK, 0, 0, nextSeq(), { name: 'raw' }));
  const opened = await r.next();
  expect(opened.type).toBe(F.RESULT);
  const handle = (readValue(payload(opened)) as { handle: number }).handle;
  return { r, handle, seq: nextSeq, sid: sid.toString('hex') };
}

function callFrame(handle: number, seq: number, method: keyof typeof METHOD_ID, args: unknown[]): Buffer {
  const w = beginFrame(F.CALL, 0, handle, seq);
  w.u8(METHOD_ID[method]);
  writeValue(w, args);
  return endFrame(w);
}

/** The healthy client still does a round trip and synchronous calls. */
async function healthyRoundTrip(): Promise<void> {
  const p = portWithSend(healthy);
  await send(healthy, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 0x42 }));
  expect((await recv(healthy, p)).header.msgh_id).toBe(0x42);
  healthy.mach_port_destroy(healthy.mach_task_self(), p);
}

function sessionCount(): number {
  return (healthy.session.admin({ op: 'status' }) as { sessions: unknown[] }).sessions.length;
}

describe('kernel host: malformed and oversized frames', () => {
  it('a frame length below the header size ends that connection with PROTOCOL_ERROR', async () => {
    const r = await raw();
    const b = Buffer.alloc(8);
    b.writeUInt32LE(3, 0);
    r.write(b);
    const f = await r.next();
    expect(f.type).toBe(F.PROTOCOL_ERROR);
    expect(reasonOf(f)).toMatch(/below the 16-byte header/);
    await r.closed;
    await healthyRoundTrip();
  });

  it('a frame longer than --max-frame ends that connection; the client library refuses such a message up front', async () => {
    const r = await raw();
    const b = Buffer.alloc(16);
    b.writeUInt32LE(MAX_FRAME + 1, 0);
    r.write(b);
    const f = await r.next();
    expect(f.type).toBe(F.PROTOCOL_ERROR);
    expect(reasonOf(f)).toMatch(/exceeds/);
    await r.closed;
    // A RemoteTask does not send what the kernel would refuse: MACH_SEND_TOO_LARGE, nothing sent.
    const p = portWithSend(healthy);
    const big = new Uint8Array(MAX_FRAME + 16);
    await expect(healthy.mach_msg(msg(p, C.MACH_MSG_TYPE_COPY_SEND, { descriptors: [{ type: C.MACH_MSG_OOL_DESCRIPTOR, data: big }] }), C.MACH_SEND_MSG)).rejects.toMatchObject({
      code: 'MACH_SEND_TOO_LARGE',
    });
    // Within the frame limit, XNU's own size rule answers (50 331 580 bytes inline is the
    // emulator's; here a body just over the frame limit is refused on the client).
    await healthyRoundTrip();
  });

  it('a bad HELLO is refused (magic, version, role, unknown session)', async () => {
    const cases: Array<[Buffer, RegExp]> = [];
    const wrongMagic = helloFrame(ROLE.SYNC, randomBytes(16), 1, 'x');
    wrongMagic.writeUInt32LE(HELLO_MAGIC ^ 1, 16);
    cases.push([wrongMagic, /magic/]);
    cases.push([helloFrame(ROLE.SYNC, randomBytes(16), 1, 'x', 99), /protocol version 99/]);
    cases.push([helloFrame(7, randomBytes(16), 1, 'x'), /unknown role/]);
    cases.push([helloFrame(ROLE.ASYNC, randomBytes(16), 1, 'x'), /no session/]);
    cases.push([valueFrame(F.CALL, 0, 0, 1, []), /expected HELLO/]);
    for (const [frame, why] of cases) {
      const r = await raw();
      r.write(frame);
      const f = await r.next();
      expect(f.type).toBe(F.REFUSE);
      expect(reasonOf(f)).toMatch(why);
      await r.closed;
    }
    await healthyRoundTrip();
  });

  it('a request that does not decode is answered with a protocol error and the session goes on; a non-request frame ends it', async () => {
    const { r, handle, seq } = await rawSession();
    // Unknown method id.
    const w = beginFrame(F.CALL, 0, handle, seq());
    w.u8(250);
    writeValue(w, []);
    r.write(endFrame(w));
    let f = await r.next();
    expect(f.type).toBe(F.ERROR);
    expect(readValue(payload(f))).toMatchObject({ kind: 'Protocol', message: expect.stringMatching(/unknown method id 250/) });
    // A value cut short: a string claiming 1000 bytes.
    const w2 = beginFrame(F.CALL, 0, handle, seq());
    w2.u8(METHOD_ID.mach_port_allocate);
    w2.u8(0x0a);
    w2.u32(2);
    w2.u8(0x08);
    w2.u32(1000);
    r.write(endFrame(w2));
    f = await r.next();
    expect(f.type).toBe(F.ERROR);
    expect(readValue(payload(f))).toMatchObject({ kind: 'Protocol', message: expect.stringMatching(/truncated/) });
    // An unknown value tag in a MSG.
    const w3 = beginFrame(F.MSG, 0, handle, seq());
    w3.u8(0x77);
    r.write(endFrame(w3));
    f = await r.next();
    expect(f.type).toBe(F.MSG_ERROR);
    expect(readValue(payload(f))).toMatchObject({ error: { kind: 'Protocol' } });
    // A task handle that does not exist: the call fails like a dead task port.
    r.write(callFrame(999, seq(), 'mach_port_allocate', [0x103, C.MACH_PORT_RIGHT_RECEIVE]));
    f = await r.next();
    expect(readValue(payload(f))).toMatchObject({ kind: 'MachError', kr: C.MACH_SEND_INVALID_DEST });
    // The session still works.
    r.write(callFrame(handle, seq(), 'mach_port_allocate', [0x103, C.MACH_PORT_RIGHT_RECEIVE]));
    f = await r.next();
    expect(f.type).toBe(F.RESULT);
    expect(typeof readValue(payload(f))).toBe('number');
    // A frame that is not a request (a reply type) ends the connection, and its task.
    const before = sessionCount();
    r.write(valueFrame(F.RESULT, 0, handle, seq(), 1));
    f = await r.next();
    expect(f.type).toBe(F.PROTOCOL_ERROR);
    await r.closed;
    await until(() => sessionCount() === before - 1, 5000, 'the session to end');
    await healthyRoundTrip();
  });

  it('a frame cut off by the client closing ends the session cleanly (its task terminated)', async () => {
    const { r, handle, seq } = await rawSession();
    r.write(callFrame(handle, seq(), 'mach_port_allocate', [0x103, C.MACH_PORT_RIGHT_RECEIVE]));
    await r.next();
    const before = sessionCount();
    const frame = callFrame(handle, seq(), 'mach_port_names', [0x103]);
    r.sock.end(frame.subarray(0, 10));
    await r.closed;
    await until(() => sessionCount() === before - 1, 5000, 'the session to end');
    healthy.session.admin({ op: 'invariants' });
    await healthyRoundTrip();
  });

  it('requests arriving out of order wait for the missing one; a duplicate is processed once', async () => {
    const { r, handle, seq } = await rawSession();
    const a = seq();
    const b = seq();
    // b before a: nothing happens until a arrives, then both, in order.
    r.write(callFrame(handle, b, 'mach_port_allocate', [0x103, C.MACH_PORT_RIGHT_RECEIVE]));
    r.write(callFrame(handle, a, 'mach_port_allocate', [0x103, C.MACH_PORT_RIGHT_RECEIVE]));
    const f1 = await r.next();
    const f2 = await r.next();
    expect([f1.seq, f2.seq]).toEqual([a, b]);
    // A re-sent copy of b is ignored.
    r.write(callFrame(handle, b, 'mach_port_allocate', [0x103, C.MACH_PORT_RIGHT_RECEIVE]));
    r.write(callFrame(handle, seq(), 'mach_port_names', [0x103]));
    const f3 = await r.next();
    expect(f3.type).toBe(F.RESULT);
    const listed = readValue(payload(f3)) as { names: Uint32Array };
    expect(listed.names).toBeInstanceOf(Uint32Array);
    expect(listed.names.length).toBe(2 + 2);
    r.sock.destroy();
    await r.closed;
  });
});

describe('kernel host: a client that stops reading', () => {
  it('is disconnected once its unread replies pass --max-backlog; other clients are not stalled', async () => {
    const { r, handle, seq, sid } = await rawSession();
    r.sock.pause();
    // Give the task many names so each mach_port_names reply is large.
    const allocs: Buffer[] = [];
    for (let i = 0; i < 500; i++) allocs.push(callFrame(handle, seq(), 'mach_port_allocate', [0x103, C.MACH_PORT_RIGHT_RECEIVE]));
    r.write(Buffer.concat(allocs));
    const t0 = Date.now();
    let lastRoundTrip = 0;
    const flood = (): void => {
      const frames: Buffer[] = [];
      for (let i = 0; i < 50; i++) frames.push(callFrame(handle, seq(), 'mach_port_names', [0x103]));
      r.write(Buffer.concat(frames));
    };
    const disconnected = (): boolean => kernel.lines.some((l) => l.includes(sid.slice(0, 8)) && l.includes('stopped reading'));
    while (!disconnected() && Date.now() - t0 < 30_000) {
      if (!r.sock.destroyed && r.sock.writableLength < 1 << 20) flood();
      const s = Date.now();
      await healthyRoundTrip();
      lastRoundTrip = Date.now() - s;
      expect(lastRoundTrip).toBeLessThan(5000);
    }
    expect(disconnected()).toBe(true);
    r.sock.destroy();
    await healthyRoundTrip();
    healthy.session.admin({ op: 'invariants' });
  });
});

describe('kernel host: restart', () => {
  it('a kernel that dies is reported as MACH_RCV_PORT_CHANGED / MACH_SEND_INVALID_DEST, not a hang; a new kernel on the same path is joinable', async () => {
    const socket = tempSocketPath('restart');
    const k1 = await startKernelHost({ socket });
    const t = await connectKernel(socket, { name: 'survivor' });
    const p = portWithSend(t);
    const other = port(t);
    const pendingReceive = t.mach_msg(undefined, C.MACH_RCV_MSG, other);
    t.mach_port_set_attributes(t.mach_task_self(), p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 1 });
    await send(t, msg(p, C.MACH_MSG_TYPE_COPY_SEND));
    const pendingSend = t.mach_msg(msg(p, C.MACH_MSG_TYPE_COPY_SEND), C.MACH_SEND_MSG);
    const kernelId = t.session.kernelId;

    k1.child.kill('SIGKILL');
    await expect(pendingReceive).rejects.toMatchObject({ code: 'MACH_RCV_PORT_CHANGED' });
    await expect(pendingSend).rejects.toMatchObject({ code: 'MACH_SEND_INVALID_DEST' });
    await expect(t.mach_msg(msg(p, C.MACH_MSG_TYPE_COPY_SEND), C.MACH_SEND_MSG)).rejects.toMatchObject({ code: 'MACH_SEND_INVALID_DEST' });
    await expect(t.mach_msg(undefined, C.MACH_RCV_MSG, p)).rejects.toMatchObject({ code: 'MACH_RCV_PORT_CHANGED' });
    let err: unknown;
    try {
      t.mach_port_type(t.mach_task_self(), p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MachError);
    expect((err as MachError).code).toBe('MACH_SEND_INVALID_DEST');
    expect(t.terminated).toBe(true);

    // The socket file of the killed kernel is stale: a new kernel replaces it.
    const k2 = await startKernelHost({ socket });
    const t2 = await connectKernel(socket, { name: 'reborn' });
    expect(t2.session.kernelId).not.toBe(kernelId);
    expect(() => t2.bootstrap_look_up(t2.bootstrap_port, 'nothing.here')).toThrow(/BOOTSTRAP_UNKNOWN_SERVICE/);
    // A graceful stop (SIGTERM) ends pending calls the same way.
    const q = port(t2);
    const waiting = t2.mach_msg(undefined, C.MACH_RCV_MSG, q);
    k2.child.kill('SIGTERM');
    await expect(waiting).rejects.toMatchObject({ code: 'MACH_RCV_PORT_CHANGED' });
    await k2.stop();
    await k1.stop();
  });
});
