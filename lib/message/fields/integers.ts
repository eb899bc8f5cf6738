/**
 * Integer and boolean fields: C's fixed-width integers (little endian, as on every
 * Darwin machine; the NDR record says int_rep = little endian) and boolean_t. 64-bit
 * integers are bigints. Inside a struct they align like C under `#pragma pack(4)`
 * (8-byte integers on 4); at the top level MIG pads each to 4 bytes.
 * @module
 */
import { describe } from '../argument-checks.js';
import { need, type InlineField, type Reader, type Writer } from './field.js';
import { withLayout, type FieldLayout } from './layout.js';

/** A fixed-size scalar field from its accessors. */
function scalar<T>(
  description: string,
  size: number,
  check: (value: unknown, where: string) => T,
  put: (view: DataView, pos: number, value: T) => void,
  get: (view: DataView, pos: number) => T,
  layout: FieldLayout,
): InlineField<T> & { readonly size: number } {
  const field = Object.freeze({
    kind: 'inline' as const,
    description,
    align: Math.min(size, 4),
    size,
    sizeOf(value: T, where: string): number {
      check(value, where);
      return size;
    },
    write(w: Writer, value: T, where: string): void {
      put(w.view, w.pos, check(value, where));
      w.pos += size;
    },
    read(r: Reader, where: string): T {
      need(r, size, where);
      const value = get(r.view, r.pos);
      r.pos += size;
      return value;
    },
  });
  return withLayout(field, layout);
}

function integerCheck(description: string, min: number, max: number): (value: unknown, where: string) => number {
  return (value, where) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new TypeError(`${where} (${description}) must be an integer from ${min} to ${max}, got ${describe(value)}`);
    }
    return value;
  };
}

function bigintCheck(description: string, min: bigint, max: bigint): (value: unknown, where: string) => bigint {
  return (value, where) => {
    if (typeof value !== 'bigint' || value < min || value > max) {
      throw new TypeError(`${where} (${description}) must be a bigint from ${min} to ${max}, got ${describe(value)}`);
    }
    return value;
  };
}

/** int8_t. */
export const int8 = scalar('int8', 1, integerCheck('int8', -0x80, 0x7f), (v, p, x) => v.setInt8(p, x), (v, p) => v.getInt8(p), {
  kind: 'int',
  size: 1,
  signed: true,
});
/** uint8_t. */
export const uint8 = scalar('uint8', 1, integerCheck('uint8', 0, 0xff), (v, p, x) => v.setUint8(p, x), (v, p) => v.getUint8(p), {
  kind: 'int',
  size: 1,
  signed: false,
});
/** int16_t. */
export const int16 = scalar('int16', 2, integerCheck('int16', -0x8000, 0x7fff), (v, p, x) => v.setInt16(p, x, true), (v, p) => v.getInt16(p, true), {
  kind: 'int',
  size: 2,
  signed: true,
});
/** uint16_t. */
export const uint16 = scalar('uint16', 2, integerCheck('uint16', 0, 0xffff), (v, p, x) => v.setUint16(p, x, true), (v, p) => v.getUint16(p, true), {
  kind: 'int',
  size: 2,
  signed: false,
});
/** int32_t (also integer_t, kern_return_t). */
export const int32 = scalar(
  'int32',
  4,
  integerCheck('int32', -0x80000000, 0x7fffffff),
  (v, p, x) => v.setInt32(p, x, true),
  (v, p) => v.getInt32(p, true),
  { kind: 'int', size: 4, signed: true },
);
/** uint32_t (also natural_t, mach_msg_type_number_t, a mach_port_name_t sent as plain data). */
export const uint32 = scalar('uint32', 4, integerCheck('uint32', 0, 0xffffffff), (v, p, x) => v.setUint32(p, x, true), (v, p) => v.getUint32(p, true), {
  kind: 'int',
  size: 4,
  signed: false,
});
/** int64_t, as a bigint. */
export const int64 = scalar(
  'int64',
  8,
  bigintCheck('int64', -(1n << 63n), (1n << 63n) - 1n),
  (v, p, x) => v.setBigInt64(p, x, true),
  (v, p) => v.getBigInt64(p, true),
  { kind: 'int64', signed: true },
);
/** uint64_t (also mach_vm_address_t, mach_port_context_t), as a bigint. */
export const uint64 = scalar(
  'uint64',
  8,
  bigintCheck('uint64', 0n, (1n << 64n) - 1n),
  (v, p, x) => v.setBigUint64(p, x, true),
  (v, p) => v.getBigUint64(p, true),
  { kind: 'int64', signed: false },
);

function booleanCheck(value: unknown, where: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${where} (boolean) must be a boolean, got ${describe(value)}`);
  return value;
}

/** boolean_t: a 4-byte int, 1 for true; any non-zero value decodes as true. */
export const boolean = scalar(
  'boolean',
  4,
  booleanCheck,
  (v, p, x) => v.setUint32(p, x ? 1 : 0, true),
  (v, p) => v.getUint32(p, true) !== 0,
  { kind: 'boolean' },
);
