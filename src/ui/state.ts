// The confirmation screen's state machine (pure): keys typed, facts arriving, and the result.
import type { ClusterFacts } from '../facts/types.js';
import type { Verdict } from '../policy/types.js';
import { checkAnswer, expectedAnswers } from './answers.js';
import { describeChange, diffSnapshots, snapshot, touchedClusters, type Seen } from './changes.js';
import type { ConfirmationResult } from './types.js';

/** A prominent message about something that changed while the screen was open. */
export interface Notice {
  kind: 'role-changed' | 'answer-changed';
  text: string;
}

export interface ScreenState {
  verdict: Verdict;
  clusters: ClusterFacts[];
  shortHost: string;
  expected: string[];
  /** Answers accepted so far (one per completed step). */
  typed: string[];
  /** What is being typed for the current step. */
  buffer: string;
  /** The touched clusters as the operator last saw them (at open or at the last change shown). */
  baseline: Map<string, Seen>;
  notices: Notice[];
  /** First line of the dry-run output shown. */
  scroll: number;
  result: ConfirmationResult | null;
}

/** The keys the screen reacts to (a subset of ink's Key). */
export interface KeyLike {
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  meta?: boolean;
  backspace?: boolean;
  delete?: boolean;
  upArrow?: boolean;
  downArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  tab?: boolean;
}

export type Action =
  /** `maxScroll`: the last first line of the dry-run window (scrolling stops there). */
  | { type: 'key'; input: string; key: KeyLike; maxScroll?: number }
  | { type: 'facts'; verdict: Verdict; clusters: ClusterFacts[] }
  | { type: 'interrupt'; signal: string | null };

const MAX_ANSWER = 200;

/** Names of the touched clusters, in the order the screen lists them. */
export function clusterNames(verdict: Verdict, clusters: ClusterFacts[]): string[] {
  return touchedClusters(verdict, clusters).map((t) => t.facts?.name ?? t.dataDir);
}

export function initialState(verdict: Verdict, clusters: ClusterFacts[], shortHost: string): ScreenState {
  const s: ScreenState = {
    verdict,
    clusters,
    shortHost,
    expected: expectedAnswers(verdict, shortHost, clusterNames(verdict, clusters)),
    typed: [],
    buffer: '',
    baseline: snapshot(verdict, clusters),
    notices: [],
    scroll: 0,
    result: null,
  };
  return verdict.kind === 'refuse' ? { ...s, result: { outcome: 'refused', verdict, clusters } } : s;
}

/** Enter: accept the current step, finish, or decline. */
function submit(s: ScreenState): ScreenState {
  const want = s.expected[s.typed.length] ?? '';
  if (!checkAnswer(want, s.buffer)) return { ...s, result: { outcome: 'declined', typed: [...s.typed, s.buffer] } };
  const typed = [...s.typed, s.buffer.trim()];
  if (typed.length < s.expected.length) return { ...s, typed, buffer: '' };
  return { ...s, typed, buffer: '', result: { outcome: 'confirmed', typed, verdict: s.verdict, clusters: s.clusters } };
}

/** Printable text typed or pasted; a pasted line break is Enter. */
function typeText(s: ScreenState, input: string): ScreenState {
  let st = s;
  const parts = input.split(/\r\n|\r|\n/);
  parts.forEach((part, i) => {
    if (st.result) return;
    // eslint-disable-next-line no-control-regex
    const clean = part.replace(/[\x00-\x1f\x7f-\x9f]/g, '');
    st = { ...st, buffer: (st.buffer + clean).slice(0, MAX_ANSWER) };
    if (i < parts.length - 1) st = submit(st);
  });
  return st;
}

function onKey(s: ScreenState, input: string, key: KeyLike, maxScroll = Infinity): ScreenState {
  const scroll = (by: number): ScreenState => ({ ...s, scroll: Math.max(0, Math.min(maxScroll, s.scroll + by)) });
  // A Ctrl-C byte can arrive inside a chunk with typed text ("db\x03" when keys come fast).
  if ((key.ctrl && input === 'c') || input.includes('\x03')) return { ...s, result: { outcome: 'interrupted', signal: 'SIGINT' } };
  if (key.escape) return { ...s, result: { outcome: 'interrupted', signal: null } };
  if (key.return) return submit(s);
  if (key.backspace || key.delete) return { ...s, buffer: [...s.buffer].slice(0, -1).join('') };
  if (key.ctrl && input === 'u') return { ...s, buffer: '' };
  if (key.ctrl && input === 'd' && s.buffer === '') return { ...s, result: { outcome: 'declined', typed: s.typed } };
  if (key.upArrow) return scroll(-1);
  if (key.downArrow) return scroll(1);
  if (key.pageUp) return scroll(-10);
  if (key.pageDown) return scroll(10);
  if (key.ctrl || key.meta || key.tab) return s;
  return typeText(s, input);
}

/** New facts: notice role changes (answers void), a changed question, or a refusal. */
function onFacts(s: ScreenState, verdict: Verdict, clusters: ClusterFacts[]): ScreenState {
  const now = snapshot(verdict, clusters);
  const seenAt = new Map(clusters.map((c) => [c.dataDir, c.observedAt]));
  const changes = diffSnapshots(s.baseline, now, seenAt);
  const expected = expectedAnswers(verdict, s.shortHost, clusterNames(verdict, clusters));
  const questionChanged = expected.join('\n') !== s.expected.join('\n');
  const notices = [...s.notices];
  if (changes.length > 0) {
    notices.push({ kind: 'role-changed', text: `ROLE CHANGED: ${changes.map(describeChange).join('; ')}. Your answer was cleared.` });
  }
  if (questionChanged && changes.length === 0) {
    notices.push({ kind: 'answer-changed', text: `THE CONFIRMATION CHANGED: now type ${expected.map((e) => `"${e}"`).join(', then ')}. Your answer was cleared.` });
  }
  const cleared = changes.length > 0 || questionChanged;
  const next: ScreenState = {
    ...s,
    verdict,
    clusters,
    expected,
    baseline: changes.length > 0 ? now : s.baseline,
    notices: notices.slice(-3),
    typed: cleared ? [] : s.typed,
    buffer: cleared ? '' : s.buffer,
  };
  return verdict.kind === 'refuse' ? { ...next, result: { outcome: 'refused', verdict, clusters } } : next;
}

export function reduce(s: ScreenState, a: Action): ScreenState {
  if (s.result) return s;
  switch (a.type) {
    case 'key':
      return onKey(s, a.input, a.key, a.maxScroll);
    case 'facts':
      return onFacts(s, a.verdict, a.clusters);
    case 'interrupt':
      return { ...s, result: { outcome: 'interrupted', signal: a.signal } };
  }
}
