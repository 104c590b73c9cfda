import { existsSync } from "node:fs";
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ExecNotifier } from "../../../src/notify/exec.js";
import { articlePayload } from "../../../src/notify/payload.js";
import { makeArticle } from "./article-factory.js";

const bin = (name: string) => join(import.meta.dirname, "../../../fixtures/bin", name);
const node = process.execPath;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "newsnotify-exec-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** What notify-capture.mjs recorded, one entry per run. */
async function captured(file: string): Promise<{ argv: string[]; stdin: string }[]> {
  const text = await readFile(file, "utf8");
  return text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { argv: string[]; stdin: string });
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

describe("ExecNotifier", () => {
  test("runs argv as given, the payload JSON on stdin", async () => {
    const out = join(dir, "out.jsonl");
    const article = makeArticle();
    await new ExecNotifier({ command: [node, bin("notify-capture.mjs"), out, "--flag"] }).send(
      article,
    );
    const [run] = await captured(out);
    expect(run?.argv).toEqual([out, "--flag"]);
    expect(run?.stdin.endsWith("\n")).toBe(true);
    expect(JSON.parse(run?.stdin ?? "")).toEqual(articlePayload(article));
  });

  test("runs a script directly (shebang), without a shell", async () => {
    const out = join(dir, "out.jsonl");
    await new ExecNotifier({ command: [bin("notify-capture.mjs"), out] }).send(makeArticle());
    expect(await captured(out)).toHaveLength(1);
  });

  test("hostile article data is only ever data", async () => {
    const canary = join(dir, "canary");
    await writeFile(canary, "");
    const pwned = (n: number) => join(dir, `pwned${n}`);
    const hostile = [
      `$(touch ${pwned(1)})`,
      `\`touch ${pwned(2)}\``,
      `; touch ${pwned(3)}; rm -rf ${canary}`,
      `| touch ${pwned(4)} && > ${pwned(5)}`,
      `' "; touch ${pwned(6)} #`,
    ].join(" ");
    const article = makeArticle({
      subject: hostile,
      from: { name: hostile, address: `x@$(touch ${pwned(7)})` },
      messageId: `<$(touch ${pwned(8)})@example.net>`,
      newsgroups: [`local.test;touch ${pwned(9)}`],
      snippet: hostile,
    });
    const out = join(dir, "out.jsonl");
    const notifier = new ExecNotifier({ command: [node, bin("notify-capture.mjs"), out] });
    await notifier.send(article);

    const [run] = await captured(out);
    expect(run?.argv).toEqual([out]);
    expect(JSON.parse(run?.stdin ?? "").subject).toBe(hostile);
    expect(await exists(canary)).toBe(true);
    for (let n = 1; n <= 9; n++) expect(await exists(pwned(n)), `pwned${n}`).toBe(false);
  });

  test("a non-zero exit throws with the code and the first stderr lines", async () => {
    const notifier = new ExecNotifier({ command: [node, bin("notify-fail.mjs"), "7"] });
    await expect(notifier.send(makeArticle())).rejects.toThrow(
      /^exited with code 7: fail line 1 \| fail line 2 \| fail line 3$/,
    );
  });

  test("a program that does not read its stdin and exits 0 succeeds", async () => {
    const notifier = new ExecNotifier({ command: [node, "-e", "process.exit(0)"] });
    await notifier.send(makeArticle({ snippet: "x".repeat(200_000) }));
  });

  test("a program that hangs is killed after the timeout", async () => {
    const notifier = new ExecNotifier({
      command: [node, "-e", "setInterval(() => {}, 1000)"],
      timeoutMs: 200,
    });
    await expect(notifier.send(makeArticle())).rejects.toThrow(/^timed out after 200 ms/);
  });

  test("a missing program", async () => {
    const notifier = new ExecNotifier({ command: [join(dir, "no-such-program")] });
    await expect(notifier.send(makeArticle())).rejects.toThrow(
      /^cannot run .*no-such-program: ENOENT$/,
    );
  });

  test("an abort stops the program and passes the signal's reason through", async () => {
    const controller = new AbortController();
    const started = join(dir, "abort-started");
    const notifier = new ExecNotifier({
      command: [
        node,
        "-e",
        `require("fs").writeFileSync(${JSON.stringify(started)}, ""); setInterval(() => {}, 1000)`,
      ],
    });
    const sending = notifier.send(makeArticle(), controller.signal);
    const reason = new Error("stop");
    // Aborted once the program runs (it says so with a file), not after a guessed delay.
    while (!existsSync(started)) await new Promise((r) => setTimeout(r, 20));
    controller.abort(reason);
    await expect(sending).rejects.toBe(reason);
  });

  test("label names the program only; preview is the payload", () => {
    const article = makeArticle();
    const notifier = new ExecNotifier({ command: ["/usr/local/bin/on-article", "--token=s3cret"] });
    expect(notifier.label).toBe("exec /usr/local/bin/on-article");
    expect(notifier.preview(article)).toEqual(articlePayload(article));
  });

  test("an empty command is refused", () => {
    expect(() => new ExecNotifier({ command: [] })).toThrow(TypeError);
  });
});
