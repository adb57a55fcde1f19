import { describe, expect, it } from "vitest";
import { kinds } from "../../../src/kinds";
import type { DefaultPermissionModel } from "../../../src/model/types";
import { effectivePermissions } from "../../../src/program/desired";

describe("effective repository grants", () => {
  const defaults: DefaultPermissionModel[] = [
    { delegate: { kind: "team", name: "lab-automation" }, role: "read", origin: "registry" },
    { delegate: { kind: "team", name: "developers" }, role: "write", origin: "tenant" },
    {
      delegate: { kind: "robot", name: "acme+ci" },
      role: "write",
      activatingUser: "acme-alice",
      origin: "tenant",
    },
  ];

  it("adds the default permissions Quay applies at creation; declared grants win; activating-user ones are left out", () => {
    const got = effectivePermissions(
      { permissions: [{ kind: "team", name: "developers", role: "admin" }] },
      defaults,
    );
    expect(got).toEqual([
      { kind: "team", name: "developers", role: "admin" },
      { kind: "team", name: "lab-automation", role: "read" },
    ]);
  });
});

describe("resource names", () => {
  it("are readable and distinct for distinct objects", () => {
    expect(kinds.Robot.resourceName("acme+ci")).toBe("acme+ci");
    expect(
      kinds.AutoPrunePolicy.resourceName("acme", undefined, {
        method: "creation_date",
        tagPattern: "^pr-",
        tagPatternMatches: true,
      }),
    ).toBe("acme/prune/creation_date:^pr-");
    expect(
      kinds.AutoPrunePolicy.resourceName("acme", "op", { method: "number_of_tags", tagPatternMatches: true }),
    ).toBe("acme/op/prune/number_of_tags");
    expect(
      kinds.DefaultPermission.resourceName("acme", {
        delegate: { kind: "robot", name: "acme+ci" },
        role: "write",
        activatingUser: "acme-alice",
        origin: "tenant",
      }),
    ).toBe("acme/default/robot:acme+ci@acme-alice");
  });
});
