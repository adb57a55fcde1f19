import { beforeAll, it } from "vitest";
import { applyUnderFaults, expectedRegistry } from "../../helpers/faults";

// Faults (short version; `npm run test:soak` repeats it with 20 seeds).
let expected: string[];
beforeAll(async () => {
  expected = await expectedRegistry();
});

it("converges to exactly the desired state under 5xx, resets, 429 bursts, latency and lost answers", async () => {
  await applyUnderFaults(20261127, expected);
});
