/**
 * Port of xnu:tests/mach_port_mod_refs.c (xnu-11417): mod_refs of every right kind a
 * receive right and a port set do not hold. Apple's test first turns optional Mach-port
 * guard delivery off (task_set_exc_guard_behavior) so the refusals are plain return
 * codes; MachApi tasks already run with optional guards not delivered (a third-party
 * process's default), so the calls are made as they are.
 */
import { conformance, expectMachError, suite } from '../harness.js';
import { C, port, portSet } from '../helpers.js';
import { xnuTest } from './xnu.js';

const FILE = 'mach_port_mod_refs.c';

suite('xnu tests/mach_port_mod_refs.c', () => {
  conformance(
    'mod_refs −1 of a right the name lacks → KERN_INVALID_RIGHT; of right MACH_PORT_RIGHT_NUMBER or NUMBER+1 → KERN_INVALID_VALUE (receive right and port set); PORT_SET −1 and RECEIVE −1 then succeed',
    `${xnuTest(FILE, 'mach_port_mod_refs')}; xnu:osfmk/ipc/mach_port.c:mach_port_mod_refs; ipc_right.c:ipc_right_delta`,
    ({ api, task }) => {
      const pset = portSet(api);
      const p = port(api);

      for (const right of [C.MACH_PORT_RIGHT_SEND, C.MACH_PORT_RIGHT_SEND_ONCE, C.MACH_PORT_RIGHT_PORT_SET, C.MACH_PORT_RIGHT_DEAD_NAME, C.MACH_PORT_RIGHT_LABELH]) {
        expectMachError(() => api.mach_port_mod_refs(task, p, right, -1), 'KERN_INVALID_RIGHT');
      }
      expectMachError(() => api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_NUMBER, -1), 'KERN_INVALID_VALUE');
      expectMachError(() => api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_NUMBER + 1, -1), 'KERN_INVALID_VALUE');

      for (const right of [C.MACH_PORT_RIGHT_SEND, C.MACH_PORT_RIGHT_SEND_ONCE, C.MACH_PORT_RIGHT_RECEIVE, C.MACH_PORT_RIGHT_DEAD_NAME, C.MACH_PORT_RIGHT_LABELH]) {
        expectMachError(() => api.mach_port_mod_refs(task, pset, right, -1), 'KERN_INVALID_RIGHT');
      }
      expectMachError(() => api.mach_port_mod_refs(task, pset, C.MACH_PORT_RIGHT_NUMBER, -1), 'KERN_INVALID_VALUE');
      expectMachError(() => api.mach_port_mod_refs(task, pset, C.MACH_PORT_RIGHT_NUMBER + 1, -1), 'KERN_INVALID_VALUE');

      api.mach_port_mod_refs(task, pset, C.MACH_PORT_RIGHT_PORT_SET, -1);
      api.mach_port_mod_refs(task, p, C.MACH_PORT_RIGHT_RECEIVE, -1);
    },
  );
});
