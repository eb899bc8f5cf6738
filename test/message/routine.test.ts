import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  HOST_BASIC_INFO,
  HOST_BASIC_INFO_COUNT,
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSGH_BITS,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_RCV_MSG,
  MACH_RCV_TIMED_OUT,
  MACH_SEND_MSG,
  MIG_BAD_ARGUMENTS,
  MIG_BAD_ID,
  MIG_REPLY_MISMATCH,
  MIG_SERVER_DIED,
  MIG_TYPE_ERROR,
} from '../../lib/constants.js';
import { Kernel, type EmulatedTask, type Port } from '../../lib/emulator/index.js';
import { MachError } from '../../lib/errors.js';
import {
  cString,
  defineRoutine,
  defineSimpleRoutine,
  int32,
  ool,
  oolPorts,
  port,
  serve,
  uint32,
  varArray,
  type RoutineHandler,
} from '../../lib/message/index.js';

async function rejection(p: Promise<unknown>): Promise<MachError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof MachError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

const add = defineRoutine({ subsystem: 9000, id: 0, name: 'add', request: { a: int32, b: int32 }, reply: { sum: int32 } });
const echoName = defineRoutine({ subsystem: 9000, id: 1, request: { name: cString(64) }, reply: { length: uint32, name: cString(64) } });
const notServed = defineRoutine({ subsystem: 9000, id: 2, request: {}, reply: {} });
const giveRight = defineRoutine({ subsystem: 9000, id: 3, request: { right: port(MACH_MSG_TYPE_MAKE_SEND), keep: int32 }, reply: {} });
const makePort = defineRoutine({ subsystem: 9000, id: 4, request: {}, reply: { port: port(MACH_MSG_TYPE_MAKE_SEND), data: ool(), names: oolPorts(MACH_MSG_TYPE_MAKE_SEND) } });
const slow = defineRoutine({ subsystem: 9000, id: 5, request: {}, reply: {} });
const ping = defineSimpleRoutine({ subsystem: 9000, id: 6, request: { n: int32 } });
// Same ids as `add`, other layouts: what a client built from a different .defs sends and expects.
const addWrongRequest = defineRoutine({ subsystem: 9000, id: 0, request: { a: int32 }, reply: { sum: int32 } });
const addWrongReply = defineRoutine({ subsystem: 9000, id: 0, request: { a: int32, b: int32 }, reply: { sum: int32, extra: int32 } });

