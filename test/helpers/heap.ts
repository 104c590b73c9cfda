import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Heap in use after a full garbage collection (V8's gc exposed on the fly, for tests only). */
export function heapAfterGc(): number {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
  return process.memoryUsage().heapUsed;
}
