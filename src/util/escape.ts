// The one escaping function for text from the host on its way to a terminal, and the one quoting
// function for commands safeops suggests or shows (docs/escaping.md). Pure; no dependencies.

/**
 * Code points that change what a terminal shows beyond the character itself: C0 controls
 * (newline and tab included), DEL, C1 controls (0x9b is a one-byte CSI on some terminals), the
 * bidirectional embeddings/overrides/isolates and marks that reorder a line, line and paragraph
 * separators, zero-width characters and the BOM, and lone surrogates (invalid UTF-16, e.g. from
 * a file name that was not UTF-8). Invalid UTF-8 already arrives as U+FFFD from Node's decoders.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** How one unsafe code point is shown: `\n`, `\t`, `\r`, `\xNN` (ESC is `\x1b`), or `\u{NNNN}`. */
function shown(ch: string): string {
  const cp = ch.charCodeAt(0);
  if (ch === '\n') return '\\n';
  if (ch === '\t') return '\\t';
  if (ch === '\r') return '\\r';
  if (cp <= 0xff) return `\\x${hex(cp, 2)}`;
  return `\\u{${hex(cp, 4)}}`;
}

/**
 * Text from the host (paths, cluster names, settings, command lines, user and unit names, error
 * messages) made safe for a terminal: every unsafe code point becomes visible escape text, the
 * rest stays as is. Idempotent: its output holds no unsafe code point. Backslashes are left
 * alone (so suggested commands in `$'...'` form stay pasteable); a name spelling `\x1b` in plain
 * letters therefore looks like an escaped ESC, but cannot act as one.
 */
export function escapeText(s: string): string {
  return s.replace(UNSAFE, shown);
}

/** True when `s` holds a code point escapeText would change. */
export function hasUnsafe(s: string): boolean {
  UNSAFE.lastIndex = 0;
  const r = UNSAFE.test(s);
  UNSAFE.lastIndex = 0;
  return r;
}

/** One byte or code point inside bash's `$'...'`. */
function ansiC(ch: string): string {
  const cp = ch.charCodeAt(0);
  if (ch === '\\') return '\\\\';
  if (ch === "'") return "\\'";
  if (ch === '\n') return '\\n';
  if (ch === '\t') return '\\t';
  if (ch === '\r') return '\\r';
  if (ch === '\x1b') return '\\E';
  if (cp <= 0x7f) return `\\x${hex(cp, 2)}`;
  // Above ASCII: the UTF-8 bytes, which is what the file name holds (locale-independent, unlike \u).
  return [...Buffer.from(ch, 'utf8')].map((b) => `\\x${hex(b, 2)}`).join('');
}

/**
 * One argument for a POSIX shell, so that pasting it runs exactly what it says: bare when it is
 * made of safe characters only, else in single quotes (nothing expands inside them: `$(...)`,
 * backquotes, `$VAR`, globs and `!` stay literal), and in bash/zsh's `$'...'` when it holds a
 * control or invisible code point (single quotes would carry the raw byte to the terminal).
 */
export function shellQuote(a: string): string {
  if (a === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a)) return a;
  if (hasUnsafe(a)) {
    // eslint-disable-next-line no-control-regex
    return `$'${a.replace(/[\\']/g, ansiC).replace(UNSAFE, ansiC)}'`;
  }
  return `'${a.replace(/'/g, `'\\''`)}'`;
}

/** A whole command, one line, each argument shell-quoted. */
export function shellCommand(argv: string[]): string {
  return argv.map(shellQuote).join(' ');
}
