// @ts-check
/**
 * Pure: the busy feed (issue 22), a full feed as a transit server gets it beside a narrow
 * subscription. Text posts of 1–3 KB over `textGroups` groups, binaries of 300–700 KB (yEnc-like
 * 8-bit bodies) over `binaryGroups` alt.binaries.* groups, and a share of the text posts in the one
 * group a notifier wants: some of those crossposted with the wanted group second in Newsgroups, so
 * innd files them first under a group nobody wants (the case a route by path alone gets wrong).
 * Everything follows from the seed: the same options give the same articles, byte for byte
 * (except the Date header, which innd requires to be recent).
 *
 *   const plan = planMix(2000, { ...MIX_DEFAULTS, seed: 7 });
 *   const { id, wire } = busyArticle("run1", "burst", plan[12], 7);
 */
import { messageId } from "./articles.mjs";

/** The one group the narrow subscription wants (newsnotify's `groups:`, the channel's pattern). */
export const WANTED_GROUP = "busy.wanted";

export const MIX_DEFAULTS = {
  seed: 1,
  /** Share of the articles in the wanted group (text posts only, crossposts included). */
  wantShare: 0.03,
  /** Share of the articles that are binaries. */
  binaryShare: 0.1,
  /** Share of the wanted articles crossposted with the wanted group second (filed elsewhere first). */
  crosspostShare: 0.5,
  textGroups: 20,
  binaryGroups: 5,
};

/** Share of the unwanted text posts crossposted to two unwanted groups (ordinary Usenet traffic). */
const UNWANTED_CROSSPOST_SHARE = 0.1;
const TEXT_BYTES = [1024, 3072];
const BINARY_BYTES = [300 * 1024, 700 * 1024];
const YENC_LINE = 128;

/**
 * @typedef {typeof MIX_DEFAULTS} MixOptions
 * @typedef {{index: number, kind: "text" | "binary", newsgroups: string[], wanted: boolean,
 *   bytes: number}} Slot  bytes: the article's target size in wire format (headers included)
 */

/** The groups the mix posts to (innd must have them all). @param {MixOptions} o */
export function mixGroups(o) {
  return [WANTED_GROUP, ...textGroupNames(o), ...binaryGroupNames(o)];
}
const textGroupNames = (/** @type {MixOptions} */ o) =>
  Array.from({ length: o.textGroups }, (_, i) => `busy.text.${String(i).padStart(2, "0")}`);
const binaryGroupNames = (/** @type {MixOptions} */ o) =>
  Array.from({ length: o.binaryGroups }, (_, i) => `alt.binaries.busy.${i}`);

/** mulberry32: a small, fast, seedable generator; returns floats in [0, 1). @param {number} seed */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Article i's own generator: its draws do not depend on the order the slots are made in. */
const slotRng = (/** @type {number} */ seed, /** @type {number} */ i) =>
  rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0);

/**
 * Exact counts, placed by a seeded shuffle: round(count × binaryShare) binaries, round(count ×
 * wantShare) wanted text posts, round(wanted × crosspostShare) of those crossposted.
 * @param {number} count @param {MixOptions} o @returns {Slot[]}
 */
export function planMix(count, o) {
  const binaries = Math.round(count * o.binaryShare);
  const wanted = Math.min(Math.round(count * o.wantShare), count - binaries);
  const crossposts = Math.round(wanted * o.crosspostShare);
  const order = Array.from({ length: count }, (_, i) => i);
  const shuffle = rng(o.seed);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(shuffle() * (i + 1));
    [order[i], order[j]] = [/** @type {number} */ (order[j]), /** @type {number} */ (order[i])];
  }
  /** @type {Map<number, "binary" | "crosspost" | "wanted">} */
  const role = new Map();
  order.forEach((index, k) => {
    if (k < binaries) role.set(index, "binary");
    else if (k < binaries + crossposts) role.set(index, "crosspost");
    else if (k < binaries + wanted) role.set(index, "wanted");
  });
  const text = textGroupNames(o);
  const bin = binaryGroupNames(o);
  return order.map((_, index) => {
    const r = slotRng(o.seed, index);
    const pick = (/** @type {string[]} */ xs) =>
      /** @type {string} */ (xs[Math.floor(r() * xs.length)]);
    const size = (/** @type {number[]} */ [lo = 0, hi = 0]) => lo + Math.floor(r() * (hi - lo + 1));
    const kind = role.get(index);
    if (kind === "binary") return slot(index, "binary", [pick(bin)], false, size(BINARY_BYTES));
    if (kind === "wanted") return slot(index, "text", [WANTED_GROUP], true, size(TEXT_BYTES));
    const first = pick(text);
    if (kind === "crosspost")
      return slot(index, "text", [first, WANTED_GROUP], true, size(TEXT_BYTES));
    const groups =
      r() < UNWANTED_CROSSPOST_SHARE
        ? [first, /** @type {string} */ (text[(text.indexOf(first) + 1) % text.length])]
        : [first];
    return slot(index, "text", groups, false, size(TEXT_BYTES));
  });
}

