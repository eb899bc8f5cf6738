import { describe, expect, it } from 'vitest';
import { runTypedService } from '../../examples/typed-service.js';

describe('examples/typed-service', () => {
  it('serves a schema-typed store in one task and calls it from another', async () => {
    expect(await runTypedService()).toEqual({
      got: { found: true, value: 'blue' },
      missing: { found: false },
      snapshot: 'colour=blue\n',
      notifiedKey: 'colour',
      emptyKeyError: 'KERN_INVALID_ARGUMENT',
    });
  });
});
