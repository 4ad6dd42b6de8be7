import { describe, expect, it } from 'vitest';
import { banner } from '../../src/demo/banner.js';
import type { DemoRecord } from '../../src/demo/record.js';

const rec = {
  dir: '/tmp/safeops-demo-abc123',
  stateDir: '/tmp/safeops-demo-abc123/state',
  socketDir: '/tmp/safeops-demo-abc123/sock',
  serverUser: 'postgres',
  runuser: true,
  nodes: [
    { dataDir: '/tmp/safeops-demo-abc123/db-01', port: 5433 },
    { dataDir: '/tmp/safeops-demo-abc123/db-02', port: 5434 },
  ],
} as unknown as DemoRecord;

describe('the demo banner', () => {
  const text = banner(rec, '15');
  const commands = text.split('\n').filter((l) => /^ {2}[^#$ ]/.test(l)).map((l) => l.trim());
  const at = (needle: string) => commands.findIndex((c) => c.includes(needle));

  it('lists its steps in an order that works top to bottom', () => {
    // SQL on the primary before the primary is stopped; the promotion after the stop (no split brain).
    expect(at("psql -c 'select pg_is_in_recovery()'")).toBeGreaterThanOrEqual(0);
    expect(at("psql -c 'select pg_is_in_recovery()'")).toBeLessThan(at('$PRIMARY stop'));
    expect(at('$PRIMARY stop')).toBeLessThan(at('$STANDBY promote'));
    expect(at('-p $STANDBY_PORT')).toBeGreaterThan(at('$STANDBY promote'));
    expect(commands.at(-1)).toBe('exit');
  });

  it('fits 80 columns', () => {
    for (const line of text.split('\n').filter((l) => !l.includes(rec.dir))) expect(line.length, line).toBeLessThanOrEqual(80);
  });
});
