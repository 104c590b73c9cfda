// @ts-check
/**
 * Pure: the bench's command line → its parameters, every problem reported at once. Also the table of
 * what the harness can measure: which detection modes see which of INN's storage methods.
 *
 *   const o = parseOptions(process.argv.slice(2)); // throws UsageError listing every problem
 */
import { parseArgs } from "node:util";
import { MIX_DEFAULTS } from "./mix.mjs";

/** What is fed: `uniform` text posts in one group (issues 6, 12), or the `busy` mix (issue 22). */
export const FEEDS = /** @type {const} */ (["uniform", "busy"]);

/** newsnotify's `mode:` values the bench passes on. */
export const MODES = /** @type {const} */ (["auto", "kprobe", "tracepoint", "uprobe"]);

/**
 * INN's storage methods the bench's private innd can use. `filePerArticle`: innd creates one file
 * per article (what file-creation tracing and inotifywait can see; timecaf and CNFS write many
 * articles into one file).
 */
export const STORAGE = /** @type {const} */ ({
  tradspool: { filePerArticle: true },
  timehash: { filePerArticle: true },
  timecaf: { filePerArticle: false },
  cnfs: { filePerArticle: false },
});

/** Modes that see an article as innd creating its file (kprobe, tracepoint, and auto: one of them). */
const FILE_CREATION_MODES = new Set(["auto", "kprobe", "tracepoint"]);

export class UsageError extends Error {}

/**
 * Why the harness cannot measure this combination, or null when it can. (Whether newsnotify's build
 * can is its own business: the run's sync phase checks that, see run.mjs.)
 * @param {string} mode @param {string} storage
 */
export function unsupportedCombination(mode, storage) {
  const s = STORAGE[/** @type {keyof typeof STORAGE} */ (storage)];
  if (s && !s.filePerArticle && FILE_CREATION_MODES.has(mode)) {
    return (
      `--mode ${mode} sees articles as files innd creates, and ${storage} keeps no file per ` +
      "article (many articles in one file): nothing to see. Use --mode uprobe with " +
      `--storage ${storage}, or --storage tradspool|timehash with --mode ${mode}.`
    );
  }
  return null;
}

/** @param {string} name @param {string} v */
const share = (name, v) => {
  const n = Number(v);
  return v !== "" && Number.isFinite(n) && n >= 0 && n <= 1
    ? null
    : `--${name}: expected a share between 0 and 1, got ${JSON.stringify(v)}`;
};

const positiveInt = (/** @type {string} */ name, /** @type {string} */ v, min = 1) => {
  const n = Number(v);
  return Number.isInteger(n) && n >= min
    ? null
    : `--${name}: expected an integer ≥ ${min}, got ${JSON.stringify(v)}`;
};

/**
 * @param {string[]} argv the arguments after `node bench/run.mjs`
 * @param {string} defaultOut the results directory when --out is not given
 */
