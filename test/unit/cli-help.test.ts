import { describe, expect, it } from 'vitest';
import { guardHelp } from '../../src/cli.js';
import { GUARDED_TOOLS } from '../../src/command/types.js';

describe('the guarded-commands part of --help', () => {
  it.each([40, 50, 60, 72, 80, 100])('fits a terminal %i columns wide', (width) => {
    const text = guardHelp(width);
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(width);
    for (const tool of GUARDED_TOOLS) expect(text.replace(/\s+/g, ' ')).toContain(tool);
  });

  it('keeps two columns where they fit', () => {
    expect(guardHelp(100)).toMatch(/^ {2}safeops \[--confirm=HOST\] exec ARGV\.\.\. +any command line$/m);
  });
});
