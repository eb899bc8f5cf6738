/**
 * What a schema field is. A field is either inline data (laid out after the NDR
 * record, as MIG lays out its simple arguments) or a descriptor (ports and
 * out-of-line memory, which MIG turns into descriptors in argument order). The
 * descriptor kinds with a variable length also own an inline count word at their
 * position among the inline fields, as MIG's `xCnt`.
 * @module
 */
import { MIG_BAD_ARGUMENTS, MIG_TYPE_ERROR } from '../../constants.js';
import { MachError } from '../../errors.js';
import type { MachMsgDescriptor } from '../../types.js';

/** Where an inline field writes: a view over the whole body and the write position. */
export interface Writer {
  view: DataView;
  bytes: Uint8Array;
  pos: number;
}

/** Where an inline field reads: the body, the read position and the end of the data. */
export interface Reader {
  view: DataView;
  bytes: Uint8Array;
  pos: number;
  end: number;
}

/** An inline field: `In` is what encode accepts, `Out` what decode returns. */
export interface InlineField<In, Out = In> {
  readonly kind: 'inline';
  /** A short description, e.g. `int32` or `cString(128)`. */
  readonly description: string;
  /** Alignment inside a struct: the C alignment capped at 4 by `#pragma pack(4)`. */
  readonly align: number;
  /** Size in bytes when every value has the same size (unpadded), else undefined (variable fields, top level only). */
  readonly size: number | undefined;
  /** For variable fields: the smallest and largest unpadded size (count words included). */
  readonly bounds?: { readonly min: number; readonly max: number };
  /** The unpadded size of `value` (throws TypeError for a value of the wrong shape). */
  sizeOf(value: In, where: string): number;
  /** Writes `value` at w.pos and advances w.pos by sizeOf(value). */
  write(w: Writer, value: In, where: string): void;
  /** Reads a value at r.pos and advances; throws MachError MIG_BAD_ARGUMENTS for data that does not fit or is malformed. */
  read(r: Reader, where: string): Out;
  /** Type carrier only; never present at run time. */
  readonly __types?: { in: In; out: Out };
}

/** A field carried by a descriptor. */
export interface DescriptorField<In, Out = In> {
  readonly kind: 'descriptor';
  readonly description: string;
  /** The descriptor type a received message must carry (MACH_MSG_*_DESCRIPTOR). */
  readonly descriptorType: number;
  /** True when the field also owns an inline uint32 count word (OOL kinds). */
  readonly counted: boolean;
  /** Largest count (bytes or names) decode accepts, for counted kinds; Infinity when unbounded. */
  readonly max: number;
  /** The descriptor for `value` (TypeError for a value of the wrong shape; MIG_ARRAY_TOO_LARGE past `max`). */
  toDescriptor(value: In, where: string): MachMsgDescriptor;
  /** The inline count word for `value` (counted kinds). */
  count(value: In): number;
  /** The value carried by a received descriptor; throws MachError MIG_TYPE_ERROR when it is not the kind, disposition or count expected. */
  fromDescriptor(desc: MachMsgDescriptor, count: number, where: string): Out;
  readonly __types?: { in: In; out: Out };
}

/** Any field. */
export type Field = InlineField<any, any> | DescriptorField<any, any>;

/** What encode accepts for a field. */
export type InputOf<F> = F extends InlineField<infer In, unknown> ? In : F extends DescriptorField<infer In, unknown> ? In : never;
/** What decode returns for a field. */
export type OutputOf<F> = F extends InlineField<unknown, infer Out> ? Out : F extends DescriptorField<unknown, infer Out> ? Out : never;

/** An inline field whose every value has the same size: what structs and fixed arrays are made of. */
export type FixedInlineField = InlineField<any, any> & { readonly size: number };

/** Throws MIG_BAD_ARGUMENTS unless `n` more bytes are readable. */
export function need(r: Reader, n: number, where: string): void {
  if (r.pos + n > r.end) {
    throw new MachError(MIG_BAD_ARGUMENTS, `${where}: needs ${n} bytes at offset ${r.pos}, message data ends at ${r.end}`);
  }
}

/** A malformed-argument error (MIG's server-side size and count checks). */
export function badArguments(where: string, what: string): MachError {
  return new MachError(MIG_BAD_ARGUMENTS, `${where}: ${what}`);
}

/** A wrong-descriptor error (MIG's descriptor type, disposition and count checks). */
export function typeError(where: string, what: string): MachError {
  return new MachError(MIG_TYPE_ERROR, `${where}: ${what}`);
}

/** Rounds up to a multiple of 4 (MIG pads every argument to a 32-bit boundary). */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Rounds `n` up to a multiple of `align`. */
export function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}
