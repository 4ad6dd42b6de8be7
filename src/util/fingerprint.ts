// A short fingerprint of a text (the mount table): its length and two 32-bit FNV-1a hashes with
// different offsets, in lower-case hex. Not cryptographic and need not be: only root changes the
// mount table, and a mismatch only sends an `rm` to the guard (src/guard/fast-path.ts).
export function fingerprint(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return `${text.length.toString(36)}-${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}
