import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { methodsForGroup } from "../../../src/flow/setup.js";
import { parseStorageConf } from "../../../src/inn/storage-conf.js";
import type { InnStorageMethod } from "../../../src/inn/storage-methods.js";
import type { OverviewAccess } from "../../../src/storage/method.js";
import { findStored } from "../../../src/storage/registry.js";

const spool = mkdtempSync(join(tmpdir(), "nn-find-"));
afterAll(() => rmSync(spool, { recursive: true, force: true }));
mkdirSync(join(spool, "local/test"), { recursive: true });
writeFileSync(join(spool, "local/test/7"), "Message-ID: <a@b>\n\nbody\n");

/** An overview that has article 7 of every group, stored by timehash, and records who asked. */
function overview(asked: string[]): OverviewAccess {
  const token = `@02${"0".repeat(34)}@`;
  return {
    over: async (group) => {
      asked.push(group);
      return [{ number: 7, messageId: "<a@b>", dateMs: 0 }];
    },
    tokens: async (ids) => new Map(ids.map((id) => [id, token])),
  };
}

describe("findStored: each group is looked up the way its storage method finds (group, number)", () => {
  it.each<[string, InnStorageMethod[] | undefined, string, boolean]>([
    ["unknown storage.conf: INN's default, tradspool, by its files", undefined, "tradspool", false],
    ["tradspool only: by its files", ["tradspool"], "tradspool", false],
    ["timehash only: it names nothing by number, so the overview", ["timehash"], "timehash", true],
    ["two methods: the overview, which knows both", ["tradspool", "timehash"], "timehash", true],
  ])("%s", async (_, methods, found, throughOverview) => {
    const asked: string[] = [];
    const refs = await findStored([{ group: "local.test", number: 7 }], {
      spool,
      overview: overview(asked),
      ...(methods ? { methodsFor: () => methods } : {}),
    });
    expect(refs.map((f) => [f.ref.method, f.ref.number])).toEqual([[found, 7]]);
    expect(asked.length > 0).toBe(throughOverview);
  });
});

describe("methodsForGroup: storage.conf's classes for a group, up to the unconditional one", () => {
  const conf = parseStorageConf(
    [
      "method tradspool { newsgroups: local.* class: 1 size: 0,1000 }",
      "method timehash { newsgroups: local.* class: 2 }",
      "method cnfs { newsgroups: * class: 3 }",
      "method tradspool { newsgroups: only.* class: 4 }",
    ].join("\n"),
  );
  it.each<[string, InnStorageMethod[]]>([
    ["local.test", ["tradspool", "timehash"]],
    ["other", ["cnfs"]],
    ["only.one", ["cnfs"]],
  ])("%s → %j", (group, methods) => {
    expect(methodsForGroup(conf, group)).toEqual(methods);
  });
  it("an unreadable storage.conf: INN's default", () => {
    expect(methodsForGroup({ ok: false, problem: "x" }, "any")).toEqual(["tradspool"]);
  });
});
