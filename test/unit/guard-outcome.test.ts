// The guard's one table: every verdict × answer → whether the command runs, the exit code and the
// audit record's decision (docs/guard-flow.md). Exit codes: docs/design.md §3.
import { describe, expect, it } from 'vitest';
import { ANSWERS, outcome, sayText, type Answer } from '../../src/guard/outcome.js';
import type { VerdictKind } from '../../src/policy/types.js';

type Row = [VerdictKind, Answer, 'runs' | number, string, string | null];

// verdict, answer, exit code ('runs': the child's own), audit decision, what the operator reads
const TABLE: Row[] = [
  ['allow', 'none', 'runs', 'allow', null],
  ['allow', 'confirmed', 'runs', 'allow', null],
  ['allow', 'declined', 1, 'declined', 'declined'],
  ['allow', 'interrupted', 130, 'interrupted', 'interrupted'],
  ['allow', 'no-terminal', 77, 'refuse', 'no-terminal'],
  ['allow', 'changed', 77, 'refuse', 'changed'],
  ['allow', 'stale', 1, 'declined', 'stale'],
  ['confirm', 'none', 77, 'refuse', 'refused'],
  ['confirm', 'confirmed', 'runs', 'confirmed', null],
  ['confirm', 'declined', 1, 'declined', 'declined'],
  ['confirm', 'interrupted', 130, 'interrupted', 'interrupted'],
  ['confirm', 'no-terminal', 77, 'refuse', 'no-terminal'],
  ['confirm', 'changed', 77, 'refuse', 'changed'],
  ['confirm', 'stale', 1, 'declined', 'stale'],
  ['refuse', 'none', 77, 'refuse', 'refused'],
  ['refuse', 'confirmed', 77, 'refuse', 'refused'],
  ['refuse', 'declined', 77, 'refuse', 'refused'],
  ['refuse', 'interrupted', 77, 'refuse', 'refused'],
  ['refuse', 'no-terminal', 77, 'refuse', 'refused'],
  ['refuse', 'changed', 77, 'refuse', 'changed'],
  ['refuse', 'stale', 77, 'refuse', 'stale-refused'],
];

describe('outcome(verdict, answer)', () => {
  it('the table covers every verdict × answer', () => {
    const keys = TABLE.map(([v, a]) => `${v}/${a}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual((['allow', 'confirm', 'refuse'] as const).flatMap((v) => ANSWERS.map((a) => `${v}/${a}`)).sort());
  });

  it.each(TABLE)('%s + %s → %s, audit %s', (verdict, answer, code, decision, say) => {
    const o = outcome(verdict, answer);
    expect(o.decision).toBe(decision);
    if (code === 'runs') {
      expect(o.runs).toBe(true);
      // A confirmed command never runs without its audit record; an allowed one is recorded when it touches a cluster.
      if (o.runs) expect(o.audit).toBe(decision === 'confirmed' ? 'required' : 'unless-harmless');
    } else {
      expect(o).toEqual({ runs: false, code, decision, say });
    }
  });

  it('only allow and a confirmed confirm run', () => {
    const running = TABLE.filter(([v, a]) => outcome(v, a).runs).map(([v, a]) => `${v}/${a}`);
    expect(running).toEqual(['allow/none', 'allow/confirmed', 'confirm/confirmed']);
  });

  it('says how to confirm from a script, shell-quoted', () => {
    const t = sayText('no-terminal', 'db-01.example.com', 'db-01', (s) => `'${s}'`);
    expect('detail' in t && t.detail).toContain("'--confirm=db-01'");
    expect(sayText('declined', 'db-01.example.com', 'db-01', (s) => s)).toEqual({ line: 'not confirmed — nothing was run on db-01.example.com.' });
  });
});
