import { looksWire } from "./wire.js";

/**
 * An article's lines as "binary" strings (one char per byte): the same array as
 * `(looksWire(raw) ? unwire(raw) : raw).toString("latin1").split(/\r?\n/)`, in one pass over one
 * string instead of a Buffer copy per line, a second Buffer and a regex split.
 */
export function articleLines(raw: Buffer): string[] {
  const wire = looksWire(raw);
  const segments = raw.toString("latin1").split("\n");
  const last = segments.length - 1;
  const lines: string[] = [];
  for (let i = 0; i <= last; i++) {
    let line = segments[i] as string;
    if (wire) {
      // unwire(): one CR before the LF (or before the end of the data) goes...
      if (line.endsWith("\r")) line = line.slice(0, -1);
      // ...a "." line ends the article, wherever it is (what follows a LF is an empty last line)...
      if (line === ".") {
        lines.push("");
        return lines;
      }
      // ...and a leading ".." loses a dot.
      if (line.startsWith("..")) line = line.slice(1);
    }
    // split(/\r?\n/): a CR right before a LF goes with it (unwire may leave one: "\r\r\n").
    if (i < last && line.endsWith("\r")) line = line.slice(0, -1);
    lines.push(line);
  }
  return lines;
}
