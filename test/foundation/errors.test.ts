import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as C from '../../lib/constants.js';
import { MachError, MachGuardError, machErrorName } from '../../lib/errors.js';

describe('machErrorName', () => {
  it('names kern_return_t values by their <mach/kern_return.h> names', () => {
    expect(machErrorName(C.KERN_SUCCESS)).toBe('KERN_SUCCESS');
    expect(machErrorName(C.KERN_INVALID_RIGHT)).toBe('KERN_INVALID_RIGHT');
    expect(machErrorName(C.KERN_NOT_FOUND)).toBe('KERN_NOT_FOUND');
  });

  it('names mach_msg returns, including special bits OR-ed in', () => {
    expect(machErrorName(C.MACH_RCV_PORT_CHANGED)).toBe('MACH_RCV_PORT_CHANGED');
    expect(machErrorName(C.MACH_SEND_INVALID_DEST)).toBe('MACH_SEND_INVALID_DEST');
    expect(machErrorName(C.MACH_RCV_BODY_ERROR | C.MACH_MSG_IPC_SPACE)).toBe('MACH_RCV_BODY_ERROR|MACH_MSG_IPC_SPACE');
  });

  it('names MIG and bootstrap codes', () => {
    expect(machErrorName(C.MIG_SERVER_DIED)).toBe('MIG_SERVER_DIED');
    expect(machErrorName(C.BOOTSTRAP_UNKNOWN_SERVICE)).toBe('BOOTSTRAP_UNKNOWN_SERVICE');
    expect(machErrorName(C.BOOTSTRAP_SERVICE_ACTIVE)).toBe('BOOTSTRAP_SERVICE_ACTIVE');
  });

  it('never throws, whatever the number', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), (kr) => {
        expect(typeof machErrorName(kr)).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('MachError', () => {
  it('carries kr, code and a readable message', () => {
    const e = new MachError(C.KERN_INVALID_NAME, 'mach_port_deallocate(0x5503)');
    expect(e).toBeInstanceOf(Error);
    expect(e.kr).toBe(15);
    expect(e.code).toBe('KERN_INVALID_NAME');
    expect(e.message).toContain('mach_port_deallocate(0x5503)');
    expect(e.message).toContain('does not denote a right');
  });

  it('MachGuardError is a MachError naming the guard reason', () => {
    const e = new MachGuardError(C.KERN_INVALID_RIGHT, C.kGUARD_EXC_DESTROY, 0x1203, 'mach_port_destroy');
    expect(e).toBeInstanceOf(MachError);
    expect(e.reasonName).toBe('kGUARD_EXC_DESTROY');
    expect(e.code).toBe('KERN_INVALID_RIGHT');
    expect(e.message).toContain('EXC_GUARD kGUARD_EXC_DESTROY on name 0x1203');
  });
});
