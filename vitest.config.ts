import { defineConfig } from "vitest/config";

// Two projects: fast pure/unit tests, and end-to-end tests that need root, bpftrace and a real innd.
// The e2e ones run one file at a time: they share one innd and the kernel's tracing.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          // A stray `.only` fails the run instead of quietly running one test (CI or not).
          allowOnly: false,
          include: ["test/unit/**/*.test.ts"],
          // A deadline, not a speed target: vitest's default 5 s failed property tests (wildmat, a
          // few thousand cases) on a 2-core machine at load 10. Speed targets live in bench/.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "e2e",
          allowOnly: false,
          include: ["test/e2e/**/*.test.ts"],
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
