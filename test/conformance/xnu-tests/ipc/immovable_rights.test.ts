/**
 * Port of xnu:tests/ipc/immovable_rights.c (xnu-11417): immovable receive rights made by
 * mach_port_construct and by mach_port_guard_with_flags, whose guard is then swapped and
 * removed.
 */
import { expect } from 'vitest';
import { conformance, suite } from '../../harness.js';
import { C, status } from '../../helpers.js';
import { xnuTest } from '../xnu.js';

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

  conformance(
    'mach_port_guard_with_flags(MPG_IMMOVABLE_RECEIVE, guard 0x11) sets the immovable flag; mach_port_swap_guard(0x11 → 0xde18) then mach_port_unguard(0xde18) succeed',
    `${xnuTest(FILE, 'immovable_rights')}; xnu:osfmk/ipc/mach_port.c:mach_port_guard_with_flags, mach_port_swap_guard, mach_port_unguard`,
    ({ api, task }) => {
      const p = api.mach_port_construct(task, { flags: 0 }, 0n);
      api.mach_port_guard_with_flags(task, p, 0x11n, C.MPG_IMMOVABLE_RECEIVE);
      expect(status(api, p).mps_flags & C.MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE).not.toBe(0);
      api.mach_port_swap_guard(task, p, 0x11n, 0xde18n);
      api.mach_port_unguard(task, p, 0xde18n);
    },
  );
});
