#!/usr/bin/env node
// @ts-check
/**
 * The "tiny reader" at the end of INN's channel feed (newsfeeds: `Tc,Wnm:<this> HOST PORT`).
 * innd starts it and writes one line per filed article ("<token> <Message-ID>") to its stdin; it
 * passes each chunk on to the bench over TCP at once, and says its pid first so its CPU and
 * memory can be measured. Exits when innd closes the pipe.
 */
import net from "node:net";

const [host = "127.0.0.1", port = "0"] = process.argv.slice(2);
const sock = net.connect(Number(port), host);
sock.setNoDelay(true);
sock.write(`PID ${process.pid}\n`);
process.stdin.on("data", (chunk) => sock.write(chunk));
process.stdin.on("end", () => sock.end());
sock.on("error", () => process.exit(1));
