import { expect, test } from "vitest";
import type { Article } from "../../../src/article/article.js";
import {
  compileFilter,
  compileGate,
  compileRoute,
  filterProblem,
  type RouteOptions,
} from "../../../src/notify/route.js";
import { makeArticle } from "./article-factory.js";

const article = (over: Partial<Article>) => makeArticle(over);
const cancel = { control: "cancel <x@y>", newsgroups: ["comp.lang.c"] };
const newgroup = { control: "newgroup comp.lang.zig moderated", newsgroups: ["comp.lang.zig"] };
const checkgroups = { control: "checkgroups 42", newsgroups: ["news.admin.hierarchies"] };
// innd files a control message by its type; here without a Control header (a cross-check).
const filedRmgroup = { group: "control.rmgroup", newsgroups: ["comp.old"] };
const ordinary = { newsgroups: ["comp.lang.c"] };
const ADMIN = { types: ["newgroup", "rmgroup", "checkgroups"], only: true } as const;
const junk = { group: "junk", xref: [{ group: "junk", number: 7 }], newsgroups: ["not.carried"] };
const from = { from: { name: "Ada Lovelace", address: "ada@example.net" } };

test.each<[string, RouteOptions, Partial<Article>, string]>([
  ["default: everything", {}, { newsgroups: ["local.test"] }, "send"],
  [
    "any group matches",
    { groups: "comp.*" },
    { newsgroups: ["misc.test", "comp.os.linux"] },
    "send",
  ],
  ["no group matches", { groups: "comp.*" }, { newsgroups: ["misc.test"] }, "groups: no match"],
  [
    "negated",
    { groups: "comp.*,!comp.lang.*" },
    { newsgroups: ["comp.lang.c"] },
    "groups: no match",
  ],
  [
    "negated, crossposted to a wanted group",
    { groups: "comp.*,!comp.lang.*" },
    { newsgroups: ["comp.lang.c", "comp.os.linux"] },
    "send",
  ],
  [
    "poison rejects a crosspost",
    { groups: "*,@alt.binaries.*" },
    { newsgroups: ["alt.test", "alt.binaries.x"] },
    "groups: poisoned",
  ],
  [
    "no Newsgroups: the filed group",
    { groups: "local.*" },
    { newsgroups: [], group: "local.x" },
    "send",
  ],
  ["control off by default", {}, cancel, "control message (cancel)"],
  ["control on", { control: true }, cancel, "send"],
  [
    "control on, groups still apply",
    { control: true, groups: "news.*" },
    cancel,
    "groups: no match",
  ],
  ["filed in control.cancel", {}, { group: "control.cancel" }, "control message (cancel)"],
  ["control true takes cancels", { control: true }, cancel, "send"],
  ["a list: the type listed", { control: ["newgroup"] }, newgroup, "send"],
  ["a list: another type", { control: ["newgroup"] }, checkgroups, "control message (checkgroups)"],
  [
    "a list: cancels only when named",
    { control: ["newgroup"] },
    cancel,
    "control message (cancel)",
  ],
  ["a list: cancel named", { control: ["cancel"] }, cancel, "send"],
  ["a list still takes ordinary articles", { control: ["newgroup"] }, ordinary, "send"],
  ["only: every type but cancel", { control: "only" }, checkgroups, "send"],
  ["only: no cancel", { control: "only" }, cancel, "control message (cancel)"],
  ["only: no ordinary article", { control: "only" }, ordinary, "not a control message"],
  ["the admin's alert: newgroup", { control: ADMIN }, newgroup, "send"],
  ["the admin's alert: checkgroups", { control: ADMIN }, checkgroups, "send"],
  ["the admin's alert: rmgroup by its group", { control: ADMIN }, filedRmgroup, "send"],
  ["the admin's alert: no cancel", { control: ADMIN }, cancel, "control message (cancel)"],
  ["the admin's alert: no article", { control: ADMIN }, ordinary, "not a control message"],
  ["types without only", { control: { types: ["rmgroup"] } }, ordinary, "send"],
  ["the Control verb in any case", { control: ["newgroup"] }, { control: "NewGroup x" }, "send"],
  ["junk off by default", {}, junk, "filed in junk"],
  ["junk on", { junk: true }, junk, "send"],
  ["from substring, any case", { from: "LOVELACE" }, from, "send"],
  ["from substring misses", { from: "babbage" }, from, "from: no match"],
  ["from matches the address", { from: "@example.net" }, from, "send"],
  ["from regex", { from: "/^ada lovelace </i" }, from, "send"],
  ["subject substring", { subject: "release" }, { subject: "New RELEASE 2.0" }, "send"],
  [
    "subject regex misses",
    { subject: "/^\\[ANN\\]/" },
    { subject: "Re: [ANN] x" },
    "subject: no match",
  ],
  ["subject regex", { subject: "/^\\[ANN\\]/" }, { subject: "[ANN] x" }, "send"],
])("%s", (_name, options, over, expected) => {
  const decision = compileRoute(options)(article(over));
  expect(decision.send ? "send" : decision.reason).toBe(expected);
});

