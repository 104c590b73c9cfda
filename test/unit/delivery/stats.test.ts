/** The delivery layer feeds the watcher's counters: deliveries, failed attempts, drops, latency. */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import type { Article } from "../../../src/article/article.js";
import { Dispatcher } from "../../../src/delivery/dispatcher.js";
import { LocalQueue } from "../../../src/delivery/local-queue.js";
import { RecordedNotifier } from "../../../src/delivery/recorded.js";
import { DeliveryError } from "../../../src/notify/http.js";
import type { Notifier } from "../../../src/notify/notifier.js";
import { Outbox } from "../../../src/state/outbox.js";
import { Stats } from "../../../src/stats/stats.js";
import { makeArticle } from "../notify/article-factory.js";

/** Answers each send with the next outcome: "ok", a retryable failure, or a refusal. */
function scripted(outcomes: ("ok" | "503" | "400")[]): Notifier {
  return {
    label: "scripted http://127.0.0.1/x",
    preview: () => null,
    send: async () => {
      const o = outcomes.shift() ?? "ok";
      if (o === "503") throw new DeliveryError("HTTP 503 Service Unavailable", false);
      if (o === "400") throw new DeliveryError("HTTP 400 Bad Request\nsecond line", true);
    },
  };
}

it.each([
  ["delivered at once", ["ok"], { delivered: 1, failed: 0, dropped: 0, failing: false }],
  [
    "after two failures",
    ["503", "503", "ok"],
    { delivered: 1, failed: 2, dropped: 0, failing: false },
  ],
  ["refused for good", ["400"], { delivered: 0, failed: 1, dropped: 1, failing: true }],
] as const)("%s", async (_name, outcomes, want) => {
  const outbox = await Outbox.open(await mkdtemp(join(tmpdir(), "newsnotify-dstats-")));
  const stats = new Stats();
  stats.configure([{ target: "t", label: "scripted http://127.0.0.1/x" }]);
  stats.backlogFrom(() => outbox.pendingByTarget());
  const n = new RecordedNotifier(scripted([...outcomes]), "t", stats);
  const article: Article = makeArticle({ messageId: "<d@x>" });
  stats.seen(article, "trace");
  await outbox.admit(["t"], article);
  expect(stats.snapshot().backlog).toEqual({ t: 1 });
  const queue = new LocalQueue(outbox);
  const d = new Dispatcher([n], {
    log: () => {},
    retry: { initialMs: 1, maxMs: 2 },
    queue: { queue, targets: ["t"] },
  });
  expect(await d.drain(5000)).toBe(0);
  await d.close();
  const [s] = stats.snapshot().notifiers;
  expect({
    delivered: s?.delivered,
    failed: s?.failed,
    dropped: s?.dropped,
    failing: s?.failingSince !== null,
  }).toEqual(want);
  expect(s?.latency.count).toBe(want.delivered);
  if (want.failed > 0) expect(s?.lastError?.message).not.toContain("\n");
  expect(stats.snapshot().backlog).toEqual({ t: 0 });
  await outbox.close();
});
