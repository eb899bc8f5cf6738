import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  HOST_BASIC_INFO,
  HOST_VM_INFO64,
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_HOST,
  KERN_INVALID_TASK,
  KERN_SUCCESS,
  MACH_MSGH_BITS_COMPLEX,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_SEND_INVALID_OPTIONS,
  MACH_SEND_MSG,
  MACH_RCV_MSG,
  MIG_BAD_ARGUMENTS,
  MIG_BAD_ID,
} from '../../lib/constants.js';
import { Kernel } from '../../lib/emulator/kernel.js';
import { decodeHostBasicInfo, decodeVmStatistics64, wordsFromBytes } from '../../lib/kernel-info/index.js';
import { le32, migCall, NDR, ndrBody, replyPort, retCode, word } from './mig-helpers.js';

/** What host_info(HOST_BASIC_INFO) must report for the machine the test runs on. */
function expectedBasicInfo() {
  const cpus = os.availableParallelism();
  const total = BigInt(os.totalmem());
  const x64 = process.arch === 'x64';
  return {
    max_cpus: cpus,
    avail_cpus: cpus,
    // x86_64 XNU pins memory_size at 2 GiB; arm64 XNU casts the byte count to uint32_t.
    memory_size: x64 ? Number(total < 0x80000000n ? total : 0x80000000n) : Number(BigInt.asUintN(32, total)),
    cpu_type: x64 ? 0x01000007 : 0x0100000c,
    cpu_subtype: x64 ? 3 : 0,
    cpu_threadtype: 0,
    physical_cpu: cpus,
    physical_cpu_max: cpus,
    logical_cpu: cpus,
    logical_cpu_max: cpus,
    max_mem: total,
  };
}

function setup() {
  const kernel = new Kernel({ seed: 7 });
  const t = kernel.createTask({ name: 'client' });
  const host = t.mach_host_self();
  return { kernel, t, host, self: t.mach_task_self() };
}

describe('host_info as raw MIG (reference §4.4)', () => {
  it('answers the 40-byte request with the 88-byte reply of the worked example', async () => {
    const { t, host } = setup();
    const body = ndrBody(HOST_BASIC_INFO, 12);
    // Request bytes 24..39: NDR, flavor = 1, host_info_outCnt = 12.
    expect(Array.from(body)).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x0c, 0, 0, 0]);
    const reply = await migCall(t, host, 200, body);
    expect(reply.header.msgh_bits).toBe(0x00001200);
    expect(reply.size).toBe(88);
    expect(reply.header.msgh_remote_port).toBe(0);
    expect(reply.header.msgh_local_port).toBe(replyPort(t));
    expect(reply.header.msgh_voucher_port).toBe(0);
    expect(reply.header.msgh_id).toBe(300);
    expect(Array.from(reply.body.subarray(0, 16))).toEqual([...NDR, ...le32(KERN_SUCCESS, 12)]);
    expect(reply.body.length).toBe(88 - 24);
    expect(decodeHostBasicInfo(wordsFromBytes(reply.body, 16, 12))).toEqual(expectedBasicInfo());
  });

  it('fills only the old five fields for counts 5..11 (reply 60 bytes)', async () => {
    const { t, host } = setup();
    for (const cnt of [5, 8, 11]) {
      const reply = await migCall(t, host, 200, ndrBody(HOST_BASIC_INFO, cnt));
      expect(reply.size).toBe(60);
      expect(retCode(reply)).toBe(KERN_SUCCESS);
      expect(word(reply.body, 12)).toBe(5);
      const e = expectedBasicInfo();
      expect(Array.from(wordsFromBytes(reply.body, 16, 5))).toEqual([e.max_cpus, e.avail_cpus, e.memory_size | 0, e.cpu_type, e.cpu_subtype]);
    }
  });

  it('clamps a large count to the MIG bound and still returns 12', async () => {
    const { t, host } = setup();
    const reply = await migCall(t, host, 200, ndrBody(HOST_BASIC_INFO, 1000));
    expect(reply.size).toBe(88);
    expect(word(reply.body, 12)).toBe(12);
  });

  it('answers a count below 5 with a 36-byte KERN_FAILURE', async () => {
    const { t, host } = setup();
    const reply = await migCall(t, host, 200, ndrBody(HOST_BASIC_INFO, 4));
    expect(reply.size).toBe(36);
    expect(reply.header.msgh_id).toBe(300);
    expect(Array.from(reply.body)).toEqual([...NDR, ...le32(KERN_FAILURE)]);
  });

  it('answers an unknown flavor with KERN_INVALID_ARGUMENT', async () => {
    const { t, host } = setup();
    const reply = await migCall(t, host, 200, ndrBody(999, 12));
    expect(reply.size).toBe(36);
    expect(retCode(reply)).toBe(KERN_INVALID_ARGUMENT);
  });

  it('answers a request of the wrong size with MIG_BAD_ARGUMENTS', async () => {
    const { t, host } = setup();
    for (const body of [ndrBody(HOST_BASIC_INFO), ndrBody(HOST_BASIC_INFO, 12, 0), new Uint8Array(0)]) {
      const reply = await migCall(t, host, 200, body);
      expect(reply.size).toBe(36);
      expect(retCode(reply)).toBe(MIG_BAD_ARGUMENTS);
    }
  });

  it('answers unknown ids and the kernel build’s skipped routines with MIG_BAD_ID', async () => {
    const { t, host, self } = setup();
    for (const [dest, id] of [[host, 3202], [self, 3202], [self, 3225], [host, 12345], [self, 208]] as const) {
      const reply = await migCall(t, dest, id, ndrBody(0));
      expect(reply.header.msgh_id).toBe(id + 100);
      expect(reply.size).toBe(36);
      expect(retCode(reply)).toBe(MIG_BAD_ID);
    }
  });

  it('refuses a raw mach_msg to the host port that is not a kernel-object call (S98)', async () => {
    const { t, host, self } = setup();
    const r = t.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
    await expect(
      t.mach_msg({ header: { msgh_bits: 0x1513, msgh_remote_port: host, msgh_local_port: r, msgh_id: 200 }, body: ndrBody(1, 12) }, MACH_SEND_MSG | MACH_RCV_MSG, r, 0, 320),
    ).rejects.toMatchObject({ kr: MACH_SEND_INVALID_OPTIONS });
  });
});

