import { afterEach, beforeEach, expect, test } from "vitest";
import { matrixContent, matrixNotifier, matrixTxnId } from "../../../src/notify/matrix.js";
import { type Receiver, startReceiver } from "../../helpers/receiver.js";
import { matrixInjection, validateMatrix } from "../../helpers/receivers/matrix.js";
import { makeArticle, makeLongArticle } from "./article-factory.js";

let rx: Receiver;
beforeEach(async () => {
  rx = await startReceiver();
});
afterEach(() => rx.close());

const ROOM = "!AbCdEf:example.org";
const TOKEN = "syt_secret";

test("PUTs an m.room.message with plain and HTML bodies and no mentions", async () => {
  const a = makeArticle({ subject: "Release 2.0", messageId: "<r2@example.net>" });
  await matrixNotifier({ url: `${rx.url}/`, room: ROOM, accessToken: TOKEN }).send(a);
  const [req] = await rx.waitFor(1);
  if (!req) throw new Error("no request");
  expect(validateMatrix(req, ROOM, TOKEN)).toEqual([]);
  expect(matrixInjection(req, "news:r2%40example.net", ["b", "br", "a"])).toEqual([]);
  expect(req.path).toBe(
    `/_matrix/client/v3/rooms/!AbCdEf%3Aexample.org/send/m.room.message/${matrixTxnId(ROOM, a.messageId)}`,
  );
  expect(req.body).toMatchObject({
    msgtype: "m.text",
    format: "org.matrix.custom.html",
    "m.mentions": {},
  });
  expect((req.body as { formatted_body: string }).formatted_body).toMatch(
    /^<b>Release 2\.0<\/b><br>/,
  );
});

test("the same article gets the same transaction ID (a retry is deduplicated), another gets another", () => {
  expect(matrixTxnId(ROOM, "<a@x>")).toBe(matrixTxnId(ROOM, "<a@x>"));
  expect(matrixTxnId(ROOM, "<a@x>")).not.toBe(matrixTxnId(ROOM, "<b@x>"));
  expect(matrixTxnId(ROOM, "<a@x>")).toMatch(/^newsnotify-[0-9a-f]{32}$/);
});

test("only a plain template: no formatted_body; m.notice on request", () => {
  const c = matrixContent(makeArticle({ subject: "S" }), {
    template: "{subject}",
    msgtype: "m.notice",
  });
  expect(c).toEqual({ msgtype: "m.notice", body: "S", "m.mentions": {} });
});

test("a huge article stays within the event size", async () => {
  await matrixNotifier({ url: rx.url, room: ROOM, accessToken: TOKEN }).send(makeLongArticle());
  const [req] = await rx.waitFor(1);
  expect(validateMatrix(req as never, ROOM, TOKEN)).toEqual([]);
});

test("the label shows the server and room, never the token", () => {
  const n = matrixNotifier({ url: "https://matrix.example.org", room: ROOM, accessToken: TOKEN });
  expect(n.label).toBe(`matrix https://matrix.example.org/ ${ROOM}`);
});
