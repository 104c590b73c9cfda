import { createHash, createHmac } from "node:crypto";
import { notifierDefinition } from "../notify/registry.js";
import { PRESENTATION_KEYS } from "../notify/schema-parts.js";

/**
 * A stable name per configured notifier, from its config entry (not its position), so that pending
 * notifications find their notifier again after a restart, even if the list was reordered. With
 * `key` (state/target-key.ts) it is an HMAC: the entry holds secrets, and the name is shown in
 * /metrics. Without one, the plain hash of earlier versions (to find their pending work).
 */
export function targetKeys(entries: readonly unknown[], key?: Uint8Array): string[] {
  const seen = new Map<string, number>();
  return entries.map((entry) => {
    const hash = (key ? createHmac("sha256", key) : createHash("sha256"))
      .update(JSON.stringify(identity(entry)))
      .digest("hex")
      .slice(0, 16);
    const n = (seen.get(hash) ?? 0) + 1;
    seen.set(hash, n);
    return n === 1 ? hash : `${hash}#${n}`;
  });
}

const SHARED = new Set(PRESENTATION_KEYS);

/**
 * The entry without the keys that say how or what to send, not where (the shared ones and its type's
 * own `presentation`): changing them keeps the notifier's pending work.
 */
function identity(entry: unknown): unknown {
  if (typeof entry !== "object" || entry === null) return entry;
  const own: readonly string[] =
    notifierDefinition((entry as { type?: unknown }).type)?.presentation ?? [];
  return Object.fromEntries(
    Object.entries(entry)
      .filter(([k]) => !SHARED.has(k) && !own.includes(k))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}
