// Fake terminal streams for runConfirmation: a TTY stdin that records raw-mode changes and a
// TTY stdout that records everything written.
import { EventEmitter } from 'node:events';

export class FakeStdin extends EventEmitter {
  isTTY = true;
  rawModes: boolean[] = [];
  paused = false;
  private buffer: string[] = [];
  setRawMode(on: boolean): this {
    this.rawModes.push(on);
    return this;
  }
  setEncoding(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
  pause(): this {
    this.paused = true;
    return this;
  }
  read(): string | null {
    return this.buffer.shift() ?? null;
  }
  /** What the operator types. */
  type(s: string): void {
    this.buffer.push(s);
    this.emit('readable');
  }
  get raw(): boolean {
    return this.rawModes[this.rawModes.length - 1] ?? false;
  }
}

export class FakeStdout extends EventEmitter {
  isTTY = true;
  columns: number;
  rows = 50;
  written = '';
  constructor(columns = 80) {
    super();
    this.columns = columns;
  }
  write(s: string, cb?: () => void): boolean {
    this.written += s;
    cb?.();
    return true;
  }
}

/** The streams as runConfirmation's options expect them. */
export function fakeTerminal(columns = 80) {
  const stdin = new FakeStdin();
  const stdout = new FakeStdout(columns);
  return { stdin, stdout, streams: { stdin: stdin as unknown as NodeJS.ReadStream, stdout: stdout as unknown as NodeJS.WriteStream } };
}
