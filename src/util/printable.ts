/**
 * Text made safe for a terminal and one line: C0/C1 controls (ESC included) and DEL become `\xNN`,
 * Unicode line and direction controls `\uNNNN`; a tab becomes a space.
 */
export function printable(text: string): string {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => {
      if (c === "\t") return " ";
      const code = c.charCodeAt(0);
      return code <= 0xff
        ? `\\x${code.toString(16).padStart(2, "0")}`
        : `\\u${code.toString(16).padStart(4, "0")}`;
    },
  );
}
