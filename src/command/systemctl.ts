// systemctl: stops, restarts and kills of PostgreSQL units, and which clusters they name.
import type { ToolContext, ToolResult } from './context.js';
import { has, lastValue, options, scan, type Scan } from './getopt.js';
import type { ClusterRef, Op } from './types.js';
import { globCouldMatch, globMatches, isUnitGlob } from './unit-glob.js';
import { postmasterEffect, signalName } from './signals.js';

// issue 9 item 4: verbs that take the whole host (every cluster) down, and targets that do when started.
const HOST_DOWN = new Set(['reboot', 'poweroff', 'halt', 'kexec', 'isolate', 'rescue', 'emergency', 'soft-reboot', 'default', 'exit', 'switch-root']);
const HOST_DOWN_TARGETS = /^(reboot|poweroff|halt|kexec|rescue|emergency|soft-reboot|shutdown|exit)(\.target)?$/;

const SYSTEMCTL = options({
  short: 'ht:p:P:alqfs:H:M:n:o:irTC:',
  long: [
    'help/h', 'version', 'type=/t', 'property=/p', 'state=', 'all/a', 'full/l', 'recursive/r', 'reverse', 'after', 'before',
    'show-types', 'value', 'failed', 'legend=', 'no-legend', 'plain', 'no-pager', 'no-ask-password', 'quiet/q', 'no-block',
    'wait', 'no-wall', 'no-reload', 'user', 'system', 'global', 'runtime', 'force/f', 'now', 'dry-run', 'firmware-setup',
    'show-transaction/T', 'read-only', 'mkdir', 'marked', 'check-inhibitors=', 'ignore-inhibitors/i', 'fail', 'irreversible',
    'ignore-dependencies', 'with-dependencies', 'job-mode=', 'kill-whom=', 'kill-value=', 'signal=/s', 'lines=/n', 'output=/o',
    'host=/H', 'machine=/M', 'capsule=/C', 'root=', 'image=', 'image-policy=', 'preset-mode=', 'what=', 'boot-loader-menu=',
    'boot-loader-entry=', 'reboot-argument=', 'timestamp=', 'message=', 'drop-in=', 'when=',
  ],
});

const STOPS = new Set(['stop', 'condstop']);
const RESTARTS = new Set(['restart', 'try-restart', 'reload-or-restart', 'try-reload-or-restart', 'reload-or-try-restart', 'condrestart', 'force-reload']);
// With --now these also stop the unit.
const DISABLES = new Set(['disable', 'mask']);
const OTHER_VERBS = new Set([
  'list-units', 'list-automounts', 'list-paths', 'list-sockets', 'list-timers', 'is-active', 'is-failed', 'status', 'show', 'cat',
  'set-property', 'help', 'reset-failed', 'list-dependencies', 'clean', 'freeze', 'thaw', 'start', 'reload', 'condreload', 'isolate',
  'mount-image', 'bind', 'whoami', 'list-unit-files', 'enable', 'reenable', 'preset', 'preset-all', 'is-enabled', 'unmask', 'link',
  'revert', 'add-wants', 'add-requires', 'edit', 'get-default', 'set-default', 'list-machines', 'list-jobs', 'cancel',
  'show-environment', 'set-environment', 'unset-environment', 'import-environment', 'daemon-reload', 'daemon-reexec', 'log-level',
  'log-target', 'service-log-level', 'service-log-target', 'service-watchdogs', 'is-system-running', 'default', 'rescue',
  'emergency', 'halt', 'poweroff', 'reboot', 'kexec', 'soft-reboot', 'exit', 'switch-root', 'suspend', 'hibernate',
  'hybrid-sleep', 'suspend-then-hibernate', 'sleep',
]);

const VERSION = '(\\d+(?:\\.\\d+)?)';
const DEBIAN_UNIT = new RegExp(`^postgresql@${VERSION}-(.+?)(?:\\.service)?$`);
const MAJOR_UNIT = new RegExp(`^postgresql-${VERSION}(?:\\.service)?$`);
const UMBRELLA_WHY = 'postgresql.service stops every Debian cluster';

