import { describe, expect, it } from "vitest";
import {
  effectivePatterns,
  newsnotifyFeeds,
  parseNewsfeeds,
  subscription,
} from "../../../src/inn/newsfeeds.js";

/** Debian's inn2 newsfeeds (comments cut), with a newsnotify entry as docs/feed.md shows it. */
const DEBIAN = `# comment
ME:!*/!local::

controlchan!\\
    :!*,control,control.*,!control.cancel\\
    :AC,Tc,Wnsm:/usr/lib/news/bin/controlchan

newsnotify!:*,!junk:Tc,Wnm:/usr/bin/newsnotify feed -c /etc/newsnotify/feed.yaml
`;

describe("parseNewsfeeds (newsfeeds(5))", () => {
  it("joins continued lines and splits the four fields", () => {
    const e = parseNewsfeeds(DEBIAN);
    expect(e.map((x) => x.site)).toEqual(["ME", "controlchan!", "newsnotify!"]);
    expect(e[1]?.patterns).toEqual(["!*", "control", "control.*", "!control.cancel"]);
    expect(Object.fromEntries(e[1]?.flags ?? [])).toEqual({ A: "C", T: "c", W: "nsm" });
    expect(e[1]?.parameter).toBe("/usr/lib/news/bin/controlchan");
  });

  it.each([
    ["a distribution sub-field is not a pattern", "s:a.*,b.*/!local:Tc:p", ["a.*", "b.*"]],
    ["exclusions are not part of the site name", "s/x,y:a.*:Tc:p", ["a.*"]],
    ["a variable", "$G=local.*,example.*\ns:$G:Tf,Wnm:", ["local.*", "example.*"]],
    [
      "! before a variable goes before each item",
      "$C=control,control.*\ns:*,!$C:Tf:",
      ["*", "!control", "!control.*"],
    ],
    ["@ too", "$L=a.*,b.*\ns:*,@$L:Tf:", ["*", "@a.*", "@b.*"]],
    ["an unknown variable stays as written", "s:$NOPE:Tf:", ["$NOPE"]],
  ])("%s", (_why, text, patterns) => {
    const e = parseNewsfeeds(text);
    expect(e.at(-1)?.patterns).toEqual(patterns);
  });

  it("the ME entry's subscriptions come first (they are prepended to every site's)", () => {
    const e = parseNewsfeeds(DEBIAN);
    expect(effectivePatterns(e, "newsnotify!")).toEqual(["!*", "*", "!junk"]);
  });

  it.each([
    ["/usr/bin/newsnotify feed", true],
    ["/usr/bin/newsnotify feed -c /etc/newsnotify/feed.yaml", true],
    ["/opt/nn/bin/newsnotify -x feed", true],
    ["newsnotify feed", true],
    ["/usr/lib/news/bin/innfeed", false],
    ["/usr/bin/newsnotify watch", false],
    ["/usr/bin/notnewsnotify feed", false],
  ])("%s runs the feed: %s", (parameter, yes) => {
    const e = parseNewsfeeds(`s!:*:Tc,Wnm:${parameter}`);
    expect(newsnotifyFeeds(e).length).toBe(yes ? 1 : 0);
  });
});

/**
 * newsfeeds(5): the rightmost matching pattern decides a group; an article is sent if any of its
 * groups matches, unless one matches a poison (`@`) pattern, "even if it is crossposted to other
 * groups that match"; a group matching a `!` pattern only does not count.
 */
describe("subscription: what innd feeds a site", () => {
  const P = ["!*", "comp.*", "!comp.os.*", "comp.os.linux", "@comp.binaries.*"];
  it.each([
    { groups: ["comp.lang.c"], feeds: true },
    { groups: ["comp.os.vms"], feeds: false },
    { groups: ["comp.os.linux"], feeds: true },
    { groups: ["comp.os.vms", "comp.lang.c"], feeds: true },
    { groups: ["rec.arts", "comp.lang.c"], feeds: true },
    { groups: ["rec.arts"], feeds: false },
    { groups: ["comp.binaries.ibm"], feeds: false },
    { groups: ["comp.lang.c", "comp.binaries.ibm"], feeds: false },
    { groups: [], feeds: false },
  ])("$groups: fed $feeds", ({ groups, feeds }) => {
    expect(subscription(P).feeds(groups)).toBe(feeds);
  });
  it.each([
    { group: "comp.lang.c", wanted: true },
    { group: "comp.os.vms", wanted: false },
    { group: "comp.os.linux", wanted: true },
    { group: "comp.binaries.ibm", wanted: false },
    { group: "rec.arts", wanted: false },
  ])("group $group wanted: $wanted", ({ group, wanted }) => {
    expect(subscription(P).wantsGroup(group)).toBe(wanted);
  });
  it("the ME entry's patterns come first: the site's own, after them, decide", () => {
    const p = effectivePatterns(parseNewsfeeds("ME:!local.*::\nsite!:local.a:Tc,Wnm:x\n"), "site!");
    expect(subscription(p).wantsGroup("local.a")).toBe(true);
    expect(subscription(p).wantsGroup("local.b")).toBe(false);
  });
});