describe('defineRoutine / serve between two emulated tasks', () => {
  let kernel: Kernel;
  let server: EmulatedTask;
  let client: EmulatedTask;
  let service: number;
  let stop: AbortController;
  let serving: Promise<void>;
  let pings: number[];
  let senderPids: number[];
  let heldReplies: Array<{ name: number; disposition: number }>;

  const handlers = (): RoutineHandler[] => [
    add.implement(({ a, b }) => {
      if (a < 0) throw new MachError(KERN_INVALID_ARGUMENT);
      if (b < 0) throw new Error('handler bug');
      return { sum: a + b };
    }),
    echoName.implement(({ name }, ctx) => {
      senderPids.push(ctx.trailer.audit.pid);
      return { length: name.length, name };
    }),
    giveRight.implement(({ right, keep }, ctx) => {
      if (keep) ctx.take(right);
    }),
    makePort.implement(() => {
      const p = server.mach_port_allocate(server.mach_task_self(), MACH_PORT_RIGHT_RECEIVE);
      const q = server.mach_port_allocate(server.mach_task_self(), MACH_PORT_RIGHT_RECEIVE);
      return { port: p, data: Uint8Array.of(1, 2, 3), names: [p, q] };
    }),
    slow.implement((_req, ctx) => {
      heldReplies.push(ctx.takeReply());
    }),
    ping.implement(({ n }) => {
      pings.push(n);
    }),
  ];

  beforeEach(() => {
    kernel = new Kernel();
    server = kernel.createTask({ name: 'server' });
    client = kernel.createTask({ name: 'client' });
    const receiveRight = server.mach_port_allocate(server.mach_task_self(), MACH_PORT_RIGHT_RECEIVE);
    service = giveSendRight(kernel, server, receiveRight, client);
    stop = new AbortController();
    pings = [];
    senderPids = [];
    heldReplies = [];
    serving = serve(server, receiveRight, handlers(), { signal: stop.signal });
  });

  afterEach(async () => {
    stop.abort();
    await serving;
    kernel.checkInvariants();
  });

  it('calls a routine and resolves with the typed reply', async () => {
    expect(await add.call(client, service, { a: 2, b: 40 })).toEqual({ sum: 42 });
    expect(await echoName.call(client, service, { name: 'hello' })).toEqual({ length: 5, name: 'hello' });
  });

  it('gives handlers the audit trailer, so they know the sender', async () => {
    await echoName.call(client, service, { name: 'x' });
    expect(senderPids).toEqual([client.pid]);
  });

  it('rejects with the RetCode a handler throws, and KERN_FAILURE for other exceptions', async () => {
    expect((await rejection(add.call(client, service, { a: -1, b: 0 }))).kr).toBe(KERN_INVALID_ARGUMENT);
    expect((await rejection(add.call(client, service, { a: 1, b: -1 }))).kr).toBe(KERN_FAILURE);
  });

  it('answers an unknown id with MIG_BAD_ID and a malformed request with MIG_BAD_ARGUMENTS', async () => {
    expect((await rejection(notServed.call(client, service, {}))).kr).toBe(MIG_BAD_ID);
    expect((await rejection(addWrongRequest.call(client, service, { a: 1 }))).kr).toBe(MIG_BAD_ARGUMENTS);
  });

  it('reports a reply of the wrong size as MIG_TYPE_ERROR', async () => {
    expect((await rejection(addWrongReply.call(client, service, { a: 1, b: 2 }))).kr).toBe(MIG_TYPE_ERROR);
  });

  it('reports a destroyed reply right as MIG_SERVER_DIED', async () => {
    const call = slow.call(client, service, {});
    await until(() => heldReplies.length === 1);
    server.mach_port_deallocate(server.mach_task_self(), heldReplies[0]!.name);
    expect((await rejection(call)).kr).toBe(MIG_SERVER_DIED);
  });

  it('reports a reply with another id as MIG_REPLY_MISMATCH', async () => {
    const call = slow.call(client, service, {});
    await until(() => heldReplies.length === 1);
    const reply = heldReplies[0]!;
    await server.mach_msg(
      { header: { msgh_bits: MACH_MSGH_BITS(reply.disposition, 0), msgh_remote_port: reply.name, msgh_id: 12345 }, body: new Uint8Array(0) },
      MACH_SEND_MSG,
    );
    expect((await rejection(call)).kr).toBe(MIG_REPLY_MISMATCH);
  });

  it('lets a handler reply later through a taken reply right', async () => {
    const call = slow.call(client, service, {});
    await until(() => heldReplies.length === 1);
    await slow.reply(server, heldReplies[0]!, {});
    await expect(call).resolves.toEqual({});
  });

  it('times out with MACH_RCV_TIMED_OUT', async () => {
    expect((await rejection(slow.call(client, service, {}, { timeout: 10 }))).kr).toBe(MACH_RCV_TIMED_OUT);
  });

  it('rejects with the signal’s reason when a call is aborted, and does not leak its reply port', async () => {
    const names = client.mach_port_names(client.mach_task_self()).names.length;
    const abort = new AbortController();
    const call = slow.call(client, service, {}, { signal: abort.signal });
    await until(() => heldReplies.length === 1);
    const reason = new Error('caller gave up');
    abort.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(client.mach_port_names(client.mach_task_self()).names.length).toBe(names);
  });

  it('rejects serve with the receive error when its receive right is destroyed', async () => {
    const other = server.mach_port_allocate(server.mach_task_self(), MACH_PORT_RIGHT_RECEIVE);
    const otherServing = serve(server, other, [add.implement(({ a, b }) => ({ sum: a + b }))]);
    await new Promise((resolve) => setImmediate(resolve));
    server.mach_port_mod_refs(server.mach_task_self(), other, MACH_PORT_RIGHT_RECEIVE, -1);
    expect((await rejection(otherServing)).code).toMatch(/^MACH_RCV_(PORT_CHANGED|INVALID_NAME)$/);
  });

  it('carries ports, OOL memory and OOL ports in a complex reply', async () => {
    const reply = await makePort.call(client, service, {});
    expect(reply.data).toEqual(Uint8Array.of(1, 2, 3));
    expect(reply.names).toHaveLength(2);
    expect(client.mach_port_type(client.mach_task_self(), reply.port) & MACH_PORT_TYPE_SEND).toBeTruthy();
    expect(reply.names[0]).toBe(reply.port);
  });

  it('releases request rights the handler does not take, and keeps those it takes', async () => {
    const kept = client.mach_port_allocate(client.mach_task_self(), MACH_PORT_RIGHT_RECEIVE);
    const dropped = client.mach_port_allocate(client.mach_task_self(), MACH_PORT_RIGHT_RECEIVE);
    const before = server.mach_port_names(server.mach_task_self()).names.length;
    await giveRight.call(client, service, { right: dropped, keep: 0 });
    expect(server.mach_port_names(server.mach_task_self()).names.length).toBe(before);
    await giveRight.call(client, service, { right: kept, keep: 1 });
    expect(server.mach_port_names(server.mach_task_self()).names.length).toBe(before + 1);
  });

  it('sends a simpleroutine without waiting for a reply', async () => {
    await ping.send(client, service, { n: 7 });
    await until(() => pings.length === 1);
    expect(pings).toEqual([7]);
  });

  it('reuses reply ports across calls instead of leaking them', async () => {
    await add.call(client, service, { a: 1, b: 1 });
    const names = client.mach_port_names(client.mach_task_self()).names.length;
    for (let i = 0; i < 20; i++) await add.call(client, service, { a: i, b: i });
    expect(client.mach_port_names(client.mach_task_self()).names.length).toBe(names);
  });

  it('stops serving when the signal aborts', async () => {
    stop.abort();
    await expect(serving).resolves.toBeUndefined();
  });

  it('also serves a message sent with plain mach_msg bytes the schema describes', async () => {
    const replyPort = client.mach_port_allocate(client.mach_task_self(), MACH_PORT_RIGHT_RECEIVE);
    const request = add.encodeRequest({ a: 5, b: 6 }, service, replyPort);
    const reply = await client.mach_msg(request, MACH_SEND_MSG | MACH_RCV_MSG, replyPort, 0, 256);
    expect(add.decodeReply(reply!)).toEqual({ sum: 11 });
    expect(reply!.header.msgh_remote_port).toBe(0);
  });
});

