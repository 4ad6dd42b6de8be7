// Rendering the confirmation screen at a fixed width and reading its frames.
import { render } from 'ink-testing-library';
import { vi } from 'vitest';
import { ConfirmScreen, type ConfirmScreenProps } from '../../../src/ui/ConfirmScreen.js';
import type { ConfirmationResult } from '../../../src/ui/types.js';
import { T0 } from './fixtures.js';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-9;?]*[ -/]*[@-~]/g;

/** A frame without its escape sequences. */
export function plainText(frame: string | undefined): string {
  return (frame ?? '').replace(ANSI, '');
}

/** A frame's words with every run of whitespace (line breaks from wrapping too) as one space. */
export function flat(frame: string | undefined): string {
  return plainText(frame).replace(/\s+/g, ' ');
}

export type ScreenInput = Omit<ConfirmScreenProps, 'onResolve' | 'nowMs' | 'host' | 'shortHost'> & Partial<Pick<ConfirmScreenProps, 'nowMs' | 'host' | 'shortHost'>>;

/** Render at `columns`; returns the testing-library handle, the props and the resolve spy. */
export function renderScreen(input: ScreenInput) {
  const onResolve = vi.fn<(r: ConfirmationResult) => void>();
  const props = (over: Partial<ScreenInput> = {}): ConfirmScreenProps => ({
    host: 'db-01.prod.example.com',
    shortHost: 'db-01',
    nowMs: T0,
    columns: 80,
    ...input,
    ...over,
    onResolve,
  });
  const r = render(<ConfirmScreen {...props()} />);
  return {
    ...r,
    onResolve,
    text: () => plainText(r.lastFrame()),
    flat: () => flat(r.lastFrame()),
    update: (over: Partial<ScreenInput>) => r.rerender(<ConfirmScreen {...props(over)} />),
  };
}

/** Let ink read stdin and React run its effects. */
export const settle = (ms = 20): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Type text, then wait for it to be handled (each keystroke separately, as a human types). */
export async function type(stdin: { write(s: string): void }, text: string): Promise<void> {
  for (const ch of text) {
    stdin.write(ch);
    await settle(2);
  }
  await settle();
}

export const ENTER = '\r';
export const ESC = '\u001B';
export const CTRL_C = '\u0003';
