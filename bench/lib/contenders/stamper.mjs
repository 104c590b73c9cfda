// @ts-check
/**
 * Receipt stamps taken off the main thread: each contender's receiver (an HTTP server, a TCP server,
 * or a child's stdout) lives in its own worker thread, which stamps every body or chunk with nowMs()
 * the moment it is in hand and posts it on. Parsing (JSON bodies, lines) happens in the main thread
 * afterwards, so parsing one contender's notifications, or feeding, or the bench's own bookkeeping,
 * cannot delay another contender's stamp. Every worker reads the same CLOCK_MONOTONIC.
 *
 *   const s = stamper({ kind: "http" });
 *   s.events.on("body", ({ at, body }) => ...);   // body: Uint8Array, at: nowMs() on arrival
 *   const { port } = await s.ready;                // http/tcp: the port; spawn: { pid }
 *   await s.stop();                                // all messages before this have arrived
 *
 * Messages: http → "body" {at, body}; tcp → "chunk" {at, conn, text}, "close" {conn};
 * spawn → "chunk" {at, conn: 0, text} (stdout), "stderr" {text}, "exit" {code, signal}.
 */
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { createServer } from "node:http";
import net from "node:net";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { stopChild } from "../child.mjs";
import { nowMs } from "../clock.mjs";

/**
 * @typedef {{kind: "http"} | {kind: "tcp"} | {kind: "spawn", cmd: string, args: string[],
 *   stopSignal?: NodeJS.Signals}} StamperSpec
 */

/** @param {StamperSpec} spec */
export function stamper(spec) {
  const events = new EventEmitter();
  const w = new Worker(new URL(import.meta.url), { workerData: spec });
  let exited = false;
  w.on("message", (/** @type {any} */ m) => events.emit(m.type, m));
  w.on("error", (e) => events.emit("error", e));
  w.on("exit", () => {
    exited = true;
    events.emit("worker-exit");
  });
  /** @type {Promise<any>} */
  const ready = new Promise((resolve, reject) => {
    events.once("ready", resolve);
    events.once("error", reject);
  });
  ready.catch(() => {}); // a caller that never awaits it must not crash the bench
  return {
    events,
    ready,
    /** Stops the receiver (or child) and the worker; resolves once every message has arrived. */
    async stop() {
      if (exited) return;
      const done = new Promise((r) => events.once("worker-exit", r));
      w.postMessage({ type: "stop" });
      await done;
    },
  };
}

/** The worker's side. @param {StamperSpec} spec @param {import("node:worker_threads").MessagePort} port */
async function serve(spec, port) {
  /** @type {() => Promise<void>} */
  let stop = async () => {};
  if (spec.kind === "http") {
    const server = createServer((req, res) => {
      /** @type {Buffer[]} */
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        const at = nowMs(); // the whole body is here: the notification is in hand
        res.writeHead(200, { "content-type": "text/plain" }).end();
        const body = new Uint8Array(Buffer.concat(chunks));
        port.postMessage({ type: "body", at, body }, [body.buffer]);
      });
    });
    await new Promise((/** @type {(v: void) => void} */ r) => server.listen(0, "127.0.0.1", r));
    port.postMessage({
      type: "ready",
      port: /** @type {net.AddressInfo} */ (server.address()).port,
    });
    stop = async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    };
  } else if (spec.kind === "tcp") {
    /** @type {Set<net.Socket>} */
    const sockets = new Set();
    let conns = 0;
    const server = net.createServer((sock) => {
      const conn = conns++;
      sockets.add(sock);
      sock.setEncoding("utf8");
      sock.on("data", (/** @type {string} */ text) =>
        port.postMessage({ type: "chunk", at: nowMs(), conn, text }),
      );
      sock.on("close", () => {
        sockets.delete(sock);
        port.postMessage({ type: "close", conn });
      });
    });
    await new Promise((/** @type {(v: void) => void} */ r) => server.listen(0, "127.0.0.1", r));
    port.postMessage({
      type: "ready",
      port: /** @type {net.AddressInfo} */ (server.address()).port,
    });
    stop = async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    };
  } else {
    const child = spawn(spec.cmd, spec.args, { stdio: ["ignore", "pipe", "pipe"] });
    // "close" comes after the last of its output has been read (and posted), unlike "exit".
    const closed = new Promise((r) => child.once("close", r));
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (/** @type {string} */ text) =>
      port.postMessage({ type: "chunk", at: nowMs(), conn: 0, text }),
    );
    child.stderr.on("data", (/** @type {string} */ text) =>
      port.postMessage({ type: "stderr", text }),
    );
    child.once("exit", (code, signal) => port.postMessage({ type: "exit", code, signal }));
    child.once("error", (e) => port.postMessage({ type: "exit", code: null, error: String(e) }));
    port.postMessage({ type: "ready", pid: child.pid ?? null });
    stop = async () => {
      await stopChild(child, spec.stopSignal ?? "SIGTERM");
      await closed;
    };
  }
  port.on("message", async (/** @type {any} */ m) => {
    if (m.type !== "stop") return;
    await stop();
    process.exit(0);
  });
}

if (!isMainThread && parentPort) {
  await serve(workerData, parentPort);
}