describe('routing: the kernel dispatches on msgh_id, the port converts the first argument (§4.1)', () => {
  it('host routines sent to a task port', async () => {
    const { t, self } = setup();
    expect(retCode(await migCall(t, self, 200, ndrBody(HOST_BASIC_INFO, 12)))).toBe(KERN_INVALID_ARGUMENT);
    expect(retCode(await migCall(t, self, 219, ndrBody(HOST_VM_INFO64, 38)))).toBe(KERN_INVALID_HOST);
    expect(retCode(await migCall(t, self, 216, ndrBody(2, 15)))).toBe(KERN_INVALID_HOST);
    expect(retCode(await migCall(t, self, 202))).toBe(KERN_INVALID_ARGUMENT);
  });

  it('task and mach_port routines sent to the host port', async () => {
    const { t, host } = setup();
    expect(retCode(await migCall(t, host, 3405, ndrBody(20, 12)))).toBe(KERN_INVALID_ARGUMENT);
    expect(retCode(await migCall(t, host, 3200))).toBe(KERN_INVALID_TASK);
    expect(retCode(await migCall(t, host, 3201, ndrBody(0x103)))).toBe(KERN_INVALID_TASK);
    expect(retCode(await migCall(t, host, 3204, ndrBody(MACH_PORT_RIGHT_RECEIVE)))).toBe(KERN_INVALID_TASK);
    // mach_port_get_attributes is a *_from_user routine: KERN_INVALID_ARGUMENT.
    expect(retCode(await migCall(t, host, 3217, ndrBody(0x103, 1, 1)))).toBe(KERN_INVALID_ARGUMENT);
  });
});

