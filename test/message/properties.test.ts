import fc from 'fast-check';
import { describe, it } from 'vitest';
import { codecProperties } from './arbitraries.js';

/** Cases per run across all codec properties (the long fuzz mode uses many more). */
const RUNS = 10_000;

describe('codec properties', () => {
  for (const [name, { property, share }] of Object.entries(codecProperties)) {
    it(name, () => {
      fc.assert(property as fc.IProperty<unknown>, { numRuns: Math.ceil(RUNS * share) });
    });
  }
});
