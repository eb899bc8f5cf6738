/**
 * Raw MIG requests to kernel objects sent as kernel-object calls (the way libSystem's
 * stubs send them on macOS 13+): the synchronous fast path, reply layouts, MIG errors
 * (reference S96–S97, §4). Kept in its own file: a wrong native implementation of
 * kernel-object calls would kill the process.
 */
import { expect } from 'vitest';
import type { MachApi, MachMessage, ReceivedMessage, host_basic_info } from '../../lib/types.js';
import { conformance, suite } from './harness.js';
import { C, expectEmpty, port, portDesc, status, typeOf, u32, words } from './helpers.js';

const NDR = [0, 1]; // 00 00 00 00 01 00 00 00 as two little-endian words

function request(dest: number, reply: number, id: number, body: Uint8Array, extra: Partial<MachMessage> = {}): MachMessage {
  return {
    header: {
      msgh_bits: (C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MAKE_SEND_ONCE) | (extra.descriptors ? C.MACH_MSGH_BITS_COMPLEX : 0)) >>> 0,
      msgh_remote_port: dest,
      msgh_local_port: reply,
      msgh_id: id,
    },
    body,
    ...extra,
  };
}

async function call(api: MachApi, req: MachMessage, reply: number): Promise<ReceivedMessage> {
  const r = await api.mach_msg(req, C.MACH_SEND_MSG | C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, reply, 2000, 1024, { kobjectCall: true });
  if (!r) throw new Error('no reply');
  return r;
}