test("a regex filter has no state between articles", () => {
  const match = compileFilter("/a/");
  expect([match("a"), match("a"), match("a")]).toEqual([true, true, true]);
});

test.each([
  ["release", undefined],
  ["/^\\[ANN\\]/i", undefined],
  ["/[/", /invalid regular expression/],
  ["", /expected a substring/],
])("filterProblem(%j)", (spec, expected) => {
  const problem = filterProblem(spec);
  if (expected === undefined) expect(problem).toBeUndefined();
  else expect(problem).toMatch(expected);
});

test.each<[string, RouteOptions[], string, boolean]>([
  ["default config: every ordinary group", [{}], "alt.binaries.x", true],
  ["default config: a control group is left to the header", [{}], "control.cancel", false],
  ["default config: junk is left to the header", [{}], "junk", false],
  ["a narrow subscription: its group", [{ groups: "local.*" }], "local.test", true],
  [
    "a narrow subscription: another group (maybe a crosspost)",
    [{ groups: "local.*" }],
    "alt.x",
    false,
  ],
  ["any of several notifiers", [{ groups: "comp.*" }, { groups: "alt.*" }], "alt.x", true],
  ["a From filter: only the header can say", [{ from: "ada" }], "local.test", false],
  ["a Subject filter: only the header can say", [{ subject: "/x/" }], "local.test", false],
  ["control only: ordinary groups never", [{ control: "only" }], "local.test", false],
  ["negated: not its group", [{ groups: "*,!alt.*" }], "alt.x", false],
])("gate, the path's group alone: %s", (_name, routes, group, likely) => {
  expect(compileGate(routes).likelyFiledIn(group)).toBe(likely);
});

test("gate: an article is taken when any notifier's route sends it", () => {
  const gate = compileGate([{ groups: "comp.*" }, { groups: "local.test", subject: "yes" }]);
  expect(gate.takes(article({ newsgroups: ["alt.x", "comp.lang.c"] }))).toBe(true);
  expect(gate.takes(article({ newsgroups: ["local.test"], subject: "no" }))).toBe(false);
  expect(gate.takes(article({ newsgroups: ["local.test"], subject: "yes" }))).toBe(true);
  expect(compileGate([]).takes(article({}))).toBe(false);
});

test.each([
  ["groups only", [{ groups: "local.*" }], { from: false, subject: false }],
  ["a From filter", [{ groups: "local.*" }, { from: "ada" }], { from: true, subject: false }],
  ["a Subject filter", [{ subject: "/x/" }], { from: false, subject: true }],
  ["both", [{ from: "a", subject: "b" }], { from: true, subject: true }],
])("gate: which filtered fields a routing head must decode: %s", (_name, routes, reads) => {
  expect(compileGate(routes).reads).toEqual(reads);
});
