import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as C from '../../lib/constants.js';

describe('macros', () => {
  it('MACH_PORT_TYPE(right) is 1 << (right + 16)', () => {
    expect(C.MACH_PORT_TYPE(C.MACH_PORT_RIGHT_SEND)).toBe(C.MACH_PORT_TYPE_SEND);
    expect(C.MACH_PORT_TYPE(C.MACH_PORT_RIGHT_RECEIVE)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    expect(C.MACH_PORT_TYPE(C.MACH_PORT_RIGHT_SEND_ONCE)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
    expect(C.MACH_PORT_TYPE(C.MACH_PORT_RIGHT_PORT_SET)).toBe(C.MACH_PORT_TYPE_PORT_SET);
    expect(C.MACH_PORT_TYPE(C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
  });

  it('MACH_MSGH_BITS builds what the reference example shows (COPY_SEND, MAKE_SEND_ONCE = 0x1513)', () => {
    expect(C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, C.MACH_MSG_TYPE_MAKE_SEND_ONCE)).toBe(0x1513);
  });

  it('the bit getters invert MACH_MSGH_BITS_SET for every disposition triple', () => {
    fc.assert(
      fc.property(fc.nat(31), fc.nat(31), fc.nat(31), fc.boolean(), (r, l, v, complex) => {
        const bits = C.MACH_MSGH_BITS_SET(r, l, v, complex ? C.MACH_MSGH_BITS_COMPLEX : 0);
        expect(C.MACH_MSGH_BITS_REMOTE(bits)).toBe(r);
        expect(C.MACH_MSGH_BITS_LOCAL(bits)).toBe(l);
        expect(C.MACH_MSGH_BITS_VOUCHER(bits)).toBe(v);
        expect(C.MACH_MSGH_BITS_IS_COMPLEX(bits)).toBe(complex);
      }),
    );
  });

  it('REQUESTED_TRAILER_SIZE follows the element count, unknown counts give 68', () => {
    const sizes = [8, 12, 20, 52, 60, 68, 68, 68, 68];
    sizes.forEach((size, elements) => {
      expect(C.REQUESTED_TRAILER_SIZE(C.MACH_RCV_TRAILER_ELEMENTS(elements))).toBe(size);
    });
  });

  it('port names split into index and generation', () => {
    expect(C.MACH_PORT_INDEX(0x1203)).toBe(0x12);
    expect(C.MACH_PORT_MAKE(0x12, C.MACH_PORT_GEN(0x1203))).toBe(0x1203);
    expect(C.MACH_PORT_VALID(C.MACH_PORT_NULL)).toBe(false);
    expect(C.MACH_PORT_VALID(C.MACH_PORT_DEAD)).toBe(false);
    expect(C.MACH_PORT_VALID(0x103)).toBe(true);
  });
});