/** Parses `systemctl ARGS` (options anywhere, as getopt permutes them). */
export function parseSystemctl(args: string[], _ctx: ToolContext): ToolResult {
  const s = scan(args, SYSTEMCTL);
  const notes = [...s.notes];
  if (has(s, 'h', 'version')) return { ops: [], notes };
  // The verb is the first operand; a word before it that is no verb can only be the value of an option safeops does not know.
  const at = s.operands.findIndex((w) => STOPS.has(w) || RESTARTS.has(w) || DISABLES.has(w) || w === 'kill' || OTHER_VERBS.has(w));
  if (at < 0) return { ops: [], notes };
  const verb = s.operands[at]!;
  const units = s.operands.slice(at + 1);
  const down = hostDown(verb, units, s);
  if (down !== null) return { ops: [down], notes };
  const kind = verbKind(verb, s);
  if (kind === null) return { ops: [], notes };
  if (userScope(s)) {
    notes.push('systemctl --user acts on the user service manager, not on system clusters');
    return { ops: [], notes };
  }
  const refs = units.flatMap(unitRefs);
  if (refs.length === 0) return { ops: [], notes };
  const remote = s.opts.filter((o) => (o.name === 'H' || o.name === 'M' || o.name === 'C') && o.value !== undefined).at(-1);
  if (remote !== undefined) {
    const flag = remote.name === 'C' ? '--capsule' : `-${remote.name}`;
    return { ops: [{ type: 'opaque', why: `systemctl ${flag} ${remote.value} acts on another host whose facts safeops cannot see` }], notes };
  }
  const signal = lastValue(s, 's') ?? 'SIGTERM';
  // issue 9 item 7: a reload-like signal (HUP) or the null signal stops nothing.
  const effect = postmasterEffect(signalName(signal) ?? 'KILL');
  if (kind === 'kill' && (effect === 'reload' || effect === 'none')) {
    notes.push(`systemctl kill -s ${signal} stops nothing (reload-like)`);
    return { ops: [], notes };
  }
  const op: Op = kind === 'kill'
    ? { type: 'kill', refs, signal }
    : { type: 'stop', refs, mode: 'fast', restart: kind === 'restart' };
  return { ops: [op], notes };
}

/** reboot|poweroff|halt|kexec|isolate|rescue|emergency, or `start reboot.target`: the host goes down. */
function hostDown(verb: string, units: string[], s: Scan): Op | null {
  const starts = verb === 'start' || verb === 'restart' || verb === 'reload-or-restart' || verb === 'try-restart';
  if (!HOST_DOWN.has(verb) && !(starts && units.some((u) => HOST_DOWN_TARGETS.test(u)))) return null;
  if (userScope(s)) return null;
  const remote = s.opts.filter((o) => (o.name === 'H' || o.name === 'M') && o.value !== undefined).at(-1);
  if (remote !== undefined) return { type: 'opaque', why: `systemctl -${remote.name} ${remote.value} ${verb} acts on another host whose facts safeops cannot see` };
  if (has(s, 'dry-run')) return null;
  const what = verb === 'isolate' ? `systemctl isolate ${units.join(' ')} (stops every unit the target does not want)` : `systemctl ${verb}${units.length ? ' ' + units.join(' ') : ''}`;
  return { type: 'host-down', what };
}

/** What a verb does to the units it names, if it stops or signals them. */
function verbKind(verb: string, s: Scan): 'stop' | 'restart' | 'kill' | null {
  if (STOPS.has(verb)) return 'stop';
  if (RESTARTS.has(verb)) return 'restart';
  if (verb === 'kill') return 'kill';
  if (DISABLES.has(verb) && has(s, 'now')) return 'stop';
  return null;
}

/** The last of --user / --system wins. */
function userScope(s: Scan): boolean {
  const scope = s.opts.filter((o) => o.name === 'user' || o.name === 'system').at(-1);
  return scope?.name === 'user';
}

/** The clusters a unit name (or pattern) names; none for units that are not PostgreSQL's. */
export function unitRefs(unit: string): ClusterRef[] {
  if (isUnitGlob(unit)) {
    const could = globCouldMatch(unit, 'postgresql', '.service') || globMatches(unit, 'system-postgresql.slice');
    return could ? [{ kind: 'all', why: `the unit pattern ${unit} may match every PostgreSQL unit` }] : [];
  }
  if (unit === 'postgresql' || unit === 'postgresql.service') return [{ kind: 'all', why: UMBRELLA_WHY }];
  if (unit === 'system-postgresql.slice') return [{ kind: 'all', why: 'system-postgresql.slice holds every Debian cluster' }];
  const debian = DEBIAN_UNIT.exec(unit);
  if (debian !== null) return [{ kind: 'debian', version: debian[1]!, name: debian[2]! }];
  const major = MAJOR_UNIT.exec(unit);
  if (major !== null) return [{ kind: 'major', version: major[1]! }];
  if (/^postgresql[@-][^.]*(\.service)?$/.test(unit)) return [{ kind: 'unknown', why: `${unit} is a PostgreSQL unit safeops cannot map to a cluster` }];
  return [];
}
