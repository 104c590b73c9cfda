import { describe, expect, it } from "vitest";
import { chooseConfigFile, DEFAULT_CONFIG } from "../../../src/config/default-path.js";

describe("chooseConfigFile: --config, else the package's file when it exists, else none", () => {
  it.each([
    [
      "--config wins",
      "/tmp/mine.yaml",
      true,
      "/tmp/mine.yaml",
      "config: /tmp/mine.yaml (--config)",
    ],
    [
      "--config wins even when it is missing (the loader says so)",
      "/nope.yaml",
      false,
      "/nope.yaml",
      "config: /nope.yaml (--config)",
    ],
    [
      "the default when it exists",
      undefined,
      true,
      DEFAULT_CONFIG,
      `config: ${DEFAULT_CONFIG} (the default)`,
    ],
    [
      "none when it does not",
      undefined,
      false,
      undefined,
      `config: none (no ${DEFAULT_CONFIG}): INN's own paths and the stdout notifier`,
    ],
  ])("%s", (_what, given, exists, file, said) => {
    const asked: string[] = [];
    const choice = chooseConfigFile(given, (p) => {
      asked.push(p);
      return exists;
    });
    expect(choice).toEqual({ file, said });
    expect(asked).toEqual(given === undefined ? [DEFAULT_CONFIG] : []);
  });
});
