import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { exitCodeFor } from "../../../src/cli/exit";
import { main } from "../../../src/cli/main";
import { parseCommandArgs } from "../../../src/cli/options";
import { ConfigError, EngineError, StackLockedError, UsageError } from "../../../src/errors";

let out: string;
let err: string;

beforeEach(() => {
  out = "";
  err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("parseCommandArgs", () => {
  const spec = { options: { port: { type: "string" as const } }, help: "usage: x [--port N]" };

  it("gives the values and positionals", () => {
    expect(parseCommandArgs<{ port?: string }>(["--port", "1"], spec)).toEqual({
      values: { port: "1" },
      positionals: [],
    });
    expect(parseCommandArgs(["a", "b"], { ...spec, positionals: true })?.positionals).toEqual(["a", "b"]);
  });

  it("an unknown option, a missing value or a stray argument is a UsageError carrying the help", () => {
    for (const args of [["--bogus"], ["--port"], ["extra"]]) {
      let caught: unknown;
      try {
        parseCommandArgs(args, spec);
      } catch (e) {
        caught = e;
      }
      expect(caught, args.join(" ")).toBeInstanceOf(UsageError);
      expect((caught as Error).message).toContain("usage: x [--port N]");
    }
  });

  it("--help and -h print the help and answer undefined", () => {
    expect(parseCommandArgs(["--help"], spec)).toBeUndefined();
    expect(parseCommandArgs(["-h"], spec)).toBeUndefined();
    expect(out).toBe("usage: x [--port N]\nusage: x [--port N]\n");
  });
});

describe("exitCodeFor", () => {
  it("4 for a locked stack, 2 for usage and bugs, 1 for other failures", () => {
    expect(exitCodeFor(new StackLockedError("locked", "s", []))).toBe(4);
    expect(exitCodeFor(new UsageError("u"))).toBe(2);
    expect(exitCodeFor(new TypeError("bug"))).toBe(2);
    expect(exitCodeFor(new ConfigError("c"))).toBe(1);
    expect(exitCodeFor(new EngineError("e"))).toBe(1);
  });

  it("a command's own codes for usage and internal errors; a lock stays 4", () => {
    const codes = { usage: 1, internal: 1 };
    expect(exitCodeFor(new UsageError("u"), codes)).toBe(1);
    expect(exitCodeFor(new TypeError("bug"), codes)).toBe(1);
    expect(exitCodeFor(new StackLockedError("locked", "s", []), codes)).toBe(4);
  });
});

describe("every command parses through the one parser", () => {
  // `drift` says "drift found" with 2, so its usage errors are 1.
  const commands: [string, number][] = [
    ["apply", 2],
    ["demo", 2],
    ["drift", 1],
    ["emulator", 2],
    ["preview", 2],
    ["report", 2],
    ["state", 2],
    ["tokens", 2],
    ["validate", 2],
    ["version", 2],
  ];

  it.each(commands)(
    "%s --bogus: a usage error with the command's help, no stack trace",
    async (name, code) => {
      expect(await main([name, "--bogus"])).toBe(code);
      expect(err).toContain(`quay-gitops ${name}: Unknown option '--bogus'`);
      expect(err).toContain(`usage: quay-gitops ${name}`);
      expect(err).not.toMatch(/^\s+at /m);
    },
  );

  it.each(commands)("%s --help: the help on stdout, exit 0", async (name) => {
    expect(await main([name, "--help"])).toBe(0);
    expect(out).toContain(`usage: quay-gitops ${name}`);
  });
});
