import { describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.js';

describe('machport demo', () => {
  it('runs the two-task exchange and prints every step', async () => {
    const lines: string[] = [];
    const code = await main(['demo'], (l) => lines.push(l));
    const text = lines.join('\n');
    expect(code).toBe(0);
    for (let step = 1; step <= 9; step++) expect(text).toMatch(new RegExp(`^${step}\\. `, 'm'));
    expect(text).toContain('OOL "hello from the client, out of line"');
    expect(text).toContain('MACH_NOTIFY_NO_SENDERS (id 70)');
    expect(text).toMatch(/had mscount 1$/m);
  });

  it('answers an unknown command with usage and exit code 2', async () => {
    const lines: string[] = [];
    expect(await main(['frobnicate'], (l) => lines.push(l))).toBe(2);
    expect(lines.join('\n')).toContain("unknown command 'frobnicate'");
  });
});
