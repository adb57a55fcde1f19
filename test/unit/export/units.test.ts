import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { envName, formatDuration, formatSize } from "../../../src/export";
import { parseDuration, parseSize } from "../../../src/tenant/units";

describe("export units", () => {
  it("writes durations and sizes the loader reads back as the same number", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 86400 }), (s) => {
        expect(parseDuration(formatDuration(s))).toEqual({ ok: true, value: s });
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (b) => {
        expect(parseSize(formatSize(b))).toEqual({ ok: true, value: b });
      }),
    );
  });

  it("picks the largest unit", () => {
    expect(formatDuration(1_209_600)).toBe("2w");
    expect(formatDuration(86_400)).toBe("1d");
    expect(formatDuration(300)).toBe("5m");
    expect(formatDuration(90)).toBe("90s");
    expect(formatSize(500 * 1024 ** 3)).toBe("500 GiB");
    expect(formatSize(100 * 1000 ** 3)).toBe("100 GB");
    expect(formatSize(1536 * 1024 ** 2)).toBe("1536 MiB");
    expect(formatSize(12345)).toBe(12345);
  });

  it("derives environment variable names", () => {
    expect(envName("acme", "ubi9/ubi", "MIRROR_PASSWORD")).toBe("ACME_UBI9_UBI_MIRROR_PASSWORD");
    expect(envName("9lives", "x.y", "P")).toBe("_9LIVES_X_Y_P");
  });
});
