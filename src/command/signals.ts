// Signal names and numbers as kill(1), pkill(1), killall(1), pg_ctl kill and systemctl kill spell them.

const BY_NUMBER = [
  '0', 'HUP', 'INT', 'QUIT', 'ILL', 'TRAP', 'ABRT', 'BUS', 'FPE', 'KILL', 'USR1', 'SEGV', 'USR2', 'PIPE', 'ALRM', 'TERM', 'STKFLT',
  'CHLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'XCPU', 'XFSZ', 'VTALRM', 'PROF', 'WINCH', 'IO', 'PWR', 'SYS',
];
const ALIASES: Readonly<Record<string, string>> = { IOT: 'ABRT', CLD: 'CHLD', POLL: 'IO', EXIT: '0', NULL: '0' };
const NAMES = new Set(BY_NUMBER);

/**
 * The canonical name of a signal word (`9`, `KILL`, `SIGKILL`, `sigkill`, `RTMIN+2`), without `SIG`,
 * or null when it is not a signal. `0` is the null signal (only checks that the process exists).
 */
export function signalName(word: string): string | null {
  const w = word.trim();
  if (/^\d+$/.test(w)) {
    const n = Number(w);
    if (n < BY_NUMBER.length) return BY_NUMBER[n]!;
    if (n >= 32 && n <= 64) return `RT${n}`;
    // kill -l 137 style exit statuses are not signals to send.
    return null;
  }
  const up = w.toUpperCase().replace(/^SIG/, '');
  if (NAMES.has(up)) return up;
  if (ALIASES[up] !== undefined) return ALIASES[up]!;
  if (/^RTM(IN|AX)([+-]\d+)?$/.test(up)) return up;
  return null;
}

/** Signals a PostgreSQL client backend handles without harm to anyone else (cancel, terminate, reload). */
export const BACKEND_SAFE = new Set(['0', 'HUP', 'INT', 'TERM', 'USR1', 'USR2', 'PIPE', 'ALRM', 'CONT', 'WINCH', 'URG', 'CHLD']);
/** Signals an auxiliary process (checkpointer, startup, walwriter ...) takes without a crash restart. */
export const AUX_SAFE = new Set(['0', 'HUP', 'USR1', 'CONT', 'WINCH', 'URG', 'CHLD']);

/** What a signal means to a postmaster (src/backend/postmaster/postmaster.c). */
export type PostmasterEffect = 'none' | 'reload' | 'stop-smart' | 'stop-fast' | 'stop-immediate' | 'crash' | 'odd';

export function postmasterEffect(signal: string): PostmasterEffect {
  switch (signal) {
    case '0':
    case 'CONT':
    case 'WINCH':
    case 'URG':
    case 'CHLD':
      return 'none';
    case 'HUP':
      return 'reload';
    case 'TERM':
      return 'stop-smart';
    case 'INT':
      return 'stop-fast';
    case 'QUIT':
      return 'stop-immediate';
    // USR1/USR2 are internal (PMSIGNAL / reserved for children); STOP/TSTP freeze the whole server.
    case 'USR1':
    case 'USR2':
    case 'STOP':
    case 'TSTP':
    case 'TTIN':
    case 'TTOU':
      return 'odd';
    // KILL, ABRT, SEGV, PIPE, ALRM, real-time signals...: the postmaster dies, its children are orphaned.
    default:
      return 'crash';
  }
}
