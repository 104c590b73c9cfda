/** Zod issues as the short, specific lines a user reads: `dotted.key: problem`. */
import type { z } from "zod";

const EXPECTED: Record<string, string> = {
  object: "a mapping (key: value)",
  array: "a list",
  int: "an integer",
  number: "a number",
  string: "a string",
  boolean: "true or false",
};

/**
 * One issue as `dotted.key: problem` lines (an unknown-keys issue gives one line per key).
 * `keysAt(path)` lists the keys the object at `path` may have, for "did you mean" hints.
 */
export function describeIssue(
  issue: z.core.$ZodIssue,
  keysAt: (path: PropertyKey[]) => string[],
): string[] {
  const at = (path: PropertyKey[]) => (path.length > 0 ? `${path.map(String).join(".")}: ` : "");
  const prefix = at(issue.path);
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => {
        const hint = closest(key, keysAt(issue.path));
        return `${at([...issue.path, key])}unknown key${hint ? ` (did you mean "${hint}"?)` : ""}`;
      });
    case "invalid_type": {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return [`${prefix}required (${expected})`];
      return [`${prefix}expected ${expected}, got ${show(issue.input)}`];
    }
    case "invalid_key":
      return issue.issues.map((inner) => `${prefix}${inner.message}`);
    case "invalid_value":
      return [
        `${prefix}expected one of ${issue.values.map(show).join(", ")}, got ${show(issue.input)}`,
      ];
    case "invalid_union":
      if ("options" in issue && Array.isArray(issue.options)) {
        const type = (issue.input as { type?: unknown } | undefined)?.type;
        const got = type === undefined ? "nothing" : show(type);
        return [`${prefix}expected one of ${issue.options.map(show).join(", ")}, got ${got}`];
      }
      return [`${prefix}${issue.message}`];
    case "too_small":
    case "too_big":
      if (issue.origin === "number") {
        const bound = issue.code === "too_small" ? "at least" : "at most";
        const limit = issue.code === "too_small" ? issue.minimum : issue.maximum;
        return [`${prefix}must be ${bound} ${limit}, got ${show(issue.input)}`];
      }
      return [`${prefix}${issue.message}`];
    default:
      return [`${prefix}${issue.message}`];
  }
}

/** The known key a typo most likely meant (case-insensitive, at most 2 edits), or undefined. */
function closest(key: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + cost);
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

function show(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
