/**
 * The package root's bootstrap_port: C code reads `bootstrap_look_up(bootstrap_port, name,
 * &sp)` with a global variable; the root exports a function of the active backend, and the
 * root's Mach-named functions take that function wherever they take a port name.
 */
import { describe, expect, it } from 'vitest';
import * as mp from '../../lib/index.js';

describe('the root bootstrap_port', () => {
  it('is the active backend task bootstrap port', () => {
    expect(mp.bootstrap_port()).toBe(mp.backend.api.bootstrap_port);
    expect(mp.bootstrap_port()).not.toBe(mp.MACH_PORT_NULL);
  });

  it('stands in for the port name in check-in and look-up, as in C', async () => {
    const service = `com.machport.test.root-bp.${process.pid}.${Date.now()}`;
    const rcv = mp.bootstrap_check_in(mp.bootstrap_port, service);
    try {
      const send = mp.bootstrap_look_up(mp.bootstrap_port, service);
      // The looked-up right leads to the checked-in port: a message sent on it arrives there.
      await mp.mach_msg({ header: { msgh_bits: mp.MACH_MSGH_BITS(mp.MACH_MSG_TYPE_COPY_SEND, 0), msgh_remote_port: send, msgh_id: 7101 } }, mp.MACH_SEND_MSG);
      const got = await mp.mach_msg(undefined, mp.MACH_RCV_MSG | mp.MACH_RCV_TIMEOUT, rcv, 0);
      expect(got?.header.msgh_id).toBe(7101);
      mp.mach_port_deallocate(mp.mach_task_self(), send);
    } finally {
      mp.mach_port_mod_refs(mp.mach_task_self(), rcv, mp.MACH_PORT_RIGHT_RECEIVE, -1);
    }
  });

  it('is passed by value in any port-name position, and other functions are still refused', () => {
    const type = mp.mach_port_type(mp.mach_task_self(), mp.bootstrap_port);
    expect(type).toBe(mp.mach_port_type(mp.mach_task_self(), mp.bootstrap_port()));
    expect((type & mp.MACH_PORT_TYPE_SEND) !== 0).toBe(true);
    const other = (() => 1) as unknown as number;
    expect(() => mp.bootstrap_look_up(other, 'x')).toThrow(TypeError);
  });
});
