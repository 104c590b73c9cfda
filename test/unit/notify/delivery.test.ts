/** Delivery manners, once for every HTTP notifier: timeouts, retries, Retry-After, permanent 4xx, rate limits, routes. */
import { afterEach, beforeEach, expect, test } from "vitest";
import { Dispatcher } from "../../../src/delivery/dispatcher.js";
import { buildNotifiers } from "../../../src/notify/build.js";
import { DeliveryError, isPermanent, sendHttp } from "../../../src/notify/http.js";
import type { NotifierConfig } from "../../../src/notify/registry.js";
import { type Receiver, startReceiver } from "../../helpers/receiver.js";
import { makeArticle } from "./article-factory.js";

let rx: Receiver;
beforeEach(async () => {
  rx = await startReceiver();
});
afterEach(() => rx.close());

const FAST = { initialMs: 20, maxMs: 100 };
const slack = (over: Partial<NotifierConfig> = {}) =>
  ({
    type: "slack",
    url: `${rx.url}/hook`,
    timeoutMs: 2000,
    rateLimitPerSecond: 0,
    ...over,
  }) as NotifierConfig;

function dispatcher(entries: NotifierConfig[], log: string[] = []) {
  return new Dispatcher(buildNotifiers(entries), { log: (l) => log.push(l), retry: FAST });
}

test("429 with Retry-After: 1 → waits at least 1 s, then delivers once", async () => {
  rx.reply({ status: 429, headers: { "retry-after": "1" } });
  const log: string[] = [];
  const d = dispatcher([slack()], log);
  d.dispatch(makeArticle());
  expect(await d.drain(30_000)).toBe(0);
  const [first, second] = rx.requests;
  expect(rx.requests.map((r) => r.status)).toEqual([429, 200]);
  expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  expect(log[0]).toMatch(
    /attempt 1 failed: HTTP 429 Too Many Requests .*; retrying in 1s \(as the service asked\)$/,
  );
  await d.close();
});

test("429 with Discord's JSON retry_after (seconds, fractional) and no header", async () => {
  rx.reply({
    status: 429,
    body: '{"message":"You are being rate limited.","retry_after":0.4,"global":false}',
  });
  const d = dispatcher([
    { type: "discord", url: `${rx.url}/api/webhooks/1/t`, timeoutMs: 2000, rateLimitPerSecond: 0 },
  ]);
  d.dispatch(makeArticle());
  expect(await d.drain(30_000)).toBe(0);
  const [first, second] = rx.requests;
  expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(400);
  await d.close();
});

test("503, 503, 200 → one delivery after two retries", async () => {
  rx.reply(503, 503);
  const log: string[] = [];
  const d = dispatcher([slack()], log);
  d.dispatch(makeArticle());
  expect(await d.drain(30_000)).toBe(0);
  expect(rx.requests.map((r) => r.status)).toEqual([503, 503, 200]);
  expect(log.at(-1)).toMatch(/delivered .* on attempt 3$/);
  await d.close();
});

test("400 → not retried: logged as dropped, and the next article goes through", async () => {
  rx.reply({ status: 400, body: "invalid_blocks" });
  const log: string[] = [];
  const d = dispatcher([slack()], log);
  const bad = makeArticle();
  d.dispatch(bad);
  d.dispatch(makeArticle());
  expect(await d.drain(30_000)).toBe(0);
  expect(rx.requests.map((r) => r.status)).toEqual([400, 200]);
  expect(log).toEqual([
    `slack ${rx.url}/hook: attempt 1 failed: HTTP 400 Bad Request from ${rx.url}/hook: invalid_blocks; dropped ${bad.messageId} (refused: not retried)`,
  ]);
  await d.close();
});

