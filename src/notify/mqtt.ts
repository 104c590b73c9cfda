/**
 * MQTT (the `mqtt` package): the JSON contract, one message per article, to a topic made from the
 * article's group by a pattern; QoS 1 (the send resolves on the broker's PUBACK), retain off. Nothing
 * from the article reaches a topic unmade-safe: no wildcard (+ #), no NUL, no extra level.
 */
import { readFileSync } from "node:fs";
import type { MqttClient } from "mqtt";
import { z } from "zod";
import type { Article } from "../article/article.js";
import { printable } from "../util/printable.js";
import { defineNotifier, type OptionsOf, type ServiceUrl } from "./definition.js";
import { pemFile } from "./email.js";
import { parseTemplate } from "./format/template.js";
import { DeliveryError } from "./http.js";
import type { Notifier } from "./notifier.js";
import { payloadJson } from "./payload.js";
import { http, routing } from "./schema-parts.js";
import { fail, hostPort, password, user } from "./url-parts.js";

/** `{group}` as filed (dots kept), `{groupPath}` with dots as topic levels (comp/lang/c). */
export const MQTT_TOPIC = "news/{groupPath}";
export const TOPIC_FIELDS = ["group", "groupPath", "number"] as const;

/**
 * MQTT 3.1.1 4.7 / 5.0 4.7: + and # are wildcards (not allowed in a published topic), NUL is forbidden,
 * a topic is UTF-8 of at most 65535 bytes. From a group name we also take out "/" (it would add a level)
 * and control characters; a leading "$" (topics the broker reserves, $SYS) cannot occur below a prefix.
 */
