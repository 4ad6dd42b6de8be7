// Errors the operator is meant to read: printed as one clear message, never as a stack trace.

/** Bad input (unknown subcommand, missing argument, bad flag): exit 2, nothing ran. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Exit codes (docs/design.md §3). The wrapped command's own code is passed through after it ran. */
export const EXIT = {
  ok: 0,
  declined: 1,
  usage: 2,
  /** safeops itself failed (a bug, an unreadable /proc...): nothing ran. */
  internal: 70,
  refused: 77,
  interrupted: 130,
} as const;
