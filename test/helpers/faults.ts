import { expect } from "vitest";
import { fingerprint } from "./fingerprint";
import { type Lab, startLab } from "./lab";

/**
 * The fault mix: 10% 5xx answers (500, 502, 503), 2% connection resets, bursts of 429
 * with Retry-After, 50 ms ± 40 ms latency — plus 2% of writes processed and then their answer lost,
 * the case where a blind retry of a create would duplicate it.
 */
export const faultMix = (seed: number) => ({
  seed,
  latencyMs: 50,
  jitterMs: 40,
  errors: [
    { rate: 0.034, status: 500 },
    { rate: 0.034, status: 502 },
    { rate: 0.034, status: 503 },
  ],
  resets: { rate: 0.02 },
  throttle: { rate: 0.01, burst: 3, retryAfterSeconds: 1 },
  lostResponses: { method: ["POST", "PUT", "DELETE"], rate: 0.02 },
});

/** The registry the sample tenants produce without faults: what every faulty run must end with. */
export async function expectedRegistry(): Promise<string[]> {
  const lab = await startLab();
  try {
    await lab.stack.up();
    return await fingerprint(lab);
  } finally {
    await lab.close();
  }
}

/** One apply of the sample lab under faults; then the registry must equal `expected`, line for line. */
export async function applyUnderFaults(seed: number, expected: string[]): Promise<void> {
  const lab: Lab = await startLab();
  try {
    await lab.api("POST", "/_emulator/faults", faultMix(seed));
    const up = await lab.stack.up();
    expect(up.summary.result, `seed ${seed}`).toBe("succeeded");
    await lab.api("POST", "/_emulator/faults", { clear: true });
    expect(await fingerprint(lab), `seed ${seed}`).toEqual(expected);
    // Nothing lost in the state either: the next preview finds no change.
    await lab.stack.preview({ refresh: true, expectNoChanges: true });
  } finally {
    await lab.close();
  }
}
