import { describe, expect, it } from "vitest";
import { assertCredentialsEncrypted } from "../../../src/gitops/engine";

describe("credentials in the stack config", () => {
  it("must be secrets: the engine copies the stack config into the state", () => {
    expect(() =>
      assertCredentialsEncrypted({ "quay-gitops:password": { value: "pw-in-clear", secret: false } }, "prod"),
    ).toThrow(
      /quay-gitops:password is in stack prod's config in clear text.*pulumi config set --secret quay-gitops:password/,
    );
    expect(() =>
      assertCredentialsEncrypted({ "quay-gitops:token": { value: "tok-in-clear" } }, "prod"),
    ).toThrow(/quay-gitops:token/);
    expect(() =>
      assertCredentialsEncrypted(
        {
          "quay-gitops:password": { value: "pw", secret: true },
          "quay-gitops:username": { value: "automation" },
          "quay-gitops:url": { value: "https://q" },
        },
        "prod",
      ),
    ).not.toThrow();
  });
});
