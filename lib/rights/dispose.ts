/**
 * Symbol.dispose / Symbol.asyncDispose for runtimes that lack them (Node before 20.4).
 * Uses the same registered symbols Node's own polyfill uses, so objects made here
 * interoperate with Node's `using` support wherever it exists.
 * @module
 */
const S = Symbol as unknown as { dispose?: symbol; asyncDispose?: symbol };
S.dispose ??= Symbol.for('nodejs.dispose');
S.asyncDispose ??= Symbol.for('nodejs.asyncDispose');

export {};
