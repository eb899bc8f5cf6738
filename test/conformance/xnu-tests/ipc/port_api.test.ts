/**
 * Port of xnu:tests/ipc/port_api.c (xnu-11417): regression 123724977, MAKE_SEND of a port
 * set name through mach_port_insert_right.
 */
import { conformance, expectMachError, suite } from '../../harness.js';
import { C, portSet } from '../../helpers.js';
import { xnuTest } from '../xnu.js';

suite('xnu tests/ipc/port_api.c', () => {
  conformance(
    'insert_right(pset, pset, MAKE_SEND) on a port set → KERN_INVALID_RIGHT',
    `${xnuTest('ipc/port_api.c', 'mach_port_insert_right_123724977')}; xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin (MAKE_SEND needs a receive right)`,
    ({ api, task }) => {
      const pset = portSet(api);
      expectMachError(() => api.mach_port_insert_right(task, pset, pset, C.MACH_MSG_TYPE_MAKE_SEND), 'KERN_INVALID_RIGHT');
    },
  );
});
