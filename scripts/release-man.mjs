// safeops.1, from the same text as `safeops --help` (the yargs CLI in src/cli.ts): the page is the
// help of the command and of each subcommand, printed by the executable being released, plus the
// files and environment the help does not list.
import { execFileSync } from 'node:child_process';

/** Text for roff: backslashes, hyphens as minus signs, no line starting with a control character. */
const roff = (s) =>
  s
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/—/g, '\\(em')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');

export function manPage(exe, version, root) {
  const env = { PATH: '/usr/bin:/bin', HOME: '/nonexistent', COLUMNS: '80', SAFEOPS_CONFIG: '/dev/null/none.json', LANG: 'C' };
  const help = (args) => execFileSync(exe, [...args, '--help'], { encoding: 'utf8', env }).replace(/\s+$/, '');
  // The page's date: the last commit's, so that a rebuild gives the same page.
  let date;
  try {
    date = execFileSync('git', ['-C', root, 'log', '-1', '--format=%cs'], { encoding: 'utf8' }).trim();
  } catch {
    date = new Date(Number(process.env.SOURCE_DATE_EPOCH || 0) * 1000).toISOString().slice(0, 10);
  }
  // Each subcommand the CLI lists (its commands are src/contract.ts MANAGEMENT_COMMANDS).
  const commands = /\nCommands:\n([\s\S]*?)\n\n/.exec(help([]))?.[1] ?? '';
  const sub = [...commands.matchAll(/^ {2}safeops ([a-z-]+)/gm)].map((m) => m[1]);
  if (sub.length === 0) throw new Error('release-man: no subcommand in safeops --help');
  const parts = [
    `.TH SAFEOPS 1 "${date}" "safeops ${version}" "User Commands"`,
    '.SH NAME',
    'safeops \\- a safety net for PostgreSQL hosts',
    '.SH SYNOPSIS',
    '.B safeops',
    '[\\fB\\-\\-confirm=\\fIHOST\\fR]',
    // TOOL: one of the guarded tools, listed by --help below (src/contract.ts GUARDED_TOOLS).
    '\\fITOOL\\fR|\\fBsudo\\fR|\\fBexec\\fR',
    '.I ARGS...',
    '.br',
    '.B safeops',
    '\\fIcommand\\fR [\\fIoptions\\fR]',
    '.SH DESCRIPTION',
    'safeops knows, live, which local data directories belong to a running primary, a running',
    'standby or a stopped cluster; it paints that role into every operator\'s prompt and terminal',
    'background; and it stands between the operator and the commands that destroy clusters,',
    'refusing to touch a live cluster and asking for the host\'s name where an action is legal but',
    'dangerous.',
    '.SH USAGE',
    'The text of \\fBsafeops \\-\\-help\\fR:',
    '.PP',
    '.nf',
    roff(help([])),
    '.fi',
    ...sub.flatMap((c) => ['.SS', `.B safeops ${c}`, '.PP', '.nf', roff(help([c])), '.fi']),
    '.SH FILES',
    '.TP',
    '.I /etc/safeops/config.json',
    'The system configuration; \\fI~/.config/safeops/config.json\\fR can only add protection.',
    '.TP',
    '.I /run/safeops/',
    'The system watcher\'s state directory (\\fIprompt\\fR, \\fIstate.json\\fR, \\fIshells/\\fR,',
    'and for \\fBsafeops watch \\-\\-daemon\\fR: \\fIwatch.pid\\fR, \\fIwatch.lock\\fR);',
    '\\fI$XDG_RUNTIME_DIR/safeops/\\fR for a user\'s watcher.',
    '.TP',
    '.I /var/log/safeops/audit.jsonl',
    'The audit log (root; others: \\fI~/.local/state/safeops/audit.jsonl\\fR).',
    '.TP',
    '.I /var/log/safeops/watch.log',
    'The log of \\fBsafeops watch \\-\\-daemon\\fR as root (others: \\fI~/.local/state/safeops/watch.log\\fR).',
    '.SH ENVIRONMENT',
    '.TP',
    '.B SAFEOPS_CONFIG',
    'A configuration file used instead of both default ones.',
    '.TP',
    '.B SAFEOPS_CONFIRM',
    'The short host name, as \\fB\\-\\-confirm\\fR: confirms without a terminal.',
    '.TP',
    '.B SAFEOPS_DISABLE',
    'Set to 1 in an integrated shell: run the real command without safeops.',
    '.TP',
    '.B SAFEOPS_STATE_DIR',
    'The watcher\'s state directory.',
    '.TP',
    '.B SAFEOPS_AUDIT_LOG',
    'The audit log file.',
    '.TP',
    '.B SAFEOPS_START_WATCHER',
    'Set to 1 before loading the shell integration: when no watcher publishes, the shell starts',
    '\\fBsafeops watch \\-\\-daemon\\fR.',
    '.SH SEE ALSO',
    '.BR pg_ctl (1),',
    '.BR pg_ctlcluster (1),',
    '.BR systemctl (1)',
    '',
  ];
  return parts.join('\n');
}
