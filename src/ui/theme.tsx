// Styling in one place: tones map to colours, and with `plain` (NO_COLOR, TERM=dumb) every
// style is dropped so that only words remain.
import { Text } from 'ink';
import { createContext, useContext, type ReactNode } from 'react';
import type { Tone } from './roles.js';
import { ROLE_TEXT_COLOUR } from '../contract.js';
import { escapeText } from '../util/escape.js';

export interface Theme {
  /** No escape sequences for colour or emphasis at all. */
  plain: boolean;
  /** TERM=dumb: also nothing that redraws every second. */
  dumb: boolean;
}

export const ThemeContext = createContext<Theme>({ plain: false, dumb: false });

export function useTheme(): Theme {
  return useContext(ThemeContext);
}

const COLOURS: Record<Tone, string> = { danger: ROLE_TEXT_COLOUR.primary, warn: ROLE_TEXT_COLOUR.unknown, standby: ROLE_TEXT_COLOUR.standby, ok: 'green', info: 'cyan' };

export interface StyledProps {
  tone?: Tone | null;
  bold?: boolean;
  inverse?: boolean;
  dim?: boolean;
  wrap?: 'wrap' | 'truncate-end';
  children?: ReactNode;
}

/** String children escaped (src/util/escape.ts): no host text reaches the terminal raw, whoever forgot. */
function safeChildren(children: ReactNode): ReactNode {
  if (typeof children === 'string') return escapeText(children);
  if (Array.isArray(children)) return children.map((c: unknown) => (typeof c === 'string' ? escapeText(c) : c)) as ReactNode;
  return children;
}

/** Text in a tone; in plain mode the same text with no styling. Every string in it is escaped. */
export function Styled({ tone, bold, inverse, dim, wrap, children: raw }: StyledProps) {
  const children = safeChildren(raw);
  const { plain } = useTheme();
  if (plain) return <Text wrap={wrap}>{children}</Text>;
  return (
    <Text color={tone ? COLOURS[tone] : undefined} bold={bold} inverse={inverse} dimColor={dim} wrap={wrap}>
      {children}
    </Text>
  );
}

/** A section title ("Would be destroyed:"). */
export function Heading({ children }: { children: ReactNode }) {
  return (
    <Styled bold>
      {children}
    </Styled>
  );
}