describe('host_statistics64 and host_page_size', () => {
  it('HOST_VM_INFO64 returns 38 words; counts 24..37 the revision-0 layout; < 24 KERN_FAILURE', async () => {
    const { t, host } = setup();
    const full = await migCall(t, host, 219, ndrBody(HOST_VM_INFO64, 38));
    expect(full.size).toBe(40 + 4 * 38);
    expect(word(full.body, 12)).toBe(38);
    const stats = decodeVmStatistics64(wordsFromBytes(full.body, 16, 38));
    expect(stats.free_count).toBeGreaterThan(0);
    const rev0 = await migCall(t, host, 219, ndrBody(HOST_VM_INFO64, 30));
    expect(word(rev0.body, 12)).toBe(24);
    expect(rev0.size).toBe(40 + 4 * 24);
    const small = await migCall(t, host, 219, ndrBody(HOST_VM_INFO64, 23));
    expect(small.size).toBe(36);
    expect(retCode(small)).toBe(KERN_FAILURE);
    expect(retCode(await migCall(t, host, 219, ndrBody(77, 38)))).toBe(KERN_INVALID_ARGUMENT);
  });

  it('host_statistics64 through the API decodes vm_statistics64 in host pages', () => {
    const { t, host } = setup();
    const s = t.host_statistics64(host, HOST_VM_INFO64);
    const page = process.arch === 'x64' ? 4096 : 16384;
    expect(s.free_count * page).toBeLessThanOrEqual(os.totalmem());
    expect(s.free_count).toBeGreaterThan(0);
    expect(typeof s.faults).toBe('bigint');
  });

  it('host_page_size: a bare-header request, reply NDR, RetCode, vm_size_t (44 bytes)', async () => {
    const { t, host } = setup();
    const reply = await migCall(t, host, 202);
    expect(reply.size).toBe(44);
    expect(retCode(reply)).toBe(KERN_SUCCESS);
    const view = new DataView(reply.body.buffer, reply.body.byteOffset);
    expect(view.getBigUint64(12, true)).toBe(process.arch === 'x64' ? 4096n : 16384n);
    expect(retCode(await migCall(t, host, 202, ndrBody()))).toBe(MIG_BAD_ARGUMENTS);
  });

  it('host_info through the API matches the machine and rejects bad arguments', () => {
    const { t, host } = setup();
    expect(t.host_info(host, HOST_BASIC_INFO)).toEqual(expectedBasicInfo());
    // HOST_SCHED_INFO (3) is answered by the kernel, as on Darwin; an unknown flavor fails
    // with the kernel's own KERN_INVALID_ARGUMENT (xnu:osfmk/kern/host.c:host_info).
    expect(t.host_info(host, 3)).toEqual({ min_timeout: 10, min_quantum: 10 });
    expect(() => t.host_info(host, 99)).toThrow(expect.objectContaining({ kr: KERN_INVALID_ARGUMENT }));
    expect(() => t.host_info('x' as never, HOST_BASIC_INFO)).toThrow(TypeError);
    expect(() => t.host_info(t.mach_task_self(), HOST_BASIC_INFO)).toThrow(expect.objectContaining({ kr: KERN_INVALID_ARGUMENT }));
    expect(() => t.host_statistics64(t.mach_task_self(), HOST_VM_INFO64)).toThrow(expect.objectContaining({ kr: KERN_INVALID_HOST }));
  });

  it('the reply of a kernel routine is never complex unless it carries memory or rights', async () => {
    const { t, host } = setup();
    const reply = await migCall(t, host, 200, ndrBody(HOST_BASIC_INFO, 12));
    expect(reply.header.msgh_bits & MACH_MSGH_BITS_COMPLEX).toBe(0);
  });
});

describe('malformed kernel requests', () => {
  it('a complex request to a routine that takes no descriptors is MIG_BAD_ARGUMENTS', async () => {
    const { t, host, self } = setup();
    const r = replyPort(t);
    const reply = (await t.mach_msg(
      {
        header: { msgh_bits: (0x1513 | MACH_MSGH_BITS_COMPLEX) >>> 0, msgh_remote_port: host, msgh_local_port: r, msgh_id: 200 },
        descriptors: [{ type: 0, name: self, disposition: 19 }],
        body: ndrBody(HOST_BASIC_INFO, 12),
      },
      MACH_SEND_MSG | MACH_RCV_MSG,
      r,
      0,
      320,
      { kobjectCall: true },
    ))!;
    expect(reply.size).toBe(36);
    expect(retCode(reply)).toBe(MIG_BAD_ARGUMENTS);
  });
});
