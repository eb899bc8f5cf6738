/**
 * Port of xnu:tests/mach_port_deallocate_21692215.c (xnu-11417): mach_port_deallocate
 * also deallocates a port set (radar 21692215), here after its four members were
 * destroyed.
 */
import { conformance, suite } from '../harness.js';
import { C, port, portSet } from '../helpers.js';
import { xnuTest } from './xnu.js';

const FILE = 'mach_port_deallocate_21692215.c';

suite('xnu tests/mach_port_deallocate_21692215.c', () => {
  conformance(
    'four receive rights moved into a port set, destroyed with mod_refs(RECEIVE, −1); then mach_port_deallocate of the set succeeds',
    `${xnuTest(FILE, 'mach_port_deallocate')}; xnu:osfmk/ipc/ipc_right.c:ipc_right_dealloc (MACH_PORT_TYPE_PORT_SET)`,
    ({ api, task }) => {
      const pset = portSet(api);
      const ports: number[] = [];
      for (let i = 0; i < 4; i++) {
        const p = port(api);
        api.mach_port_move_member(task, p, pset);
        ports.push(p);
      }
      for (const p of ports) api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
      api.mach_port_deallocate(task, pset);
    },
  );
});
