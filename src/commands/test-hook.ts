import { readFile, realpath } from "node:fs/promises";
import type { Article } from "../article/article.js";
import { loadSetup, type Setup, storageContext } from "../flow/setup.js";
import { buildNotifiers } from "../notify/build.js";
import { DeliveryError } from "../notify/http.js";
import type { Notifier } from "../notify/notifier.js";
import { articlePayload } from "../notify/payload.js";
import { parseStoredInThread, readStored } from "../storage/load.js";
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

/** A file: in the spool (its method says where it was filed), or a saved copy (its Xref says). */
async function byFile(file: string, setup: Setup): Promise<{ ref: StoredRef; stored: Stored }> {
  const max = setup.config.maxArticleBytes;
  let raw: Buffer;
  let path: string;
  try {
    path = await realpath(file);
    raw = await readFile(path);
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${errorMessage(e)}`);
  }
  const ref = storedAtPath(path, { spool: setup.spool }) ?? {
    method: null,
    path,
    token: null,
    group: null,
    number: null,
  };
  const truncated = raw.length > max;
  return {
    ref,
    stored: { raw: truncated ? raw.subarray(0, max) : raw, bytes: raw.length, truncated },
  };
}

/** An INN token (`grephistory '<msgid>'` prints it): read as watch reads it, for every method. */
async function byToken(token: string, setup: Setup): Promise<{ ref: StoredRef; stored: Stored }> {
  const ctx = storageContext(setup);
  try {
    const ref = await storedByToken(token.toUpperCase(), ctx);
    const stored = await readStored(ref, {
      spool: setup.spool,
      read: { maxBytes: setup.config.maxArticleBytes, timeoutMs: setup.config.completeTimeoutMs },
      snippetChars: setup.config.snippetChars,
      tokenReader: ctx.tokenReader,
    });
    return { ref, stored };
  } catch (e) {
    throw new UserError(`cannot read the article stored as ${token}: ${errorMessage(e)}`);
  }
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
