/**
 * Service URLs in the style Apprise and shoutrrr users know (`slack://T/B/C`, `discord://id/token`, ...)
 * → a notifier config entry with a real http(s) URL. Problems never repeat the URL: it holds secrets.
 * The mapping is documented in docs/notifiers.md.
 */

export type ServiceUrl =
  | { ok: true; entry: Record<string, unknown> }
  | { ok: false; problem: string };

type Parser = (u: URL, secure: boolean) => ServiceUrl;

const PARSERS: Record<string, Parser> = {
  slack: slack,
  discord: discord,
  mmost: mattermost,
  mmosts: mattermost,
  mattermost: (u) => mattermost(u, true),
  ntfy: ntfy,
  ntfys: ntfy,
  matrix: matrix,
  matrixs: matrix,
  json: json,
  jsons: json,
  gchat: gchat,
  http: (u) => ({ ok: true, entry: { type: "webhook", url: u.href } }),
  https: (u) => ({ ok: true, entry: { type: "webhook", url: u.href } }),
};

/** The scheme of `text` if it is one of ours ("slack", ...), else undefined. */
export function serviceScheme(text: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  return scheme && scheme in PARSERS ? scheme : undefined;
}

export function parseServiceUrl(text: string): ServiceUrl {
  const scheme = serviceScheme(text);
  if (!scheme) {
    const known = Object.keys(PARSERS).map((s) => `${s}://`);
    return fail(`expected a notifier URL (${known.join(", ")}) or a mapping with a type`);
  }
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return fail(`not a valid ${scheme}:// URL`);
  }
  const parser = PARSERS[scheme] as Parser;
  try {
    // mmosts, ntfys, matrixs, jsons (and https): the trailing "s" asks for https, as in Apprise.
    return parser(u, scheme.endsWith("s"));
  } catch {
    return fail(`malformed percent-encoding in a ${scheme}:// URL`);
  }
}

function fail(problem: string): ServiceUrl {
  return { ok: false, problem };
}

function segments(u: URL): string[] {
  return u.pathname
    .split("/")
    .filter((s) => s !== "")
    .map((s) => decodeURIComponent(s));
}

const user = (u: URL) => decodeURIComponent(u.username);
const password = (u: URL) => decodeURIComponent(u.password);
const hostPort = (u: URL) => (u.port ? `${u.hostname}:${u.port}` : u.hostname);

/** Apprise slack://[botname@]TokenA/TokenB/TokenC, or shoutrrr slack://hook:A-B-C@webhook. */
function slack(u: URL): ServiceUrl {
  const shoutrrr = u.hostname === "webhook" && user(u) === "hook";
  const tokens = shoutrrr ? password(u).split("-") : [u.hostname, ...segments(u)];
  if (tokens.length !== 3 || !tokens.every((t) => /^[A-Za-z0-9]+$/.test(t)) || u.hash) {
    return fail("expected slack://TokenA/TokenB/TokenC (the three parts of the webhook URL)");
  }
  const [a, b, c] = tokens as [string, string, string];
  const entry: Record<string, unknown> = {
    type: "slack",
    url: `https://hooks.slack.com/services/${a}/${b}/${c}`,
  };
  if (!shoutrrr && u.username) entry.username = user(u);
  return { ok: true, entry };
}

/** Apprise discord://[botname@]WebhookID/WebhookToken, or shoutrrr discord://token@id. */
function discord(u: URL): ServiceUrl {
  const path = segments(u);
  const shoutrrr = path.length === 0 && u.username !== "";
  const id = u.hostname;
  const token = shoutrrr ? user(u) : path[0];
  if (!/^\d+$/.test(id) || !token || !/^[\w-]+$/.test(token) || path.length > 1) {
    return fail("expected discord://WebhookID/WebhookToken (from .../api/webhooks/ID/TOKEN)");
  }
  const entry: Record<string, unknown> = {
    type: "discord",
    url: `https://discord.com/api/webhooks/${id}/${token}`,
  };
  if (!shoutrrr && u.username) entry.username = user(u);
  return { ok: true, entry };
}

/**
 * Apprise mmost[s]://[botname@]host[:port][/path]/token[?channel=name] → http(s)://host/path/hooks/token;
 * shoutrrr mattermost://[user@]host[:port]/token[/channel] → https.
 */
