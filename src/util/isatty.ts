// isatty(fd) without loading node:tty: that module brings net and stream (~6 ms at start), and
// every guarded command asks whether its stdin is a terminal. tty.isatty is this binding's
// isTTY behind an integer check; if the binding is not there (another Node), node:tty answers.
import tty from 'node:tty';
import { nodeBinding } from './binding.js';

type IsTTY = (fd: number) => boolean;

function binding(): IsTTY | null {
  const isTTY = nodeBinding<{ isTTY: unknown }>('tty_wrap')?.isTTY;
  return typeof isTTY === 'function' ? (isTTY as IsTTY) : null;
}

let impl: IsTTY | null | undefined;

export function isatty(fd: number): boolean {
  if (impl === undefined) impl = binding();
  return impl ? impl(fd) === true : tty.isatty(fd);
}