suite('kernel objects: raw MIG as kernel-object calls', () => {
  conformance(
    'S96 host_info (id 200) sent as a kernel-object call is answered synchronously: reply id 300, 88 bytes, bits 0x1200, RetCode 0, count 12',
    'xnu:osfmk/kern/ipc_kobject.c:ipc_kobject_server, ipc_kobject_init_reply; osfmk/kern/host.c:host_info; reference §4.4',
    async ({ api }) => {
      const reply = port(api);
      const host = api.mach_host_self();
      const r = await call(api, request(host, reply, C.MIG_HOST_INFO_ID, words(...NDR, C.HOST_BASIC_INFO, C.HOST_BASIC_INFO_COUNT)), reply);
      expect(r.header.msgh_id).toBe(C.MIG_HOST_INFO_ID + C.MIG_REPLY_ID_OFFSET);
      expect(r.size).toBe(88);
      expect(r.header.msgh_bits).toBe(0x1200);
      expect(r.header.msgh_remote_port).toBe(0);
      expect(r.header.msgh_local_port).toBe(reply);
      expect(Array.from(r.body.subarray(0, 8))).toEqual([...C.NDR_RECORD]);
      expect(u32(r.body, 8)).toBe(C.KERN_SUCCESS);
      expect(u32(r.body, 12)).toBe(C.HOST_BASIC_INFO_COUNT);
      const h = api.host_info(host, C.HOST_BASIC_INFO) as host_basic_info;
      expect(u32(r.body, 16)).toBe(h.max_cpus);
      expect(u32(r.body, 28)).toBe(h.cpu_type);
      await expectEmpty(api, reply);
      expect(status(api, reply).mps_sorights).toBe(0);
    },
    { needs: ['kobject-call'] },
  );

  conformance(
    'S96 host_info with a count of 5..11 gets the old 5-word layout (60-byte reply); below 5 a 36-byte KERN_FAILURE reply',
    'xnu:osfmk/kern/host.c:host_info (HOST_BASIC_INFO_OLD_COUNT); xnu:osfmk/mach/mig_errors.h:mig_reply_error_t',
    async ({ api }) => {
      const reply = port(api);
      const host = api.mach_host_self();
      const r = await call(api, request(host, reply, C.MIG_HOST_INFO_ID, words(...NDR, C.HOST_BASIC_INFO, 8)), reply);
      expect(r.size).toBe(60);
      expect(u32(r.body, 8)).toBe(0);
      expect(u32(r.body, 12)).toBe(C.HOST_BASIC_INFO_OLD_COUNT);
      const e = await call(api, request(host, reply, C.MIG_HOST_INFO_ID, words(...NDR, C.HOST_BASIC_INFO, 4)), reply);
      expect(e.size).toBe(36);
      expect(u32(e.body, 8)).toBe(C.KERN_FAILURE);
    },
    { needs: ['kobject-call'] },
  );

  conformance(
    'S96 an unknown routine id is answered with a 36-byte reply carrying MIG_BAD_ID (id + 100)',
    'xnu:osfmk/kern/ipc_kobject.c:ipc_kobject_server_internal (find_mig_hash_entry → MIG_BAD_ID)',
    async ({ api }) => {
      const reply = port(api);
      for (const id of [C.MIG_HOST_INFO_ID + 8 /* skip */, 3202 /* mach_port_rename: skip */, 777_777]) {
        const r = await call(api, request(api.mach_host_self(), reply, id, words(...NDR, 0)), reply);
        expect(r.header.msgh_id).toBe(id + 100);
        expect(r.size).toBe(36);
        expect(u32(r.body, 8) | 0).toBe(C.MIG_BAD_ID);
      }
    },
    { needs: ['kobject-call'] },
  );

  conformance(
    'S96 a routine sent to the wrong kind of kernel object: host_info to the task port → RetCode KERN_INVALID_ARGUMENT',
    'xnu:osfmk/kern/ipc_kobject.c (dispatch on msgh_id alone); osfmk/kern/host.c:host_info (HOST_NULL)',
    async ({ api, task }) => {
      const reply = port(api);
      const r = await call(api, request(task, reply, C.MIG_HOST_INFO_ID, words(...NDR, C.HOST_BASIC_INFO, 12)), reply);
      expect(r.header.msgh_id).toBe(300);
      expect(r.size).toBe(36);
      expect(u32(r.body, 8)).toBe(C.KERN_INVALID_ARGUMENT);
    },
    { needs: ['kobject-call'] },
  );

  conformance(
    'S96 task_info (id 3405) as a kernel-object call: reply 3505 with RetCode 0 and the requested count of words',
    'xnu:osfmk/mach/task.defs (task_info = 3405); osfmk/kern/task.c:task_info',
    async ({ api, task }) => {
      const reply = port(api);
      const r = await call(api, request(task, reply, C.MIG_TASK_INFO_ID, words(...NDR, C.MACH_TASK_BASIC_INFO, C.MACH_TASK_BASIC_INFO_COUNT)), reply);
      expect(r.header.msgh_id).toBe(C.MIG_TASK_INFO_ID + 100);
      expect(u32(r.body, 8)).toBe(0);
      expect(u32(r.body, 12)).toBe(C.MACH_TASK_BASIC_INFO_COUNT);
      expect(r.size).toBe(40 + 4 * C.MACH_TASK_BASIC_INFO_COUNT);
    },
    { needs: ['kobject-call'] },
  );

  conformance(
    'S96 kernel objects never queue: many requests in a row (more than any queue limit) each get their reply',
    'xnu:osfmk/ipc/ipc_kmsg.c:ipc_kmsg_send (kobject fast path); kern/ipc_kobject.c:ipc_kobject_server',
    async ({ api }) => {
      const reply = port(api);
      const host = api.mach_host_self();
      for (let i = 0; i < 12; i++) {
        const r = await call(api, request(host, reply, C.MIG_HOST_INFO_ID, words(...NDR, C.HOST_BASIC_INFO, 12)), reply);
        expect(u32(r.body, 8)).toBe(0);
      }
    },
    { needs: ['kobject-call'] },
  );

  conformance(
    'S97 a failed kernel request destroys the rights carried in its body (a moved receive right dies)',
    'xnu:osfmk/kern/ipc_kobject.c:ipc_kobject_server (error reply → request rights destroyed)',
    async ({ api, task }) => {
      const reply = port(api);
      const z = port(api);
      const oz = api.mach_port_extract_right(task, z, C.MACH_MSG_TYPE_MAKE_SEND_ONCE).poly;
      const req = request(api.mach_host_self(), reply, 777_777, words(...NDR, 0), { descriptors: [portDesc(z, C.MACH_MSG_TYPE_MOVE_RECEIVE)] });
      const r = await call(api, req, reply);
      expect(r.size).toBe(36);
      expect(u32(r.body, 8) | 0).toBe(C.MIG_BAD_ID);
      expect(typeOf(api, oz)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
    },
    { needs: ['kobject-call'] },
  );
  conformance(
    'mach_port_allocate (3204) sent to the task port as a kernel-object call allocates in that space: RetCode 0 and the new name',
    'xnu:osfmk/mach/mach_port.defs (routine 3204); ipc/mach_port.c:mach_port_allocate',
    async ({ api, task }) => {
      const reply = port(api);
      const r = await call(api, request(task, reply, 3204, words(...NDR, C.MACH_PORT_RIGHT_RECEIVE)), reply);
      expect(r.header.msgh_id).toBe(3304);
      expect(r.size).toBe(40);
      expect(u32(r.body, 8)).toBe(0);
      const name = u32(r.body, 12);
      expect(typeOf(api, name)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
    { needs: ['kobject-call'] },
  );

  conformance(
    'mach_port_* routines sent to the host port find no space: mach_port_allocate → KERN_INVALID_TASK, mach_port_get_attributes (a *_from_user routine) → KERN_INVALID_ARGUMENT',
    'xnu:osfmk/ipc/mach_port.c ("space == IS_NULL → KERN_INVALID_TASK"), mach_port_get_attributes_from_user (convert_port_to_space_read_no_eval → KERN_INVALID_ARGUMENT)',
    async ({ api }) => {
      const reply = port(api);
      const host = api.mach_host_self();
      const a = await call(api, request(host, reply, 3204, words(...NDR, C.MACH_PORT_RIGHT_RECEIVE)), reply);
      expect(a.size).toBe(36);
      expect(u32(a.body, 8)).toBe(C.KERN_INVALID_TASK);
      const g = await call(api, request(host, reply, 3217, words(...NDR, reply, C.MACH_PORT_RECEIVE_STATUS, 10)), reply);
      expect(g.size).toBe(36);
      expect(u32(g.body, 8)).toBe(C.KERN_INVALID_ARGUMENT);
    },
    { needs: ['kobject-call'] },
  );
});