/** @param {number} index @param {Slot["kind"]} kind @param {string[]} newsgroups @param {boolean} wanted @param {number} bytes @returns {Slot} */
function slot(index, kind, newsgroups, wanted, bytes) {
  return { index, kind, newsgroups, wanted, bytes };
}

/** What a plan holds, for the report: counts and bytes. @param {Slot[]} plan */
export function describeMix(plan) {
  const wanted = plan.filter((s) => s.wanted);
  return {
    articles: plan.length,
    binaries: plan.filter((s) => s.kind === "binary").length,
    wanted: wanted.length,
    /** Wanted articles filed first under a group the subscription does not match. */
    wantedCrossposts: wanted.filter((s) => s.newsgroups[0] !== WANTED_GROUP).length,
    bytes: plan.reduce((n, s) => n + s.bytes, 0),
  };
}

/**
 * Pure: which of the articles innd accepted the subscription wants, and which it does not.
 * @param {Slot[]} plan @param {string} runId @param {string} phase @param {string[]} accepted
 *   Message-IDs innd accepted (239); one it refused is neither wanted nor unwanted
 */
export function subscriptionSets(plan, runId, phase, accepted) {
  const took = new Set(accepted);
  /** @type {string[]} */
  const wanted = [];
  /** @type {string[]} */
  const unwanted = [];
  for (const s of plan) {
    const id = messageId(runId, phase, s.index);
    if (took.has(id)) (s.wanted ? wanted : unwanted).push(id);
  }
  return { wanted, unwanted };
}

const WORDS =
  "busy server transit feed binaries text posts notify wanted group crosspost innd spool article reader peer".split(
    " ",
  );

/** 8-bit yEnc-like lines (no NUL, CR, LF, '=' or leading '.'), made once per seed. */
const linePools = new Map();
/** @param {number} seed @returns {string[]} */
function yencLines(seed) {
  let pool = linePools.get(seed);
  if (!pool) {
    const r = rng(seed ^ 0x5bd1e995);
    pool = Array.from({ length: 256 }, () => {
      let line = "";
      while (line.length < YENC_LINE) {
        const c = 0x21 + Math.floor(r() * (0x100 - 0x21));
        if (c !== 0x3d && c !== 0x2e) line += String.fromCharCode(c);
      }
      return line;
    });
    linePools.set(seed, pool);
  }
  return pool;
}

/**
 * One article of the mix in NNTP wire format (CRLF, dot-stuffed, ending ".\r\n"; latin1: write it
 * with that encoding). Its size is the slot's `bytes` within one line.
 * @param {string} runId @param {string} phase @param {Slot} s @param {number} seed
 * @returns {{id: string, wire: string}}
 */
export function busyArticle(runId, phase, s, seed) {
  const id = messageId(runId, phase, s.index);
  const i = s.index;
  const name = `busy-${String(i).padStart(6, "0")}.bin`;
  const headers = [
    "Path: bench.peer!not-for-mail",
    `From: Busy Poster ${i % 89} <poster${i % 89}@example.net>`,
    `Newsgroups: ${s.newsgroups.join(",")}`,
    s.kind === "binary"
      ? `Subject: [1/1] - "${name}" yEnc (1/1) ${s.bytes}`
      : `Subject: Busy feed post ${i} (${phase})`,
    `Date: ${new Date().toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: ${id}`,
    "Organization: newsnotify bench",
    "User-Agent: newsnotify-bench/1",
    ...(s.kind === "text" ? ["MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8"] : []),
  ];
  const head = `${headers.join("\r\n")}\r\n\r\n`;
  const room = Math.max(0, s.bytes - head.length - 5); // the ".\r\n" terminator and a margin
  /** @type {string[]} */
  const lines = [];
  if (s.kind === "binary") {
    const pool = yencLines(seed);
    lines.push(`=ybegin part=1 total=1 line=${YENC_LINE} size=${s.bytes} name=${name}`);
    lines.push(`=ypart begin=1 end=${s.bytes}`);
    const n = Math.max(1, Math.floor(room / (YENC_LINE + 2)) - 3);
    for (let l = 0; l < n; l++)
      lines.push(/** @type {string} */ (pool[(i * 31 + l) % pool.length]));
    lines.push(`=yend size=${s.bytes} part=1 pcrc32=00000000`);
  } else {
    let used = 0;
    for (let l = 0; used < room; l++) {
      const words = [];
      for (let w = 0; w < 11; w++) words.push(WORDS[(i + l * 3 + w * 5) % WORDS.length]);
      const line = l === 3 ? ".a line that needs dot-stuffing" : words.join(" ");
      lines.push(line);
      used += line.length + 2;
    }
  }
  const body = lines.map((l) => (l.startsWith(".") ? `.${l}` : l));
  return { id, wire: `${head}${body.join("\r\n")}\r\n.\r\n` };
}