export function parseOptions(argv, defaultOut = "bench/results") {
  /** @type {ReturnType<typeof parseArgs<any>>["values"]} */
  let a;
  try {
    a = parseArgs({
      args: argv,
      strict: true,
      options: {
        articles: { type: "string", default: "2000" },
        rate: { type: "string", default: "0" },
        window: { type: "string", default: "64" },
        runs: { type: "string", default: "3" },
        mode: { type: "string", default: "auto" },
        storage: { type: "string", default: "tradspool" },
        baseline: { type: "boolean", default: false },
        keep: { type: "boolean", default: false },
        label: { type: "string" },
        profile: { type: "string" },
        bin: { type: "string" },
        batch: { type: "string", default: "1" },
        raw: { type: "string" },
        out: { type: "string", default: defaultOut },
        feed: { type: "string", default: "uniform" },
        "without-feed-source": { type: "boolean", default: false },
        "want-share": { type: "string" },
        "binary-share": { type: "string" },
        "crosspost-share": { type: "string" },
        seed: { type: "string" },
      },
    }).values;
  } catch (e) {
    throw new UsageError(/** @type {Error} */ (e).message);
  }
  const problems = [
    positiveInt("articles", a.articles),
    positiveInt("rate", a.rate, 0),
    positiveInt("window", a.window),
    positiveInt("runs", a.runs),
    positiveInt("batch", a.batch),
    MODES.includes(a.mode)
      ? null
      : `--mode: expected one of ${MODES.join(", ")}, got ${JSON.stringify(a.mode)}`,
    a.storage in STORAGE
      ? null
      : `--storage: expected one of ${Object.keys(STORAGE).join(", ")}, got ${JSON.stringify(a.storage)}`,
    FEEDS.includes(a.feed)
      ? null
      : `--feed: expected one of ${FEEDS.join(", ")}, got ${JSON.stringify(a.feed)}`,
    ...mixProblems(a),
  ].filter((p) => p !== null);
  if (problems.length === 0) {
    const why = unsupportedCombination(a.mode, a.storage);
    if (why) problems.push(why);
  }
  if (a.label !== undefined && !/^[A-Za-z0-9._-]+$/.test(a.label)) {
    problems.push("--label: letters, digits, '.', '_' and '-' only (it names files)");
  }
  if (problems.length) throw new UsageError(problems.join("\n"));

  const params = {
    articles: Number(a.articles),
    rate: Number(a.rate),
    window: Number(a.window),
    runs: Number(a.runs),
    mode: /** @type {(typeof MODES)[number]} */ (a.mode),
    storage: /** @type {keyof typeof STORAGE} */ (a.storage),
    baseline: Boolean(a.baseline),
    bin: a.bin ?? null,
    batch: Number(a.batch),
    feed: /** @type {(typeof FEEDS)[number]} */ (a.feed),
    ...(a.feed === "busy" ? { mix: mixOf(a) } : {}),
    feedSource: !a["without-feed-source"],
  };
  return {
    params,
    label: a.label ?? defaultLabel(params),
    out: /** @type {string} */ (a.out),
    raw: /** @type {string | undefined} */ (a.raw),
    profile: /** @type {string | undefined} */ (a.profile),
    keep: Boolean(a.keep),
  };
}

const MIX_FLAGS = /** @type {const} */ ([
  ["want-share", "wantShare"],
  ["binary-share", "binaryShare"],
  ["crosspost-share", "crosspostShare"],
]);

/** The busy feed's options: shares in [0, 1] that fit together, only with --feed busy. @param {any} a */
function mixProblems(a) {
  const given = [...MIX_FLAGS.map(([flag]) => flag), "seed"].filter((f) => a[f] !== undefined);
  if (a.feed !== "busy") return given.map((f) => `--${f}: applies to --feed busy only`);
  const problems = MIX_FLAGS.map(([flag]) => (a[flag] === undefined ? null : share(flag, a[flag])));
  if (a.seed !== undefined) problems.push(positiveInt("seed", a.seed, 0));
  if (problems.every((p) => p === null)) {
    const m = mixOf(a);
    if (m.wantShare + m.binaryShare > 1)
      problems.push("--want-share + --binary-share: more than 1 (wanted articles are text posts)");
  }
  return problems;
}

/** @param {any} a @returns {import("./mix.mjs").MixOptions} */
function mixOf(a) {
  const m = { ...MIX_DEFAULTS };
  for (const [flag, key] of MIX_FLAGS) if (a[flag] !== undefined) m[key] = Number(a[flag]);
  if (a.seed !== undefined) m.seed = Number(a.seed);
  return m;
}

/**
 * burst-N or paced-R-N (busy-N, busy-paced-R-N for the busy feed), then what differs from the
 * defaults: -batchN, -<mode>, -<storage>, -nofeedsource.
 * @param {{articles: number, rate: number, batch: number, mode: string, storage: string,
 *   feed?: string, feedSource?: boolean}} p
 */
export function defaultLabel(p) {
  return (
    (p.feed === "busy" ? "busy-" : "") +
    (p.rate
      ? `paced-${p.rate}-${p.articles}`
      : p.feed === "busy"
        ? `${p.articles}`
        : `burst-${p.articles}`) +
    (p.batch > 1 ? `-batch${p.batch}` : "") +
    (p.mode !== "auto" ? `-${p.mode}` : "") +
    (p.storage !== "tradspool" ? `-${p.storage}` : "") +
    (p.feedSource === false ? "-nofeedsource" : "")
  );
}
