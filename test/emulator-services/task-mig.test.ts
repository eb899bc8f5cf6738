import { describe, expect, it } from 'vitest';
import {
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
  KERN_INVALID_VALUE,
  KERN_SUCCESS,
  MACH_MSG_OOL_DESCRIPTOR,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSGH_BITS_COMPLEX,
  MACH_NOTIFY_SEND_ONCE,
  MACH_PORT_LIMITS_INFO,
  MACH_PORT_RECEIVE_STATUS,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_TASK_BASIC_INFO,
  MIG_BAD_ARGUMENTS,
  MIG_REPLY_MISMATCH,
  MIG_SERVER_DIED,
  MIG_TYPE_ERROR,
  TASK_AUDIT_TOKEN,
  TASK_BASIC_INFO_32,
  TASK_BASIC_INFO_64,
} from '../../lib/constants.js';
import { Kernel } from '../../lib/emulator/kernel.js';
import { checkSimpleReply } from '../../lib/emulator/kobject/mig.js';
import { decodeMachPortStatus, wordsFromBytes } from '../../lib/kernel-info/index.js';
import type { OolDescriptor, ReceivedMessage } from '../../lib/types.js';
import { le32, migCall, NDR, ndrBody, retCode, word } from './mig-helpers.js';

function setup() {
  const kernel = new Kernel({ seed: 11 });
  const a = kernel.createTask({ name: 'a', pid: 4242, uid: 501, gid: 20 });
  const b = kernel.createTask({ name: 'b', pid: 777, uid: 502, gid: 12 });
  // a holds a send right to b's task port (as task_for_pid would give it).
  const bInA = kernel.copyoutRight(a, b.taskPort, MACH_MSG_TYPE_MAKE_SEND);
  return { kernel, a, b, bInA, self: a.mach_task_self() };
}

describe('task_info', () => {
  it('TASK_AUDIT_TOKEN reports the target task’s pid and ids', () => {
    const { a, bInA, self } = setup();
    expect(a.task_info(self, TASK_AUDIT_TOKEN)).toMatchObject({ pid: 4242, euid: 501, egid: 20, ruid: 501, rgid: 20 });
    expect(a.task_info(bInA, TASK_AUDIT_TOKEN)).toMatchObject({ pid: 777, euid: 502, egid: 12 });
  });

  it('the audit token matches what the task’s messages carry in their trailer', async () => {
    const { a, b, self } = setup();
    const port = a.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    a.mach_port_insert_right(self, port, port, MACH_MSG_TYPE_MAKE_SEND);
    const sendInB = a.kernel.copyoutRight(b, a.kernel.copyinRight(a, port, 19 /* COPY_SEND */) as never, 17 /* MOVE_SEND */);
    await b.mach_msg({ header: { msgh_bits: 0x13, msgh_remote_port: sendInB, msgh_id: 1 } }, 1);
    const got = await a.mach_msg(undefined, 2 | (3 << 24) /* RCV | TRAILER_ELEMENTS(AUDIT) */, port, 0, 256);
    const fromB = got!.trailer.audit;
    const bSelfToken = b.task_info(b.mach_task_self(), TASK_AUDIT_TOKEN);
    expect(bSelfToken).toEqual(fromB);
  });

  it('MACH_TASK_BASIC_INFO: 12 words, policy TIMESHARE, zero suspend count, terminated-thread times 0', async () => {
    const { a, self } = setup();
    const info = a.task_info(self, MACH_TASK_BASIC_INFO);
    expect(info.policy).toBe(1);
    expect(info.suspend_count).toBe(0);
    expect(info.user_time).toEqual({ seconds: 0, microseconds: 0 });
    expect(info.resident_size as bigint).toBeGreaterThan(0n);
    expect(info.resident_size_max as bigint).toBeGreaterThanOrEqual(info.resident_size as bigint);
    const reply = await migCall(a, self, 3405, ndrBody(MACH_TASK_BASIC_INFO, 12));
    expect(reply.size).toBe(40 + 48);
    expect(word(reply.body, 12)).toBe(12);
  });

  it('a count smaller than the flavor’s is KERN_INVALID_ARGUMENT (not KERN_FAILURE as in host_info)', async () => {
    const { a, self } = setup();
    const reply = await migCall(a, self, 3405, ndrBody(TASK_AUDIT_TOKEN, 7));
    expect(reply.size).toBe(36);
    expect(retCode(reply)).toBe(KERN_INVALID_ARGUMENT);
    expect(retCode(await migCall(a, self, 3405, ndrBody(9999, 94)))).toBe(KERN_INVALID_ARGUMENT);
  });

  it('TASK_BASIC_INFO_64 uses the 64-bit layout on x86_64 and the 32-bit one (count 8) on arm64', async () => {
    const { a, self } = setup();
    const reply = await migCall(a, self, 3405, ndrBody(TASK_BASIC_INFO_64, 10));
    expect(word(reply.body, 12)).toBe(process.arch === 'x64' ? 10 : 8);
    const info32 = a.task_info(self, TASK_BASIC_INFO_32);
    expect(info32.suspend_count).toBe(0);
    expect(info32.policy).toBe(1);
  });

  it('task_info on a terminated task’s port fails at send (the port is dead)', () => {
    const { a, b, bInA } = setup();
    b.terminate();
    expect(() => a.task_info(bInA, TASK_AUDIT_TOKEN)).toThrow(expect.objectContaining({ code: 'MACH_SEND_INVALID_DEST' }));
  });
});

