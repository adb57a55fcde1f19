import { describe, expect, it } from "vitest";
import { describeScopeNeed, matchRoute, ROUTES, scopeForRoute } from "../../../src/quay/scopes";

const T = (method: string, path: string) => matchRoute(method, path)?.template;

describe("matchRoute", () => {
  it("finds the template of concrete paths", () => {
    expect(T("POST", "/api/v1/organization/")).toBe("/api/v1/organization/");
    expect(T("GET", "/api/v1/organization/acme")).toBe("/api/v1/organization/{orgname}");
    expect(T("PUT", "/api/v1/organization/acme/robots/ci")).toBe(
      "/api/v1/organization/{orgname}/robots/{robot_shortname}",
    );
    expect(T("GET", "/api/v1/organization/acme/robots?token=false")).toBe(
      "/api/v1/organization/{orgname}/robots",
    );
    expect(T("PUT", "/api/v1/organization/acme/team/devs/members/acme+ci")).toBe(
      "/api/v1/organization/{orgname}/team/{teamname}/members/{membername}",
    );
  });
  it("reads {repo} as two or more segments, preferring the more specific route", () => {
    expect(T("GET", "/api/v1/repository/acme/app")).toBe("/api/v1/repository/{repository:repo}");
    expect(T("GET", "/api/v1/repository/acme/team/app")).toBe("/api/v1/repository/{repository:repo}");
    expect(T("PUT", "/api/v1/repository/acme/team/app/mirror")).toBe(
      "/api/v1/repository/{repository:repo}/mirror",
    );
    expect(T("PUT", "/api/v1/repository/acme/app/permissions/user/acme+ci")).toBe(
      "/api/v1/repository/{repository:repo}/permissions/user/{username}",
    );
    expect(T("GET", "/api/v1/repository/acme/a/b/permissions/team/")).toBe(
      "/api/v1/repository/{repository:repo}/permissions/team/",
    );
    expect(T("POST", "/api/v1/repository")).toBe("/api/v1/repository");
    expect(T("GET", "/api/v1/repository?namespace=acme")).toBe("/api/v1/repository");
  });
  it("keeps trailing slashes significant (docs/quay-api.md#routing)", () => {
    expect(T("POST", "/api/v1/organization")).toBeUndefined();
    expect(T("GET", "/api/v1/organization/acme/")).toBeUndefined();
    expect(T("GET", "/api/v1/organization/acme/autoprunepolicy/")).toBe(
      "/api/v1/organization/{orgname}/autoprunepolicy/",
    );
  });
  it("treats HEAD like GET and knows nothing of unknown paths", () => {
    expect(T("HEAD", "/api/v1/user/")).toBe("/api/v1/user/");
    expect(matchRoute("POST", "/_emulator/faults")).toBeUndefined();
  });
  it("files a wrong method under the path's template, with no scope", () => {
    const r = matchRoute("PATCH", "/api/v1/organization/acme");
    expect(r?.template).toBe("/api/v1/organization/{orgname}");
    expect(r?.scopes).toEqual([]);
  });
});

describe("scope table (docs/quay-api.md#authentication)", () => {
  const need = (m: string, p: string) => matchRoute(m, p)?.scopes;
  it("org create needs user:admin, not org:admin", () => {
    expect(need("POST", "/api/v1/organization/")).toEqual(["user:admin"]);
  });
  it("robots, teams, members and prototypes need org:admin", () => {
    expect(need("PUT", "/api/v1/organization/acme/robots/ci")).toEqual(["org:admin"]);
    expect(need("DELETE", "/api/v1/organization/acme/team/devs")).toEqual(["org:admin"]);
    expect(need("PUT", "/api/v1/organization/acme/team/devs/members/bob")).toEqual(["org:admin"]);
    expect(need("POST", "/api/v1/organization/acme/prototypes")).toEqual(["org:admin"]);
  });
  it("repository permissions, mirrors, visibility need repo:admin", () => {
    expect(need("PUT", "/api/v1/repository/acme/app/permissions/team/devs")).toEqual(["repo:admin"]);
    expect(need("POST", "/api/v1/repository/acme/app/mirror")).toEqual(["repo:admin"]);
    expect(need("POST", "/api/v1/repository/acme/app/changevisibility")).toEqual(["repo:admin"]);
    expect(need("PUT", "/api/v1/repository/acme/app")).toEqual(["repo:write"]);
    expect(need("POST", "/api/v1/repository")).toEqual(["repo:create"]);
  });
  it("org quota writes need a FULL_ACCESS superuser; reads an org member", () => {
    const w = matchRoute("POST", "/api/v1/organization/acme/quota");
    expect(w?.scopes).toEqual(["super:user"]);
    expect(w?.note).toMatch(/FEATURE_SUPERUSERS_FULL_ACCESS/);
    expect(need("PUT", "/api/v1/organization/acme/quota/3/limit/7")).toEqual(["super:user"]);
    expect(need("GET", "/api/v1/organization/acme/quota")).toEqual(["org:admin"]);
  });
  it("robot permissions need org:admin and user:admin", () => {
    expect(need("GET", "/api/v1/organization/acme/robots/ci/permissions")).toEqual([
      "org:admin",
      "user:admin",
    ]);
  });
  it("every template is reachable by its own shape", () => {
    for (const r of ROUTES) {
      const sample = r.template.replace(/\{[a-z_]+:repo\}/, "ns/name").replace(/\{[a-z_]+\}/g, "x1");
      expect(matchRoute(r.method, sample)?.template, `${r.method} ${r.template}`).toBe(r.template);
    }
  });
  it("has no duplicate (method, template) rows", () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.template}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("describeScopeNeed", () => {
  it("reads like the error hint", () => {
    const r = scopeForRoute("PUT", "/api/v1/organization/{orgname}/robots/{robot_shortname}");
    expect(r && describeScopeNeed(r)).toBe(
      "this needs a token with scope org:admin (docs/quay-api.md#scopes)",
    );
    const two = scopeForRoute("GET", "/api/v1/organization/{orgname}/robots/{robot_shortname}/permissions");
    expect(two && describeScopeNeed(two)).toMatch(/scopes org:admin and user:admin/);
    const pub = scopeForRoute("GET", "/api/v1/users/{username}");
    expect(pub && describeScopeNeed(pub)).toBeUndefined();
  });
});
