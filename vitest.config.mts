import { defineConfig } from "vitest/config";

// Three tiers, run together by `npm test`:
// - unit: pure logic, no I/O beyond reading fixtures;
// - integration: real HTTP against the in-process emulator, real servers (PostgreSQL);
// - e2e: the real Pulumi engine (CLI + language host) driving our providers against the emulator.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          // The engine is CPU-heavy; on 2 cores running e2e files side by side only slows each down.
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 900_000,
        },
      },
      {
        // Not part of `npm test`: `npm run test:acceptance` against the real Quay named by QUAY_URL
        // (docs/acceptance.md); skipped as a whole when QUAY_URL is not set.
        test: {
          name: "acceptance",
          include: ["test/acceptance/**/*.test.ts"],
          environment: "node",
          // One Quay, slow per request: one file at a time.
          fileParallelism: false,
          testTimeout: 1_800_000,
          hookTimeout: 1_800_000,
        },
      },
      {
        // Not part of `npm test`: `npm run test:conformance:real`, the emulator conformance suite against
        // the real Quay named by QUAY_URL (docs/acceptance.md); skipped as a whole when it is not set.
        test: {
          name: "conformance",
          include: ["test/integration/emulator/**/*.test.ts"],
          environment: "node",
          env: { QG_CONFORMANCE_REAL: "1" },
          // One shared Quay, slow per request: one file at a time.
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        // Not part of `npm test`: `npm run test:soak` (docs/reliability.md).
        test: {
          name: "soak",
          include: ["test/soak/**/*.test.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 900_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
