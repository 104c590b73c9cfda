import { decodeCharset } from "./charset.js";
import { unescapeHex } from "./transfer.js";

/** RFC 2047 encoded words: =?charset?B|Q?data?= (a "*lang" suffix on the charset is RFC 2231). */
const WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

interface Run {
  charset: string;
  chunks: Buffer[];
}

/** Decode every encoded word in an unstructured header text; adjacent words lose the whitespace between them. */
export function decodeWords(text: string): string {
  if (!text.includes("=?")) return text;
  let out = "";
  let last = 0;
  let run: Run | undefined;
  for (const m of text.matchAll(WORD)) {
    const [word, rawCharset = "", encoding = "", data = ""] = m;
    const charset = (rawCharset.split("*")[0] ?? "").toLowerCase();
    const bytes = encoding.toUpperCase() === "B" ? Buffer.from(data, "base64") : qBytes(data);
    const between = text.slice(last, m.index);
    if (run && /^\s*$/.test(between) && run.charset === charset) {
      run.chunks.push(bytes); // joined as bytes: a broken encoder may split a multibyte character
    } else {
      if (run) out += flush(run);
      if (!run || !/^\s*$/.test(between)) out += between;
      run = { charset, chunks: [bytes] };
    }
    last = m.index + word.length;
  }
  if (run) out += flush(run);
  return out + text.slice(last);
}

function qBytes(data: string): Buffer {
  return Buffer.from(unescapeHex(data.replace(/_/g, " ")), "latin1");
}

function flush(run: Run): string {
  return decodeCharset(Buffer.concat(run.chunks), run.charset);
}
