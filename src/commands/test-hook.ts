import { realpath } from "node:fs/promises";
import { dirname } from "node:path";
import type { Article } from "../article/article.js";
import { loadSetup, type Setup, storageContext } from "../flow/setup.js";
import { buildNotifiers } from "../notify/build.js";
import { DeliveryError } from "../notify/http.js";
import type { Notifier } from "../notify/notifier.js";
import { articlePayload } from "../notify/payload.js";
import { type LoadOptions, parseStoredInThread, readStored } from "../storage/load.js";
import type { StoredRef } from "../storage/method.js";
import { ParseThread } from "../storage/parse-thread.js";
import type { StoredArticle } from "../storage/read.js";
import { storedAtPath, storedByToken } from "../storage/registry.js";
import { errorMessage, UserError } from "../util/errors.js";

export interface TestHookOptions {
  file: string;
  config?: string;
  send: boolean;
  out: NodeJS.WritableStream;
}

/**
 * `newsnotify test-hook FILE|TOKEN`: a dry run on one stored article: the parsed article, then what each
 * notifier would send. With `send`, really sends and reports each result. Returns false on a failure.
 */
export async function testHook(opts: TestHookOptions): Promise<boolean> {
  const setup = await loadSetup(opts.config);
  const { config } = setup;
  const { ref, stored } = TOKEN.test(opts.file)
    ? await byToken(opts.file, setup)
    : await byFile(opts.file, setup);
  // In the parse thread, with its budget, as watch parses it.
  const thread = new ParseThread();
  const name = ref.path ?? ref.token;
  let article: Article;
  try {
    const parsed = await parseStoredInThread(ref, stored, config.snippetChars, thread);
    if (parsed.overBudget)
      process.stderr.write(`${name}: body not parsed (${parsed.overBudget}); header only\n`);
    article = parsed.article;
  } finally {
    await thread.close();
  }

  const out = opts.out;
  out.write(`article ${name}\n${JSON.stringify(articlePayload(article), null, 2)}\n`);
  // Notifiers print to our stream too, so that a stdout notifier's line shows in the dry run.
  const notifiers = buildNotifiers(config.notifiers, { stdout: out });
  return reportNotifiers(article, notifiers, opts);
}

const TOKEN = /^@[0-9A-Fa-f]{36}@$/;

type Stored = Pick<StoredArticle, "raw" | "bytes" | "truncated">;

/**
 * A file: in the spool (its method says where it was filed), or a saved copy (its Xref says), read
 * through storage/load.ts as watch reads it. A saved copy is outside the spool: the user named it,
 * so its own directory stands for the spool in the "inside the spool" check.
 */
async function byFile(file: string, setup: Setup): Promise<{ ref: StoredRef; stored: Stored }> {
  try {
    const path = await realpath(file);
    const ref = storedAtPath(path, { spool: setup.spool }) ?? {
      method: null,
      path,
      token: null,
      group: null,
      number: null,
    };
    const spool = ref.method === null ? dirname(path) : setup.spool;
    return { ref, stored: await readStored(ref, loadOptions(setup, spool)) };
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${errorMessage(e)}`);
  }
}

/** An INN token (`grephistory '<msgid>'` prints it): read as watch reads it, for every method. */
async function byToken(token: string, setup: Setup): Promise<{ ref: StoredRef; stored: Stored }> {
  const ctx = storageContext(setup);
  try {
    const ref = await storedByToken(token.toUpperCase(), ctx);
    const stored = await readStored(ref, loadOptions(setup, setup.spool, ctx.tokenReader));
    return { ref, stored };
  } catch (e) {
    throw new UserError(`cannot read the article stored as ${token}: ${errorMessage(e)}`);
  }
}

/** The article is already stored whole: read it at once, within the config's size. */
function loadOptions(setup: Setup, spool: string, tokenReader?: LoadOptions["tokenReader"]) {
  const { config } = setup;
  return {
    spool,
    read: { maxBytes: config.maxArticleBytes, timeoutMs: config.completeTimeoutMs, stored: true },
    snippetChars: config.snippetChars,
    tokenReader,
  } satisfies LoadOptions;
}

/**
 * For each notifier: whether the article routes to it (and why not), the exact payload, and with
 * `send` the result of one real attempt. Returns false when a send failed.
 */
export async function reportNotifiers(
  article: Article,
  notifiers: Notifier[],
  opts: Pick<TestHookOptions, "send" | "out">,
): Promise<boolean> {
  const { out } = opts;
  let ok = true;
  let routed = 0;
  for (const n of notifiers) {
    const decision = n.route?.(article) ?? { send: true };
    if (!decision.send) {
      out.write(`\n== ${n.label}\nnot routed: ${decision.reason}\n`);
      continue;
    }
    routed++;
    out.write(`\n== ${n.label}\nwould send:\n${JSON.stringify(n.preview(article), null, 2)}\n`);
    if (!opts.send) continue;
    try {
      await n.send(article, AbortSignal.timeout(60_000));
      out.write("sent: ok\n");
    } catch (e) {
      ok = false;
      const what =
        e instanceof DeliveryError && e.permanent ? " (refused: watch would drop it)" : "";
      out.write(`sent: FAILED: ${errorMessage(e)}${what}\n`);
    }
  }
  out.write(`\nroutes to ${routed} of ${notifiers.length} notifier(s)\n`);
  if (!opts.send) out.write("(dry run: nothing sent; add --send to send)\n");
  return ok;
}
