/**
 * What the schema compiler (lib/message/compile.ts) knows about the built-in field
 * kinds it can lay out without calling the field: integers, booleans, fixed C strings
 * and fixed-disposition ports. A field without a layout here (any other kind, or a
 * field object written by a user) is encoded and decoded through its own methods.
 * @module
 */

/** The layout of a field the compiler writes and reads inline. */
export type FieldLayout =
  | { readonly kind: 'int'; readonly size: 1 | 2 | 4; readonly signed: boolean }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'int64'; readonly signed: boolean }
  | { readonly kind: 'cString'; readonly length: number }
  | { readonly kind: 'port'; readonly disposition: number; readonly received: number };

const layouts = new WeakMap<object, FieldLayout>();

/** Records `layout` for the built-in `field` and returns the field. */
export function withLayout<F extends object>(field: F, layout: FieldLayout): F {
  layouts.set(field, layout);
  return field;
}

/** The layout recorded for `field`, or undefined when the compiler must call the field itself. */
export function layoutOf(field: object): FieldLayout | undefined {
  return layouts.get(field);
}
