// The watcher's one hook for issue 13 (loaded lazily by src/watch/loop.ts): polls Patroni's view
// of the local clusters it manages, and runs the etcd agent when `fleet.etcd` is configured. Both
// report back as `extra` events; neither can hold up a gather or a publish.
import type { Config } from '../config/schema.js';
import { fleetHost } from '../config/fleet.js';
import type { HostFacts, PatroniFacts } from '../facts/types.js';
import { mayBePatroniManaged, NO_PATRONI, patroniFacts, scanPatroni, type PatroniScan } from '../patroni/detect.js';
import { fetchPatroniView } from '../patroni/rest.js';
import type { FleetAgent } from './agent.js';
import type { FleetView } from './types.js';

export interface ExtrasOptions {
  hostname: string;
  envPath: string;
  log: (line: string) => void;
  emit: (extra: { fleet?: FleetView | null; patroni?: Record<string, PatroniFacts> }) => void;
}

export interface Extras {
  /** After each change of facts or config. */
  sync(host: HostFacts | null, config: Config, intervalMs: number): void;
  stop(): Promise<void>;
}

const SCAN_EVERY_MS = 10_000;

export function startExtras(opts: ExtrasOptions): Extras {
  let host: HostFacts | null = null;
  let patroni: Record<string, PatroniFacts> = {};
  let lastPatroniJson = '{}';
  let lastShape = '';
  let scan: { at: number; value: PatroniScan } | null = null;
  let agent: FleetAgent | null = null;
  let agentKey = '';
  let agentStarting = false;
  let stopped = false;
  let polling = false;
  let timer: NodeJS.Timeout | null = null;
  let intervalMs = 2000;

  /** The host's facts with Patroni's view attached (what the fleet reports carry). */
  const withPatroni = (h: HostFacts): HostFacts => (Object.keys(patroni).length ? { ...h, clusters: h.clusters.map((c) => (patroni[c.dataDir] ? { ...c, patroni: patroni[c.dataDir] } : c)) } : h);

  const pollPatroni = async () => {
    if (polling || stopped || !host) return;
    polling = true;
    try {
      const t = Date.now();
      const rescan = !scan || t - scan.at > SCAN_EVERY_MS;
      if (rescan) scan = { at: t, value: host.clusters.some((c) => mayBePatroniManaged(c)) ? scanPatroni() : NO_PATRONI };
      // No cluster of Patroni's at the last look: there is no view to refresh, and what could
      // make one Patroni's (a daemon started, patroni.dynamic.json written) is seen by the next
      // scan, or with a change of the clusters (a postmaster started by Patroni).
      const shape = host.clusters.map((c) => `${c.dataDir}\0${c.pid}\0${c.running}`).join('\n');
      if (!rescan && lastPatroniJson === '{}' && shape === lastShape) return;
      lastShape = shape;
      const next: Record<string, PatroniFacts> = {};
      await Promise.all(
        host.clusters.map(async (c) => {
          const p = patroniFacts(c, scan!.value);
          if (!p) return;
          if (p.restApi && p.running !== false) p.view = await fetchPatroniView(p.restApi, new Date().toISOString());
          next[c.dataDir] = p;
        }),
      );
      const json = JSON.stringify(next, (k, v) => (k === 'at' ? undefined : v));
      if (json !== lastPatroniJson) {
        lastPatroniJson = json;
        patroni = next;
        opts.emit({ patroni: next });
        if (agent && host) agent.update(withPatroni(host));
      }
    } catch (e) {
      opts.log(`patroni: ${(e as Error).message}`);
    } finally {
      polling = false;
    }
  };

  const ensureAgent = (config: Config) => {
    const key = config.fleet.etcd ? JSON.stringify([config.fleet, intervalMs]) : '';
    if (key === agentKey || agentStarting) return;
    agentKey = key;
    const old = agent;
    agent = null;
    if (old) void old.stop();
    if (!key) {
      opts.emit({ fleet: null });
      return;
    }
    agentStarting = true;
    const fleet = { ...config.fleet, host: fleetHost(config.fleet, opts.hostname) };
    import('./agent.js')
      .then(({ startFleetAgent }) => startFleetAgent({ config: fleet, intervalMs, envPath: opts.envPath, log: opts.log, onView: (view) => !stopped && opts.emit({ fleet: view }) }))
      .then(
        (a) => {
          agentStarting = false;
          if (stopped || agentKey !== key) return void a.stop();
          agent = a;
          if (host) a.update(withPatroni(host));
        },
        (e: unknown) => {
          agentStarting = false;
          agentKey = '';
          opts.log(`fleet: cannot start the etcd client: ${(e as Error).message}`);
        },
      );
  };

  return {
    sync(h, config, interval) {
      intervalMs = interval;
      if (!timer && !stopped) {
        timer = setInterval(() => void pollPatroni(), Math.max(1000, Math.min(intervalMs, 5000)));
        timer.unref?.();
      }
      ensureAgent(config);
      if (h && h !== host) {
        host = h;
        agent?.update(withPatroni(h));
        if (!scan) void pollPatroni();
      }
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await agent?.stop();
    },
  };
}
