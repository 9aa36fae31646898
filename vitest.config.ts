import { defineConfig } from "vitest/config";

// "repod-source" makes `import ... from "repod"` resolve to runtime/index.ts (see package.json "exports").
export default defineConfig({
  resolve: { conditions: ["repod-source"] },
  ssr: { resolve: { conditions: ["repod-source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: "forks",
  },
});
