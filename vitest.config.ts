import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// "repod-source" makes `import ... from "repod"` resolve to runtime/index.ts (see package.json "exports").
// The generator (codegen/, a package of its own) imports `repod/compat`: here, the runtime's source (as tsconfig.json's paths).
const compat = fileURLToPath(new URL("./runtime/compat/index.ts", import.meta.url));

export default defineConfig({
  resolve: { conditions: ["repod-source"], alias: [{ find: /^repod\/compat$/, replacement: compat }] },
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
