/**
 * Text made safe for a terminal and one line: C0/C1 controls (ESC included) and DEL become `\xNN`;
 * Unicode line and direction controls and the invisible ones (zero-width space and joiners, marks,
 * word joiner and invisible operators, soft hyphen, BOM, interlinear annotations) `\uNNNN`, so that
 * nothing can hide, reorder or splice what is shown; a tab becomes a space. A zero-width joiner
 * between two emoji (a family, a profession) is part of the emoji and stays.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c, offset: number, whole: string) => {
    if (c === "\t") return " ";
    if (c === "\u200d" && emojiBefore(whole, offset) && EMOJI_AFTER.test(whole.slice(offset + 1)))
      return c;
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;

const EMOJI_AFTER = /^\p{Extended_Pictographic}/u;
/** An emoji right before `offset`, allowing a variation selector or skin tone after it. */
const EMOJI_BEFORE = /\p{Extended_Pictographic}[\ufe0f\u{1f3fb}-\u{1f3ff}]?$/u;

function emojiBefore(text: string, offset: number): boolean {
  return EMOJI_BEFORE.test(text.slice(Math.max(0, offset - 4), offset));
}
