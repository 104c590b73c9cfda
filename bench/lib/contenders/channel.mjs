// @ts-check
/**
 * Contender "INN channel feed": innd itself writes a line per filed article to a program
 * (newsfeeds `Tc,Wnm`). No detection at all, so it is the reference for what notification
 * costs when the server tells you. The reader (channel-reader.mjs) forwards to us over TCP.
 */
import net from "node:net";
import { fileURLToPath } from "node:url";
import { nowMs } from "../clock.mjs";
import { Receipts } from "./receipts.mjs";

const READER = fileURLToPath(new URL("./channel-reader.mjs", import.meta.url));

/** Listens first: innd's newsfeeds entry needs the port (see `newsfeedsEntry`). */
export async function channelContender() {
  const receipts = new Receipts();
  /** @type {number | null} */
  let readerPid = null;
  /** @type {() => void} */
  let connected = () => {};
  const ready = new Promise((/** @type {(v: void) => void} */ r) => (connected = r));
  /** @type {Set<net.Socket>} */
  const sockets = new Set();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.setEncoding("utf8");
    let buf = "";
    sock.on("data", (/** @type {string} */ chunk) => {
      const at = nowMs();
      buf += chunk;
      let nl = buf.indexOf("\n");
      for (; nl >= 0; nl = buf.indexOf("\n")) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith("PID ")) {
          readerPid = Number(line.slice(4));
          connected();
          continue;
        }
        // "<storage token> <Message-ID>", as Wnm asks.
        const id = line.split(" ")[1];
        if (id) receipts.add(id, at);
      }
    });
    sock.on("close", () => sockets.delete(sock));
  });
  await new Promise((/** @type {(v: void) => void} */ r) => server.listen(0, "127.0.0.1", r));
  const port = /** @type {net.AddressInfo} */ (server.address()).port;

  return {
    name: "channel",
    label: "INN channel feed (Tc,Wnm)",
    what: "innd writes Message-ID to a pipe after filing; reader forwards it (no article read)",
    keyKind: /** @type {const} */ ("messageId"),
    receipts,
    /** The newsfeeds entry that feeds bench.* to our reader (innd runs it as user news). */
    newsfeedsEntry: `newsnotify-bench:bench.*:Tc,Wnm:${process.execPath} ${READER} 127.0.0.1 ${port}\n`,
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
    async stop() {
      for (const s of sockets) s.destroy();
      if (server.listening) await new Promise((r) => server.close(r));
    },
  };
}
