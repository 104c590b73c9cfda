/**
 * The parse thread's entry (see parse-thread.ts): articles in, Articles out, one at a time. Never
 * imported by the main thread; a separate file so that the thread loads only the parser.
 */
import { parentPort } from "node:worker_threads";
import { ArticleParseError, type ParseOptions, parseArticle } from "../article/parse.js";
import type { ParseReply, ParseRequest } from "./parse-thread.js";

const port = parentPort;
if (!port) throw new Error("parse-thread-main runs in a worker thread only");
port.on("message", ({ id, raw, opts }: ParseRequest) => {
  let reply: ParseReply;
  try {
    reply = {
      id,
      article: parseArticle(
        Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength),
        opts as ParseOptions,
      ),
    };
  } catch (e) {
    reply =
      e instanceof ArticleParseError ? { id, unparsable: e.reason } : { id, failed: String(e) };
  }
  port.postMessage(reply);
});
