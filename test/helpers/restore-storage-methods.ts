/**
 * Undo what test/helpers/storage-methods.ts did, from a fresh process (after a crashed test run):
 *   sudo flock /tmp/nn-innd.lock npx vite-node test/helpers/restore-storage-methods.ts
 */
import { restoreStorageMethods } from "./storage-methods.js";

console.log(`restored: ${restoreStorageMethods()}`);
