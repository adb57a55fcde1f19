import { describe, expect, it } from "vitest";
import {
  formatBytes,
  parseDuration,
  parseExpiry,
  parsePercent,
  parsePruneAge,
  parseSize,
} from "../../../src/tenant/units";

const value = <T>(r: { ok: true; value: T } | { ok: false; reason: string }): T | string =>
  r.ok ? r.value : `error: ${r.reason}`;

describe("parseSize (Quay's quota sizes, docs/quay-api.md#quotas)", () => {
  it.each([
    ["500 GiB", 500 * 1024 ** 3],
    ["500GiB", 500 * 1024 ** 3],
    ["1 TiB", 1024 ** 4],
    ["10 Mi", 10 * 1024 ** 2],
    ["100 GB", 100e9],
    ["100 G", 100e9],
    ["2 KB", 2000],
    ["1024", 1024],
    ["7 B", 7],
    [536870912000, 536870912000],
  ])("%s → %d bytes", (input, bytes) => {
    expect(value(parseSize(input))).toBe(bytes);
  });

  it.each(["500 gib", "500  GiB", "1.5 GiB", "GiB", "-1 GiB", "0 GiB", "10 PiB", "1 EiB", 0, 1.5, -3, true])(
    "%s is refused",
    (input) => {
      expect(parseSize(input).ok).toBe(false);
    },
  );

  it("accepts exactly the largest safe integer and refuses one byte more", () => {
    expect(value(parseSize(String(Number.MAX_SAFE_INTEGER)))).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseSize("9007199254740992").ok).toBe(false);
  });
});

describe("parsePercent", () => {
  it.each([
    ["80%", 80],
    ["80 %", 80],
    ["1%", 1],
    ["100%", 100],
    [80, 80],
  ])("%s → %d", (input, n) => {
    expect(value(parsePercent(input))).toBe(n);
  });
  it.each(["0%", "101%", "80", "eighty", 0, 101, 50.5])("%s is refused", (input) => {
    expect(parsePercent(input).ok).toBe(false);
  });
});

describe("parseDuration (seconds)", () => {
  it.each([
    ["2w", 1209600],
    ["24h", 86400],
    ["90d", 7776000],
    ["30m", 1800],
    ["0s", 0],
    ["300s", 300],
    [600, 600],
  ])("%s → %d", (input, s) => {
    expect(value(parseDuration(input))).toBe(s);
  });
  it.each(["1y", "2 w", "1h30m", "h", "-1s", -1, 1.5, "99999999999999999999w"])("%s is refused", (input) => {
    expect(parseDuration(input).ok).toBe(false);
  });
});

describe("parsePruneAge (creation_date values, docs/quay-api.md#auto-prune)", () => {
  it("keeps the text, with years allowed and leading zeros dropped", () => {
    expect(value(parsePruneAge("90d"))).toBe("90d");
    expect(value(parsePruneAge("1y"))).toBe("1y");
    expect(value(parsePruneAge("007d"))).toBe("7d");
  });
  it.each(["0d", "00w", "90", "d", "90days", 90])("%s is refused", (input) => {
    expect(parsePruneAge(input).ok).toBe(false);
  });
});

describe("parseExpiry", () => {
  it("a date lasts through that day, UTC", () => {
    expect(value(parseExpiry("2027-01-31"))).toEqual(new Date("2027-02-01T00:00:00Z"));
  });
  it("a date-time ends at that instant", () => {
    expect(value(parseExpiry("2027-01-31T12:00:00+02:00"))).toEqual(new Date("2027-01-31T10:00:00Z"));
    expect(value(parseExpiry("2027-01-31T12:00Z"))).toEqual(new Date("2027-01-31T12:00:00Z"));
  });
  it.each([
    "2027-02-30",
    "2027-13-01",
    "2027-1-31",
    "31.01.2027",
    "2027-01-31T25:00:00Z",
    "2027-01-31T12:00:00",
  ])("%s is refused", (input) => {
    expect(parseExpiry(input).ok).toBe(false);
  });
  it("leap days", () => {
    expect(parseExpiry("2028-02-29").ok).toBe(true);
    expect(parseExpiry("2027-02-29").ok).toBe(false);
  });
});

describe("formatBytes", () => {
  it("uses the largest binary unit below the value", () => {
    expect(formatBytes(500 * 1024 ** 3)).toBe("500 GiB");
    expect(formatBytes(1e11)).toBe("93.13 GiB");
    expect(formatBytes(1536)).toBe("1.50 KiB");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1024 ** 4)).toBe("1 TiB");
  });
});
