/**
 * Every detection source, in the order `auto` prefers them. Adding a source: one file that exports a
 * `Source` (its //@section of scripts/trace.bt, its check, its decoder) and one line here.
 */
import type { HostFacts } from "../system/host.js";
import { kprobe } from "./kprobe.js";
import type { Source, SourceName } from "./source.js";
import { tracepoint } from "./tracepoint.js";

export const SOURCES: readonly Source[] = [kprobe, tracepoint];

export type SourceSetting = SourceName | "auto";

export function sourceNamed(name: SourceName): Source {
  const s = SOURCES.find((x) => x.name === name);
  if (!s) throw new Error(`no source named ${name}`);
  return s;
}

export interface SourceChoice {
  source: Source;
  reason: string;
}

/**
 * Pure: the configured mode and the host's facts → the source to run, and why. In auto mode, the
 * first source (in registry order) whose check passes; a set mode is obeyed even if its check fails
 * (the attach error will say why), and the last source is the resort when none passes.
 */
export function chooseSource(setting: SourceSetting, host: HostFacts): SourceChoice {
  if (setting !== "auto") return { source: sourceNamed(setting), reason: "set in config" };
  const refusals: string[] = [];
  for (const source of SOURCES) {
    const c = source.check(host);
    if (c.ok) {
      return { source, reason: refusals.length > 0 ? refusals.join("; ") : c.reason };
    }
    refusals.push(c.reason);
  }
  const last = SOURCES[SOURCES.length - 1] as Source;
  return { source: last, reason: `${refusals.join("; ")}; trying ${last.name} anyway` };
}
