/**
 * The shape of the contract itself: every MachApi call exists on every backend,
 * errors are MachError with Darwin's numbers, wrong JS types are TypeError, and the
 * encoding rules of the JS message shape (body padding, received header fields).
 */
import { expect } from 'vitest';
import { MachError } from '../../lib/errors.js';
import type { MachApi } from '../../lib/types.js';
import { conformance, expectMachError, suite } from './harness.js';
import { C, expectEmpty, msg, port, portWithSend, recv, send, unusedName } from './helpers.js';

const CALLS: Array<keyof MachApi> = [
  'mach_task_self', 'mach_host_self', 'mach_port_allocate', 'mach_port_allocate_name', 'mach_port_deallocate',
  'mach_port_destroy', 'mach_port_mod_refs', 'mach_port_get_refs', 'mach_port_insert_right', 'mach_port_extract_right',
  'mach_port_type', 'mach_port_names', 'mach_port_move_member', 'mach_port_insert_member', 'mach_port_extract_member',
  'mach_port_get_set_status', 'mach_port_request_notification', 'mach_port_get_attributes', 'mach_port_set_attributes',
  'mach_port_set_mscount', 'mach_port_set_seqno', 'mach_port_get_context', 'mach_port_set_context', 'mach_port_construct',
  'mach_port_destruct', 'mach_port_guard', 'mach_port_unguard', 'mach_port_guard_with_flags', 'mach_port_swap_guard',
  'mach_port_peek', 'mach_port_get_srights', 'mach_port_kobject', 'mach_port_kobject_description', 'mach_port_dnrequest_info',
  'mach_port_space_basic_info', 'task_get_special_port', 'task_set_special_port',
  'task_set_exception_ports', 'task_get_exception_ports', 'task_swap_exception_ports', 'mach_msg', 'bootstrap_check_in',
  'bootstrap_look_up', 'bootstrap_register', 'host_info', 'host_statistics64', 'task_info',
];

suite('the MachApi contract', () => {
  conformance(
    'every Mach-named call of MachApi is a function; backendName names the backend',
    'xnu:osfmk/mach/mach_port.defs, mach_host.defs, task.defs; libsyscall/mach (the C names)',
    ({ api, backend }) => {
      for (const name of CALLS) expect(typeof api[name], name).toBe('function');
      expect(api.backendName).toBe(backend.name === 'kernel-host' ? 'emulator' : backend.name);
      expect(typeof api.bootstrap_port).toBe('number');
    },
  );

  conformance(
    'failures are MachError with the numeric kr and its symbolic code (kern_return_t, mach_msg_return_t, bootstrap)',
    'xnu:osfmk/mach/kern_return.h; osfmk/mach/message.h; launchd:liblaunch/bootstrap.h',
    async ({ api, task }) => {
      const e1 = expectMachError(() => api.mach_port_type(task, unusedName(api)), 'KERN_INVALID_NAME');
      expect(e1).toBeInstanceOf(Error);
      expect(e1.kr).toBe(15);
      expect(e1.message).toContain('KERN_INVALID_NAME');
      const e2 = await expectMachError(recv(api, port(api), { timeout: 0 }), 'MACH_RCV_TIMED_OUT');
      expect(e2.kr).toBe(0x10004003);
      const e3 = await expectMachError(send(api, msg(C.MACH_PORT_NULL, C.MACH_MSG_TYPE_COPY_SEND)), 'MACH_SEND_INVALID_DEST');
      expect(e3.kr).toBe(0x10000003);
      expect(e3).toBeInstanceOf(MachError);
    },
  );

  conformance(
    'arguments of the wrong JS type throw TypeError, not MachError',
    'machport contract (spec: “Arguments of the wrong JS type throw TypeError”)',
    async ({ api, task }) => {
      const bad = api as unknown as Record<string, (...a: unknown[]) => unknown>;
      expect(() => bad.mach_port_allocate!(task, 'receive')).toThrow(TypeError);
      expect(() => bad.mach_port_type!(task, '0x103')).toThrow(TypeError);
      expect(() => bad.mach_port_set_context!(task, port(api), 'ctx')).toThrow(TypeError);
      await expect(async () => bad.mach_msg!({ header: null }, C.MACH_SEND_MSG)).rejects.toThrow(TypeError);
    },
  );

  conformance(
    'an inline body whose length is not a multiple of 4 is padded (XNU requires send_size % 4 == 0)',
    'xnu:osfmk/ipc/mach_msg.c:mach_msg_trap_send (send_size & 3 → MACH_SEND_MSG_TOO_SMALL); machport contract (body is padded)',
    async ({ api }) => {
      const p = portWithSend(api);
      await send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { body: new Uint8Array([1, 2, 3, 4, 5]) }));
      const m = await recv(api, p);
      expect(m.size).toBe(32);
      expect(Array.from(m.body.subarray(0, 5))).toEqual([1, 2, 3, 4, 5]);
      expect(m.body.length).toBe(8);
    },
  );

  conformance(
    'mach_msg with neither SEND nor RCV does nothing and succeeds',
    'xnu:osfmk/ipc/mach_msg.c:mach_msg2_trap (no MACH_SEND_MSG / MACH_RCV_MSG → MACH_MSG_SUCCESS)',
    async ({ api }) => {
      const r = await api.mach_msg(undefined, C.MACH_MSG_OPTION_NONE, C.MACH_PORT_NULL, 0);
      expect(r).toBeUndefined();
    },
  );
  conformance(
    'an AbortSignal cancels a pending receive (rejects with the signal’s reason) without consuming a later message',
    'machport contract (MachMsgControl.signal); xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_receive (an interrupted receiver takes nothing)',
    async ({ api }) => {
      const p = portWithSend(api);
      const ac = new AbortController();
      const pending = api.mach_msg(undefined, C.MACH_RCV_MSG, p, C.MACH_MSG_TIMEOUT_NONE, undefined, { signal: ac.signal });
      const reason = new Error('stop');
      ac.abort(reason);
      await expect(pending).rejects.toBe(reason);
      await send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 0xab }));
      expect((await recv(api, p)).header.msgh_id).toBe(0xab);
    },
  );

  conformance(
    'an AbortSignal cancels a send blocked on a full queue: it rejects with the signal’s reason and the message is never delivered',
    'machport contract (MachMsgControl.signal); xnu:osfmk/ipc/ipc_mqueue.c:ipc_mqueue_send_locked (an interrupted sender does not enqueue)',
    async ({ api }) => {
      const p = portWithSend(api);
      for (let i = 0; i < 5; i++) await send(api, msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: i }), 0);
      const ac = new AbortController();
      const pending = api.mach_msg(msg(p, C.MACH_MSG_TYPE_COPY_SEND, { id: 0xdead }), C.MACH_SEND_MSG, 0, 0, undefined, { signal: ac.signal });
      const reason = new Error('stop');
      ac.abort(reason);
      await expect(pending).rejects.toBe(reason);
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push((await recv(api, p)).header.msgh_id);
      expect(ids).toEqual([0, 1, 2, 3, 4]);
      await expectEmpty(api, p);
    },
  );
});
