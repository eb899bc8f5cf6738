import { describe, expect, it } from 'vitest';
import * as machport from '../../lib/index.js';

describe('the inspection API from the package root', () => {
  it('exports inspectTask, inspectSelf, inspectAll, the formatters and the schema id', () => {
    for (const f of ['inspectTask', 'inspectSelf', 'inspectAll', 'formatTaskTable', 'formatReport', 'toLsmpJson', 'assembleInspections', 'syntheticSpaces', 'buildLsmpDemoScene'] as const) {
      expect(typeof machport[f]).toBe('function');
    }
    expect(machport.LSMP_SCHEMA).toBe('machport.lsmp/1');
    expect(machport.InspectError.prototype).toBeInstanceOf(Error);
  });
});
