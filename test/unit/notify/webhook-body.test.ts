/**
 * A receiver whose answer's body never ends (or is huge): the status line decides. 2xx is delivered
 * once the status and headers are in; an error status is reported as itself, not as "no answer".
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, test } from "vitest";
import { sendHttpNode } from "../../../src/notify/http-node.js";

let server: Server | null = null;
const timers = new Set<NodeJS.Timeout>();
afterEach(async () => {
  for (const t of timers) clearInterval(t);
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = null;
});

/** Answers `status` and then writes a chunk every 20 ms for ever. */
async function endless(status: number): Promise<{ url: string; requests: () => number }> {
  let n = 0;
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      n++;
      res.writeHead(status, { "content-type": "text/plain" });
      res.write("x".repeat(100));
      const t = setInterval(() => res.write("still going "), 20);
      timers.add(t);
      res.on("close", () => clearInterval(t));
    });
  });
  await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, requests: () => n };
}

// Generous: a request that waited for the endless body would end in this timeout's error instead.
const post = (url: string, timeoutMs = 10_000) =>
  sendHttpNode({ method: "POST", url, json: { messageId: "<b@x>" } }, { timeoutMs });

test("200 whose body never ends: delivered at once, not a timeout; the next request still goes", async () => {
  const rx = await endless(200);
  await expect(post(rx.url)).resolves.toBeUndefined();
  await post(rx.url);
  expect(rx.requests()).toBe(2);
});

test("503 whose body never ends: reported as HTTP 503 with the start of its body, not 'no answer'", async () => {
  const rx = await endless(503);
  // An error's body is read until the timeout at the most: a short one keeps the test short.
  const e = (await post(rx.url, 1500).catch((x: unknown) => x)) as Error;
  expect(e.message).toMatch(
    /^HTTP 503 Service Unavailable from http:\/\/127\.0\.0\.1:\d+\/hook: x{100}/,
  );
});
