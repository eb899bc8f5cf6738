/**
 * Port of xnu:tests/ipc/immovable_rights.c (xnu-11417). The construct half is ported;
 * mach_port_guard_with_flags and mach_port_swap_guard are not in MachApi.
 */
import { expect } from 'vitest';
import { conformance, suite } from '../../harness.js';
import { C, status } from '../../helpers.js';
import { notPortable, xnuTest } from '../xnu.js';

const FILE = 'ipc/immovable_rights.c';

suite('xnu tests/ipc/immovable_rights.c', () => {
  conformance(
    'mach_port_construct(MPO_CONTEXT_AS_GUARD | MPO_IMMOVABLE_RECEIVE, guard 0x10) sets MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE',
    `${xnuTest(FILE, 'immovable_rights')}; xnu:osfmk/ipc/mach_port.c:mach_port_construct, mach_port_guard_locked`,
    ({ api, task }) => {
      const p = api.mach_port_construct(task, { flags: C.MPO_CONTEXT_AS_GUARD | C.MPO_IMMOVABLE_RECEIVE }, 0x10n);
      expect(status(api, p).mps_flags & C.MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE).not.toBe(0);
    },
  );

  notPortable(
    'mach_port_guard_with_flags(MPG_IMMOVABLE_RECEIVE) sets the immovable flag; mach_port_swap_guard then mach_port_unguard with the new guard succeed',
    FILE,
    'immovable_rights',
    'mach_port_guard_with_flags and mach_port_swap_guard are not in MachApi (mach_port_guard takes only a strict flag)',
  );
});
