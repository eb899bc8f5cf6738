/**
 * The read-only IPC debugging calls of xnu:osfmk/ipc/mach_debug.c: mach_port_dnrequest_info
 * (the request table behind dead-name and send-possible requests), mach_port_space_basic_info
 * (the name table) and mach_port_kobject_description (mach_port_kobject with the kernel's
 * description).
 */
import { expect } from 'vitest';
import { conformance, expectMachError, suite } from './harness.js';
import { C, port, portSet, portWithSend, requestNotification, sendOnce, unusedName } from './helpers.js';

suite('mach_port_dnrequest_info, mach_port_space_basic_info, mach_port_kobject_description', () => {
  conformance(
    'dnrequest_info: no table before the first request (0, 0); each dead-name request takes a slot, the table growing 2, 3, 4 as slot 0 is its free-list head; a cancelled request frees its slot, the table does not shrink',
    'xnu:osfmk/ipc/mach_debug.c:mach_port_dnrequest_info; ipc_port.c:ipc_port_request_grow (ipc_port_request_table_next_size(2, …)), ipc_port_request_cancel',
    ({ api, task }) => {
      const p = port(api);
      expect(api.mach_port_dnrequest_info(task, p)).toEqual({ dnr_total: 0, dnr_used: 0 });
      const notify = port(api);
      const names = [sendOnce(api, p), sendOnce(api, p), sendOnce(api, p)];
      const totals: number[] = [];
      for (const n of names) {
        expect(requestNotification(api, n, C.MACH_NOTIFY_DEAD_NAME, notify)).toBe(C.MACH_PORT_NULL);
        totals.push(api.mach_port_dnrequest_info(task, p).dnr_total);
      }
      expect(totals).toEqual([2, 3, 4]);
      expect(api.mach_port_dnrequest_info(task, p)).toEqual({ dnr_total: 4, dnr_used: 3 });
      const previous = api.mach_port_request_notification(task, names[1]!, C.MACH_NOTIFY_DEAD_NAME, 0, C.MACH_PORT_NULL, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      expect(previous).not.toBe(C.MACH_PORT_NULL);
      expect(api.mach_port_dnrequest_info(task, p)).toEqual({ dnr_total: 4, dnr_used: 2 });
      expect(api.mach_port_get_attributes(task, p, C.MACH_PORT_DNREQUESTS_SIZE, C.MACH_PORT_DNREQUESTS_SIZE_COUNT)).toEqual({ count: 4 });
      api.mach_port_deallocate(task, previous);
      for (const n of names) api.mach_port_deallocate(task, n);
    },
  );

  conformance(
    'dnrequest_info errors: NULL / unknown name → KERN_INVALID_NAME; a send right, a send-once right or a port set → KERN_INVALID_RIGHT; wrong JS types → TypeError',
    'xnu:osfmk/ipc/mach_debug.c:mach_port_dnrequest_info (ipc_port_translate_receive)',
    ({ api, task }) => {
      expectMachError(() => api.mach_port_dnrequest_info(task, C.MACH_PORT_NULL), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_dnrequest_info(task, unusedName(api)), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_dnrequest_info(task, api.mach_host_self()), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_dnrequest_info(task, sendOnce(api, port(api))), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_dnrequest_info(task, portSet(api)), 'KERN_INVALID_RIGHT');
      const bad = api as unknown as Record<string, (...a: unknown[]) => unknown>;
      expect(() => bad.mach_port_dnrequest_info!(task, 'port')).toThrow(TypeError);
    },
  );

  conformance(
    'space_basic_info: generation mask 0xff, iisb_table_next and iisb_reserved 0, iisb_table_inuse the names mach_port_names lists; allocating names moves inuse and the table stays larger than it',
    'xnu:osfmk/ipc/mach_debug.c:mach_port_space_basic_info (MACH_PORT_NGEN(MACH_PORT_DEAD); inuse = tsize − is_table_free − 1; the zeroed reply, ipc_kobject.c:ipc_kobject_server)',
    ({ api, task }) => {
      // Other threads of a real process may add names between the calls: bracket them.
      const before = api.mach_port_names(task).names.length;
      const info = api.mach_port_space_basic_info(task);
      const after = api.mach_port_names(task).names.length;
      expect(info).toMatchObject({ iisb_genno_mask: 0xff, iisb_table_next: 0, iisb_reserved: [0, 0] });
      expect(info.iisb_table_inuse).toBeGreaterThanOrEqual(Math.min(before, after));
      expect(info.iisb_table_inuse).toBeLessThanOrEqual(Math.max(before, after));
      expect(info.iisb_table_size).toBeGreaterThan(info.iisb_table_inuse);
      const made = Array.from({ length: 64 }, () => port(api));
      const grown = api.mach_port_space_basic_info(task);
      expect(grown.iisb_table_inuse).toBeGreaterThanOrEqual(info.iisb_table_inuse + 64);
      expect(grown.iisb_table_size).toBeGreaterThan(grown.iisb_table_inuse);
      for (const p of made) api.mach_port_destroy(task, p);
    },
  );

  conformance(
    'space_basic_info of a fresh task: a 32-slot table holding its task port and bootstrap names',
    'xnu:osfmk/ipc/ipc_space.c:ipc_space_create (IPC_ENTRY_TABLE_MIN); mach_debug.c:mach_port_space_basic_info',
    ({ api, task }) => {
      const info = api.mach_port_space_basic_info(task);
      expect(info.iisb_table_size).toBe(32);
      expect(info.iisb_table_inuse).toBe(api.mach_port_names(task).names.length);
    },
    { needs: ['fresh-space'] },
  );

  conformance(
    'space_basic_info errors: a task argument that is not a send right → MACH_SEND_INVALID_DEST (the MIG request cannot be sent); wrong JS types → TypeError',
    'xnu:osfmk/mach/mach_port.defs:mach_port_space_basic_info (a MIG routine: ipc_kmsg_copyin_header)',
    ({ api }) => {
      expectMachError(() => api.mach_port_space_basic_info(C.MACH_PORT_NULL), 'MACH_SEND_INVALID_DEST');
      expectMachError(() => api.mach_port_space_basic_info(unusedName(api)), 'MACH_SEND_INVALID_DEST');
      const bad = api as unknown as Record<string, (...a: unknown[]) => unknown>;
      expect(() => bad.mach_port_space_basic_info!('self')).toThrow(TypeError);
    },
  );

  conformance(
    'kobject_description: the task port is IKOT_TASK_CONTROL, the host port IKOT_HOST, an ordinary port IKOT_NONE; address 0 (release kernel) and an empty description for all three, the type agreeing with mach_port_kobject',
    'xnu:osfmk/ipc/mach_debug.c:mach_port_kobject_description (desc only for IOKit objects and IKOT_TASK_ID_TOKEN; *addrp = 0 unless DEVELOPMENT || DEBUG)',
    ({ api, task }) => {
      const host = api.mach_host_self();
      expect(api.mach_port_kobject_description(task, task)).toEqual({ object_type: C.IKOT_TASK_CONTROL, object_addr: 0n, description: '' });
      expect(api.mach_port_kobject_description(task, host)).toEqual({ object_type: C.IKOT_HOST, object_addr: 0n, description: '' });
      const p = portWithSend(api);
      expect(api.mach_port_kobject_description(task, p)).toEqual({ object_type: C.IKOT_NONE, object_addr: 0n, description: '' });
      expect(api.mach_port_kobject(task, host).object_type).toBe(C.IKOT_HOST);
      // mach_host_self()'s reference is not released: the native addon hands out the one
      // right it took for the process (docs/NATIVE.md), so releasing it here would take it.
    },
  );

  conformance(
    'kobject_description errors: NULL / unknown / dead name → KERN_INVALID_NAME; a send-once right or a port set → KERN_INVALID_RIGHT; wrong JS types → TypeError',
    'xnu:osfmk/ipc/mach_debug.c:mach_port_kobject_description (ipc_right_lookup_read; bits & MACH_PORT_TYPE_SEND_RECEIVE)',
    ({ api, task }) => {
      expectMachError(() => api.mach_port_kobject_description(task, C.MACH_PORT_NULL), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_kobject_description(task, unusedName(api)), 'KERN_INVALID_NAME');
      const dead = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME);
      expectMachError(() => api.mach_port_kobject_description(task, dead), 'KERN_INVALID_NAME');
      expectMachError(() => api.mach_port_kobject_description(task, sendOnce(api, port(api))), 'KERN_INVALID_RIGHT');
      expectMachError(() => api.mach_port_kobject_description(task, portSet(api)), 'KERN_INVALID_RIGHT');
      const bad = api as unknown as Record<string, (...a: unknown[]) => unknown>;
      expect(() => bad.mach_port_kobject_description!(task, null)).toThrow(TypeError);
    },
  );
});
