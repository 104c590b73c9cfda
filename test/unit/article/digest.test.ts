import { expect, test } from "vitest";
import { parseArticle } from "../../../src/article/parse.js";

test("multipart/digest: the snippet is the first embedded message's text, not its header", () => {
  const raw =
    "Message-ID: <d@x>\nFrom: a@x\nSubject: digest\nNewsgroups: g\nMIME-Version: 1.0\n" +
    'Content-Type: multipart/digest; boundary="D"\n\n' +
    "--D\n\nFrom: one@x\nSubject: first\nContent-Type: text/plain; charset=utf-8\n\nFirst message text.\n" +
    "--D\n\nFrom: two@x\nSubject: second\n\nSecond.\n--D--\n";
  const a = parseArticle(Buffer.from(raw), { path: "/s/g/1", group: "g", number: 1 });
  expect(a.snippet).toBe("First message text.");
});

test("a digest part with its own Content-Type keeps it", () => {
  const raw =
    "Message-ID: <d2@x>\nFrom: a@x\nSubject: digest\nNewsgroups: g\nMIME-Version: 1.0\n" +
    'Content-Type: multipart/digest; boundary="D"\n\n' +
    "--D\nContent-Type: text/plain\n\nA plain part.\n--D--\n";
  const a = parseArticle(Buffer.from(raw), { path: "/s/g/2", group: "g", number: 2 });
  expect(a.snippet).toBe("A plain part.");
});
