// The Node flags the systemd unit gives the watcher (its Environment=NODE_OPTIONS=…): the bench
// measures the watcher as it is deployed. SAFEOPS_BENCH_WATCHER_NODE_FLAGS overrides them.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../test/support/cli.js';

export function watcherNodeFlags(): string[] {
  const over = process.env.SAFEOPS_BENCH_WATCHER_NODE_FLAGS;
  if (over !== undefined) return over.split(' ').filter(Boolean);
  const unit = fs.readFileSync(path.join(ROOT, 'systemd/safeops.service'), 'utf8');
  const m = /^Environment=NODE_OPTIONS=(.*)$/m.exec(unit);
  return m ? m[1]!.trim().split(/\s+/).filter(Boolean) : [];
}
