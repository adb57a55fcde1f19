import type { Api } from "./quay-api";

/**
 * Robot federation's answers, asked of a Quay (real or emulated) in one sequence: what
 * docs/quay-api.md#robot-federation says, observed. The acceptance tier holds the real Quay to
 * FEDERATION_FACTS (test/acceptance/federation.test.ts), the integration tier the emulator
 * (test/integration/emulator/robot-federation.test.ts), so where they differ one of them fails.
 */

/** One answer: the status and what it says (of jsonschema's multi-line text its first line). */
export type Fact = [probe: string, status: number, answer: unknown];

const GITHUB = {
  issuer: "https://token.actions.githubusercontent.com",
  subject: "repo:o/app:ref:refs/heads/main",
};
const GITLAB = { issuer: "https://gitlab.example", subject: "project_path:o/app:ref_type:branch:ref:main" };

function answer(status: number, data: unknown): unknown {
  if (status < 400) return data ?? null;
  const d = data as { detail?: string; message?: string; error_type?: string } | undefined;
  const text = d?.detail ?? d?.message;
  const first = typeof text === "string" ? text.split("\n")[0] : text;
  return d?.error_type ? `${d.error_type}: ${first}` : first;
}

/**
 * Runs the sequence in organization `org` (which must exist and have no robot `ci` or `gone`) and
 * answers what Quay said, then the federation entries of the organization's audit log.
 */
export async function observeFederation(api: Api, org: string): Promise<{ facts: Fact[]; log: unknown[] }> {
  const facts: Fact[] = [];
  const ask = async (probe: string, method: string, path: string, body?: unknown) => {
    const r = await api(method, path, body);
    facts.push([probe, r.status, answer(r.status, r.data)]);
  };
  const fed = `/api/v1/organization/${org}/robots/ci/federation`;
  const gone = `/api/v1/organization/${org}/robots/gone/federation`;
  const created = await api("PUT", `/api/v1/organization/${org}/robots/ci`, { description: "facts" });
  if (created.status !== 201)
    throw new Error(`robot create: ${created.status} ${JSON.stringify(created.data)}`);

  await ask("a new robot's list", "GET", fed);
  await ask("an object, not a list", "POST", fed, GITHUB);
  await ask("an entry without subject", "POST", fed, [{ issuer: GITHUB.issuer }]);
  await ask("an empty issuer", "POST", fed, [{ issuer: "", subject: "x" }]);
  await ask("an issuer that is no URL", "POST", fed, [{ issuer: "ftp://ci.example", subject: "x" }]);
  await ask("an http issuer", "POST", fed, [{ issuer: "http://ci.example", subject: "x" }]);
  await ask("an entry twice", "POST", fed, [GITHUB, GITHUB]);
  await ask("null", "POST", fed, null);
  await ask("order and other properties", "POST", fed, [
    { ...GITLAB, audiences: ["quay"] },
    { ...GITHUB, extra: 1 },
  ]);
  await ask("read back", "GET", fed);
  await ask("a missing robot's list", "GET", gone);
  await ask("a missing robot, a bad body", "POST", gone, [{ issuer: "ftp://ci.example", subject: "x" }]);
  await ask("a missing robot, a good body", "POST", gone, [GITHUB]);
  await ask("a missing robot's delete", "DELETE", gone);
  await ask("a missing organization", "GET", `/api/v1/organization/${org}-missing/robots/ci/federation`);
  const regenerated = await api("POST", `/api/v1/organization/${org}/robots/ci/regenerate`);
  facts.push(["regenerate the token", regenerated.status, null]);
  await ask("after a new token", "GET", fed);
  await ask("an empty list", "POST", fed, []);
  await ask("read back empty", "GET", fed);
  await ask("one entry again", "POST", fed, [GITHUB]);
  await ask("delete", "DELETE", fed);
  await ask("read back deleted", "GET", fed);
  await ask("one entry before the robot goes", "POST", fed, [GITHUB]);
  const deleted = await api("DELETE", `/api/v1/organization/${org}/robots/ci`);
  facts.push(["delete the robot", deleted.status, null]);
  await api("PUT", `/api/v1/organization/${org}/robots/ci`, { description: "facts again" });
  await ask("the robot created again", "GET", fed);

  const logs = await api<{ logs: { kind: string; metadata?: Record<string, unknown> }[] }>(
    "GET",
    `/api/v1/organization/${org}/logs`,
  );
  const log = (logs.data.logs ?? [])
    .filter((e) => e.kind.includes("robot_federation"))
    .reverse()
    .map((e) => [
      e.kind,
      Object.fromEntries(Object.entries(e.metadata ?? {}).filter(([k]) => !k.startsWith("oauth_token"))),
    ]);
  return { facts, log };
}

const NO_ROBOT = "Could not find robot with specified username";

/** What Quay 3.18.0 answered (docs/quay-api.md#robot-federation). */
export const FEDERATION_FACTS: { facts: Fact[]; log: unknown[] } = {
  facts: [
    ["a new robot's list", 200, []],
    [
      "an object, not a list",
      400,
      `invalid_request: {'issuer': '${GITHUB.issuer}', 'subject': '${GITHUB.subject}'} is not of type 'array'`,
    ],
    ["an entry without subject", 400, "invalid_request: 'subject' is a required property"],
    ["an empty issuer", 400, "invalid_request: Missing one or more required fields (issuer, subject)"],
    ["an issuer that is no URL", 400, "invalid_request: Issuer must be a URL (http:// or https://)"],
    ["an http issuer", 200, [{ issuer: "http://ci.example", subject: "x" }]],
    ["an entry twice", 400, "invalid_request: Duplicate federation config entry"],
    ["null", 400, "invalid_request: Missing JSON body"],
    ["order and other properties", 200, [GITLAB, GITHUB]],
    ["read back", 200, [GITLAB, GITHUB]],
    ["a missing robot's list", 400, NO_ROBOT],
    ["a missing robot, a bad body", 400, "invalid_request: Issuer must be a URL (http:// or https://)"],
    ["a missing robot, a good body", 400, NO_ROBOT],
    ["a missing robot's delete", 400, NO_ROBOT],
    // For a FULL_ACCESS superuser (the tier's account) the organization is not looked at first.
    ["a missing organization", 400, NO_ROBOT],
    ["regenerate the token", 200, null],
    ["after a new token", 200, [GITLAB, GITHUB]],
    ["an empty list", 200, []],
    ["read back empty", 200, []],
    ["one entry again", 200, [GITHUB]],
    ["delete", 204, null],
    ["read back deleted", 200, []],
    ["one entry before the robot goes", 200, [GITHUB]],
    ["delete the robot", 204, null],
    ["the robot created again", 200, []],
  ],
  log: [
    ["create_robot_federation", { config: [{ issuer: "http://ci.example", subject: "x" }], robot: "ci" }],
    ["create_robot_federation", { config: [GITLAB, GITHUB], robot: "ci" }],
    ["create_robot_federation", { config: [], robot: "ci" }],
    ["create_robot_federation", { config: [GITHUB], robot: "ci" }],
    ["delete_robot_federation", { robot: "ci" }],
    ["create_robot_federation", { config: [GITHUB], robot: "ci" }],
  ],
};