export function topicSafe(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters have no place in a topic
  return text.replace(/[+#/\u0000-\u001f\u007f-\u009f]/g, "_").replace(/^\$/, "_") || "_";
}

export function mqttTopic(a: Article, pattern: string = MQTT_TOPIC): string {
  const group = topicSafe(a.group);
  const values: Record<string, string> = {
    group,
    groupPath: a.group.split(".").map(topicSafe).join("/"),
    number: String(a.number),
  };
  return parseTemplate(pattern, TOPIC_FIELDS)
    .map((p) => ("literal" in p ? p.literal : (values[p.field] ?? "")))
    .join("");
}

/** Why a topic pattern is unusable, or undefined (for the config schema). */
export function topicPatternProblem(pattern: string): string | undefined {
  try {
    parseTemplate(pattern, TOPIC_FIELDS);
  } catch (e) {
    return (e as Error).message;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is forbidden in a topic
  if (/[+#\u0000]/.test(pattern)) return "a topic to publish to may not contain + # or NUL";
  if (pattern.startsWith("$")) return "topics starting with $ are the broker's ($SYS)";
  return undefined;
}

const topicPattern = z
  .string()
  .superRefine((value, ctx) => {
    const message = topicPatternProblem(value);
    if (message) ctx.addIssue({ code: "custom", message, input: value });
  })
  .describe("Topic pattern with {group}, {groupPath}, {number}; default news/{groupPath}.");

const schema = z
  .strictObject({
    type: z.literal("mqtt"),
    url: z
      .url({
        protocol: /^(mqtts?|wss?)$/,
        error: "expected an mqtt://, mqtts://, ws:// or wss:// URL",
      })
      .describe("The broker, e.g. mqtts://broker.example.net (port 1883, or 8883 for mqtts)."),
    topic: topicPattern.optional(),
    username: z.string().min(1).optional().describe("User name for the broker."),
    password: z.string().optional().describe("Password for the broker. Never logged."),
    ca: pemFile.optional(),
    clientId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,23}$/, "expected 1-23 letters, digits, _ or - (MQTT 3.1.1 3.1.3.1)")
      .optional()
      .describe("Client identifier; default newsnotify-<pid>-<random>."),
    ...http,
    ...routing,
  })
  .describe("MQTT: the JSON contract to a topic per group, QoS 1.");

export type MqttOptions = OptionsOf<typeof schema>;

export const definition = defineNotifier({
  type: "mqtt",
  schema,
  create: (options) => new MqttNotifier(options),
  urls: { mqtt: mqttUrl, mqtts: mqttUrl },
  paceKey: (o) => `${o.url} ${o.topic ?? MQTT_TOPIC}`,
  presentation: ["topic"],
});

type MqttModule = typeof import("mqtt");
let mqttModule: Promise<MqttModule> | undefined;
const loadMqtt = () => {
  mqttModule ??= import("mqtt");
  return mqttModule;
};

export class MqttNotifier implements Notifier {
  readonly label: string;
  #client: Promise<MqttClient> | undefined;

  constructor(readonly options: MqttOptions) {
    const u = new URL(options.url);
    this.label = `mqtt ${u.protocol}//${u.host}`;
  }

  preview(article: Article): unknown {
    return {
      topic: mqttTopic(article, this.options.topic),
      qos: 1,
      retain: false,
      payload: JSON.parse(payloadJson(article)),
    };
  }

  #connect(): Promise<MqttClient> {
    this.#client ??= this.#open().catch((e: unknown) => {
      this.#client = undefined;
      throw e;
    });
    return this.#client;
  }

  async #open(): Promise<MqttClient> {
    const o = this.options;
    const { connect } = await loadMqtt();
    const timeoutMs = o.timeoutMs ?? 10_000;
    const client = connect(o.url, {
      ...(o.username !== undefined ? { username: o.username, password: o.password ?? "" } : {}),
      ...(o.ca ? { ca: readFileSync(o.ca) } : {}),
      clientId: o.clientId ?? `newsnotify-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
      clean: true,
      connectTimeout: timeoutMs,
      // We reconnect on the next send ourselves (the dispatcher's retries space the attempts out);
      // no keep-alive timer either, so that an idle connection never keeps newsnotify running.
      reconnectPeriod: 0,
      keepalive: 0,
    });
    return new Promise((resolve, reject) => {
      const fail = (e: Error) => {
        client.end(true);
        reject(new DeliveryError(`cannot reach ${this.label}: ${printable(e.message)}`, false));
      };
      client.once("error", fail);
      client.once("close", () => fail(new Error("connection closed")));
      client.once("connect", () => {
        client.removeAllListeners("error");
        client.removeAllListeners("close");
        const socket = client.stream as {
          unref?: () => void;
          setKeepAlive?: (on: boolean, ms: number) => void;
        };
        socket.setKeepAlive?.(true, 60_000);
        socket.unref?.();
        client.on("error", () => this.#forget(client));
        client.on("close", () => this.#forget(client));
        resolve(client);
      });
    });
  }

  #forget(client: MqttClient): void {
    client.end(true);
    this.#client = undefined;
  }

  async send(article: Article, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const client = await this.#connect();
    const topic = mqttTopic(article, this.options.topic);
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // No PUBACK in time: a fresh connection for the retry (the broker may still deliver this one).
        this.#forget(client);
        reject(new DeliveryError(`${this.label}: no PUBACK within ${timeoutMs} ms`, false));
      }, timeoutMs);
    });
    try {
      await Promise.race([
        client.publishAsync(topic, payloadJson(article), { qos: 1, retain: false }),
        timeout,
      ]);
    } catch (e) {
      if (e instanceof DeliveryError) throw e;
      this.#forget(client);
      throw new DeliveryError(`${this.label}: ${printable((e as Error).message)}`, false);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.#client?.then(
      (c) => c.end(true),
      () => undefined,
    );
    this.#client = undefined;
  }
}

/** `mqtt[s]://[user:password@]host[:port][/topic-pattern]` (see docs/notifiers.md). */
export function mqttUrl(u: URL, secure: boolean): ServiceUrl<z.input<typeof schema>> {
  if (!u.hostname) return fail("expected mqtt[s]://[user:password@]host[:port][/topic]");
  const entry: z.input<typeof schema> = {
    type: "mqtt",
    url: `${secure ? "mqtts" : "mqtt"}://${hostPort(u)}`,
  };
  const topic = decodeURIComponent(u.pathname.replace(/^\//, ""));
  if (topic) entry.topic = topic;
  if (u.username) Object.assign(entry, { username: user(u), password: password(u) });
  return { ok: true, entry };
}
