// One of Node's own bindings through process.binding (deprecated, DEP0111, still offered by Node 20
// for these), or null: when it is not offered, or when --pending-deprecation would make it warn.
// The callers fall back to the public module (src/util/isatty.ts, src/run/spawn.ts).
export function nodeBinding<T>(name: string): Partial<T> | null {
  try {
    if (/--pending-deprecation/.test(`${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`)) return null;
    return (process as unknown as { binding(name: string): Partial<T> }).binding(name);
  } catch {
    return null;
  }
}
