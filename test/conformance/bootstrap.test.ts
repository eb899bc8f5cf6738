/**
 * The bootstrap server as user code sees it: check-in, look-up, register and their
 * BOOTSTRAP_* errors (reference bootstrap.md; launchd-842 src/core.c; crashpad's
 * util/mach/bootstrap_test.cc, which runs against the real launchd).
 */
import { expect } from 'vitest';
import { conformance, expectMachError, suite } from './harness.js';
import {
  C,
  expectEmpty,
  isGone,
  pattern,
  port,
  portWithSend,
  recv,
  refs,
  sendSimple,
  sleep,
  status,
  typeOf,
  uniqueServiceName,
} from './helpers.js';

suite('bootstrap', () => {
  conformance(
    'the task has a bootstrap port: a send right',
    'launchd:liblaunch/libbootstrap.c:bootstrap_init (TASK_BOOTSTRAP_PORT)',
    ({ api }) => {
      const bp = api.bootstrap_port;
      expect(C.MACH_PORT_VALID(bp)).toBe(true);
      expect(typeOf(api, bp) & C.MACH_PORT_TYPE_SEND).toBe(C.MACH_PORT_TYPE_SEND);
    },
  );

  conformance(
    'bootstrap_look_up of an unknown name → BOOTSTRAP_UNKNOWN_SERVICE (1102)',
    'launchd:src/core.c:job_mig_look_up2; crashpad:util/mach/bootstrap_test.cc:BootstrapCheckIn',
    ({ api }) => {
      const err = expectMachError(() => api.bootstrap_look_up(api.bootstrap_port, uniqueServiceName('unknown')), 'BOOTSTRAP_UNKNOWN_SERVICE');
      expect(err.kr).toBe(1102);
    },
  );

  conformance(
    'bootstrap_check_in of an undeclared name creates the service and hands over the receive right; look-up gives a send right to it',
    'launchd:src/core.c:job_mig_check_in2 (dynamic check-in), job_mig_look_up2; crashpad:util/mach/bootstrap_test.cc',
    async ({ api }) => {
      const name = uniqueServiceName('checkin');
      const rcv = api.bootstrap_check_in(api.bootstrap_port, name);
      expect(typeOf(api, rcv)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      const snd = api.bootstrap_look_up(api.bootstrap_port, name);
      // in the same task the send right coalesces with the receive right
      expect(snd).toBe(rcv);
      expect(typeOf(api, rcv)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
      await sendSimple(api, snd, C.MACH_MSG_TYPE_COPY_SEND, { id: 0xb00, body: pattern(32) });
      const m = await recv(api, rcv);
      expect(m.header.msgh_id).toBe(0xb00);
      expect(m.size).toBe(24 + 32);
    },
  );

  conformance(
    'a second check-in of a live name by the same task → BOOTSTRAP_SERVICE_ACTIVE (1103)',
    'launchd:src/core.c:job_mig_check_in2; crashpad:util/mach/bootstrap_test.cc (EXPECT_EQ(BOOTSTRAP_SERVICE_ACTIVE, kr))',
    ({ api }) => {
      const name = uniqueServiceName('active');
      api.bootstrap_check_in(api.bootstrap_port, name);
      const err = expectMachError(() => api.bootstrap_check_in(api.bootstrap_port, name), 'BOOTSTRAP_SERVICE_ACTIVE');
      expect(err.kr).toBe(1103);
    },
  );

  conformance(
    'the bootstrap server keeps a send right to a checked-in service: no-senders cannot fire while it is registered',
    'launchd:src/core.c:machservice_new (launchd_mport_make_send); crashpad:handler/handler_main.cc; xnu:osfmk/ipc/ipc_port.c:ipc_port_nsrequest',
    async ({ api, task }) => {
      const rcv = api.bootstrap_check_in(api.bootstrap_port, uniqueServiceName('nosenders'));
      expect(status(api, rcv).mps_srights).toBe(1);
      expect(status(api, rcv).mps_mscount).toBeGreaterThanOrEqual(1);
      const n = port(api);
      api.mach_port_request_notification(task, rcv, C.MACH_NOTIFY_NO_SENDERS, 0, n, C.MACH_MSG_TYPE_MAKE_SEND_ONCE);
      expect(status(api, rcv).mps_nsrequest).toBe(1);
      await expectEmpty(api, n);
    },
  );

  conformance(
    'when the service’s receive right dies the name goes away: look-up → 1102 (after the server handled its dead-name notification) and the name can be checked in again',
    'launchd:src/runtime.c:do_mach_notify_dead_name; src/core.c:jobmgr_delete_anything_with_port; crashpad:util/mach/bootstrap_test.cc',
    async ({ api, task }) => {
      const name = uniqueServiceName('lifetime');
      const rcv = api.bootstrap_check_in(api.bootstrap_port, name);
      const snd = api.bootstrap_look_up(api.bootstrap_port, name);
      expect(snd).toBe(rcv);
      api.mach_port_mod_refs(task, rcv, C.MACH_PORT_RIGHT_RECEIVE, -1);
      expect(typeOf(api, snd)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      api.mach_port_deallocate(task, snd);
      expect(isGone(api, snd)).toBe(true);
      await sleep(50);
      expectMachError(() => api.bootstrap_look_up(api.bootstrap_port, name), 'BOOTSTRAP_UNKNOWN_SERVICE');
      const again = api.bootstrap_check_in(api.bootstrap_port, name);
      expect(typeOf(api, again)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
  );

  conformance(
    'another task looks the service up and talks to it; repeated look-ups coalesce into one name with more urefs',
    'launchd:src/core.c:job_mig_look_up2 (COPY_SEND of the registry’s right); xnu:osfmk/ipc/ipc_object.c:ipc_object_copyout',
    async ({ api, peer }) => {
      const b = peer();
      const name = uniqueServiceName('peer');
      const rcv = api.bootstrap_check_in(api.bootstrap_port, name);
      const s1 = b.bootstrap_look_up(b.bootstrap_port, name);
      const s2 = b.bootstrap_look_up(b.bootstrap_port, name);
      expect(s2).toBe(s1);
      expect(b.mach_port_type(b.mach_task_self(), s1)).toBe(C.MACH_PORT_TYPE_SEND);
      expect(b.mach_port_get_refs(b.mach_task_self(), s1, C.MACH_PORT_RIGHT_SEND)).toBe(2);
      await sendSimple(b, s1, C.MACH_MSG_TYPE_COPY_SEND, { id: 0xb0b });
      expect((await recv(api, rcv)).header.msgh_id).toBe(0xb0b);
    },
    { needs: ['peer'] },
  );

  conformance(
    'check-in of a name another task has checked in and holds → BOOTSTRAP_NOT_PRIVILEGED (1100)',
    'launchd:src/core.c:job_mig_check_in2 ("tried to hijack the service")',
    ({ api, peer }) => {
      const b = peer();
      const name = uniqueServiceName('hijack');
      api.bootstrap_check_in(api.bootstrap_port, name);
      const err = expectMachError(() => b.bootstrap_check_in(b.bootstrap_port, name), 'BOOTSTRAP_NOT_PRIVILEGED');
      expect(err.kr).toBe(1100);
    },
    { needs: ['peer'] },
  );

  conformance(
    'bootstrap_register publishes a send right the caller holds; look-up returns it; registering MACH_PORT_NULL unregisters (→ 1102)',
    'launchd:src/core.c:job_mig_register2; servo/ipc-channel:src/platform/macos/mod.rs (register/unregister)',
    async ({ api, task }) => {
      const name = uniqueServiceName('register');
      const p = portWithSend(api);
      api.bootstrap_register(api.bootstrap_port, name, p);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
      const s = api.bootstrap_look_up(api.bootstrap_port, name);
      expect(s).toBe(p);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(2);
      await sendSimple(api, s, C.MACH_MSG_TYPE_COPY_SEND, { id: 0x7e6 });
      expect((await recv(api, p)).header.msgh_id).toBe(0x7e6);
      api.bootstrap_register(api.bootstrap_port, name, C.MACH_PORT_NULL);
      await sleep(10);
      expectMachError(() => api.bootstrap_look_up(api.bootstrap_port, name), 'BOOTSTRAP_UNKNOWN_SERVICE');
      void task;
    },
  );

  conformance(
    'a registered service disappears when its port dies',
    'launchd:src/core.c:machservice_request_notifications (dead-name request on the registered right), jobmgr_delete_anything_with_port',
    async ({ api, task }) => {
      const name = uniqueServiceName('register-death');
      const p = portWithSend(api);
      api.bootstrap_register(api.bootstrap_port, name, p);
      api.mach_port_destroy(task, p);
      await sleep(50);
      expectMachError(() => api.bootstrap_look_up(api.bootstrap_port, name), 'BOOTSTRAP_UNKNOWN_SERVICE');
    },
  );

  conformance(
    'register over a name this task has checked in (active) → BOOTSTRAP_SERVICE_ACTIVE (1103)',
    'launchd:src/core.c:job_mig_register2 (owned by this job and active)',
    ({ api }) => {
      const name = uniqueServiceName('register-active');
      api.bootstrap_check_in(api.bootstrap_port, name);
      expectMachError(() => api.bootstrap_register(api.bootstrap_port, name, portWithSend(api)), 'BOOTSTRAP_SERVICE_ACTIVE');
    },
  );

  conformance(
    'register of a name another task owns → BOOTSTRAP_NOT_PRIVILEGED (1100)',
    'launchd:src/core.c:job_mig_register2 (name owned by another job)',
    ({ api, peer }) => {
      const b = peer();
      const name = uniqueServiceName('register-other');
      api.bootstrap_check_in(api.bootstrap_port, name);
      expectMachError(() => b.bootstrap_register(b.bootstrap_port, name, portWithSend(b)), 'BOOTSTRAP_NOT_PRIVILEGED');
    },
    { needs: ['peer'] },
  );

  conformance(
    'every task of one kernel shares the bootstrap namespace',
    'launchd:src/core.c:jobmgr_lookup_service (one namespace per bootstrap domain)',
    ({ api, peer }) => {
      const b = peer();
      const name = uniqueServiceName('shared');
      api.bootstrap_check_in(api.bootstrap_port, name);
      expect(C.MACH_PORT_VALID(b.bootstrap_look_up(b.bootstrap_port, name))).toBe(true);
    },
    { needs: ['peer'] },
  );

  conformance(
    'a service name of 128 bytes or more, or with a NUL, is refused with KERN_INVALID_ARGUMENT before anything is sent',
    'launchd:src/job_types.defs (name_t = c_string[128]); xnu:libsyscall/mach/mig_strncpy.c (the stub would truncate); crashpad:util/mach/bootstrap.cc (refuses ≥ 128)',
    ({ api }) => {
      const base = uniqueServiceName('long');
      const long = base + 'x'.repeat(C.BOOTSTRAP_MAX_NAME_LEN - base.length);
      expect(new TextEncoder().encode(long).length).toBe(C.BOOTSTRAP_MAX_NAME_LEN);
      for (const call of ['bootstrap_check_in', 'bootstrap_look_up'] as const) {
        const err = expectMachError(() => api[call](api.bootstrap_port, long), 'KERN_INVALID_ARGUMENT');
        expect(err.message).toMatch(/128 bytes/);
        expectMachError(() => api[call](api.bootstrap_port, `${base}\0tail`), 'KERN_INVALID_ARGUMENT');
      }
      expectMachError(() => api.bootstrap_register(api.bootstrap_port, long, portWithSend(api)), 'KERN_INVALID_ARGUMENT');
      // Nothing was checked in under the 127-byte prefix the stub would have sent.
      expectMachError(() => api.bootstrap_look_up(api.bootstrap_port, long.slice(0, C.BOOTSTRAP_MAX_NAME_LEN - 1)), 'BOOTSTRAP_UNKNOWN_SERVICE');
      // 127 bytes is the longest name that fits a name_t with its NUL, and works.
      const fits = long.slice(0, C.BOOTSTRAP_MAX_NAME_LEN - 1);
      const rcv = api.bootstrap_check_in(api.bootstrap_port, fits);
      expect(api.bootstrap_look_up(api.bootstrap_port, fits)).toBe(rcv);
    },
  );
});
