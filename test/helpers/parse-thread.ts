import { bundleEntry } from "./bundle.js";

/**
 * The parse thread's entry (src/storage/parse-thread-main.ts) bundled to JavaScript from the
 * sources under test, for a ParseThread in a unit test (a worker thread cannot load TypeScript).
 */
export async function parseThreadEntry(): Promise<{ url: URL; remove(): void }> {
  return bundleEntry("src/storage/parse-thread-main.ts");
}
