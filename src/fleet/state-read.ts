// The guard's view of the fleet: the `fleet` part of the watcher's state.json, validated (it is
// data the watcher copied from etcd, i.e. from other hosts: untrusted). Never etcd itself.
import fs from 'node:fs';
import path from 'node:path';
import type { FleetView } from './types.js';
import { validateView } from './validate.js';

/** state.json older than this is not used for fleet facts (the watcher is gone). */
export const FLEET_STATE_MAX_AGE_S = 120;

export function readFleetFromState(stateDir: string, nowMs: number): FleetView | null {
  let doc: unknown;
  try {
    const text = fs.readFileSync(path.join(stateDir, 'state.json'), 'utf8');
    if (!text.includes('"fleet"')) return null;
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null) return null;
  const d = doc as { heartbeat?: unknown; fleet?: unknown };
  if (typeof d.heartbeat !== 'number' || nowMs / 1000 - d.heartbeat > FLEET_STATE_MAX_AGE_S) return null;
  return validateView(d.fleet);
}
