import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../../emulator/config";
import { type RouteDef, Router } from "../../../emulator/router";

const h = (name: string) => name;
const defs: RouteDef<string>[] = [
  { template: "/api/v1/organization/", kind: "api", methods: { POST: h("createOrg") } },
  {
    template: "/api/v1/organization/{orgname}",
    kind: "api",
    methods: { GET: h("getOrg"), PUT: h("putOrg") },
  },
  {
    template: "/api/v1/repository/{repository:repo}",
    kind: "api",
    methods: { GET: h("getRepo"), PUT: h("putRepo") },
  },
  {
    template: "/api/v1/repository/{repository:repo}/permissions/user/",
    kind: "api",
    methods: { GET: h("listPerms") },
  },
  {
    template: "/api/v1/repository/{repository:repo}/mirror",
    kind: "api",
    methods: { GET: h("getMirror") },
    enabled: (c) => c.feature("FEATURE_REPO_MIRROR"),
  },
];

describe("emulator router (Werkzeug semantics, docs/quay-api.md#routing)", () => {
  const router = new Router(defs, resolveConfig());

  it("matches templates and extracts parameters; repository paths take two or more segments", () => {
    expect(router.match("GET", "/api/v1/organization/acme")).toMatchObject({
      kind: "route",
      handler: "getOrg",
      params: { orgname: "acme" },
    });
    expect(router.match("GET", "/api/v1/repository/ns/a/b")).toMatchObject({
      handler: "getRepo",
      params: { repository: "ns/a/b" },
    });
    expect(router.match("GET", "/api/v1/repository/ns")).toEqual({ kind: "unrouted" });
  });

  it("redirects to the slash form when the method is allowed there", () => {
    expect(router.match("POST", "/api/v1/organization")).toMatchObject({
      kind: "redirect",
      location: "/api/v1/organization/",
    });
    expect(router.match("GET", "/api/v1/repository/ns/r/permissions/user")).toMatchObject({
      kind: "redirect",
    });
    // PUT is not allowed on permissions/user/: the greedy repository route takes it.
    expect(router.match("PUT", "/api/v1/repository/ns/r/permissions/user")).toMatchObject({
      handler: "putRepo",
      params: { repository: "ns/r/permissions/user" },
    });
  });

  it("prefers the most specific route", () => {
    expect(router.match("GET", "/api/v1/repository/ns/r/mirror")).toMatchObject({
      handler: "getMirror",
      params: { repository: "ns/r" },
    });
  });

  it("disabled routes are not registered", () => {
    const off = new Router(defs, resolveConfig({ FEATURE_REPO_MIRROR: false }));
    expect(off.match("GET", "/api/v1/repository/ns/r/mirror")).toMatchObject({
      handler: "getRepo",
      params: { repository: "ns/r/mirror" },
    });
  });

  it("405 for other methods on a registered path; GET falls to the web catch-all", () => {
    expect(router.match("DELETE", "/api/v1/organization/acme")).toMatchObject({
      kind: "method-not-allowed",
      allowed: ["GET", "HEAD", "OPTIONS", "PUT"],
    });
    expect(router.match("GET", "/api/v1/organization/")).toEqual({ kind: "unrouted" });
    expect(router.match("OPTIONS", "/api/v1/organization/acme")).toMatchObject({ kind: "options" });
  });
});
