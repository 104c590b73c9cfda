import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FeedInbox } from "../../../src/state/feed-inbox.js";
import { STATE_FILES } from "../../../src/state/names.js";

const dir = () => mkdtempSync(join(tmpdir(), "nn-inbox-"));

describe("FeedInbox", () => {
  it("what one run read and did not settle is the next run's leftover", () => {
    const d = dir();
    const a = FeedInbox.open(d);
    expect(a.leftover.length).toBe(0);
    a.append(Buffer.from("@1@ <a>\n@2@ <b>\n@3"));
    a.close(); // as a SIGKILL leaves it: nothing settled
    const b = FeedInbox.open(d);
    expect(b.leftover.toString()).toBe("@1@ <a>\n@2@ <b>\n@3");
    b.close();
  });

  it("settle keeps only the start of the line not yet ended", () => {
    const d = dir();
    const a = FeedInbox.open(d);
    a.append(Buffer.from("@1@ <a>\n@2@ <b"), true);
    a.settle(Buffer.from("@2@ <b"));
    a.append(Buffer.from(">\n"));
    expect(readFileSync(join(d, STATE_FILES.feedInbox), "utf8")).toBe("@2@ <b>\n");
    a.settle(Buffer.alloc(0));
    a.close();
    expect(FeedInbox.open(d).leftover.length).toBe(0);
  });
});
