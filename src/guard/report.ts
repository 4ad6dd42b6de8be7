// The text an operator reads on a refusal or a plain confirmation: host first, then for each
// reason the cluster, its role in words, how it was known, and the safe next step.
import { Chalk } from 'chalk';
import type { Verdict } from '../policy/types.js';
import { escapeText as e, shellCommand } from '../util/escape.js';

/** Shell-quote argv for display (one line, exactly what would run; `$'...'` for control bytes). */
export function quoteArgv(argv: string[]): string {
  return shellCommand(argv);
}

/** Format a verdict for stderr: `[ TITLE ] host db-01 — detail`, the command, then each reason. */
export function formatVerdict(v: Verdict, opts: { host: string; argv: string[]; level: 0 | 1; title: string; detail: string }): string {
  const c = new Chalk({ level: opts.level });
  const lines: string[] = [];
  const banner = v.kind === 'refuse' ? c.bold.white.bgRed : v.kind === 'confirm' ? c.bold.black.bgYellow : c.bold;
  // Every string below may hold host text (paths, names, settings): escaped before it is styled.
  lines.push(`safeops: ${banner(` ${e(opts.title)} `)} ${c.bold(`host ${e(opts.host)}`)} — ${e(opts.detail)}`);
  lines.push(`  command: ${quoteArgv(opts.argv)}`);
  for (const r of v.reasons) {
    const tag = r.verdict === 'refuse' ? c.red.bold('REFUSE') : r.verdict === 'confirm' ? c.yellow.bold('CONFIRM') : 'note';
    lines.push('');
    lines.push(`  ${tag}  ${e(r.what)}`);
    if (r.role) lines.push(`    role:  ${r.cluster ? `${e(r.cluster)} is ` : ''}${c.bold(e(r.role))}`);
    if (r.how) lines.push(`    known: ${e(r.how)}`);
    lines.push(`    next:  ${e(r.next)}`);
  }
  for (const w of v.warnings) lines.push('', `  ${c.yellow.bold('WARNING')} ${e(w)}`);
  return lines.join('\n') + '\n';
}
