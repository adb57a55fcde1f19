import { describe, expect, it } from "vitest";
import { apiPath, encodeSegment, pathOf, repo, stripQuery, withQuery } from "../../../src/quay/paths";

describe("encodeSegment", () => {
  it("keeps robot names readable: + stays literal (docs/quay-api.md#routing)", () => {
    expect(encodeSegment("acme+ci")).toBe("acme+ci");
  });
  it("encodes characters that would change the route", () => {
    expect(encodeSegment("a/b")).toBe("a%2Fb");
    expect(encodeSegment("a?b#c")).toBe("a%3Fb%23c");
    expect(encodeSegment("a b%")).toBe("a%20b%25");
    expect(encodeSegment("ops@example.com")).toBe("ops%40example.com");
  });
  it("refuses segments that URL normalisation would drop", () => {
    expect(() => encodeSegment("")).toThrow(TypeError);
    expect(() => encodeSegment(".")).toThrow(TypeError);
    expect(() => encodeSegment("..")).toThrow(TypeError);
  });
  it("accepts numbers (quota ids)", () => {
    expect(encodeSegment(42)).toBe("42");
  });
});

describe("repo", () => {
  it("keeps the slashes of nested repository names and encodes each part", () => {
    expect(repo("acme", "team/app").value).toBe("acme/team/app");
    expect(repo("acme/team/app").value).toBe("acme/team/app");
    expect(repo("acme", "a b").value).toBe("acme/a%20b");
  });
  it("needs namespace/name", () => {
    expect(() => repo("acme")).toThrow(TypeError);
    expect(() => repo("acme/")).toThrow(TypeError);
    expect(() => repo("acme//app")).toThrow(TypeError);
  });
});

describe("apiPath", () => {
  it("encodes each interpolation as one segment and keeps the literal slashes", () => {
    const org = "acme";
    expect(apiPath`/api/v1/organization/`).toBe("/api/v1/organization/");
    expect(apiPath`/api/v1/organization/${org}/robots/${"ci"}`).toBe("/api/v1/organization/acme/robots/ci");
    expect(apiPath`/api/v1/repository/${repo(org, "x/y")}/permissions/user/${"acme+ci"}`).toBe(
      "/api/v1/repository/acme/x/y/permissions/user/acme+ci",
    );
    expect(apiPath`/api/v1/repository/${repo(org, "app")}/permissions/user/`).toBe(
      "/api/v1/repository/acme/app/permissions/user/",
    );
  });
  it("cannot be tricked into another route by a name", () => {
    expect(apiPath`/api/v1/organization/${"../superuser/users/"}`).toBe(
      "/api/v1/organization/..%2Fsuperuser%2Fusers%2F",
    );
  });
});

describe("pathOf", () => {
  it("joins segments; a final empty segment gives the trailing slash", () => {
    expect(pathOf("/api/v1/organization", "")).toBe("/api/v1/organization/");
    expect(pathOf("/api/v1/organization/", "acme", "team", "dev ops")).toBe(
      "/api/v1/organization/acme/team/dev%20ops",
    );
    expect(pathOf("/api/v1/repository", repo("acme", "a/b"), "mirror")).toBe(
      "/api/v1/repository/acme/a/b/mirror",
    );
  });
  it("refuses an empty segment in the middle", () => {
    expect(() => pathOf("/api/v1/organization", "", "x")).toThrow(TypeError);
  });
});

describe("withQuery / stripQuery", () => {
  it("appends defined values and skips undefined/null", () => {
    expect(withQuery("/api/v1/repository", { namespace: "acme", next_page: undefined, public: false })).toBe(
      "/api/v1/repository?namespace=acme&public=false",
    );
    expect(withQuery("/x?a=1", { b: "2 3" })).toBe("/x?a=1&b=2+3");
    expect(withQuery("/x", {})).toBe("/x");
    expect(withQuery("/x", undefined)).toBe("/x");
  });
  it("strips the query for display", () => {
    expect(stripQuery("/api/v1/organization/acme/logs?next_page=SECRET")).toBe(
      "/api/v1/organization/acme/logs",
    );
    expect(stripQuery("/a")).toBe("/a");
  });
});
