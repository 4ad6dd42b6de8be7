// The publish key (pure): what decides whether the watcher publishes again. It is derived from
// what a publish would write, state.json's document and the prompt file, not from a list of
// facts: every field of the document is in it, but for the ones named in VOLATILE, and so is every
// line of the prompt file but its heartbeat. A new field in the document changes the key without
// anyone remembering to add it here. docs/watcher-flow.md.
import { oncePer } from '../util/memo.js';
import type { StateDoc } from './events.js';

/** A tree of paths into the document: `true` leaves a key out, `*` stands for any array index or key. */
export type PathTree = { readonly [key: string]: PathTree | true };

/**
 * What changes by itself from one poll to the next: the publish times, measurements (lags,
 * counters, byte counts, ages, the WAL files of the moment), and the extra facts read in the
 * background (archiving health, WAL disk and slots, the server version). A change of these alone does not
 * publish; they are published with the next change, or at the state refresh (STATE_REFRESH_MS,
 * src/watch/schedule.ts), which rewrites state.json with them. What they imply for an operator
 * reaches the key another way: an alert's text (the prompt's `alert` lines and `alerts[].text`),
 * the label (the Patroni and fleet segments, their coarse lags and ages), `archiving.failing`.
 */
export const VOLATILE: PathTree = {
  generatedAt: true,
  heartbeat: true,
  // Numbers of the moment (bytes, ages); the alert's text says what matters.
  alerts: { '*': { detail: true } },
  clusters: {
    '*': {
      observedAt: true,
      // How this gather found it (a scan only at rediscovery), not what it is.
      discoveredBy: true,
      replication: { replayLagSeconds: true, connectedStandbys: { '*': { replayLagSeconds: true } } },
      archiving: { archivedCount: true, failedCount: true, lastArchivedAt: true, lastFailedAt: true, lastFailedWal: true, readyCount: true, health: true },
      // The extra facts, read in the background at most every EXTRA_EVERY_MS (src/watch/sessions.ts)
      // and dropped when the server's recovery state changes: they arrive a poll after a role change,
      // and a publish of their arrival alone would be a second write of state.json right behind the
      // first. What they mean for an operator arrives as alerts.
      walDisk: true,
      serverVersion: true,
      patroni: { view: { at: true, members: { '*': { lagMb: true } } } },
    },
  },
  fleet: {
    syncedAt: true,
    ageSeconds: true,
    sets: { '*': { members: { '*': { silentSeconds: true, reportedAt: true, replayLagSeconds: true, lsn: true } } } },
  },
};

/**
 * A canonical text of `value` as JSON would write it (keys sorted, `undefined` left out), less the
 * paths `skip` names: equal texts mean equal documents, whatever order their keys were set in.
 */
export function stableText(value: unknown, skip?: PathTree): string {
  const out: string[] = [];
  write(value, skip, out);
  return out.join('');
}

function write(v: unknown, skip: PathTree | undefined, out: string[]): void {
  if (v === null || typeof v !== 'object') {
    out.push(JSON.stringify(v) ?? 'null');
    return;
  }
  if (Array.isArray(v)) {
    const sub = next(skip, '*');
    out.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i) out.push(',');
      write(v[i] === undefined ? null : v[i], sub === true ? undefined : sub, out);
    }
    out.push(']');
    return;
  }
  const obj = v as Record<string, unknown>;
  out.push('{');
  let first = true;
  for (const k of Object.keys(obj).sort()) {
    const val = obj[k];
    const sub = next(skip, k);
    if (val === undefined || typeof val === 'function' || sub === true) continue;
    if (!first) out.push(',');
    first = false;
    out.push(JSON.stringify(k), ':');
    write(val, sub, out);
  }
  out.push('}');
}

function next(skip: PathTree | undefined, key: string): PathTree | true | undefined {
  if (!skip) return undefined;
  return Object.hasOwn(skip, key) ? skip[key] : skip['*'];
}

/**
 * The fleet view's text, once per view object: the agent makes a new view for every change and
 * never alters one it gave out (src/fleet/agent.ts), and with 200 members the view is most of the
 * document, which would otherwise be written out again at every gather.
 */
const fleetText = oncePer((fleet: object) => stableText(fleet, VOLATILE.fleet as PathTree));

/**
 * Each cluster's text, once per cluster object: a gather makes new objects for the clusters it
 * read again (the running ones at every SQL poll, all at a file read) and shares the others,
 * never altering a cluster it published (src/watch/gatherer.ts). With 21 clusters, 19 of them
 * stopped, most of the key would otherwise be written out again at every poll.
 */
const clusterObjectText = oncePer((c: object) => stableText(c, (VOLATILE.clusters as PathTree)['*'] as PathTree));
const clusterText = (c: unknown): string => (c === null || typeof c !== 'object' ? stableText(c) : clusterObjectText(c));

/** The key of a publish: equal keys mean nothing worth publishing changed. */
export function publishKey(doc: StateDoc, prompt: string): string {
  const { fleet, clusters, ...rest } = doc as StateDoc & { fleet?: object | null };
  const f = fleet && typeof fleet === 'object' ? fleetText(fleet) : JSON.stringify(fleet ?? null);
  const cs = Array.isArray(clusters) ? `[${clusters.map(clusterText).join(',')}]` : stableText(clusters ?? null);
  return `${stableText(rest, VOLATILE)}\nclusters ${cs}\nfleet ${f}\n${prompt.replace(/^heartbeat [^\n]*\n/m, '')}`;
}
