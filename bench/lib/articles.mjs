// @ts-check
/**
 * Pure: the articles the bench feeds. Each carries its run and phase in the Message-ID, so any
 * contender's report (Message-ID or, via the file, path) maps back to one fed article.
 */

export const GROUP = "bench.test";
const DOMAIN = "bench.newsnotify.test";

const WORDS =
  "the quick brown fox jumps over lazy dogs while news flows through innd and every peer sends more".split(
    " ",
  );

/** @param {string} runId @param {string} phase @param {number} i */
export function messageId(runId, phase, i) {
  return `<${phase}.${i}.${runId}@${DOMAIN}>`;
}

/** Phase of a Message-ID made by messageId() ("burst", "sync"...), or null for a foreign one. */
export function phaseOf(/** @type {string} */ id, /** @type {string} */ runId) {
  const m = /^<([a-z]+)\.(\d+)\.([^@]+)@/.exec(id);
  return m && m[3] === runId ? m[1] : null;
}

/**
 * Article i of a phase, in NNTP wire format (CRLF, dot-stuffed, ending with ".\r\n"), ready to
 * follow a TAKETHIS line. Sizes vary from about 0.8 to 3 KB, like ordinary text posts.
 * @param {string} runId @param {string} phase @param {number} i @param {string} [group]
 * @returns {{id: string, wire: string}}
 */
export function makeArticle(runId, phase, i, group = GROUP) {
  const id = messageId(runId, phase, i);
  const lines = [];
  const n = 8 + ((i * 7) % 31);
  for (let l = 0; l < n; l++) {
    const words = [];
    for (let w = 0; w < 11; w++) words.push(WORDS[(i + l * 3 + w * 5) % WORDS.length]);
    lines.push(words.join(" "));
  }
  if (i % 10 === 0) lines.push(".a line that needs dot-stuffing");
  const headers = [
    "Path: bench.peer!not-for-mail",
    `From: Bench Poster ${i % 97} <poster${i % 97}@example.net>`,
    `Newsgroups: ${group}`,
    `Subject: Benchmark article ${i} (${phase})`,
    `Date: ${new Date().toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: ${id}`,
    "Organization: newsnotify bench",
    "User-Agent: newsnotify-bench/1",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=UTF-8",
    "Content-Transfer-Encoding: 8bit",
    `Lines: ${lines.length}`,
  ];
  const body = lines.map((l) => (l.startsWith(".") ? `.${l}` : l));
  return { id, wire: `${[...headers, "", ...body].join("\r\n")}\r\n.\r\n` };
}
