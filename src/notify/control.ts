/**
 * Which control messages a notifier wants, from its `control` key. Control types are RFC 5537's
 * (section 5) and the older ones innd still files; a typo in a type is a config error, not a quiet
 * "never matches". Cancels are the bulk of a feed's control traffic, so `only` and a list leave them
 * out unless they are named.
 */
import type { Article } from "../article/article.js";

export const CONTROL_TYPES = [
  "cancel",
  "newgroup",
  "rmgroup",
  "checkgroups",
  "ihave",
  "sendme",
  "version",
  "sendsys",
  "senduuname",
  "whogets",
] as const;
export type ControlType = (typeof CONTROL_TYPES)[number];

/** The `control` key: false/absent (none), true (all, besides articles), "only", a list, or both. */
export type ControlOption =
  | boolean
  | "only"
  | readonly ControlType[]
  | { types?: readonly ControlType[]; only?: boolean };

export interface ControlPolicy {
  /** Whether a control message of this type (lowercase; "unknown" when none can be told) is wanted. */
  wants(type: string): boolean;
  /** No ordinary articles: control messages only. */
  only: boolean;
}

const ALL_BUT_CANCEL = new Set<string>(CONTROL_TYPES.filter((t) => t !== "cancel"));

export function controlPolicy(option: ControlOption | undefined): ControlPolicy {
  if (option === undefined || option === false) return { wants: () => false, only: false };
  if (option === true) return { wants: () => true, only: false };
  if (option === "only") return { wants: (t) => ALL_BUT_CANCEL.has(t), only: true };
  const [types, only] = Array.isArray(option)
    ? [option as readonly ControlType[], false]
    : [
        (option as { types?: readonly ControlType[] }).types,
        (option as { only?: boolean }).only ?? false,
      ];
  const set: ReadonlySet<string> = types ? new Set(types) : ALL_BUT_CANCEL;
  return { wants: (t) => set.has(t), only };
}

/** innd files control messages in `control` and `control.TYPE`. */
export const isControlGroup = (g: string) => g === "control" || g.startsWith("control.");

/** A Control header, or filed where innd files control messages (control, control.cancel, ...). */
export function isControl(a: Article): boolean {
  return (
    a.control !== null || isControlGroup(a.group) || a.xref.some((x) => isControlGroup(x.group))
  );
}

/**
 * The control type: the Control header's first word (RFC 5537 3.4), else the `control.TYPE` group
 * innd filed it in, else "unknown".
 */
export function controlType(a: Article): string {
  if (a.control !== null) {
    const verb = a.control.trim().split(/[ \t]/, 1)[0]?.toLowerCase();
    if (verb) return verb;
  }
  for (const g of [a.group, ...a.xref.map((x) => x.group)]) {
    if (g.startsWith("control.")) return g.slice("control.".length).toLowerCase();
  }
  return "unknown";
}
