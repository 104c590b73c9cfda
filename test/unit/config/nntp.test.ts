// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:...} is the config syntax under test
import { describe, expect, it } from "vitest";
import { catchUpNntpSchema } from "../../../src/config/nntp.js";

describe("catchUp.nntp: where and as whom catch-up reads the overview", () => {
  const schema = catchUpNntpSchema({ NNTP_PW: "from-env" });
  it.each<[string, unknown, unknown]>([
    ["nothing: INN's own (inn.conf, passwd.nntp)", {}, { passwdNntp: true }],
    [
      "user and password, the password from the environment",
      { user: "r", password: "${env:NNTP_PW}" },
      { user: "r", password: "from-env", passwdNntp: true },
    ],
    ["host and port", { host: "::1", port: 1119 }, { host: "::1", port: 1119, passwdNntp: true }],
    ["passwd.nntp refused", { passwdNntp: false }, { passwdNntp: false }],
  ])("%s", (_what, input, want) => {
    expect(schema.parse(input)).toEqual(want);
  });

  it.each<[string, unknown, RegExp]>([
    ["a user without a password", { user: "r" }, /user and password go together/],
    ["a password without a user", { password: "p" }, /user and password go together/],
    ["a variable not set", { user: "r", password: "${env:NOPE}" }, /NOPE/],
    ["a port out of range", { port: 70000 }, /65535/],
    ["a two-line password", { user: "r", password: "a\nb" }, /one line/],
  ])("refuses %s", (_what, input, problem) => {
    const r = schema.safeParse(input);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(problem);
  });
});