function mattermost(u: URL, secure: boolean): ServiceUrl {
  const path = segments(u);
  const shoutrrr = u.protocol === "mattermost:";
  const channel = shoutrrr && path.length === 2 ? path.pop() : u.searchParams.get("channel");
  const token = path.pop();
  if (!u.hostname || !token || (shoutrrr && path.length > 0)) {
    return fail(`expected ${u.protocol}//host/token (from https://host/hooks/token)`);
  }
  const prefix = path.map(encodeURIComponent).join("/");
  const entry: Record<string, unknown> = {
    type: "mattermost",
    url: `${secure ? "https" : "http"}://${hostPort(u)}/${prefix ? `${prefix}/` : ""}hooks/${token}`,
  };
  if (u.username) entry.username = user(u);
  if (channel) entry.channel = channel;
  return { ok: true, entry };
}

/**
 * Apprise ntfy://topic (ntfy.sh), ntfy[s]://[user:password@|token@]host[:port]/topic; shoutrrr's
 * :token@ works too. ntfy:// is http except for ntfy.sh itself.
 */
function ntfy(u: URL, secure: boolean): ServiceUrl {
  const path = segments(u);
  const cloud = path.length === 0;
  const host = cloud ? "ntfy.sh" : hostPort(u);
  const topic = cloud ? u.hostname : path[0];
  if (!topic || path.length > 1 || !/^[-_A-Za-z0-9]{1,64}$/.test(topic)) {
    return fail(
      "expected ntfy://topic or ntfy[s]://host/topic (one topic: letters, digits, - and _)",
    );
  }
  const https = secure || host === "ntfy.sh";
  const entry: Record<string, unknown> = {
    type: "ntfy",
    url: `${https ? "https" : "http"}://${host}/${topic}`,
  };
  const name = user(u);
  const pass = password(u);
  if (!cloud && name.startsWith("tk_") && !pass) entry.token = name;
  else if (!cloud && !name && pass) entry.token = pass;
  else if (!cloud && name) Object.assign(entry, { username: name, password: pass });
  return { ok: true, entry };
}

/** matrix[s]://accessToken@host[:port]/!roomId:server */
function matrix(u: URL, secure: boolean): ServiceUrl {
  if (u.password) {
    return fail(
      "log-in with a password is not supported: use matrix[s]://ACCESS_TOKEN@host/!room:server",
    );
  }
  const [room, ...rest] = segments(u);
  if ((!room && u.hash) || room?.startsWith("#")) {
    return fail(
      "a room alias (#room:server) needs a lookup: use the room ID (!…:server) from the room's settings",
    );
  }
  if (!u.username || !u.hostname || !room?.startsWith("!") || rest.length > 0) {
    return fail("expected matrix[s]://ACCESS_TOKEN@host/!roomId:server");
  }
  return {
    ok: true,
    entry: {
      type: "matrix",
      url: `${secure ? "https" : "http"}://${hostPort(u)}`,
      room,
      accessToken: user(u),
    },
  };
}

/**
 * json[s]://[user:password@]host[:port]/path → the JSON webhook; `?+Name=value` adds a header (as in
 * Apprise), other query parameters stay in the URL, user:password becomes Basic authorization.
 */
function json(u: URL, secure: boolean): ServiceUrl {
  if (!u.hostname) return fail(`expected ${u.protocol}//host/path`);
  const headers: Record<string, string> = {};
  const query: string[] = [];
  // Split by hand: URLSearchParams would read the leading "+" as a space.
  for (const pair of u.search.slice(1).split("&")) {
    const [name = "", value = ""] = pair.split(/=(.*)/s);
    if (name.startsWith("+") && name.length > 1) {
      headers[decodeURIComponent(name.slice(1))] = decodeURIComponent(value);
    } else if (pair) query.push(pair);
  }
  if (u.username) {
    const basic = Buffer.from(`${user(u)}:${password(u)}`).toString("base64");
    headers.Authorization ??= `Basic ${basic}`;
  }
  const search = query.length > 0 ? `?${query.join("&")}` : "";
  const entry: Record<string, unknown> = {
    type: "webhook",
    url: `${secure ? "https" : "http"}://${hostPort(u)}${u.pathname}${search}`,
  };
  if (Object.keys(headers).length > 0) entry.headers = headers;
  return { ok: true, entry };
}

/** Apprise gchat://workspace/key/token → https://chat.googleapis.com/v1/spaces/workspace/messages?key=&token= */
function gchat(u: URL): ServiceUrl {
  const [key, token, ...rest] = segments(u);
  if (!u.hostname || !key || !token || rest.length > 0) {
    return fail("expected gchat://workspace/key/token (from the space's webhook URL)");
  }
  const query = new URLSearchParams({ key, token });
  return {
    ok: true,
    entry: {
      type: "gchat",
      url: `https://chat.googleapis.com/v1/spaces/${encodeURIComponent(u.hostname)}/messages?${query}`,
    },
  };
}
