/**
 * Robot federation as Quay 3.18.0's source has it (docs/quay-api.md#robot-federation), beyond the
 * basics in robots.test.ts: the order of the checks, what is stored, where the list is (not) shown,
 * its life with the robot, the audit log and who may call.
 */
import { describe, expect, it } from "vitest";
import { FEDERATION_FACTS, observeFederation } from "../../helpers/federation-facts";
import type { Api } from "../../helpers/quay-api";
import { expectApiException, useEmulator } from "./helpers";

const h = useEmulator();
const FED = "/api/v1/organization/acme/robots/ci/federation";
const GITHUB = {
  issuer: "https://token.actions.githubusercontent.com",
  subject: "repo:acme/app:ref:refs/heads/main",
};
const GITLAB = { issuer: "https://gitlab.com", subject: "project_path:acme/app:ref_type:branch:ref:main" };

describe("robot federation (docs/quay-api.md#robot-federation)", () => {
  it("answers the sequence as the real Quay 3.18.0 did (test/acceptance/federation.test.ts)", async () => {
    await h.org("facts");
    const api = (async (method: string, path: string, body?: unknown) => {
      const r = await h.req(method, path, body === undefined ? {} : { body });
      return { status: r.status, data: r.json };
    }) as Api;
    expect(await observeFederation(api, "facts")).toEqual(FEDERATION_FACTS);
  });

  it("the body is checked before the robot: schema, then each entry, then a missing robot (400)", async () => {
    await h.org("acme");
    expectApiException(await h.post(FED, { issuer: GITHUB.issuer, subject: "s" }), 400, "invalid_request");
    expectApiException(await h.post(FED, [{ issuer: GITHUB.issuer }]), 400, "invalid_request");
    expectApiException(await h.post(FED, [{ issuer: 1, subject: "s" }]), 400, "invalid_request");
    expectApiException(
      await h.post(FED, [{ issuer: "", subject: "s" }]),
      400,
      "invalid_request",
      "Missing one or more required fields (issuer, subject)",
    );
    expectApiException(
      await h.post(FED, [{ issuer: "token.actions.githubusercontent.com", subject: "s" }]),
      400,
      "invalid_request",
      "Issuer must be a URL (http:// or https://)",
    );
    const missing = await h.post(FED, [GITHUB]);
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({ message: "Could not find robot with specified username" });
    expect((await h.get(FED)).json).toEqual({ message: "Could not find robot with specified username" });
    expect((await h.del(FED)).status).toBe(400);
  });

  it("POST replaces the whole list, keeps its order, stores only issuer and subject", async () => {
    await h.org("acme");
    await h.robot("acme", "ci");
    expect((await h.get(FED)).json).toEqual([]);
    expect((await h.post(FED, [GITHUB])).json).toEqual([GITHUB]);
    const sent = [
      { ...GITLAB, audiences: ["quay.lab.example"] },
      { issuer: "http://keycloak.lab:8080/realms/ci", subject: "tekton" },
      GITHUB,
    ];
    const stored = [GITLAB, { issuer: "http://keycloak.lab:8080/realms/ci", subject: "tekton" }, GITHUB];
    const r = await h.post(FED, sent);
    expect(r.status).toBe(200);
    expect(r.json).toEqual(stored);
    expect((await h.get(FED)).json).toEqual(stored);
    // The same subject under two issuers is no duplicate.
    expect((await h.post(FED, [GITHUB, { ...GITLAB, subject: GITHUB.subject }])).status).toBe(200);
    expect((await h.post(FED, [])).json).toEqual([]);
    expect((await h.get(FED)).json).toEqual([]);
  });

  it("the list is in neither the robot list nor the robot GET", async () => {
    await h.org("acme");
    await h.robot("acme", "ci");
    await h.post(FED, [GITHUB]);
    const listed = (await h.get("/api/v1/organization/acme/robots?permissions=true")).json.robots[0];
    expect(Object.keys(listed).sort()).toEqual(
      ["created", "description", "last_accessed", "name", "repositories", "teams", "token"].sort(),
    );
    expect(Object.keys((await h.get("/api/v1/organization/acme/robots/ci")).json)).not.toContain(
      "federation",
    );
  });

  it("regenerating the token keeps the list; a robot deleted and created again has none", async () => {
    await h.org("acme");
    await h.robot("acme", "ci");
    await h.post(FED, [GITHUB]);
    expect((await h.post("/api/v1/organization/acme/robots/ci/regenerate")).status).toBe(200);
    expect((await h.get(FED)).json).toEqual([GITHUB]);
    expect((await h.del("/api/v1/organization/acme/robots/ci")).status).toBe(204);
    await h.robot("acme", "ci");
    expect((await h.get(FED)).json).toEqual([]);
  });

  it("logs create_robot_federation {config, robot} and delete_robot_federation {robot}", async () => {
    await h.org("acme");
    await h.robot("acme", "ci");
    await h.post(FED, [GITHUB]);
    await h.post(FED, []);
    await h.del(FED);
    const logs = (await h.get("/api/v1/organization/acme/logs")).json.logs;
    expect(logs.slice(0, 3).map((l: { kind: string; metadata: unknown }) => [l.kind, l.metadata])).toEqual([
      ["delete_robot_federation", expect.objectContaining({ robot: "ci" })],
      ["create_robot_federation", expect.objectContaining({ config: [], robot: "ci" })],
      ["create_robot_federation", expect.objectContaining({ config: [GITHUB], robot: "ci" })],
    ]);
  });

  it("who: organization admins write; a member may not even read", async () => {
    await h.org("acme");
    await h.robot("acme", "ci");
    await h.team("acme", "devs");
    const bob = await h.user("bob");
    await h.member("acme", "devs", "bob");
    expectApiException(await h.get(FED, { token: bob }), 403, "insufficient_scope");
    expectApiException(await h.post(FED, [GITHUB], { token: bob }), 403, "insufficient_scope");
    expectApiException(await h.del(FED, { token: bob }), 403, "insufficient_scope");
    await h.member("acme", "owners", "bob");
    expect((await h.post(FED, [GITHUB], { token: bob })).status).toBe(200);
  });
});
