/**
 * Port of xnu:tests/extract_right_soft_fail.c (xnu-11417). Only the self case is
 * expressible: extracting a copy of the task's own (immovable) control port from its own
 * space succeeds. The child case needs task_for_pid, mach_port_space_info and
 * mach_port_kernel_object on another task's space.
 */
import { conformance, suite } from '../harness.js';
import { C } from '../helpers.js';
import { notPortable, xnuTest } from './xnu.js';

const FILE = 'extract_right_soft_fail.c';

suite('xnu tests/extract_right_soft_fail.c', () => {
  conformance(
    'mach_port_extract_right(self, mach_task_self(), COPY_SEND) in the current space succeeds',
    `${xnuTest(FILE, 'extract_right_soft_fail')}; xnu:osfmk/ipc/ipc_right.c:ipc_right_copyin (immovable send rights may be copied within their own space)`,
    ({ api, task }) => {
      api.mach_port_extract_right(task, task, C.MACH_MSG_TYPE_COPY_SEND);
    },
  );

  notPortable(
    'extract_right / mod_refs of the pinned task port in a child\'s space → KERN_INVALID_CAPABILITY, caller not killed',
    FILE,
    'extract_right_soft_fail',
    'needs task_for_pid, mach_port_space_info and mach_port_kernel_object on another task (not in MachApi)',
  );
});
