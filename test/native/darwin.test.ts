/**
 * The native backend on a real Mac: the addon loaded, real ports, real messages. These
 * run only on macOS (the macOS CI jobs); elsewhere the suite is reported as skipped with
 * the reason in its name.
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as C from '../../lib/constants.js';
import { MachError, MachGuardError } from '../../lib/errors.js';
import { loadNativeApi, type NativeApi } from '../../lib/native/index.js';
import { CS_PLATFORM_BINARY, CS_RUNTIME } from '../../lib/native/guards.js';
import type { host_basic_info, mach_port_status_t, MachMessage, mach_task_basic_info } from '../../lib/types.js';

const onMac = process.platform === 'darwin';

function api(): NativeApi {
  const loaded = loadNativeApi();
  if (!loaded.api) throw new Error(`the native backend did not load: ${loaded.reason}`);
  return loaded.api as NativeApi;
}

/** A receive right with one send right under the same name. */
function newPort(a: NativeApi, qlimit?: number): number {
  const task = a.mach_task_self();
  const p = a.mach_port_allocate(task, C.MACH_PORT_RIGHT_RECEIVE);
  a.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
  if (qlimit !== undefined) a.mach_port_set_attributes(task, p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: qlimit });
  return p;
}

function closePort(a: NativeApi, p: number): void {
  a.mach_port_destroy(a.mach_task_self(), p);
}

function simple(dest: number, id: number, body = new Uint8Array(0)): MachMessage {
  return { header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0), msgh_remote_port: dest, msgh_id: id }, body };
}

/** V8's gc(), switched on at run time when the process was not started with --expose-gc. */
function getGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

