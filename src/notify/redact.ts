/**
 * The path segments of each service's URL form that are fixed words, the same for every user:
 * everything else in a path may be the secret (a Slack or Discord token, an ntfy topic, a Teams
 * workflow id, a Telegram bot token) and is never shown. A word listed here is guessable by anyone,
 * so showing it gives nothing away; a word not listed is hidden even when it happens to be harmless.
 */
const KEPT_WORDS = {
  // https://hooks.slack.com/services/T…/B…/X…
  slack: ["services"],
  // https://discord.com/api/webhooks/ID/TOKEN(/slack|/github)
  discord: ["api", "webhooks", "slack", "github"],
  // https://mattermost.example/hooks/KEY
  mattermost: ["hooks"],
  // https://chat.googleapis.com/v1/spaces/SPACE/messages?key=…&token=…
  gchat: ["v1", "spaces", "messages"],
  // https://….logic.azure.com:443/workflows/ID/triggers/manual/paths/invoke?…,
  // https://….api.powerplatform.com:443/powerautomate/automations/direct/workflows/ID/triggers/…,
  // and the older https://….webhook.office.com/webhookb2/GUID@GUID/IncomingWebhook/ID/GUID
  teams: [
    ...["workflows", "triggers", "manual", "paths", "invoke"],
    ...["powerautomate", "automations", "direct", "webhookb2", "IncomingWebhook"],
  ],
  // https://api.telegram.org/bot<TOKEN>/sendMessage
  telegram: ["sendMessage"],
  // https://matrix.example/_matrix/client/v3/rooms/ROOM/send/m.room.message/TXN
  matrix: ["_matrix", "client", "v3", "rooms", "send", "m.room.message"],
  // https://ntfy.sh/TOPIC: the topic is the secret; nothing of the path is kept.
  ntfy: [],
  // A plain webhook: the usual fixed words of an endpoint.
  webhook: ["api", "hook", "hooks", "webhook", "webhooks", "notify", "v1", "v2", "v3"],
} as const satisfies Record<string, readonly string[]>;

const KEPT: ReadonlySet<string> = new Set(Object.values(KEPT_WORDS).flat());

/**
 * The URL as it may appear in logs, status.json and /metrics: scheme and host, no user info, no
 * query (`?…`), no fragment; of the path, only the fixed words above (exact, case included), every
 * other segment `…`.
 */
export function redactUrl(url: string): string {
  const u = new URL(url);
  const path = u.pathname
    .split("/")
    .map((segment) => (segment === "" || KEPT.has(segment) ? segment : "…"))
    .join("/");
  return `${u.protocol}//${u.host}${path}${u.search ? "?…" : ""}`;
}