describe('mach_port routines through the task port', () => {
  it('mach_port_names (3200): a complex reply with two OOL arrays equal to the direct call', async () => {
    const { a, self } = setup();
    a.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    a.mach_port_allocate(self, 3 /* PORT_SET */);
    const reply = await migCall(a, self, 3200);
    expect((reply.header.msgh_bits & MACH_MSGH_BITS_COMPLEX) >>> 0).toBe(MACH_MSGH_BITS_COMPLEX);
    expect(reply.size).toBe(76);
    expect(reply.descriptors.map((d) => d.type)).toEqual([MACH_MSG_OOL_DESCRIPTOR, MACH_MSG_OOL_DESCRIPTOR]);
    const [namesD, typesD] = reply.descriptors as OolDescriptor[];
    const count = word(reply.body, 8);
    expect(Array.from(reply.body.subarray(0, 8))).toEqual(NDR);
    expect(word(reply.body, 12)).toBe(count);
    const names = Uint32Array.from(wordsFromBytes(namesD!.data, 0, count));
    const types = Uint32Array.from(wordsFromBytes(typesD!.data, 0, count));
    expect({ names, types }).toEqual(a.mach_port_names(self));
  });

  it('mach_port_names through MIG copes with thousands of names', async () => {
    const { a, self } = setup();
    for (let i = 0; i < 3000; i++) a.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    const reply = await migCall(a, self, 3200);
    const count = word(reply.body, 8);
    expect(count).toBe(a.mach_port_names(self).names.length);
    expect((reply.descriptors[0] as OolDescriptor).data.length).toBe(4 * count);
  });

  it('mach_port_names of another task through its task port lists that task’s names', async () => {
    const { a, b, bInA } = setup();
    const port = b.mach_port_allocate(b.mach_task_self(), MACH_PORT_RIGHT_RECEIVE);
    const reply = await migCall(a, bInA, 3200);
    const count = word(reply.body, 8);
    const names = Array.from(wordsFromBytes((reply.descriptors[0] as OolDescriptor).data, 0, count), (n) => n >>> 0);
    expect(names).toEqual(Array.from(b.mach_port_names(b.mach_task_self()).names));
    expect(names).toContain(port);
  });

  it('allocate, type, get_refs, mod_refs, deallocate, destroy act on the target space', async () => {
    const { a, b, bInA } = setup();
    const alloc = await migCall(a, bInA, 3204, ndrBody(MACH_PORT_RIGHT_RECEIVE));
    expect(alloc.size).toBe(40);
    expect(retCode(alloc)).toBe(KERN_SUCCESS);
    const name = word(alloc.body, 12) >>> 0;
    const bSelf = b.mach_task_self();
    expect(b.mach_port_type(bSelf, name)).toBe(MACH_PORT_TYPE_RECEIVE);

    const type = await migCall(a, bInA, 3201, ndrBody(name));
    expect(retCode(type)).toBe(KERN_SUCCESS);
    expect(word(type.body, 12) >>> 0).toBe(MACH_PORT_TYPE_RECEIVE);

    b.mach_port_insert_right(bSelf, name, name, MACH_MSG_TYPE_MAKE_SEND);
    const modRefs = await migCall(a, bInA, 3208, ndrBody(name, MACH_PORT_RIGHT_SEND, 2));
    expect(modRefs.size).toBe(36);
    expect(retCode(modRefs)).toBe(KERN_SUCCESS);
    const refs = await migCall(a, bInA, 3207, ndrBody(name, MACH_PORT_RIGHT_SEND));
    expect(word(refs.body, 12)).toBe(3);
    expect(b.mach_port_get_refs(bSelf, name, MACH_PORT_RIGHT_SEND)).toBe(3);

    expect(retCode(await migCall(a, bInA, 3206, ndrBody(name)))).toBe(KERN_SUCCESS);
    expect(b.mach_port_get_refs(bSelf, name, MACH_PORT_RIGHT_SEND)).toBe(2);
    expect(b.mach_port_type(bSelf, name)).toBe(MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);

    expect(retCode(await migCall(a, bInA, 3205, ndrBody(name)))).toBe(KERN_SUCCESS);
    expect(() => b.mach_port_type(bSelf, name)).toThrow(expect.objectContaining({ kr: KERN_INVALID_NAME }));
    expect(retCode(await migCall(a, bInA, 3201, ndrBody(name)))).toBe(KERN_INVALID_NAME);
    expect(retCode(await migCall(a, bInA, 3206, ndrBody(name)))).toBe(KERN_INVALID_NAME);
  });

  it('errors come back as 36-byte replies with the routine’s kern_return_t', async () => {
    const { a, self } = setup();
    const name = a.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    const refs = await migCall(a, self, 3207, ndrBody(name, 99));
    expect(refs.size).toBe(36);
    expect(retCode(refs)).toBe(KERN_INVALID_VALUE);
    expect(retCode(await migCall(a, self, 3208, ndrBody(name, MACH_PORT_RIGHT_SEND, 1)))).toBe(KERN_INVALID_RIGHT);
    expect(retCode(await migCall(a, self, 3201))).toBe(MIG_BAD_ARGUMENTS);
  });

  it('mach_port_get_attributes (3217): LIMITS_INFO and RECEIVE_STATUS words, count clamping and KERN_FAILURE', async () => {
    const { a, self } = setup();
    const name = a.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    const limits = await migCall(a, self, 3217, ndrBody(name, MACH_PORT_LIMITS_INFO, 1));
    expect(limits.size).toBe(44);
    expect(Array.from(limits.body.subarray(8, 20))).toEqual(le32(KERN_SUCCESS, 1, 5));
    const status = await migCall(a, self, 3217, ndrBody(name, MACH_PORT_RECEIVE_STATUS, 100));
    expect(word(status.body, 12)).toBe(10);
    expect(decodeMachPortStatus(wordsFromBytes(status.body, 16, 10))).toEqual(a.mach_port_get_attributes(self, name, MACH_PORT_RECEIVE_STATUS));
    expect(retCode(await migCall(a, self, 3217, ndrBody(name, MACH_PORT_RECEIVE_STATUS, 9)))).toBe(5 /* KERN_FAILURE */);
  });
});

