/**
 * For a test that can only say something as root (file ownership, setuid, INN's user): CI runs as
 * root, so such a test fails loudly elsewhere instead of being skipped, and a run that is not root
 * cannot pass quietly.
 */
export function requireRoot(why: string): void {
  if (process.geteuid?.() !== 0) {
    throw new Error(`this test needs root (${why}); CI runs as root: run it as root`);
  }
}
