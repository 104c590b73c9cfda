// @ts-check
/**
 * Contender "INN channel feed": innd itself writes a line per filed article to a program
 * (newsfeeds `Tc,Wnm`). No detection at all, so it is the reference for what notification
 * costs when the server tells you. The reader (channel-reader.mjs) forwards to us over TCP; a
 * receiver thread (stamper.mjs) stamps each chunk as it arrives.
 */
import { fileURLToPath } from "node:url";
import { lineSplitter, Receipts } from "./receipts.mjs";
import { stamper } from "./stamper.mjs";

const READER = fileURLToPath(new URL("./channel-reader.mjs", import.meta.url));

/**
 * Listens first: innd's newsfeeds entry needs the port (see `newsfeedsEntry`). `pattern`: the
 * newsfeeds wildmat of the groups it is fed (a narrow subscription: innd's own filtering).
 */
export async function channelContender({ pattern = "bench.*" } = {}) {
  const receipts = new Receipts();
  /** @type {number | null} */
  let readerPid = null;
  /** @type {() => void} */
  let connected = () => {};
  const ready = new Promise((/** @type {(v: void) => void} */ r) => (connected = r));
  const receiver = stamper({ kind: "tcp" });
  /** @type {Map<number, ReturnType<typeof lineSplitter>>} */
  const conns = new Map();
  const onLine = (/** @type {string} */ line, /** @type {number} */ at) => {
    if (line.startsWith("PID ")) {
      readerPid = Number(line.slice(4));
      connected();
      return;
    }
    // "<storage token> <Message-ID>", as Wnm asks.
    const id = line.split(" ")[1];
    if (id) receipts.add(id, at);
  };
  receiver.events.on("chunk", (/** @type {{conn: number, text: string, at: number}} */ m) => {
    let split = conns.get(m.conn);
    if (!split) {
      split = lineSplitter(onLine);
      conns.set(m.conn, split);
    }
    split(m.text, m.at);
  });
  const { port } = await receiver.ready;

  return {
    name: "channel",
    label: "INN channel feed (Tc,Wnm)",
    what: "innd writes Message-ID to a pipe after filing; reader forwards it (no article read)",
    keyKind: /** @type {const} */ ("messageId"),
    receipts,
    /** The newsfeeds entry that feeds `pattern` to our reader (innd runs it as user news). */
    newsfeedsEntry: `newsnotify-bench:${pattern}:Tc,Wnm:${process.execPath} ${READER} 127.0.0.1 ${port}\n`,
    /** Resolves once innd has started the reader and it has connected. */
    async start() {
      await Promise.race([
        ready,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error("innd did not start the channel reader")), 20_000),
        ),
      ]);
      return {};
    },
    pids: () => (readerPid ? [readerPid] : []),
    stop: () => receiver.stop(),
  };
}
