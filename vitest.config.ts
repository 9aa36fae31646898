import { defineConfig } from "vitest/config";

// "repod-source" makes `import ... from "repod"` resolve to runtime/index.ts (see package.json "exports").
export default defineConfig({
  resolve: { conditions: ["repod-source"] },
  ssr: { resolve: { conditions: ["repod-source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
    // Bounds that end a broken test, not expectations of speed: a busy 2-core machine is slow.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
