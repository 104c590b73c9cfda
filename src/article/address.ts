import addressparser from "emailjs-addressparser";
import type { Mailbox } from "./article.js";
import { decodeWords } from "./rfc2047.js";

// Node's ESM import of this CommonJS module yields { default: fn }; some loaders unwrap it already.
const parseAddressList =
  typeof addressparser === "function" ? addressparser : addressparser.default;

/** The first mailbox of a From-like field: "Name <a@b>", "a@b (Name)", "=?utf-8?q?...?= <a@b>". */
export function parseMailbox(value: string): Mailbox {
  const [parsed] = parseAddressList(value);
  const mailbox = parsed?.group?.[0] ?? parsed;
  return {
    name: decodeWords(mailbox?.name ?? parsed?.name ?? "").trim(),
    address: mailbox?.address ?? "",
  };
}
