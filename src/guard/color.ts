// Whether to colour output: only for a terminal that wants it (NO_COLOR, TERM=dumb turn it off).
export function colorLevel(env: NodeJS.ProcessEnv, isTTY: boolean): 0 | 1 {
  if (env.NO_COLOR || env.TERM === 'dumb' || !isTTY) return 0;
  return 1;
}
