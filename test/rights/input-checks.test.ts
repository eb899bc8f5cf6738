/**
 * Bad input to the rights layer and to routine calls is refused with a TypeError that
 * names the call and what was wrong, before anything is sent or any right is touched —
 * never an error from inside the library, never a silently different request.
 */
import { describe, expect, it } from 'vitest';
import { MACH_MSGH_BITS_COMPLEX } from '../../lib/constants.js';
import { defineRoutine, int32 } from '../../lib/message/index.js';
import { PortSet, ReceiveRight, SendOnceRight, SendRight } from '../../lib/rights/index.js';
import { world } from './helpers.js';

describe('rights layer input checks', () => {
  it('a receive trailer must be one of the named ones, not an inherited key', async () => {
    const { kernel, a } = world();
    const r = ReceiveRight.allocate({ api: a });
    const s = r.makeSendRight();
    await s.send({ body: 'x' });
    for (const trailer of ['constructor', 'toString', '__proto__', 'bogus']) {
      await expect(r.receive({ trailer: trailer as never, timeout: 0 })).rejects.toThrow(/trailer must be one of/);
    }
    // The message is still there for a valid receive.
    const m = await r.receive({ timeout: 0 });
    m.close();
    s.close();
    r.close();
    kernel.checkInvariants();
  });

  it('a hand-built message must carry msgh_bits as a 32-bit integer, as mach_msg checks it', async () => {
    const { kernel, a } = world();
    const r = ReceiveRight.allocate({ api: a });
    const s = r.makeSendRight();
    for (const bits of ['junk', '2147483648', 1.5, Number.NaN, 2 ** 32, {}]) {
      await expect(s.send({ header: { msgh_bits: bits as never, msgh_remote_port: 0, msgh_id: 1 } })).rejects.toThrow(/msgh_bits must be a 32-bit integer/);
    }
    await expect(r.receive({ timeout: 0 })).rejects.toMatchObject({ code: 'MACH_RCV_TIMED_OUT' });
    // Both spellings of a 32-bit value are accepted; the COMPLEX bit is whatever was given.
    await s.send({ header: { msgh_bits: 0, msgh_remote_port: 0, msgh_id: 2 } });
    await s.send({ header: { msgh_remote_port: 0, msgh_id: 3 } as never });
    for (const id of [2, 3]) {
      const m = await r.receive({ timeout: 0 });
      expect(m.id).toBe(id);
      expect(m.bits & MACH_MSGH_BITS_COMPLEX).toBe(0);
      m.close();
    }
    s.close();
    r.close();
    kernel.checkInvariants();
  });

  it('null options and non-array descriptor lists are TypeErrors naming the call', async () => {
    const { kernel, a } = world();
    expect(() => ReceiveRight.allocate(null as never)).toThrow(/ReceiveRight\.allocate: options must be an object/);
    expect(() => PortSet.allocate(null as never)).toThrow(/PortSet\.allocate: options must be an object/);
    const r = ReceiveRight.allocate({ api: a });
    expect(() => SendRight.from(r.name, null as never)).toThrow(/SendRight\.from: options must be an object/);
    expect(() => SendOnceRight.from(r.name, null as never)).toThrow(/SendOnceRight\.from: options must be an object/);
    expect(() => r.requestNoSenders(null as never)).toThrow(/requestNoSenders: options must be an object/);
    await expect(r.messages(null as never).next()).rejects.toThrow(/options must be an object/);
    const s = r.makeSendRight();
    expect(() => s.requestDeadName(null as never)).toThrow(/requestDeadName: options must be an object/);
    for (const key of ['ports', 'ool', 'oolPorts']) {
      await expect(s.send({ [key]: 'x' } as never)).rejects.toThrow(new RegExp(`${key} must be an array`));
    }
    await expect(r.receive({ timeout: 0 })).rejects.toMatchObject({ code: 'MACH_RCV_TIMED_OUT' });
    s.close();
    r.close();
    kernel.checkInvariants();
  });

  it('a routine call checks its api and options before taking a reply port', async () => {
    const { kernel, a } = world();
    const echo = defineRoutine({ subsystem: 9100, id: 1, request: { n: int32 }, reply: { n: int32 } });
    const names = a.mach_port_names(a.mach_task_self()).names.length;
    await expect(echo.call(null as never, 0x103, { n: 1 })).rejects.toThrow(/api must be a MachApi/);
    await expect(echo.call(a, 0x103, { n: 1 }, null as never)).rejects.toThrow(/options must be an object/);
    expect(a.mach_port_names(a.mach_task_self()).names.length).toBe(names);
    kernel.checkInvariants();
  });
});
