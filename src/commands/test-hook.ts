import { readFile, realpath } from "node:fs/promises";
import type { Article } from "../article/article.js";
import { loadSetup } from "../flow/setup.js";
import { buildNotifiers } from "../notify/build.js";
import { DeliveryError } from "../notify/http.js";
import type { Notifier } from "../notify/notifier.js";
import { articlePayload } from "../notify/payload.js";
import { parseStored } from "../storage/load.js";
import { storedAtPath } from "../storage/registry.js";
import { errorMessage, UserError } from "../util/errors.js";

export interface TestHookOptions {
  file: string;
  config?: string;
  send: boolean;
  out: NodeJS.WritableStream;
}

/**
 * `newsnotify test-hook FILE`: a dry run on one stored article: the parsed article, then what each
 * notifier would send. With `send`, really sends and reports each result. Returns false on a failure.
 */
export async function testHook(opts: TestHookOptions): Promise<boolean> {
  const setup = await loadSetup(opts.config);
  const { config } = setup;
  let raw: Buffer;
  let path: string;
  try {
    path = await realpath(opts.file);
    raw = await readFile(path);
  } catch (e) {
    throw new UserError(`cannot read ${opts.file}: ${errorMessage(e)}`);
  }
  const truncated = raw.length > config.maxArticleBytes;
  // Outside the spool (a saved copy), the first Xref entry says where innd filed it.
  const ref = storedAtPath(path, { spool: setup.spool }) ?? {
    method: null,
    path,
    token: null,
    group: null,
    number: null,
  };
  const stored = {
    raw: truncated ? raw.subarray(0, config.maxArticleBytes) : raw,
    bytes: raw.length,
    truncated,
  };
  const article = parseStored(ref, stored, config.snippetChars);

  const out = opts.out;
  out.write(`article ${path}\n${JSON.stringify(articlePayload(article), null, 2)}\n`);
  // Notifiers print to our stream too, so that a stdout notifier's line shows in the dry run.
  const notifiers = buildNotifiers(config.notifiers, { stdout: out });
  return reportNotifiers(article, notifiers, opts);
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
