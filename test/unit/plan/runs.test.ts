import { describe, expect, it } from "vitest";
import {
  clockSuffix,
  ownRunWindows,
  parseClockSuffix,
  RECORDED_TOLERANCE_MS,
  UNRECORDED_TOLERANCE_MS,
} from "../../../src/plan/runs";
import { applyMessage, type HistoryEntry, lastApplyOf } from "../../../src/plan/selection";

const COMMIT = "98739bbe945fb3ccae346894e17ac8153156be28";
const message = (clock?: { offsetMs?: number; auth?: "token" | "session" }) =>
  applyMessage({
    commit: COMMIT,
    branch: "main",
    version: "0.1.0",
    partial: false,
    checksum: "sha256:abc",
    clock,
  });

describe("quay-gitops' own runs on Quay's clock", () => {
  it("records Quay's clock and the run's authentication in the apply message, and reads them back", () => {
    const m = message({ offsetMs: -2_340, auth: "token" });
    expect(m).toBe(
      `quay-gitops apply ${COMMIT} (main) quay-gitops/0.1.0 plan sha256:abc quay-clock -2340ms auth token`,
    );
    expect(parseClockSuffix(m)).toEqual({ offsetMs: -2_340, auth: "token" });
    expect(parseClockSuffix(message({ offsetMs: 15, auth: "session" }))).toEqual({
      offsetMs: 15,
      auth: "session",
    });
    expect(parseClockSuffix(message())).toEqual({});
    expect(clockSuffix({ offsetMs: Number.NaN })).toBe("");
    // The selection still reads the commit and the version of a message with the clock.
    const h: HistoryEntry = {
      kind: "update",
      result: "succeeded",
      message: m,
      startTime: "2026-12-02T19:00:00Z",
    };
    expect(lastApplyOf([h]).last).toMatchObject({ commit: COMMIT, version: "0.1.0" });
  });

  it("places a run with a recorded clock to within seconds, and one without it with this machine's clock and a minute", () => {
    const history: HistoryEntry[] = [
      {
        kind: "update",
        result: "succeeded",
        message: message({ offsetMs: 120_000, auth: "token" }),
        startTime: "2026-12-02T19:00:00Z",
        endTime: "2026-12-02T19:00:30Z",
      },
    ];
    const w = ownRunWindows(history, 0);
    expect(w.lastApply).toEqual({
      start: new Date("2026-12-02T19:00:00Z"),
      end: new Date("2026-12-02T19:00:30Z"),
    });
    expect(w.runs).toEqual([
      {
        from: new Date(Date.parse("2026-12-02T19:02:00Z") - RECORDED_TOLERANCE_MS),
        to: new Date(Date.parse("2026-12-02T19:02:31Z") + RECORDED_TOLERANCE_MS),
        auth: "token",
      },
    ]);
    expect(w.since).toEqual(w.runs[0]!.from);
    // A hand change one minute after the apply is outside its window.
    expect(Date.parse("2026-12-02T19:03:31Z")).toBeGreaterThan(w.runs[0]!.to.getTime());

    const old = ownRunWindows([{ ...history[0]!, message: message() }], 5_000);
    expect(old.runs).toEqual([
      {
        from: new Date(Date.parse("2026-12-02T19:00:05Z") - UNRECORDED_TOLERANCE_MS),
        to: new Date(Date.parse("2026-12-02T19:00:36Z") + UNRECORDED_TOLERANCE_MS),
      },
    ]);
  });

  it("keeps every update since the last successful one (a failed one wrote too), and stops there", () => {
    const history: HistoryEntry[] = [
      {
        kind: "refresh",
        result: "succeeded",
        startTime: "2026-12-02T21:00:00Z",
        endTime: "2026-12-02T21:00:10Z",
      },
      {
        kind: "update",
        result: "failed",
        message: message({ offsetMs: 0, auth: "token" }),
        startTime: "2026-12-02T20:00:00Z",
        endTime: "2026-12-02T20:00:10Z",
      },
      {
        kind: "update",
        result: "succeeded",
        message: message({ offsetMs: 0, auth: "token" }),
        startTime: "2026-12-02T19:00:00Z",
        endTime: "2026-12-02T19:00:10Z",
      },
      {
        kind: "update",
        result: "succeeded",
        startTime: "2026-12-01T19:00:00Z",
        endTime: "2026-12-01T19:00:10Z",
      },
    ];
    const w = ownRunWindows(history, 0);
    expect(w.runs.map((r) => r.from.toISOString())).toEqual([
      new Date(Date.parse("2026-12-02T20:00:00Z") - RECORDED_TOLERANCE_MS).toISOString(),
      new Date(Date.parse("2026-12-02T19:00:00Z") - RECORDED_TOLERANCE_MS).toISOString(),
    ]);
    expect(w.lastApply?.start).toEqual(new Date("2026-12-02T19:00:00Z"));
    expect(ownRunWindows([], 0)).toEqual({ runs: [] });
  });
});
