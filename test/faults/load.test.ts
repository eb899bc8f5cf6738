/**
 * Load: 100 emulated tasks × 500 requests with rights through one service (the scenario
 * in load.ts; scripts/load.js runs the full 100 × 10,000). LOAD_TASKS / LOAD_MESSAGES
 * override the size and LOAD_REPORT names a file for the numbers (scripts/load.js).
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runLoad } from './load.js';

const tasks = Number(process.env.LOAD_TASKS ?? 100);
const messages = Number(process.env.LOAD_MESSAGES ?? 500);
const long = process.env.LOAD_MESSAGES !== undefined;

describe('load', () => {
  it(
    `${tasks} tasks × ${messages} messages with rights through one service: per-sender order, every right accounted for`,
    async () => {
      const result = await runLoad({ tasks, messages });
      if (process.env.LOAD_REPORT) writeFileSync(process.env.LOAD_REPORT, JSON.stringify(result));
      expect(result.requests).toBe(tasks * messages);
      expect(result.blockedSends).toBeGreaterThan(0);
    },
    long ? 24 * 3600 * 1000 : 120_000,
  );
});
