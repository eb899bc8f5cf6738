/**
 * Arrays of fixed-size inline elements: a fixed C array (MIG `array[n] of T`) and a
 * counted variable one (MIG `array[*:max] of T`: a uint32 element count, then the
 * elements, padded to 4 and trimmed to the count — the shape of host_info's
 * `host_info_outCnt` + `host_info_out`). Elements are laid out with their C size as
 * stride. Ports and out-of-line data cannot be array elements (use oolPorts / ool).
 * @module
 */
import { MIG_ARRAY_TOO_LARGE } from '../../constants.js';
import { MachError } from '../../errors.js';
import { describe } from '../argument-checks.js';
import { badArguments, need, type FixedInlineField, type InlineField, type InputOf, type OutputOf, type Reader, type Writer } from './field.js';

function checkElement(element: unknown, what: string): FixedInlineField {
  const f = element as FixedInlineField;
  if (typeof f !== 'object' || f === null || f.kind !== 'inline' || typeof f.size !== 'number') {
    throw new TypeError(`${what} element must be a fixed-size inline field (an integer, boolean, bytes(n), cString(n), array or struct)`);
  }
  return f;
}

function checkArray(value: unknown, where: string, description: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`${where} (${description}) must be an array, got ${describe(value)}`);
  return value;
}

/** Exactly `length` elements (TypeError for another length). */
export function array<E extends FixedInlineField>(
  element: E,
  length: number,
): InlineField<ReadonlyArray<InputOf<E>>, Array<OutputOf<E>>> & { readonly size: number } {
  const e = checkElement(element, 'array()');
  if (!Number.isInteger(length) || length < 0) throw new TypeError(`array(length) must be a non-negative integer, got ${describe(length)}`);
  const description = `array(${e.description}, ${length})`;
  const size = e.size * length;
  const check = (value: unknown, where: string): readonly unknown[] => {
    const a = checkArray(value, where, description);
    if (a.length !== length) throw new TypeError(`${where} (${description}) must have ${length} elements, got ${a.length}`);
    return a;
  };
  return Object.freeze({
    kind: 'inline' as const,
    description,
    align: e.align,
    size,
    sizeOf(value: ReadonlyArray<InputOf<E>>, where: string): number {
      check(value, where);
      return size;
    },
    write(w: Writer, value: ReadonlyArray<InputOf<E>>, where: string): void {
      const a = check(value, where);
      for (let i = 0; i < length; i++) e.write(w, a[i], where);
    },
    read(r: Reader, where: string): Array<OutputOf<E>> {
      need(r, size, where);
      const out: Array<OutputOf<E>> = new Array(length);
      for (let i = 0; i < length; i++) out[i] = e.read(r, where);
      return out;
    },
  });
}

/**
 * Up to `max` elements with a uint32 count in front. Encoding more than `max` throws
 * MachError MIG_ARRAY_TOO_LARGE (a MIG user stub's answer); decoding a count above
 * `max` or beyond the message is MIG_BAD_ARGUMENTS.
 */
export function varArray<E extends FixedInlineField>(
  element: E,
  max: number,
): InlineField<ReadonlyArray<InputOf<E>>, Array<OutputOf<E>>> {
  const e = checkElement(element, 'varArray()');
  if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) throw new TypeError(`varArray(max) must be a uint32, got ${describe(max)}`);
  const description = `varArray(${e.description}, ${max})`;
  const check = (value: unknown, where: string): readonly unknown[] => {
    const a = checkArray(value, where, description);
    if (a.length > max) throw new MachError(MIG_ARRAY_TOO_LARGE, `${where}: ${a.length} elements exceed ${description}`);
    return a;
  };
  return Object.freeze({
    kind: 'inline' as const,
    description,
    align: 4,
    size: undefined,
    bounds: { min: 4, max: 4 + max * e.size },
    sizeOf(value: ReadonlyArray<InputOf<E>>, where: string): number {
      return 4 + check(value, where).length * e.size;
    },
    write(w: Writer, value: ReadonlyArray<InputOf<E>>, where: string): void {
      const a = check(value, where);
      w.view.setUint32(w.pos, a.length, true);
      w.pos += 4;
      for (let i = 0; i < a.length; i++) e.write(w, a[i], where);
    },
    read(r: Reader, where: string): Array<OutputOf<E>> {
      need(r, 4, where);
      const count = r.view.getUint32(r.pos, true);
      if (count > max) throw badArguments(where, `count ${count} exceeds ${description}`);
      r.pos += 4;
      need(r, count * e.size, where);
      const out: Array<OutputOf<E>> = new Array(count);
      for (let i = 0; i < count; i++) out[i] = e.read(r, where);
      return out;
    },
  });
}
