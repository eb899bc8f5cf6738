/**
 * Nested structs of fixed-size inline fields, laid out as C lays out a struct under
 * `#pragma pack(4)` (the packing of every Mach message structure, xnu:osfmk/mach/
 * message.h): each member aligned to min(its alignment, 4), the size rounded up to the
 * struct's alignment. host_basic_info, for instance, is ten int-sized members and a
 * uint64 at offset 40. MIG passes such structs as opaque arrays of ints; giving them
 * named members is this package's design.
 * @module
 */
import { describe } from '../argument-checks.js';
import { alignUp, need, type FixedInlineField, type InlineField, type InputOf, type OutputOf, type Reader, type Writer } from './field.js';

/** The members of a struct. */
export type StructMembers = Record<string, FixedInlineField>;

/** A struct of `members`, in declaration order. */
export function struct<M extends StructMembers>(
  members: M,
): InlineField<{ [K in keyof M]: InputOf<M[K]> }, { [K in keyof M]: OutputOf<M[K]> }> & { readonly size: number } {
  if (typeof members !== 'object' || members === null) throw new TypeError(`struct() takes an object of fields, got ${describe(members)}`);
  const keys = Object.keys(members);
  const offsets: number[] = [];
  let offset = 0;
  let align = 1;
  for (const key of keys) {
    const m = members[key] as FixedInlineField;
    if (typeof m !== 'object' || m === null || m.kind !== 'inline' || typeof m.size !== 'number') {
      throw new TypeError(`struct member ${key} must be a fixed-size inline field (ports, OOL data and variable fields cannot be members)`);
    }
    offset = alignUp(offset, m.align);
    offsets.push(offset);
    offset += m.size;
    align = Math.max(align, m.align);
  }
  const size = alignUp(offset, align);
  const fields = keys.map((k) => members[k] as FixedInlineField);
  const description = `struct{${keys.map((k, i) => `${k}: ${fields[i]!.description}`).join(', ')}}`;
  type In = { [K in keyof M]: InputOf<M[K]> };
  type Out = { [K in keyof M]: OutputOf<M[K]> };
  const check = (value: unknown, where: string): Record<string, unknown> => {
    if (typeof value !== 'object' || value === null) throw new TypeError(`${where} (struct) must be an object, got ${describe(value)}`);
    return value as Record<string, unknown>;
  };
  return Object.freeze({
    kind: 'inline' as const,
    description,
    align,
    size,
    sizeOf(value: In, where: string): number {
      check(value, where);
      return size;
    },
    write(w: Writer, value: In, where: string): void {
      const v = check(value, where);
      const start = w.pos;
      // Padding between members is zeroed so that reused buffers leak nothing.
      w.bytes.fill(0, start, start + size);
      let i = 0;
      try {
        for (; i < fields.length; i++) {
          w.pos = start + offsets[i]!;
          fields[i]!.write(w, v[keys[i]!], where);
        }
      } catch (e) {
        // Member paths are only built on failure, so encoding allocates no strings.
        if (e instanceof TypeError) throw new TypeError(`member ${keys[i]} of ${e.message}`);
        throw e;
      }
      w.pos = start + size;
    },
    read(r: Reader, where: string): Out {
      need(r, size, where);
      const start = r.pos;
      const out: Record<string, unknown> = {};
      for (let i = 0; i < fields.length; i++) {
        r.pos = start + offsets[i]!;
        out[keys[i]!] = fields[i]!.read(r, where);
      }
      r.pos = start + size;
      return out as Out;
    },
  });
}