describe('defineRoutine against the emulated kernel’s own MIG server', () => {
  it('host_info(HOST_BASIC_INFO) through a routine gives the values host_info() returns', async () => {
    const task = new Kernel().createTask({ name: 'caller' });
    const host_info = defineRoutine({
      subsystem: 200,
      id: 0,
      name: 'host_info',
      request: { flavor: int32, host_info_outCnt: uint32 },
      reply: { host_info_out: varArray(int32, 68) },
    });
    const { host_info_out } = await host_info.call(task, task.mach_host_self(), { flavor: HOST_BASIC_INFO, host_info_outCnt: HOST_BASIC_INFO_COUNT }, { kobjectCall: true });
    const expected = task.host_info(task.mach_host_self(), HOST_BASIC_INFO);
    expect(host_info_out).toHaveLength(HOST_BASIC_INFO_COUNT);
    expect(host_info_out[0]).toBe(expected.max_cpus);
    expect(host_info_out[3]).toBe(expected.cpu_type);
    const words = new DataView(new Int32Array(host_info_out.slice(10, 12)).buffer);
    expect(words.getBigUint64(0, true)).toBe(expected.max_mem);
  });
});

/**
 * Gives `to` a send right made from `from`'s receive right `name`, through the
 * emulated kernel's custody (what a message carrying MAKE_SEND would do), so these tests
 * do not depend on the emulated launchd.
 */
function giveSendRight(kernel: Kernel, from: EmulatedTask, name: number, to: EmulatedTask): number {
  const port = kernel.copyinRight(from, name, MACH_MSG_TYPE_MAKE_SEND) as Port;
  return kernel.copyoutRight(to, port, MACH_MSG_TYPE_MOVE_SEND);
}

/** Waits (without timing assumptions) until `cond` holds, yielding to the event loop. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !cond(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!cond()) throw new Error('condition never became true');
}
