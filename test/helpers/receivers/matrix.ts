/**
 * What the Matrix client-server API accepts for a message (spec v1.x: PUT
 * /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}, m.room.message): Bearer authorization;
 * content with msgtype and body; format "org.matrix.custom.html" only together with formatted_body;
 * an event at most 65536 bytes.
 */
import type { ReceivedRequest } from "../receiver.js";
import { htmlInjection, isObject, jsonRequest, type Problems, text } from "./check.js";

// A reverse proxy may put the API under a path prefix.
const PATH = /\/_matrix\/client\/v3\/rooms\/([^/]+)\/send\/m\.room\.message\/([^/]+)$/;

export function validateMatrix(req: ReceivedRequest, room: string, token: string): Problems {
  const out = jsonRequest(req, "PUT");
  const m = PATH.exec(req.path);
  if (!m) out.push(`path ${req.path}: not a send of m.room.message`);
  else {
    if (decodeURIComponent(m[1] as string) !== room) out.push(`room ${m[1]}, expected ${room}`);
    if (!/^[A-Za-z0-9._~-]{1,255}$/.test(m[2] as string)) out.push("txnId: unsafe characters");
  }
  if (req.headers.authorization !== `Bearer ${token}`)
    out.push("authorization: expected the Bearer token");
  if (Buffer.byteLength(req.text) > 65_536) out.push("event larger than 65536 bytes");
  const body = req.body;
  if (!isObject(body)) return out;
  if (!["m.text", "m.notice", "m.emote"].includes(String(body.msgtype)))
    out.push(`msgtype ${String(body.msgtype)}`);
  out.push(...text("body", body.body, 65_536, { bytes: true }));
  if ((body.format === undefined) !== (body.formatted_body === undefined))
    out.push("format and formatted_body go together");
  if (body.format !== undefined && body.format !== "org.matrix.custom.html")
    out.push(`format ${String(body.format)}`);
  out.push(...text("formatted_body", body.formatted_body, 65_536, { bytes: true, optional: true }));
  return out;
}

/** formatted_body holds only our template's tags and link; nothing announces a room-wide mention. */
export function matrixInjection(
  req: ReceivedRequest,
  link: string,
  tags: readonly string[],
): Problems {
  const body = req.body as Record<string, unknown>;
  const out: Problems = [];
  if (typeof body.formatted_body === "string")
    out.push(...htmlInjection("formatted_body", body.formatted_body, tags, link));
  if (/@room\b/.test(String(body.body)) || /@room\b/.test(String(body.formatted_body ?? "")))
    out.push("@room");
  const mentions = body["m.mentions"];
  if (
    !isObject(mentions) ||
    mentions.room === true ||
    (Array.isArray(mentions.user_ids) && mentions.user_ids.length > 0)
  ) {
    out.push("m.mentions does not say: no mentions");
  }
  return out;
}
