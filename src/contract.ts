// What the parts of safeops that show roles must agree on (status, the confirmation screen, the
// shells' prompt segment): each role's colour in text. The prompt's background colours are
// configurable (config shell.colors); these are the fixed text colours, by the same roles.
/** Text colour per role (chalk and Ink colour names). A standby is blue everywhere. */
export const ROLE_TEXT_COLOUR = {
  primary: 'red',
  unknown: 'yellow',
  recovering: 'yellow',
  standby: 'blue',
  stopped: 'gray',
} as const;

// ---------------------------------------------------------------------------------------------
// The prompt file (docs/design.md §4): what the watcher writes and what bash, zsh, fish and the
// watcher's own reader accept. The shells check exactly these rules with builtins
// (shell/safeops.*: __safeops_read and __safeops_parse); test/integration/prompt-golden.test.ts
// feeds the same golden files to all four readers and requires them to agree.

/** The roles a prompt file may name, most dangerous first. */
export const PROMPT_ROLES = ['primary', 'unknown', 'recovering', 'standby', 'stopped', 'none'] as const;
export type PromptRoleName = (typeof PROMPT_ROLES)[number];
/** The first line; another one (a future format) reads as stale. */
export const PROMPT_FIRST_LINE = 'safeops-prompt 1';
/** Longest line after the heartbeat, in bytes. */
export const PROMPT_LINE_MAX = 200;
/** At most this many lines in all, `end` included. */
export const PROMPT_LINES_MAX = 32;
/** At most this many `alert` lines. */
export const PROMPT_ALERTS_MAX = 8;
/** A file of this many bytes or more is not read (the shells read at most this much). */
export const PROMPT_BYTES_MAX = 6600;
/** The only bytes allowed after the heartbeat line, newlines aside. */
export const PROMPT_CHARSET = 'A-Za-z0-9 ._,:/@()+=-';

const PROMPT_BAD_BYTE = new RegExp(`[^\\n${PROMPT_CHARSET}]`);
const ROLE_SET: ReadonlySet<string> = new Set(PROMPT_ROLES);

export interface PromptFile {
  heartbeat: number;
  role: PromptRoleName;
  label: string;
  alerts: string[];
}

/** Read a prompt file as the shells do; null when any rule is broken (the shells show stale). Pure. */
export function parsePromptFile(text: string): PromptFile | null {
  if (text.length >= PROMPT_BYTES_MAX) return null;
  const head = `${PROMPT_FIRST_LINE}\nheartbeat `;
  if (!text.startsWith(head)) return null;
  let rest = text.slice(head.length);
  const nl = rest.indexOf('\n');
  const hb = nl < 0 ? rest : rest.slice(0, nl);
  if (!/^[0-9]{1,12}$/.test(hb)) return null;
  rest = nl < 0 ? '' : rest.slice(nl + 1);
  if (PROMPT_BAD_BYTE.test(rest)) return null;
  let role: PromptRoleName | null = null;
  let label: string | null = null;
  const alerts: string[] = [];
  let n = 2;
  let ended = false;
  while (rest !== '') {
    const i = rest.indexOf('\n');
    const line = i < 0 ? rest : rest.slice(0, i);
    rest = i < 0 ? '' : rest.slice(i + 1);
    n += 1;
    if (n > PROMPT_LINES_MAX || line.length > PROMPT_LINE_MAX) return null;
    if (line === 'end') {
      ended = true;
      break;
    }
    if (line.startsWith('role ')) {
      if (role !== null) return null;
      const r = line.slice(5);
      if (!ROLE_SET.has(r)) return null;
      role = r as PromptRoleName;
    } else if (line.startsWith('label ')) {
      if (label !== null && label !== '') return null;
      label = line.slice(6);
    } else if (line.startsWith('alert ')) {
      if (alerts.length >= PROMPT_ALERTS_MAX) return null;
      alerts.push(line.slice(6));
    } else return null;
  }
  if (!ended || role === null) return null;
  return { heartbeat: Number(hb), role, label: label ?? '', alerts };
}
