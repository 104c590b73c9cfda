import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseArticle } from "../../../src/article/parse.js";
import { DeliveryError } from "../../../src/notify/http.js";
import { MqttNotifier, mqttTopic, topicPatternProblem } from "../../../src/notify/mqtt.js";
import { articlePayload } from "../../../src/notify/payload.js";
import { parseServiceUrl } from "../../../src/notify/url.js";
import {
  type Mosquitto,
  type Subscriber,
  startMosquitto,
  subscribe,
} from "../../helpers/servers/mosquitto.js";
import { makeArticle } from "./article-factory.js";

const root = join(import.meta.dirname, "../../..");
const hostile = parseArticle(readFileSync(join(root, "fixtures/articles/hostile.wire")), {
  path: "/var/spool/news/articles/fixture/test/5",
  group: "fixture.test",
  number: 5,
});

describe("topics", () => {
  test.each([
    ["comp.lang.c", undefined, "news/comp/lang/c"],
    ["comp.lang.c", "usenet/{group}", "usenet/comp.lang.c"],
    ["a+b.#c.x/y.\u0000z", undefined, "news/a_b/_c/x_y/_z"],
    ["$SYS.x", "{group}/{number}", "_SYS.x/7"],
  ])("%s with %s → %s", (group, pattern, topic) => {
    expect(mqttTopic(makeArticle({ group, number: 7 }), pattern)).toBe(topic);
  });

  test("patterns that could not be published to are refused", () => {
    expect(topicPatternProblem("news/#")).toMatch(/\+ # or NUL/);
    expect(topicPatternProblem("$SYS/{group}")).toMatch(/\$SYS/);
    expect(topicPatternProblem("news/{grup}")).toMatch(/unknown field/);
    expect(topicPatternProblem("news/{group}")).toBeUndefined();
  });

  test.each([
    ["mqtt://broker.example.net", { url: "mqtt://broker.example.net" }],
    [
      "mqtts://u:p%40w@broker.example.net:8883/usenet/{groupPath}",
      {
        url: "mqtts://broker.example.net:8883",
        username: "u",
        password: "p@w",
        topic: "usenet/{groupPath}",
      },
    ],
  ])("%s", (url, expected) => {
    const r = parseServiceUrl(url);
    expect(r.ok && r.entry).toEqual({ type: "mqtt", ...expected });
  });
});

describe("a real Mosquitto on 127.0.0.1", () => {
  let broker: Mosquitto;
  let sub: Subscriber;
  beforeAll(async () => {
    broker = await startMosquitto();
    sub = await subscribe(broker, "#");
  }, 30_000);
  afterAll(async () => {
    await sub?.close();
    await broker?.close();
  });

  test("QoS 1, retain off, the JSON contract, each article once (auth and TLS)", async () => {
    const auth = new MqttNotifier({
      url: `mqtt://127.0.0.1:${broker.port}`,
      username: broker.user,
      password: broker.password,
    });
    const tls = new MqttNotifier({
      url: `mqtts://localhost:${broker.tlsPort}`,
      ca: broker.ca,
      topic: "tls/{group}",
    });
    const a = makeArticle({ group: "comp.lang.c" });
    const b = makeArticle({ group: "local.test" });
    const before = sub.messages.length;
    await auth.send(a);
    await auth.send(b);
    await tls.send(a);
    // A last article on each connection: once both arrived, a duplicate of any earlier one would
    // have arrived before them (the broker keeps one publisher's QoS 1 messages in order).
    const end = makeArticle({ group: "end.of.test" });
    await auth.send(end);
    await tls.send(end);
    auth.close();
    tls.close();
    await sub.waitFor(before + 5);
    const all = sub.messages.slice(before);
    expect(all).toHaveLength(5);
    const got = all.filter((m) => !m.topic.includes("end"));
    expect(got.map((m) => m.topic)).toEqual([
      "news/comp/lang/c",
      "news/local/test",
      "tls/comp.lang.c",
    ]);
    for (const m of got) {
      expect(m.qos).toBe(1);
      expect(m.retain).toBe(false);
    }
    expect(JSON.parse(got[0]?.payload ?? "")).toEqual(articlePayload(a));
    expect(JSON.parse(got[1]?.payload ?? "")).toEqual(articlePayload(b));
  });

  test("the hostile article: its text is data in the JSON, its group cannot reach a wildcard", async () => {
    const before = sub.messages.length;
    const n = new MqttNotifier({
      url: `mqtt://127.0.0.1:${broker.port}`,
      username: "news",
      password: "s3cret",
    });
    await n.send({ ...hostile, group: "fixture.+.#" });
    n.close();
    const [m] = (await sub.waitFor(before + 1)).slice(before);
    expect(m?.topic).toBe("news/fixture/_/_");
    expect(JSON.parse(m?.payload ?? "")).toEqual(
      articlePayload({ ...hostile, group: "fixture.+.#" }),
    );
  });

  test("a wrong password: a DeliveryError worth a retry, nothing published", async () => {
    const n = new MqttNotifier({
      url: `mqtt://127.0.0.1:${broker.port}`,
      username: "news",
      password: "x",
      timeoutMs: 3000,
    });
    const e = await n.send(makeArticle()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeliveryError);
    expect((e as DeliveryError).permanent).toBe(false);
  });
});