test.each([
  [400, true],
  [401, true],
  [403, true],
  [404, true],
  [410, true],
  [413, true],
  [408, false],
  [429, false],
  [500, false],
  [502, false],
  [503, false],
])("HTTP %i permanent: %s", async (status, permanent) => {
  expect(isPermanent(status)).toBe(permanent);
  rx.reply(status);
  const error = await sendHttp(
    { method: "POST", url: rx.url, json: {} },
    { timeoutMs: 2000 },
  ).catch((e) => e);
  expect(error).toBeInstanceOf(DeliveryError);
  expect((error as DeliveryError).permanent).toBe(permanent);
  expect((error as DeliveryError).status).toBe(status);
});

test("503 with Retry-After is honoured too", async () => {
  rx.reply({ status: 503, headers: { "retry-after": "2" } });
  const error = (await sendHttp(
    { method: "POST", url: rx.url, json: {} },
    { timeoutMs: 2000 },
  ).catch((e) => e)) as DeliveryError;
  expect(error.retryAfterMs).toBe(2000);
});

test("a timeout and a refused connection are retryable", async () => {
  rx.reply({ status: 200, delayMs: 2000 });
  const slow = (await sendHttp({ method: "PUT", url: rx.url, json: {} }, { timeoutMs: 100 }).catch(
    (e) => e,
  )) as DeliveryError;
  expect([slow.permanent, slow.message]).toEqual([
    false,
    `no answer from ${rx.url}/ within 100 ms`,
  ]);
  const url = rx.url;
  await rx.close();
  const refused = (await sendHttp({ method: "POST", url, json: {} }, { timeoutMs: 1000 }).catch(
    (e) => e,
  )) as DeliveryError;
  expect([refused.permanent, refused.message]).toEqual([
    false,
    `cannot reach ${url}/: ECONNREFUSED`,
  ]);
});

test("rate limit: sends to one target are spaced, across notifiers sharing it", async () => {
  const d = dispatcher([
    slack({ rateLimitPerSecond: 5 }),
    slack({ rateLimitPerSecond: 10, template: "{subject}" }),
  ]);
  const start = Date.now();
  d.dispatch(makeArticle());
  d.dispatch(makeArticle());
  expect(await d.drain(30_000)).toBe(0);
  const times = rx.requests.map((r) => r.at).sort((a, b) => a - b);
  expect(times).toHaveLength(4);
  // The pacer sits on the send path: the 4th send's slot is 3 intervals of the stricter limit (5/s)
  // after the first, so it cannot arrive sooner than that after the dispatch. Measured from the
  // dispatch, not the first arrival, which a slow TCP connect delays (440 ms apart seen under load).
  // The slots themselves: pace.test.ts, on a fake clock.
  expect((times[3] ?? 0) - start).toBeGreaterThanOrEqual(3 * 200 - 1);
  await d.close();
});

test("Slack defaults to about one message per second", async () => {
  const d = dispatcher([slack({ rateLimitPerSecond: undefined })]);
  const start = Date.now();
  d.dispatch(makeArticle());
  d.dispatch(makeArticle());
  expect(await d.drain(30_000)).toBe(0);
  const [, b] = rx.requests;
  // The second send's slot is 1 s after the first's: it cannot arrive sooner after the dispatch
  // (arrivals alone are closer by the first request's TCP connect: 806 ms apart once under load).
  expect((b?.at ?? 0) - start).toBeGreaterThanOrEqual(1000 - 1);
  await d.close();
});

test("an article the route does not want is a successful no-op: nothing is sent", async () => {
  const [n] = buildNotifiers([slack({ groups: "comp.*" })]);
  if (!n) throw new Error("no notifier");
  await n.send(makeArticle({ newsgroups: ["misc.test"] }));
  await n.send(makeArticle({ newsgroups: ["comp.lang.c"] }));
  await rx.waitFor(1);
  expect(rx.requests).toHaveLength(1);
  expect(n.route?.(makeArticle({ newsgroups: ["misc.test"] }))).toEqual({
    send: false,
    reason: "groups: no match",
  });
});
