// What the watcher adds to its published state for issue 13 (pure): the fleet view and Patroni's
// view of local clusters, folded into state.json (`fleet`, `clusters[].patroni`), one prompt
// label segment ("PRIMARY 15/main : db-02 standby 0s, dr-01 standby lag 3m"), and alert lines.
import type { HostFacts, PatroniFacts } from '../facts/types.js';
import type { Alert, StateDoc } from '../watch/events.js';
import { PROMPT_LINE_MAX } from '../watch/publish.js';
import { patroniSegment } from '../patroni/rest.js';
import type { FleetView } from './types.js';
import { fleetSegment } from './view.js';

export interface ExtraState {
  fleet: FleetView | null;
  /** Patroni facts by data dir (only clusters Patroni manages). */
  patroni: Record<string, PatroniFacts>;
}

export function emptyExtra(): ExtraState {
  return { fleet: null, patroni: {} };
}

/** Cut "a, b, c" to `room` bytes with ", +N more" (`hidden` items already cut away before). */
function fit(parts: string[], room: number, hidden = 0): string {
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const next = (out ? out + ', ' : '') + parts[i];
    const left = parts.length - i - 1 + hidden;
    if (next.length + (left > 0 ? `, +${left} more`.length : 0) <= room) {
      out = next;
      continue;
    }
    const tail = `${out ? ', ' : ''}+${parts.length - i + hidden} more`;
    return out.length + tail.length <= room ? out + tail : out.slice(0, Math.max(0, room));
  }
  return hidden > 0 ? `${out}${out ? ', ' : ''}+${hidden} more`.slice(0, room) : out;
}

/** The extras get at most this much of the label line; the local clusters keep the rest. */
const EXTRA_ROOM = 110;

/**
 * The label with the Patroni and fleet segments: "PRIMARY 15/main : db-02 standby 0s". The
 * local part is cut (", +N more") to leave the segments room, and they are cut in turn to fit
 * the one prompt line.
 */
export function labelWithExtra(label: string, x: ExtraState, host: Pick<HostFacts, 'clusters'> | null): string {
  const segs: string[] = [];
  for (const c of host?.clusters ?? []) {
    const p = x.patroni[c.dataDir];
    const seg = p?.view ? patroniSegment(p.scope, p.view) : '';
    // Two members of one Patroni cluster on this host show one segment.
    if (seg && !segs.includes(seg)) segs.push(seg);
  }
  const f = fleetSegment(x.fleet);
  if (f) segs.push(f);
  if (!segs.length) return label;
  const room = PROMPT_LINE_MAX - 'label '.length;
  const want = Math.min(EXTRA_ROOM, segs.reduce((n, s) => n + s.length + 3, 0));
  const parts = label.split(', ');
  const m = /^\+(\d+) more$/.exec(parts[parts.length - 1] ?? '');
  if (m) parts.pop();
  let out = label.length <= room - want ? label : fit(parts, room - want, m ? Number(m[1]) : 0);
  for (const s of segs) {
    const left = room - out.length - ' : '.length;
    if (left < 8) break;
    out += ' : ' + fit(s.split(', '), left);
  }
  return out;
}

/** Prompt alerts: split brain across hosts first (the strongest), then the local ones, then the rest. */
export function alertsWithExtra(alerts: Alert[], x: ExtraState): Array<Pick<Alert, 'text'>> {
  const fleet = x.fleet?.alerts ?? [];
  return [...fleet.filter((a) => a.kind === 'fleet-split-brain'), ...alerts, ...fleet.filter((a) => a.kind !== 'fleet-split-brain')];
}

/** state.json with `fleet` and each cluster's `patroni`. */
export function docWithExtra(doc: StateDoc, x: ExtraState): StateDoc {
  if (!x.fleet && Object.keys(x.patroni).length === 0) return doc;
  const clusters = Object.keys(x.patroni).length ? doc.clusters.map((c) => (x.patroni[c.dataDir] ? { ...c, patroni: x.patroni[c.dataDir] } : c)) : doc.clusters;
  return { ...doc, clusters, ...(x.fleet ? { fleet: x.fleet } : {}) } as StateDoc;
}
