/**
 * Port of xnu:tests/mach_port_insert_right.c (xnu-11417): insert_right of a send right
 * for an existing receive right, and its refusals for bad target names and for a right
 * the space already holds under another name.
 */
import { expect } from 'vitest';
import { conformance, expectMachError, suite } from '../harness.js';
import { C, port, typeOf } from '../helpers.js';
import { xnuTest } from './xnu.js';

const FILE = 'mach_port_insert_right.c';

suite('xnu tests/mach_port_insert_right.c', () => {
  conformance(
    'MAKE_SEND under the receive name gives SEND|RECEIVE; name 0x7B (index 0) → KERN_FAILURE; name 0x7A (bad generation bits) → KERN_INVALID_VALUE; a second port\'s send right under the first name → KERN_RIGHT_EXISTS',
    `${xnuTest(FILE, 'mach_port_insert_right')}; xnu:osfmk/ipc/mach_port.c:mach_port_insert_right; ipc_object.c:ipc_object_copyout_name`,
    ({ api, task }) => {
      const p = port(api);
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      api.mach_port_insert_right(task, p, p, C.MACH_MSG_TYPE_MAKE_SEND);
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE | C.MACH_PORT_TYPE_SEND);

      expectMachError(() => api.mach_port_insert_right(task, 123, p, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_FAILURE');
      expectMachError(() => api.mach_port_insert_right(task, 122, p, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_VALUE');

      const p2 = port(api);
      expect(typeOf(api, p2)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      expectMachError(() => api.mach_port_insert_right(task, p, p2, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_RIGHT_EXISTS');
    },
  );
});
