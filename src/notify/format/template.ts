/** `{field}` templates: parsed once, checked at config load, rendered with a per-service escape and limit. */
import { longestFit, type Measure, truncate, utf16 } from "./text.js";

export const FIELDS = [
  "subject",
  "from",
  "fromName",
  "fromAddress",
  "newsgroups",
  "group",
  "number",
  "date",
  "snippet",
  "messageId",
  "messageIdBare",
  "messageIdEncoded",
  "link",
] as const;

export type Field = (typeof FIELDS)[number];
export type FieldValues = Record<Field, string>;

type Part = { literal: string } | { field: Field };

export class TemplateError extends Error {
  override readonly name = "TemplateError";
}

/** `{name}` is a field, `{{` and `}}` are literal braces; anything else is an error. */
export function parseTemplate(template: string, allowed: readonly string[] = FIELDS): Part[] {
  const parts: Part[] = [];
  let literal = "";
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    const next = template[i + 1];
    if ((c === "{" && next === "{") || (c === "}" && next === "}")) {
      literal += c;
      i++;
    } else if (c === "{") {
      const end = template.indexOf("}", i);
      if (end === -1) throw new TemplateError(`unclosed "{" (write {{ for a literal brace)`);
      const name = template.slice(i + 1, end);
      if (!allowed.includes(name)) throw new TemplateError(unknownField(name, allowed));
      if (literal) parts.push({ literal });
      literal = "";
      parts.push({ field: name as Field });
      i = end;
    } else if (c === "}") {
      throw new TemplateError(`stray "}" (write }} for a literal brace)`);
    } else literal += c;
  }
  if (literal) parts.push({ literal });
  return parts;
}

/** Why a template is unusable, or undefined. */
export function templateProblem(template: string, allowed: readonly string[] = FIELDS) {
  try {
    parseTemplate(template, allowed);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function unknownField(name: string, allowed: readonly string[]): string {
  const near = allowed.find((f) => f.toLowerCase() === name.toLowerCase().trim());
  const hint = near
    ? `did you mean {${near}}?`
    : `fields: ${allowed.map((f) => `{${f}}`).join(" ")}`;
  return `unknown field {${name}} (${hint})`;
}

export interface RenderOptions {
  /** Escapes one value from the article for the service; the template's own text is trusted. */
  escape: (value: string, field: Field) => string;
  /** The service's limit for the rendered text, in `measure` units. */
  limit?: number;
  measure?: Measure;
}

/** Fields given up first when the text is too long: the longest and least important. */
const SHRINK_ORDER: Field[] = [
  "snippet",
  "subject",
  "from",
  "fromName",
  "newsgroups",
  "fromAddress",
];

/**
 * Renders within `limit`: field values are shortened (snippet first), each on a grapheme boundary and
 * with "…", so the template's own markup stays intact. Only a template longer than the limit by itself
 * is cut as a whole.
 */
export function render(template: string, values: FieldValues, options: RenderOptions): string {
  const parts = parseTemplate(template);
  const { escape: escapeValue, limit, measure = utf16 } = options;
  const build = (v: FieldValues) =>
    parts.map((p) => ("literal" in p ? p.literal : escapeValue(v[p.field], p.field))).join("");
  let current = values;
  const text = build(current);
  if (limit === undefined || measure(text) <= limit) return text;
  const used = new Set(parts.flatMap((p) => ("field" in p ? [p.field] : [])));
  for (const field of SHRINK_ORDER) {
    if (!used.has(field) || current[field] === "") continue;
    const base = current;
    const cps = Array.from(base[field]).slice(0, limit);
    const fitted = longestFit(
      cps,
      (prefix) => measure(build({ ...base, [field]: prefix })) <= limit,
    );
    if (fitted !== null) return build({ ...base, [field]: fitted });
    current = { ...base, [field]: "" };
  }
  return truncate(build(current), limit, measure);
}
