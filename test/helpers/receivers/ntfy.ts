/**
 * What ntfy's JSON publishing accepts (docs.ntfy.sh/publish/#publish-as-json): a POST to the server's
 * root URL with `topic` (required) and optional message, title, tags (array), priority (1–5), actions,
 * click, attach, markdown, icon, filename, delay, email, call. The server default message-size-limit
 * is 4096 bytes (longer messages become attachments).
 */
import type { ReceivedRequest } from "../receiver.js";
import { isObject, jsonRequest, onlyKeys, type Problems, text } from "./check.js";

const TOP = [
  "topic",
  "message",
  "title",
  "tags",
  "priority",
  "actions",
  "click",
  "attach",
  "markdown",
  "icon",
  "filename",
  "delay",
  "email",
  "call",
];

export function validateNtfy(req: ReceivedRequest): Problems {
  const out = jsonRequest(req);
  if (!req.path.endsWith("/")) out.push(`path ${req.path}: JSON publishing goes to the root URL`);
  const body = req.body;
  if (!isObject(body)) return out;
  out.push(...onlyKeys("body", body, TOP));
  if (typeof body.topic !== "string" || !/^[-_A-Za-z0-9]{1,64}$/.test(body.topic))
    out.push("topic: invalid");
  out.push(...text("message", body.message, 4096, { bytes: true, optional: true }));
  out.push(...text("title", body.title, 1024, { optional: true }));
  if (
    body.tags !== undefined &&
    !(Array.isArray(body.tags) && body.tags.every((t) => typeof t === "string"))
  ) {
    out.push("tags: expected an array of strings");
  }
  if (body.priority !== undefined && ![1, 2, 3, 4, 5].includes(body.priority as number))
    out.push("priority: 1..5");
  if (body.click !== undefined && typeof body.click !== "string") out.push("click: expected a URL");
  return out;
}

/** Plain text only, no line breaks in the title, and no CR/LF in any header we sent. */
export function ntfyInjection(req: ReceivedRequest): Problems {
  const body = req.body as Record<string, unknown>;
  const out: Problems = [];
  if (body.markdown === true) out.push("markdown: true renders article text as Markdown");
  if (/[\r\n]/.test(String(body.title ?? ""))) out.push("title: a line break");
  for (const [name, value] of Object.entries(req.headers)) {
    if (/[\r\n]/.test(String(value))) out.push(`header ${name}: CR/LF`);
  }
  return out;
}
