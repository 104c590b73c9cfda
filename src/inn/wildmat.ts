/**
 * INN's wildmat (uwildmat(3), as newsfeeds uses it): comma-separated patterns with `*`, `?`, `[...]`
 * and `\`; a leading `!` negates a pattern, a leading `@` poisons; the rightmost matching pattern decides.
 */

export type WildmatResult = "match" | "fail" | "poison";

interface Pattern {
  /** "" for a plain pattern, or its leading `!` / `@`. */
  sense: "" | "!" | "@";
  /** Anchored; null when the pattern is malformed (INN then never matches it). */
  regex: RegExp | null;
  text: string;
}

export interface Wildmat {
  /** uwildmat_poison semantics: the rightmost matching pattern decides, `@` reports poison. */
  test(text: string): WildmatResult;
  readonly source: string;
}

/** Compiles an expression; a malformed pattern never matches (as in INN); `wildmatProblem` names it. */
export function compileWildmat(expression: string): Wildmat {
  const patterns = splitPatterns(expression).map(compilePattern);
  return {
    source: expression,
    test(text: string): WildmatResult {
      // INN's fast path, and the empty expression matching only empty text, both fall out below.
      let result: WildmatResult = "fail";
      for (const p of patterns) {
        if (p.regex?.test(text))
          result = p.sense === "" ? "match" : p.sense === "@" ? "poison" : "fail";
      }
      return result;
    },
  };
}

/** Why an expression is malformed, or undefined when it is fine. */
export function wildmatProblem(expression: string): string | undefined {
  if (expression.trim() === "") return "expected a wildmat, e.g. comp.*,!comp.lang.*";
  for (const raw of splitPatterns(expression)) {
    const p = compilePattern(raw);
    if (p.text === "") return `empty pattern in "${expression}" (a stray comma?)`;
    if (!p.regex) return `malformed pattern "${raw}" (an unclosed [ or a trailing \\)`;
  }
  return undefined;
}

/** Splits at commas that are neither escaped with `\` nor inside `[...]`, as uwildmat does. */
export function splitPatterns(expression: string): string[] {
  const out: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "[" && !escaped) {
      i++;
      if (expression[i] === "^") i++;
      if (expression[i] === "]") i++;
      while (i < expression.length && expression[i] !== "]") i++;
      escaped = false;
      continue;
    }
    if (c === "," && !escaped) {
      out.push(expression.slice(start, i));
      start = i + 1;
    }
    escaped = c === "\\" ? !escaped : false;
  }
  out.push(expression.slice(start));
  return out;
}

function compilePattern(raw: string): Pattern {
  const sense = raw[0] === "!" || raw[0] === "@" ? raw[0] : "";
  const text = sense ? raw.slice(1) : raw;
  const body = patternRegex([...text]);
  return { sense, text, regex: body === null ? null : new RegExp(`^${body}$`, "su") };
}

/** A pattern (as code points) → regex source, or null when malformed. */
function patternRegex(chars: string[]): string | null {
  let out = "";
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === "*") out += ".*";
    else if (c === "?") out += ".";
    else if (c === "\\") {
      const next = chars[++i];
      if (next === undefined) return null;
      out += literal(next);
    } else if (c === "[") {
      const cls = classRegex(chars, i + 1);
      if (!cls) return null;
      out += cls.source;
      i = cls.end;
    } else out += literal(c);
  }
  return out;
}

/** `[...]` from `start` (just after `[`): `^` negates, a first `]` is literal, `-` makes ranges. */
function classRegex(chars: string[], start: number): { source: string; end: number } | null {
  let i = start;
  const negated = chars[i] === "^";
  if (negated) i++;
  const first = i;
  const end = chars.indexOf("]", first + 1);
  if (end === -1) return null;
  const members = chars.slice(first, end);
  let source = "";
  for (let j = 0; j < members.length; j++) {
    const c = members[j] as string;
    const to = members[j + 2];
    if (members[j + 1] === "-" && to !== undefined) {
      // INN: a reversed range (m-a) matches its first character only.
      source +=
        (c.codePointAt(0) ?? 0) <= (to.codePointAt(0) ?? 0)
          ? `${classLiteral(c)}-${classLiteral(to)}`
          : classLiteral(c);
      j += 2;
    } else source += classLiteral(c);
  }
  return { source: `[${negated ? "^" : ""}${source}]`, end };
}

/** Outside a class only syntax characters may be escaped under the `u` flag (`\-` is an error). */
function literal(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

function classLiteral(c: string): string {
  return c.replace(/[\]\\^-]/g, "\\$&");
}
