import { beforeAll, describe, it } from "vitest";
import { applyUnderFaults, expectedRegistry } from "../helpers/faults";

// Faults soak: the fault mix of test/helpers/faults.ts with 20 seeds (`npm run test:soak`).
// QG_SOAK_SEEDS=n changes the number of seeds, QG_SOAK_FIRST_SEED the first one.
const count = Number(process.env.QG_SOAK_SEEDS ?? 20);
const first = Number(process.env.QG_SOAK_FIRST_SEED ?? 1);
const seeds = Array.from({ length: count }, (_, i) => first + i);

describe("apply under faults, many seeds", () => {
  let expected: string[];
  beforeAll(async () => {
    expected = await expectedRegistry();
  });
  for (const seed of seeds) {
    it(`seed ${seed}`, async () => {
      await applyUnderFaults(seed, expected);
    });
  }
});
