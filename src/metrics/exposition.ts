/**
 * Prometheus' text exposition format (version 0.0.4), written by hand: HELP and TYPE once per
 * family, label values escaped (backslash, double quote, newline), histograms as _bucket/_sum/_count.
 */

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type Labels = Readonly<Record<string, string>>;

export type Family =
  | {
      name: string;
      help: string;
      type: "counter" | "gauge";
      samples: readonly { labels?: Labels; value: number }[];
    }
  | {
      name: string;
      help: string;
      type: "histogram";
      /** Upper bounds, ascending (+Inf is added). */
      bounds: readonly number[];
      samples: readonly {
        labels?: Labels;
        buckets: readonly number[];
        count: number;
        sum: number;
      }[];
    };

/** A label value as the format wants it: `\` → `\\`, `"` → `\"`, newline → `\n`. */
export function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** HELP text escapes only backslash and newline. */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

function labelText(labels: Labels | undefined, extra?: [string, string]): string {
  const pairs = Object.entries(labels ?? {});
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return "";
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;
}

/** The families as one exposition document (ends with a newline). */
export function exposition(families: readonly Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    if (f.type !== "histogram") {
      for (const s of f.samples)
        out.push(`${f.name}${labelText(s.labels)} ${formatValue(s.value)}`);
      continue;
    }
    for (const s of f.samples) {
      for (const [i, bound] of f.bounds.entries()) {
        out.push(
          `${f.name}_bucket${labelText(s.labels, ["le", formatValue(bound)])} ${s.buckets[i] ?? 0}`,
        );
      }
      out.push(`${f.name}_bucket${labelText(s.labels, ["le", "+Inf"])} ${s.count}`);
      out.push(`${f.name}_sum${labelText(s.labels)} ${formatValue(s.sum)}`);
      out.push(`${f.name}_count${labelText(s.labels)} ${s.count}`);
    }
  }
  return `${out.join("\n")}\n`;
}
