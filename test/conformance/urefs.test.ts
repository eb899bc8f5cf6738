/**
 * User references: mach_port_mod_refs, mach_port_get_refs, saturation (reference S20–S26).
 */
import { expect } from 'vitest';
import fc from 'fast-check';
import { conformance, expectMachError, suite } from './harness.js';
import { C, expectNotification, isGone, msg, port, portSet, portWithSend, recv, refs, send, sendOnce, status, typeOf, unusedName } from './helpers.js';

const MAX = C.MACH_PORT_UREFS_MAX;

suite('user references', () => {
  conformance(
    'S20 send urefs saturate at MACH_PORT_UREFS_MAX (65535) instead of overflowing; KERN_UREFS_OVERFLOW is never returned',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_delta (MACH_PORT_UREFS_OVERFLOW → pegged); xnu:osfmk/ipc/port.h',
    ({ api, task }) => {
      const p = portWithSend(api);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, MAX - 1);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(MAX);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, 1);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(MAX);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, 1000);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(MAX);
    },
  );

  conformance(
    'S20 a pegged count ignores decrements (deallocate, mod_refs −1, −100) until one delta of −65535 removes the send right',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_delta, ipc_right_dealloc ("if urefs are pegged due to overflow, leave them pegged")',
    ({ api, task }) => {
      const p = portWithSend(api);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, MAX);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(MAX);
      api.mach_port_deallocate(task, p);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, -1);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, -100);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(MAX);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, -MAX);
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      expect(status(api, p).mps_srights).toBe(0);
    },
  );

  conformance(
    'S20 |delta| > 65535 → KERN_INVALID_VALUE, count unchanged',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_delta',
    ({ api, task }) => {
      const p = portWithSend(api);
      expectMachError(() => api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, MAX + 1), 'KERN_INVALID_VALUE');
      expectMachError(() => api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, -(MAX + 1)), 'KERN_INVALID_VALUE');
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(1);
      const d = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME);
      expectMachError(() => api.mach_port_mod_refs(task, d, C.MACH_PORT_RIGHT_DEAD_NAME, MAX + 1), 'KERN_INVALID_VALUE');
      expect(refs(api, d, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
    },
  );

  conformance(
    'S20 copy-outs into a pegged entry leave it at 65535 (insert_right COPY_SEND/MAKE_SEND, a send right received in a message)',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_insert_send_right; ipc_right.c:ipc_right_copyout',
    async ({ api, task }) => {
      const p = portWithSend(api);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, MAX);
      api.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_COPY_SEND);
      api.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(MAX);
      const q = port(api);
      await send(api, msg(q, C.MACH_MSG_TYPE_MAKE_SEND, { descriptors: [{ type: 0, name: p, disposition: C.MACH_MSG_TYPE_COPY_SEND }] }));
      const m = await recv(api, q);
      expect((m.descriptors[0] as { name: number }).name).toBe(p);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(MAX);
    },
  );

  conformance(
    'S20 dead-name urefs saturate the same way',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_delta MACH_PORT_RIGHT_DEAD_NAME',
    ({ api, task }) => {
      const d = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME);
      api.mach_port_mod_refs(task, d, C.MACH_PORT_RIGHT_DEAD_NAME, MAX);
      expect(refs(api, d, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(MAX);
      api.mach_port_deallocate(task, d);
      api.mach_port_mod_refs(task, d, C.MACH_PORT_RIGHT_DEAD_NAME, -5);
      expect(refs(api, d, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(MAX);
      api.mach_port_mod_refs(task, d, C.MACH_PORT_RIGHT_DEAD_NAME, -MAX);
      expect(isGone(api, d)).toBe(true);
    },
  );

  conformance(
    'S21 a decrement below zero → KERN_INVALID_VALUE, count unchanged (send and dead name)',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_delta (MACH_PORT_UREFS_UNDERFLOW)',
    ({ api, task }) => {
      const p = portWithSend(api);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, 1);
      expectMachError(() => api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, -3), 'KERN_INVALID_VALUE');
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(2);
      const d = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME);
      expectMachError(() => api.mach_port_mod_refs(task, d, C.MACH_PORT_RIGHT_DEAD_NAME, -2), 'KERN_INVALID_VALUE');
      expect(refs(api, d, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
    },
  );

  conformance(
    'S22 mod_refs of a right the name does not hold → KERN_INVALID_RIGHT; right ≥ MACH_PORT_RIGHT_NUMBER → KERN_INVALID_VALUE',
    'xnu:tests/mach_port_mod_refs.c:mach_port_mod_refs; xnu:osfmk/ipc/mach_port.c:mach_port_mod_refs; ipc_right.c:ipc_right_delta',
    ({ api, task }) => {
      const p = port(api);
      for (const right of [C.MACH_PORT_RIGHT_SEND, C.MACH_PORT_RIGHT_SEND_ONCE, C.MACH_PORT_RIGHT_PORT_SET, C.MACH_PORT_RIGHT_DEAD_NAME, C.MACH_PORT_RIGHT_LABELH]) {
        expectMachError(() => api.mach_port_mod_refs(task, p, right, -1), 'KERN_INVALID_RIGHT');
      }
      expectMachError(() => api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_NUMBER, -1), 'KERN_INVALID_VALUE');
      expectMachError(() => api.mach_port_mod_refs(task, p, 7, -1), 'KERN_INVALID_VALUE');
      const s = portSet(api);
      for (const right of [C.MACH_PORT_RIGHT_SEND, C.MACH_PORT_RIGHT_SEND_ONCE, C.MACH_PORT_RIGHT_RECEIVE, C.MACH_PORT_RIGHT_DEAD_NAME, C.MACH_PORT_RIGHT_LABELH]) {
        expectMachError(() => api.mach_port_mod_refs(task, s, right, -1), 'KERN_INVALID_RIGHT');
      }
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      expect(typeOf(api, s)).toBe(C.MACH_PORT_TYPE_PORT_SET);
    },
  );

  conformance(
    'S22 mod_refs(P, SEND, +1) cannot create a send right on a receive-only name (KERN_INVALID_RIGHT)',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_delta MACH_PORT_RIGHT_SEND (AE_MAKESENDRIGHT_FIXED comment)',
    ({ api, task }) => {
      const p = port(api);
      expectMachError(() => api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, 1), 'KERN_INVALID_RIGHT');
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
  );

  conformance(
    'S22 mod_refs on an unknown name → KERN_INVALID_NAME',
    'xnu:osfmk/ipc/mach_port.c:mach_port_mod_refs (ipc_right_lookup_write)',
    ({ api, task }) => {
      const n = unusedName(api);
      for (const right of [C.MACH_PORT_RIGHT_SEND, C.MACH_PORT_RIGHT_RECEIVE, C.MACH_PORT_RIGHT_DEAD_NAME]) {
        expectMachError(() => api.mach_port_mod_refs(task, n, right, -1), 'KERN_INVALID_NAME');
      }
    },
  );

  conformance(
    'S23 receive and port-set deltas: 0 is a no-op, −1 destroys, anything else → KERN_INVALID_VALUE',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_delta; xnu:tests/mach_port_mod_refs.c',
    ({ api, task }) => {
      const p = port(api);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, 0);
      expectMachError(() => api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, 1), 'KERN_INVALID_VALUE');
      expectMachError(() => api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -2), 'KERN_INVALID_VALUE');
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
      expect(isGone(api, p)).toBe(true);

      const s = portSet(api);
      api.mach_port_mod_refs(task, s, C.MACH_PORT_RIGHT_PORT_SET, 0);
      expectMachError(() => api.mach_port_mod_refs(task, s, C.MACH_PORT_RIGHT_PORT_SET, 1), 'KERN_INVALID_VALUE');
      expectMachError(() => api.mach_port_mod_refs(task, s, C.MACH_PORT_RIGHT_PORT_SET, -2), 'KERN_INVALID_VALUE');
      api.mach_port_mod_refs(task, s, C.MACH_PORT_RIGHT_PORT_SET, -1);
      expect(isGone(api, s)).toBe(true);
    },
  );

  conformance(
    'S24 send-once deltas: +1 → KERN_INVALID_VALUE, 0 no-op, −1 destroys it and the receiver gets MACH_NOTIFY_SEND_ONCE',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_delta MACH_PORT_RIGHT_SEND_ONCE; ipc_notify.c:ipc_notify_send_once_and_unlock',
    async ({ api, task }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      expectMachError(() => api.mach_port_mod_refs(task, o, C.MACH_PORT_RIGHT_SEND_ONCE, 1), 'KERN_INVALID_VALUE');
      expectMachError(() => api.mach_port_mod_refs(task, o, C.MACH_PORT_RIGHT_SEND_ONCE, -2), 'KERN_INVALID_VALUE');
      api.mach_port_mod_refs(task, o, C.MACH_PORT_RIGHT_SEND_ONCE, 0);
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      api.mach_port_mod_refs(task, o, C.MACH_PORT_RIGHT_SEND_ONCE, -1);
      expect(isGone(api, o)).toBe(true);
      const n = await expectNotification(api, p, C.MACH_NOTIFY_SEND_ONCE);
      expect(n.size).toBe(24);
      expect(n.header.msgh_local_port).toBe(p);
      expect(status(api, p).mps_sorights).toBe(0);
    },
  );

  conformance(
    'S24 mod_refs(O, SEND_ONCE, −1) after the port died → KERN_INVALID_RIGHT (O is now a dead name)',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_delta (ipc_right_check converts to DEAD_NAME)',
    ({ api, task }) => {
      const p = port(api);
      const o = sendOnce(api, p);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
      expectMachError(() => api.mach_port_mod_refs(task, o, C.MACH_PORT_RIGHT_SEND_ONCE, -1), 'KERN_INVALID_RIGHT');
      expect(typeOf(api, o)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(refs(api, o, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
      api.mach_port_mod_refs(task, o, C.MACH_PORT_RIGHT_DEAD_NAME, -1);
      expect(isGone(api, o)).toBe(true);
    },
  );

  conformance(
    'S25 get_refs corner cases: NULL/DEAD with SEND or SEND_ONCE → 1; other rights → KERN_INVALID_NAME; right ≥ 6 → KERN_INVALID_VALUE; unknown → KERN_INVALID_NAME',
    'xnu:osfmk/ipc/mach_port.c:mach_port_get_refs',
    ({ api, task }) => {
      for (const n of [C.MACH_PORT_NULL, C.MACH_PORT_DEAD]) {
        expect(api.mach_port_get_refs(task, n, C.MACH_PORT_RIGHT_SEND)).toBe(1);
        expect(api.mach_port_get_refs(task, n, C.MACH_PORT_RIGHT_SEND_ONCE)).toBe(1);
        for (const right of [C.MACH_PORT_RIGHT_RECEIVE, C.MACH_PORT_RIGHT_PORT_SET, C.MACH_PORT_RIGHT_DEAD_NAME]) {
          expectMachError(() => api.mach_port_get_refs(task, n, right), 'KERN_INVALID_NAME');
        }
      }
      const p = port(api);
      expectMachError(() => api.mach_port_get_refs(task, p, C.MACH_PORT_RIGHT_NUMBER), 'KERN_INVALID_VALUE');
      expectMachError(() => api.mach_port_get_refs(task, C.MACH_PORT_NULL, 99), 'KERN_INVALID_VALUE');
      expect(api.mach_port_get_refs(task, p, C.MACH_PORT_RIGHT_PORT_SET)).toBe(0);
      expect(api.mach_port_get_refs(task, p, C.MACH_PORT_RIGHT_LABELH)).toBe(0);
      expectMachError(() => api.mach_port_get_refs(task, unusedName(api), C.MACH_PORT_RIGHT_SEND), 'KERN_INVALID_NAME');
    },
  );

  conformance(
    'S26 mod_refs on NULL/DEAD: SEND and SEND_ONCE succeed as no-ops, other rights → KERN_INVALID_NAME',
    'xnu:osfmk/ipc/mach_port.c:mach_port_mod_refs',
    ({ api, task }) => {
      for (const n of [C.MACH_PORT_NULL, C.MACH_PORT_DEAD]) {
        api.mach_port_mod_refs(task, n, C.MACH_PORT_RIGHT_SEND, -1);
        api.mach_port_mod_refs(task, n, C.MACH_PORT_RIGHT_SEND_ONCE, 5);
        for (const right of [C.MACH_PORT_RIGHT_RECEIVE, C.MACH_PORT_RIGHT_PORT_SET, C.MACH_PORT_RIGHT_DEAD_NAME]) {
          expectMachError(() => api.mach_port_mod_refs(task, n, right, -1), 'KERN_INVALID_NAME');
        }
      }
    },
  );

  conformance(
    'S20/S21 property: a random sequence of send-right deltas follows XNU’s saturating arithmetic',
    'xnu:osfmk/ipc/ipc_right.c:ipc_right_delta; xnu:osfmk/ipc/port.h:MACH_PORT_UREFS_OVERFLOW, MACH_PORT_UREFS_UNDERFLOW',
    ({ api, task }) => {
      const delta = fc.oneof(
        fc.integer({ min: -3, max: 3 }),
        fc.integer({ min: -70000, max: 70000 }),
        fc.constantFrom(MAX, -MAX, MAX - 1, -(MAX - 1), MAX + 1, -(MAX + 1)),
      );
      fc.assert(
        fc.property(fc.array(delta, { minLength: 1, maxLength: 25 }), (deltas) => {
          const p = portWithSend(api);
          let model = 1; // 0 = the send right is gone
          for (const d of deltas) {
            let expected: 'ok' | 'KERN_INVALID_VALUE' | 'KERN_INVALID_RIGHT';
            let next = model;
            if (model === 0) {
              expected = 'KERN_INVALID_RIGHT'; // the name no longer holds a send right
            } else if (d > MAX || d < -MAX) {
              expected = 'KERN_INVALID_VALUE';
            } else if (model === MAX) {
              expected = 'ok';
              next = d === -MAX ? 0 : MAX;
            } else if (d < 0 && -d > model) {
              expected = 'KERN_INVALID_VALUE';
            } else {
              expected = 'ok';
              next = model + d >= MAX && d > 0 ? MAX : model + d;
            }
            if (expected === 'ok') api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, d);
            else expectMachError(() => api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_SEND, d), expected);
            model = next;
            expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(model);
            expect(typeOf(api, p)).toBe(model === 0 ? C.MACH_PORT_TYPE_RECEIVE : C.MACH_PORT_TYPE_SEND_RECEIVE);
          }
          api.mach_port_destroy(task, p);
        }),
        { numRuns: 60 },
      );
    },
  );
});