describe('MIG user-stub reply checks', () => {
  const reply = (id: number, size: number, body: number[], bits = 0x1200): ReceivedMessage =>
    ({
      header: { msgh_bits: bits, msgh_size: size, msgh_remote_port: 0, msgh_local_port: 0x103, msgh_voucher_port: 0, msgh_id: id },
      descriptors: [],
      body: Uint8Array.from(body),
      size,
      trailer: {} as never,
    }) as ReceivedMessage;

  it('a send-once notification instead of the reply is MIG_SERVER_DIED; another id MIG_REPLY_MISMATCH', () => {
    expect(() => checkSimpleReply(reply(MACH_NOTIFY_SEND_ONCE, 24, []), 200, 40, 312, 'x')).toThrow(expect.objectContaining({ kr: MIG_SERVER_DIED }));
    expect(() => checkSimpleReply(reply(301, 36, [...NDR, ...le32(0)]), 200, 40, 312, 'x')).toThrow(expect.objectContaining({ kr: MIG_REPLY_MISMATCH }));
  });

  it('a wrong size or a complex reply is MIG_TYPE_ERROR, but a 36-byte reply with RetCode ≠ 0 is the error', () => {
    expect(() => checkSimpleReply(reply(300, 36, [...NDR, ...le32(0)]), 200, 40, 312, 'x')).toThrow(expect.objectContaining({ kr: MIG_TYPE_ERROR }));
    expect(() => checkSimpleReply(reply(300, 40, [...NDR, ...le32(0, 0)], 0x80001200), 200, 40, 312, 'x')).toThrow(expect.objectContaining({ kr: MIG_TYPE_ERROR }));
    expect(() => checkSimpleReply(reply(300, 36, [...NDR, ...le32(KERN_INVALID_ARGUMENT)]), 200, 40, 312, 'x')).toThrow(expect.objectContaining({ kr: KERN_INVALID_ARGUMENT }));
    expect(checkSimpleReply(reply(300, 40, [...NDR, ...le32(0, 0)]), 200, 40, 312, 'x').getInt32(12, true)).toBe(0);
  });
});
