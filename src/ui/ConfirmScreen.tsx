// The confirmation screen: host first and large, then the touched clusters and their roles,
// what would be destroyed, replication, split brain, wal-g's dry run, the reasons, the exact
// command and the prompt. Plain props in, one result out through onResolve; no I/O here.
import { Box, useInput } from 'ink';
import { useEffect, useLayoutEffect, useReducer, useRef } from 'react';
import type { SizeProgress } from '../facts/size.js';
import type { ClusterFacts } from '../facts/types.js';
import type { Verdict } from '../policy/types.js';
import { touchedClusters } from './changes.js';
import { ClusterList } from './ClusterList.js';
import { CommandLine } from './CommandLine.js';
import { Destroyed } from './Destroyed.js';
import { outputLines } from './format.js';
import { DryRun } from './DryRun.js';
import { HostBanner } from './HostBanner.js';
import { Notices } from './Notices.js';
import { Prompt } from './Prompt.js';
import { Reasons } from './Reasons.js';
import { Replication } from './Replication.js';
import { describeRole, type Tone } from './roles.js';
import { initialState, reduce } from './state.js';
import { Styled, ThemeContext } from './theme.js';
import type { ConfirmationResult, DryRunState, UpstreamChecks } from './types.js';
import { UpstreamCheck } from './UpstreamCheck.js';

export interface ConfirmScreenProps {
  host: string;
  shortHost: string;
  argv: string[];
  /** The latest decision and touched clusters; new values are compared with what was shown. */
  verdict: Verdict;
  clusters: ClusterFacts[];
  /** The clock, for "observed 3 s ago". */
  nowMs: number;
  /** Paths that would be destroyed, and their size as counted so far. */
  destroys?: string[];
  size?: SizeProgress | null;
  measuring?: boolean;
  upstream?: UpstreamChecks;
  dryRun?: DryRunState | null;
  /** The last refresh failed: what is shown may be out of date. */
  refreshError?: string | null;
  /** @default 80 */
  columns?: number;
  /** Terminal height, to size the dry-run window. */
  rows?: number;
  /** No colour or emphasis (NO_COLOR). */
  plain?: boolean;
  /** TERM=dumb: plain, and nothing that redraws by itself. */
  dumb?: boolean;
  onResolve(result: ConfirmationResult): void;
}

const RANK: Record<Tone, number> = { danger: 3, warn: 2, standby: 1, ok: 1, info: 0 };

/** The most dangerous tone among the touched clusters (the banner's colour). */
function worstTone(touched: Array<{ facts: ClusterFacts | null }>): Tone {
  let worst: Tone = 'info';
  for (const t of touched) {
    const tone = t.facts ? describeRole(t.facts).tone : 'danger';
    if (RANK[tone] > RANK[worst]) worst = tone;
  }
  return worst;
}

export function ConfirmScreen(props: ConfirmScreenProps) {
  const { verdict, clusters, onResolve } = props;
  const columns = Math.max(20, props.columns ?? 80);
  const [state, dispatch] = useReducer(reduce, undefined, () => initialState(verdict, clusters, props.shortHost));
  const mounted = useRef(false);
  // Layout effect: a role change clears the answer before another key can be read.
  useLayoutEffect(() => {
    if (mounted.current) dispatch({ type: 'facts', verdict, clusters });
    mounted.current = true;
  }, [verdict, clusters]);
  const rows = props.rows ?? 50;
  const windowHeight = rows >= 40 ? 12 : rows >= 30 ? 8 : 4;
  const dryLines = props.dryRun?.status === 'done' ? outputLines(props.dryRun.output).length : 0;
  const maxScroll = Math.max(0, dryLines - windowHeight);
  useInput((input, key) => dispatch({ type: 'key', input, key, maxScroll }), { isActive: state.result === null });
  const resolved = useRef(false);
  useEffect(() => {
    if (state.result && !resolved.current) {
      resolved.current = true;
      onResolve(state.result);
    }
  }, [state.result, onResolve]);

  const touched = touchedClusters(state.verdict, state.clusters);
  const facts = touched.flatMap((t) => (t.facts ? [t.facts] : []));
  const refused = state.result?.outcome === 'refused';
  return (
    <ThemeContext.Provider value={{ plain: Boolean(props.plain || props.dumb), dumb: Boolean(props.dumb) }}>
      <Box flexDirection="column" width={columns}>
        <HostBanner host={props.host} shortHost={props.shortHost} columns={columns} tone={worstTone(touched)} />
        <Notices notices={state.notices} />
        {refused ? (
          <Styled tone="danger" bold wrap="wrap">REFUSED: with the facts as they are now, safeops will not run this command.</Styled>
        ) : (
          <Styled wrap="wrap">{`safeops asks before running this command${state.verdict.strong ? ' (strong confirmation)' : ''}.`}</Styled>
        )}
        {props.refreshError ? (
          <Styled tone="warn" wrap="wrap">{`Could not re-read the facts (${props.refreshError}): what you see may be out of date; they are read again before anything runs.`}</Styled>
        ) : null}
        <ClusterList touched={touched} baseline={state.baseline} nowMs={props.nowMs} />
        <Destroyed paths={props.destroys ?? []} clusters={facts} size={props.size ?? null} measuring={Boolean(props.measuring)} />
        <Replication clusters={facts} />
        <UpstreamCheck targets={state.verdict.promoteUpstreams} checks={props.upstream ?? {}} clusters={facts} />
        <DryRun state={props.dryRun ?? null} scroll={state.scroll} height={windowHeight} />
        <Reasons verdict={state.verdict} />
        <CommandLine argv={props.argv} />
        <Prompt expected={state.expected} typed={state.typed} buffer={state.buffer} result={state.result} />
      </Box>
    </ThemeContext.Provider>
  );
}
