/** `newsnotify watch | head -n1`: the reader goes away; the stdout notifier fails alone, once. */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { expect, test } from "vitest";
import type { Article } from "../../../src/article/article.js";
import { Dispatcher } from "../../../src/delivery/dispatcher.js";
import type { Notifier } from "../../../src/notify/notifier.js";
import { StdoutNotifier } from "../../../src/notify/stdout.js";
import { makeArticle } from "./article-factory.js";

test("EPIPE on stdout: no crash, one log line, the other notifier gets every article", async () => {
  const head = spawn("head", ["-n1"], { stdio: ["pipe", "ignore", "ignore"] });
  const got: string[] = [];
  const other: Notifier = {
    label: "capture",
    preview: () => null,
    send: async (a: Article) => {
      got.push(a.messageId);
    },
  };
  const log: string[] = [];
  const dispatcher = new Dispatcher(
    [new StdoutNotifier({ stream: head.stdin as NodeJS.WritableStream }), other],
    { log: (l) => log.push(l), retry: { initialMs: 10, maxMs: 50 } },
  );
  const articles = Array.from({ length: 40 }, () => makeArticle());
  dispatcher.dispatch(articles[0] as Article);
  await once(head, "exit"); // it read its one line and left: the pipe has no reader now
  for (const a of articles.slice(1)) dispatcher.dispatch(a);
  expect(await dispatcher.drain(5000)).toBe(0);
  await dispatcher.close();
  expect(got).toEqual(articles.map((a) => a.messageId));
  const about = log.filter((l) => /stdout/.test(l));
  expect(about).toHaveLength(1);
  console.log(about[0]);
  expect(about[0]).toMatch(
    /stdout is closed \((EPIPE|ERR_STREAM_DESTROYED)[^)]*: its reader went away\)/,
  );
});
