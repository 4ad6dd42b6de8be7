// TERM=dumb: a terminal that cannot move the cursor or erase. Ink (in debug mode) hands us
// whole frames; we write only the new tail when a frame extends the previous one (typing),
// and otherwise the whole frame again below a separator.
import { EventEmitter } from 'node:events';

/** What to write to go from the frame on screen to the next one (pure). */
export function appendOnlyChunk(previous: string | null, next: string): string {
  if (previous === null) return next;
  if (next === previous) return '';
  if (next.startsWith(previous)) return next.slice(previous.length);
  return `\n\n${next}`;
}

/** A stdout for ink that writes through appendOnlyChunk to the real one. */
export function appendOnlyStdout(out: NodeJS.WriteStream): NodeJS.WriteStream {
  let previous: string | null = null;
  const proxy = new EventEmitter() as EventEmitter & {
    isTTY: boolean;
    columns: number;
    rows: number;
    write(chunk: string, cb?: () => void): boolean;
  };
  proxy.isTTY = false;
  Object.defineProperty(proxy, 'columns', { get: () => out.columns || 80 });
  Object.defineProperty(proxy, 'rows', { get: () => out.rows || 24 });
  proxy.write = (chunk: string, cb?: () => void): boolean => {
    const text = String(chunk);
    // Ink's empty write is a flush barrier, not a frame.
    const piece = text === '' ? '' : appendOnlyChunk(previous, text);
    if (text !== '') previous = text;
    return piece === '' ? (cb?.(), true) : out.write(piece, cb);
  };
  return proxy as unknown as NodeJS.WriteStream;
}
