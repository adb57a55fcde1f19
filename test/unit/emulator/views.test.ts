import { describe, expect, it } from "vitest";
import { timedeltaSeconds } from "../../../emulator/config";
import {
  avatar,
  formatDate,
  humanBytes,
  isoMicros,
  parseHumanSize,
  parseMirrorDate,
} from "../../../emulator/views";

describe("emulator view helpers", () => {
  it("formatDate writes RFC 2822 as email.utils.formatdate does", () => {
    expect(formatDate(Date.UTC(2024, 0, 1, 12, 0, 0))).toBe("Mon, 01 Jan 2024 12:00:00 -0000");
  });

  it("isoMicros is datetime.isoformat() + Z (fraction only when non-zero)", () => {
    expect(isoMicros(Date.UTC(2024, 0, 1) * 1000)).toBe("2024-01-01T00:00:00Z");
    expect(isoMicros(Date.UTC(2024, 0, 1) * 1000 + 123)).toBe("2024-01-01T00:00:00.000123Z");
  });

  it("parseMirrorDate accepts exactly %Y-%m-%dT%H:%M:%SZ", () => {
    expect(parseMirrorDate("2024-01-01T00:00:00Z")).toBe(Date.UTC(2024, 0, 1) * 1000);
    for (const bad of [
      "2024-01-01",
      "2024-01-01T00:00:00.5Z",
      "2024-02-30T00:00:00Z",
      "2024-01-01T24:00:00Z",
    ]) {
      expect(parseMirrorDate(bad)).toBeUndefined();
    }
  });

  it("humanBytes is bitmath's best_prefix with one decimal", () => {
    expect(humanBytes(10737418240)).toBe("10.0 GiB");
    expect(humanBytes(1000)).toBe("1000.0 Byte");
    expect(humanBytes(500000000)).toBe("476.8 MiB");
    expect(humanBytes(1536)).toBe("1.5 KiB");
  });

  it("parseHumanSize: SI for plain letters and xB, NIST for xi and xiB", () => {
    expect(parseHumanSize("10")).toBe(10);
    expect(parseHumanSize("1 GiB")).toBe(1073741824);
    expect(parseHumanSize("1Gi")).toBe(1073741824);
    expect(parseHumanSize("1G")).toBe(1e9);
    expect(parseHumanSize("2 MB")).toBe(2e6);
    expect(parseHumanSize("1 XB")).toBeUndefined();
  });

  it("timedeltaSeconds follows convert_to_timedelta (s m h d w y)", () => {
    expect(timedeltaSeconds("2w")).toBe(1209600);
    expect(timedeltaSeconds("0s")).toBe(0);
    expect(timedeltaSeconds("1y")).toBe(31536000);
    expect(timedeltaSeconds("7x")).toBeUndefined();
    expect(timedeltaSeconds("d")).toBeUndefined();
  });

  it("avatar hashes the email (or name) with sha256 and picks the colour from the first byte", () => {
    const a = avatar("admin", "admin@quay.local", "user");
    expect(a.hash).toHaveLength(64);
    expect(a).toMatchObject({ name: "admin", kind: "user" });
    expect(avatar("x", null, "team").hash).toBe(avatar("x", "X ", "team").hash);
  });
});
