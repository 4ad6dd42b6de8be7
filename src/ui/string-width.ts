// Terminal width of a string, for Ink's layout (esbuild aliases `string-width` here).
// The package's own version builds an Intl.Segmenter and Unicode-property regexes when it is
// imported: ~30 ms before the confirmation screen's first frame. This one counts code points:
// zero for controls, combining marks, zero-width and variation selectors; East Asian wide and
// fullwidth (most emoji among them) count two. An emoji joined by ZWJ may count wider than it
// shows: a cosmetic difference on a screen of host names, roles and paths.
import stripAnsi from 'strip-ansi';
import { eastAsianWidth } from 'get-east-asian-width';

export interface Options {
  ambiguousIsNarrow?: boolean;
  countAnsiEscapeCodes?: boolean;
}

/** Is this code point drawn with no width of its own? */
function zeroWidth(cp: number): boolean {
  return (
    cp <= 0x1f ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0x300 && cp <= 0x36f) || // combining diacritical marks
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x1dc0 && cp <= 0x1dff) ||
    (cp >= 0x200b && cp <= 0x200f) || // zero-width space/joiners, direction marks
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) || // variation selectors
    (cp >= 0xfe20 && cp <= 0xfe2f) ||
    cp === 0xfeff ||
    (cp >= 0xe0000 && cp <= 0xe0fff) // tags, variation selectors supplement
  );
}

export default function stringWidth(input: string, options: Options = {}): number {
  if (typeof input !== 'string' || input.length === 0) return 0;
  const text = options.countAnsiEscapeCodes ? input : stripAnsi(input);
  let width = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) {
      width++; // the common case: printable ASCII
      continue;
    }
    const cp = text.codePointAt(i)!;
    if (cp > 0xffff) i++;
    if (zeroWidth(cp)) continue;
    width += eastAsianWidth(cp, { ambiguousAsWide: options.ambiguousIsNarrow === false });
  }
  return width;
}
