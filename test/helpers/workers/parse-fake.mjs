// A stand-in parse thread entry for test/unit/storage/parse-thread.test.ts: the same messages as
// src/storage/parse-thread-main.ts, and an article's first line says what to do with it.
import { parentPort } from "node:worker_threads";

const hoard = [];
parentPort.on("message", ({ id, raw, opts }) => {
  const text = Buffer.from(raw).toString("latin1");
  // Parses only once the test lets it: opts.gate is an Int32Array over a SharedArrayBuffer.
  if (text.startsWith("GATED")) Atomics.wait(opts.gate, 0, 0);
  if (text.startsWith("HANG")) for (;;);
  if (text.startsWith("HOARD")) for (;;) hoard.push(new Array(1e6).fill(hoard.length));
  if (text.startsWith("THROW")) return parentPort.postMessage({ id, failed: "TypeError: boom" });
  if (text.startsWith("NOTANARTICLE"))
    return parentPort.postMessage({ id, unparsable: "no Message-ID header" });
  parentPort.postMessage({
    id,
    article: { messageId: `<${text.split("\n")[0]}>`, group: opts.group },
  });
});