describe.skipIf(!onMac)(`native backend on macOS (skipped: needs macOS, this is ${process.platform})`, () => {
  it('loads, and names this task, the host and the bootstrap port', () => {
    const a = api();
    expect(a.backendName).toBe('native');
    expect(a.mach_task_self()).toBeGreaterThan(0);
    expect(a.mach_port_kobject(a.mach_task_self(), a.mach_task_self()).object_type).toBe(C.IKOT_TASK_CONTROL);
    expect(a.mach_port_kobject(a.mach_task_self(), a.mach_host_self()).object_type).toBe(C.IKOT_HOST);
    expect(a.bootstrap_port).toBeGreaterThan(0);
    expect(['hardened', 'default']).toContain(a.guardPolicy);
    // csops answers for this process; the official Node.js builds run under the hardened
    // runtime, so XNU's IPC policy treats them as hardened.
    const [err, flags] = a.addon.cs_status!();
    expect(err).toBe(0);
    expect(a.ipcHardened).toBe((flags & (CS_RUNTIME | CS_PLATFORM_BINARY)) !== 0 || a.guardPolicy === 'hardened');
  });

  it('allocates, types, counts and releases rights', () => {
    const a = api();
    const task = a.mach_task_self();
    const p = a.mach_port_allocate(task, C.MACH_PORT_RIGHT_RECEIVE);
    expect(a.mach_port_type(task, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    a.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
    expect(a.mach_port_type(task, p)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
    expect(a.mach_port_get_refs(task, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
    const status = a.mach_port_get_attributes(task, p, C.MACH_PORT_RECEIVE_STATUS) as mach_port_status_t;
    expect(status.mps_qlimit).toBe(C.MACH_PORT_QLIMIT_DEFAULT);
    expect(status.mps_mscount).toBe(1);
    expect(a.mach_port_names(task).names).toContain(p);
    a.mach_port_deallocate(task, p);
    a.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
    expect(() => a.mach_port_type(task, p)).toThrow(expect.objectContaining({ code: 'KERN_INVALID_NAME' }));
  });

  it('10,000 send/receive iterations leak no port names', async () => {
    const a = api();
    const task = a.mach_task_self();
    const p = newPort(a, C.MACH_PORT_QLIMIT_LARGE);
    const before = a.mach_port_names(task).names.length;
    for (let i = 0; i < 10_000; i++) {
      const reply = a.mach_port_allocate(task, C.MACH_PORT_RIGHT_RECEIVE);
      await a.mach_msg(
        {
          header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), msgh_remote_port: p, msgh_local_port: reply, msgh_id: i },
          body: new Uint8Array(new Uint32Array([i]).buffer),
        },
        C.MACH_SEND_MSG,
      );
      const got = await a.mach_msg(undefined, C.MACH_RCV_MSG, p);
      expect(got!.header.msgh_id).toBe(i);
      // The reply right arrived as a send-once right; release it, then the reply port.
      a.mach_port_deallocate(task, got!.header.msgh_remote_port);
      a.mach_port_mod_refs(task, reply, C.MACH_PORT_RIGHT_RECEIVE, -1);
    }
    expect(a.mach_port_names(task).names.length).toBe(before);
    closePort(a, p);
  }, 120_000);

  it('a receive waits on the receive loop without blocking the event loop', async () => {
    const a = api();
    const p = newPort(a);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const pending = a.mach_msg(undefined, C.MACH_RCV_MSG, p);
    setTimeout(() => void a.mach_msg(simple(p, 42), C.MACH_SEND_MSG), 60);
    const got = await pending;
    clearInterval(timer);
    expect(got!.header.msgh_id).toBe(42);
    expect(ticks).toBeGreaterThan(3);
    await expect(a.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, p, 20)).rejects.toMatchObject({ code: 'MACH_RCV_TIMED_OUT' });
    closePort(a, p);
  });

  it('a send to a full queue waits off the event loop; MACH_SEND_TIMEOUT times out', async () => {
    const a = api();
    const p = newPort(a, 1);
    await a.mach_msg(simple(p, 1), C.MACH_SEND_MSG);
    await expect(a.mach_msg(simple(p, 2), C.MACH_SEND_MSG | C.MACH_SEND_TIMEOUT, 0, 30)).rejects.toMatchObject({ code: 'MACH_SEND_TIMED_OUT' });
    const blocked = a.mach_msg(simple(p, 3), C.MACH_SEND_MSG);
    await new Promise((r) => setTimeout(r, 30));
    expect((await a.mach_msg(undefined, C.MACH_RCV_MSG, p))!.header.msgh_id).toBe(1);
    await blocked;
    expect((await a.mach_msg(undefined, C.MACH_RCV_MSG, p))!.header.msgh_id).toBe(3);
    closePort(a, p);
  });

  it('carries port rights, OOL memory and OOL port arrays', async () => {
    const a = api();
    const task = a.mach_task_self();
    const p = newPort(a);
    const carried = newPort(a);
    const data = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff);
    await a.mach_msg(
      {
        header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0) | C.MACH_MSGH_BITS_COMPLEX, msgh_remote_port: p, msgh_id: 9 },
        descriptors: [
          { type: C.MACH_MSG_PORT_DESCRIPTOR, name: carried, disposition: C.MACH_MSG_TYPE_COPY_SEND },
          { type: C.MACH_MSG_OOL_DESCRIPTOR, data, copy: C.MACH_MSG_VIRTUAL_COPY },
          { type: C.MACH_MSG_OOL_PORTS_DESCRIPTOR, names: [carried, carried], disposition: C.MACH_MSG_TYPE_COPY_SEND },
        ],
      },
      C.MACH_SEND_MSG,
    );
    const got = await a.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AUDIT), p);
    const [portDesc, oolDesc, portsDesc] = got!.descriptors as unknown as [
      { name: number; disposition: number },
      { data: Uint8Array },
      { names: number[]; disposition: number },
    ];
    expect(portDesc.name).toBe(carried); // coalesced with the send right this task holds
    expect(portDesc.disposition).toBe(C.MACH_MSG_TYPE_PORT_SEND);
    expect(oolDesc.data).toEqual(data);
    expect(portsDesc.names).toEqual([carried, carried]);
    const t = got!.trailer.audit;
    expect(t.pid).toBe(process.pid);
    expect(a.audit_token_to_pid([t.auid, t.euid, t.egid, t.ruid, t.rgid, t.pid, t.asid, t.pidversion].map((w) => w >>> 0))).toBe(process.pid);
    expect(a.mach_port_get_refs(task, carried, C.MACH_PORT_RIGHT_SEND)).toBe(4);
    closePort(a, carried);
    closePort(a, p);
  });

  it('received OOL buffers are freed after GC', async (ctx) => {
    const gc = getGc();
    if (!gc) return ctx.skip('V8 gc() is not available in this process');
    const a = api();
    const p = newPort(a, 64);
    const baseline = a.addon.ool_outstanding();
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 32; i++) {
        await a.mach_msg(
          {
            header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0) | C.MACH_MSGH_BITS_COMPLEX, msgh_remote_port: p, msgh_id: i },
            descriptors: [{ type: C.MACH_MSG_OOL_DESCRIPTOR, data: new Uint8Array(256 * 1024).fill(i), copy: C.MACH_MSG_VIRTUAL_COPY }],
          },
          C.MACH_SEND_MSG,
        );
      }
      for (let i = 0; i < 32; i++) {
        const got = await a.mach_msg(undefined, C.MACH_RCV_MSG, p);
        expect((got!.descriptors[0] as { data: Uint8Array }).data[100]).toBe(i);
      }
    }
    expect(a.addon.ool_outstanding()).toBeGreaterThan(baseline);
    for (let i = 0; i < 50 && a.addon.ool_outstanding() > baseline; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(a.addon.ool_outstanding()).toBe(baseline);
    closePort(a, p);
  }, 60_000);

  it('looks up com.apple.system.notification_center through launchd', () => {
    const a = api();
    const sp = a.bootstrap_look_up(a.bootstrap_port, 'com.apple.system.notification_center');
    expect(sp).toBeGreaterThan(0);
    expect(a.mach_port_type(a.mach_task_self(), sp) & C.MACH_PORT_TYPE_SEND).toBe(C.MACH_PORT_TYPE_SEND);
    a.mach_port_deallocate(a.mach_task_self(), sp);
    expect(() => a.bootstrap_look_up(a.bootstrap_port, `org.machport.test.absent.${process.pid}`)).toThrow(
      expect.objectContaining({ kr: C.BOOTSTRAP_UNKNOWN_SERVICE }),
    );
  });

  it('checks a service in and looks it up again', async () => {
    const a = api();
    const name = `org.machport.test.${process.pid}.${Date.now()}`;
    const rcv = a.bootstrap_check_in(a.bootstrap_port, name);
    const snd = a.bootstrap_look_up(a.bootstrap_port, name);
    await a.mach_msg(simple(snd, 77), C.MACH_SEND_MSG);
    expect((await a.mach_msg(undefined, C.MACH_RCV_MSG, rcv))!.header.msgh_id).toBe(77);
    a.mach_port_deallocate(a.mach_task_self(), snd);
    a.mach_port_mod_refs(a.mach_task_self(), rcv, C.MACH_PORT_RIGHT_RECEIVE, -1);
  });

  it('host_info reports os.availableParallelism() CPUs; host_statistics64 and task_info decode', () => {
    const a = api();
    const info = a.host_info(a.mach_host_self(), C.HOST_BASIC_INFO) as host_basic_info;
    expect(info.avail_cpus).toBe(availableParallelism());
    expect(info.max_mem).toBeGreaterThan(0n);
    expect([C.CPU_TYPE_ARM64, C.CPU_TYPE_X86_64]).toContain(info.cpu_type);
    const vm = a.host_statistics64(a.mach_host_self(), C.HOST_VM_INFO64);
    expect(vm.free_count + vm.active_count + vm.wire_count).toBeGreaterThan(0);
    const task = a.task_info(a.mach_task_self(), C.MACH_TASK_BASIC_INFO) as mach_task_basic_info;
    expect(task.resident_size).toBeGreaterThan(0n);
  });

  it('guard misuse throws MachGuardError instead of killing the process', async () => {
    const a = api();
    const task = a.mach_task_self();
    const p = a.mach_port_allocate(task, C.MACH_PORT_RIGHT_RECEIVE);
    a.mach_port_guard(task, p, 0xfeedn, false);
    expect(() => a.mach_port_destroy(task, p)).toThrow(MachGuardError);
    expect(() => a.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1)).toThrow(MachGuardError);
    expect(() => a.mach_port_unguard(task, p, 0xbadn)).toThrow(expect.objectContaining({ reasonName: 'kGUARD_EXC_INCORRECT_GUARD' }));
    expect(() => a.mach_port_destruct(task, p, 0, 0xbadn)).toThrow(MachGuardError);
    // A hand-built message to a kernel object (refused with a fatal guard on macOS 13+).
    await expect(a.mach_msg(simple(task, 3409), C.MACH_SEND_MSG)).rejects.toBeInstanceOf(MachGuardError);
    // Still alive: the right is intact and the proper call works.
    expect(a.mach_port_type(task, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    a.mach_port_destruct(task, p, 0, 0xfeedn);
    // Optional guards (an unknown name) are fatal only for hardened processes such as the
    // official Node.js builds; there the call must not reach the kernel either.
    if (a.guardPolicy === 'hardened') {
      expect(() => a.mach_port_deallocate(task, p)).toThrow(expect.objectContaining({ reasonName: 'kGUARD_EXC_INVALID_NAME' }));
    }
    expect(() => a.mach_port_type(task, p)).toThrow(MachError);
  });

  it('libnotify: a registered port receives a message per post, msgh_id = token', async () => {
    const a = api();
    const name = `org.machport.test.notify.${process.pid}`;
    const { port, token } = a.notify_register_mach_port(name);
    a.notify_post(name);
    const got = await a.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, port, 5000);
    expect(got!.header.msgh_id).toBe(token);
    expect(got!.size).toBe(24);
    a.notify_cancel(token);
  });

  it('introspection: this task\'s space, its name and its pid', () => {
    const a = api();
    const task = a.mach_task_self();
    const p = newPort(a);
    const space = a.mach_port_space_info(task);
    expect(space.table_info.some((e) => e.iin_name === p && (e.iin_type & C.MACH_PORT_TYPE_RECEIVE) !== 0)).toBe(true);
    expect(a.pid_for_task(task)).toBe(process.pid);
    expect(a.proc_listpids()).toContain(process.pid);
    expect(a.proc_name(process.pid).length).toBeGreaterThan(0);
    expect(a.task_read_for_pid(process.pid)).toBeGreaterThan(0);
    closePort(a, p);
  });

  it('loads and works in a worker thread too (per-instance state)', async () => {
    // The worker imports the built package (npm run build), not the TypeScript sources.
    const url = new URL('../../dist/native/index.js', import.meta.url);
    const code = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(url.href)}).then(async ({ loadNativeApi }) => {
        const loaded = loadNativeApi();
        if (!loaded.api) throw new Error(loaded.reason);
        const a = loaded.api;
        const t = a.mach_task_self();
        const p = a.mach_port_allocate(t, 1);
        a.mach_port_insert_right(t, p, p, 20);
        setTimeout(() => a.mach_msg({ header: { msgh_bits: 19, msgh_remote_port: p, msgh_id: 5 } }, 1), 20);
        const got = await a.mach_msg(undefined, 2, p);
        a.mach_port_destroy(t, p);
        parentPort.postMessage(got.header.msgh_id);
      }).catch((e) => parentPort.postMessage(String(e && e.stack || e)));`;
    const w = new Worker(code, { eval: true });
    const result = await new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await w.terminate();
    expect(result).toBe(5);
  });
});
