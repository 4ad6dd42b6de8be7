// What pg_ctl and its Debian wrapper share: pg_ctl's option table and shutdown modes.
import { options } from './getopt.js';
import type { StopMode } from './types.js';

export const PG_CTL_OPTIONS = options({
  short: 'cD:e:l:m:N:o:p:P:sS:t:U:wWV?',
  long: [
    'help/?',
    'version/V',
    'log=/l',
    'mode=/m',
    'pgdata=/D',
    'options=/o',
    'silent/s',
    'timeout=/t',
    'core-files/c',
    'wait/w',
    'no-wait/W',
  ],
});

const MODES: Readonly<Record<string, StopMode>> = { s: 'smart', smart: 'smart', f: 'fast', fast: 'fast', i: 'immediate', immediate: 'immediate' };
const SEVERITY: Readonly<Record<StopMode, number>> = { smart: 0, fast: 1, immediate: 2 };

/** A shutdown mode as pg_ctl spells it (`i`, `immediate`, ...), or null when pg_ctl would reject it. */
export function stopMode(word: string): StopMode | null {
  return Object.hasOwn(MODES, word) ? MODES[word]! : null;
}

/** The harsher of two shutdown modes. */
export function harsher(a: StopMode, b: StopMode): StopMode {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}
