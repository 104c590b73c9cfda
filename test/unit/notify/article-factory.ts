import type { Article } from "../../../src/article/article.js";

let serial = 0;

/** A plausible Article; override any field. Each call gets a fresh Message-ID and article number. */
export function makeArticle(overrides: Partial<Article> = {}): Article {
  serial++;
  return {
    messageId: `<test-${serial}@example.net>`,
    newsgroups: ["local.test"],
    from: { name: "Ada Lovelace", address: "ada@example.net" },
    subject: `Test article ${serial}`,
    date: "2026-11-24T12:00:00.000Z",
    path: `/var/spool/news/articles/local/test/${serial}`,
    snippet: "Hello,\nthis is a test.\n",
    group: "local.test",
    number: serial,
    xref: [{ group: "local.test", number: serial }],
    references: [],
    control: null,
    organization: null,
    userAgent: null,
    bytes: 512,
    truncated: false,
    token: null,
    truncatedFields: [],
    ...overrides,
  };
}

/** True when `text` has a C0 or C1 control character or DEL (raw, as a terminal would see it). */
export function hasControl(text: string): boolean {
  return [...text].some((c) => {
    const code = c.codePointAt(0) ?? 0;
    return code < 0x20 || (code >= 0x7f && code <= 0x9f);
  });
}

/** Every field far past every service's limits, in characters of 1 to 4 UTF-8 bytes and 2 UTF-16 units. */
export function makeLongArticle(overrides: Partial<Article> = {}): Article {
  const mixed = "aä€😀 ".repeat(4000);
  return makeArticle({
    subject: `Long ${mixed.slice(0, 3000)}`,
    from: { name: "N😀".repeat(300), address: "long@example.net" },
    newsgroups: Array.from({ length: 50 }, (_, i) => `comp.very.long.group.name.${i}`),
    snippet: `${mixed}\n${mixed}`,
    ...overrides,
  });
}
