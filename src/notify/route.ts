/** Which articles a notifier wants: newsgroups by wildmat, optional From/Subject filters, control and junk. */
import type { Article } from "../article/article.js";
import type { RouteReads } from "../article/parse.js";
import { compileWildmat } from "../inn/wildmat.js";
import {
  type ControlOption,
  controlPolicy,
  controlType,
  isControl,
  isControlGroup,
} from "./control.js";

export interface RouteOptions {
  /** INN wildmat over the Newsgroups header; default "*". */
  groups?: string;
  /** Filter on "Name <address>": `/regex/flags`, or else a case-insensitive substring. */
  from?: string;
  /** Filter on the decoded Subject, same syntax as `from`. */
  subject?: string;
  /**
   * Control messages: true (all, besides ordinary articles), a list of types (those, besides
   * ordinary articles), "only" or `{types, only: true}` (control messages only). Default none.
   */
  control?: ControlOption;
  /** Also notify articles innd filed in junk. Default false. */
  junk?: boolean;
}

export type RouteDecision = { send: true } | { send: false; reason: string };
export type Route = (article: Article) => RouteDecision;

const SEND: RouteDecision = { send: true };

/** Pure: options → decision function. Checks run in a fixed order so that the reason is predictable. */
export function compileRoute(options: RouteOptions): Route {
  const groups = compileWildmat(options.groups ?? "*");
  const from = options.from === undefined ? null : compileFilter(options.from);
  const subject = options.subject === undefined ? null : compileFilter(options.subject);
  const control = controlPolicy(options.control);
  return (a) => {
    if (isControl(a)) {
      const type = controlType(a);
      if (!control.wants(type)) return { send: false, reason: `control message (${type})` };
    } else if (control.only) return { send: false, reason: "not a control message" };
    if (!options.junk && isJunk(a)) return { send: false, reason: "filed in junk" };
    const verdict = groupsVerdict(a, groups.test);
    if (verdict !== "match") return { send: false, reason: `groups: ${verdict}` };
    if (from && !from(fromText(a))) return { send: false, reason: "from: no match" };
    if (subject && !subject(a.subject)) return { send: false, reason: "subject: no match" };
    return SEND;
  };
}

/**
 * What the flow asks before it reads an article whole: every notifier's route at once. Each route
 * reads only header fields (Newsgroups, Xref, Control, From, Subject) and where the article was
 * filed, so the header alone answers `takes` exactly; `likelyFiledIn` is a hint from the path alone.
 */
export interface RouteGate {
  /** Whether at least one notifier takes this article (parsed from its header alone, or whole). */
  takes(article: Article): boolean;
  /**
   * Whether an article filed in `group` is taken on that ground alone as a rule (a route whose
   * groups match it, with no From/Subject filter, outside control and junk): worth reading whole at
   * once. Only a hint: false never drops an article (a crosspost filed first in another group).
   */
  likelyFiledIn(group: string): boolean;
  /** Whether any route filters on From or Subject: a routing head need not decode the others. */
  readonly reads: RouteReads;
}

/** Pure: every notifier's route options → the gate the flow asks (compiled once per run). */
export function compileGate(options: readonly RouteOptions[]): RouteGate {
  const routes = options.map(compileRoute);
  const plain = options
    .filter(
      (o) => o.from === undefined && o.subject === undefined && !controlPolicy(o.control).only,
    )
    .map((o) => compileWildmat(o.groups ?? "*"));
  const likely = new Map<string, boolean>();
  return {
    takes: (a) => routes.some((route) => route(a).send),
    reads: {
      from: options.some((o) => o.from !== undefined),
      subject: options.some((o) => o.subject !== undefined),
    },
    likelyFiledIn(group) {
      let answer = likely.get(group);
      if (answer === undefined) {
        answer =
          group !== "junk" &&
          !isControlGroup(group) &&
          plain.some((w) => w.test(group) === "match");
        // Group names come from the spool: a server's are a bounded set, but keep the cache small.
        if (likely.size >= 4096) likely.clear();
        likely.set(group, answer);
      }
      return answer;
    },
  };
}

/**
 * As newsfeeds: the article matches when any of its groups matches, unless a group hits a `@` pattern
 * (poison), which rejects the whole article however it is crossposted.
 */
function groupsVerdict(
  a: Article,
  test: (group: string) => string,
): "match" | "no match" | "poisoned" {
  const names = a.newsgroups.length > 0 ? a.newsgroups : [a.group];
  let matched = false;
  for (const name of names) {
    const result = test(name);
    if (result === "poison") return "poisoned";
    if (result === "match") matched = true;
  }
  return matched ? "match" : "no match";
}

export function isJunk(a: Article): boolean {
  return a.group === "junk" || a.xref.some((x) => x.group === "junk");
}

function fromText(a: Article): string {
  const { name, address } = a.from;
  return name && address ? `${name} <${address}>` : name || address;
}

/** `/regex/flags` → a regular expression test; anything else → case-insensitive substring. */
export function compileFilter(spec: string): (text: string) => boolean {
  const re = filterRegex(spec);
  if (re) return (text) => re.test(text);
  const needle = spec.toLowerCase();
  return (text) => text.toLowerCase().includes(needle);
}

/** Why a filter is unusable, or undefined. */
export function filterProblem(spec: string): string | undefined {
  if (spec === "") return "expected a substring or /regex/flags";
  try {
    filterRegex(spec);
    return undefined;
  } catch (e) {
    return `invalid regular expression: ${(e as Error).message}`;
  }
}

function filterRegex(spec: string): RegExp | null {
  const m = /^\/(.+)\/([imsu]*)$/s.exec(spec);
  if (!m) return null;
  // Without `g` or `y`, test() keeps no state between articles.
  return new RegExp(m[1] as string, m[2]);
}
