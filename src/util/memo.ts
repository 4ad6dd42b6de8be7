// A value computed once per object, for objects never changed once made (the watcher's cluster
// facts, host facts and fleet views): the object is the key, and goes with its value.

/** `fn` computed once per object `k` (kept as long as `k` is). */
export function oncePer<K extends object, V>(fn: (k: K) => V): (k: K) => V {
  const seen = new WeakMap<K, V>();
  return (k) => {
    if (seen.has(k)) return seen.get(k) as V;
    const v = fn(k);
    seen.set(k, v);
    return v;
  };
}
