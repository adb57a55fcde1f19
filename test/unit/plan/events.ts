import type { EngineEventLike, StepState } from "../../../src/plan/events";

/**
 * Engine events shaped as the Automation API delivers them on CLI v3.259.0 (captured from a preview of
 * the sample tenants against the emulator): URNs `urn:pulumi:<stack>::quay-gitops::<parent type>$<type>::<name>`,
 * children of a Tenant component, secrets as Pulumi's secret signature object, `__provider` in inputs
 * and outputs.
 */
export const STACK = "local";
const PROJECT = "quay-gitops";
export const TENANT_TYPE = "quay-gitops:index:Tenant";
export const SECRET = {
  "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
  ciphertext: "[secret]",
};
const PROVIDER = "exports.handler = __f0;\n\nvar __provider = {configure: __f1};\n";

export const tenantUrn = (tenant: string) => `urn:pulumi:${STACK}::${PROJECT}::${TENANT_TYPE}::${tenant}`;
export const urn = (kind: string, name: string) =>
  `urn:pulumi:${STACK}::${PROJECT}::${TENANT_TYPE}$pulumi-nodejs:dynamic/quay:${kind}::${name}`;

function state(
  kind: string,
  name: string,
  tenant: string,
  inputs?: object,
  outputs?: object,
): StepState | undefined {
  if (!inputs) return undefined;
  return {
    type: `pulumi-nodejs:dynamic/quay:${kind}`,
    urn: urn(kind, name),
    parent: tenantUrn(tenant),
    inputs: { __provider: PROVIDER, ...inputs } as Record<string, unknown>,
    outputs: { __provider: PROVIDER, ...(outputs ?? inputs) } as Record<string, unknown>,
  };
}

export interface StepSpec {
  op: string;
  kind: string;
  name: string;
  tenant: string;
  old?: object;
  oldOutputs?: object;
  new?: object;
  keys?: string[];
}

/** A `resourcePreEvent` of a preview step. */
export function pre(s: StepSpec): EngineEventLike {
  const metadata = {
    op: s.op,
    urn: urn(s.kind, s.name),
    type: `pulumi-nodejs:dynamic/quay:${s.kind}`,
    old: state(s.kind, s.name, s.tenant, s.old, s.oldOutputs) ?? null,
    new: state(s.kind, s.name, s.tenant, s.new, s.op === "delete" ? undefined : {}) ?? null,
    ...(s.keys ? { keys: s.keys } : {}),
  };
  return { resourcePreEvent: { metadata } };
}

/** A `resOutputsEvent` of a refresh preview: op = the refresh result, old = state, new = what Quay holds. */
export function refreshed(s: StepSpec): EngineEventLike {
  const metadata = {
    op: s.op,
    urn: urn(s.kind, s.name),
    type: `pulumi-nodejs:dynamic/quay:${s.kind}`,
    old: state(s.kind, s.name, s.tenant, s.old, s.oldOutputs) ?? null,
    new: state(s.kind, s.name, s.tenant, s.new) ?? null,
  };
  return { resOutputsEvent: { metadata } };
}

export function tenantStep(op: string, tenant: string): EngineEventLike {
  return {
    resourcePreEvent: {
      metadata: {
        op,
        urn: tenantUrn(tenant),
        type: TENANT_TYPE,
        old: op === "create" ? null : { inputs: {}, outputs: {} },
        new: op === "delete" ? null : { inputs: {}, outputs: {} },
      },
    },
  };
}

export function stackStep(op = "same"): EngineEventLike {
  return {
    resourcePreEvent: {
      metadata: {
        op,
        urn: `urn:pulumi:${STACK}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${STACK}`,
        type: "pulumi:pulumi:Stack",
      },
    },
  };
}

export function providerStep(): EngineEventLike {
  return {
    resourcePreEvent: {
      metadata: {
        op: "same",
        urn: `urn:pulumi:${STACK}::${PROJECT}::pulumi:providers:pulumi-nodejs::default`,
        type: "pulumi:providers:pulumi-nodejs",
      },
    },
  };
}

/** The sample plan used by several tests: one tenant changed in every way, one new, one removed. */
export function samplePreviewEvents(): EngineEventLike[] {
  const acmeSame = (kind: string, name: string, inputs: object) =>
    pre({ op: "same", kind, name, tenant: "acme", old: inputs, new: inputs });
  return [
    stackStep(),
    providerStep(),
    tenantStep("same", "acme"),
    tenantStep("create", "newco"),
    tenantStep("delete", "oldco"),
    acmeSame("Organization", "acme", {
      name: "acme",
      email: "registry@acme.example",
      deletionPolicy: "retain",
    }),
    acmeSame("User", "acme-alice", { name: "acme-alice", email: "alice@acme.example" }),
    acmeSame("Team", "acme/developers", { organization: "acme", name: "developers", role: "member" }),
    pre({
      op: "update",
      kind: "Repository",
      name: "acme/operator",
      tenant: "acme",
      old: {
        namespace: "acme",
        name: "operator",
        visibility: "private",
        description: "Acme operator images",
        permissions: [
          { kind: "robot", name: "acme+ci", role: "write" },
          { kind: "team", name: "developers", role: "write" },
        ],
        deletionPolicy: "retain",
      },
      new: {
        namespace: "acme",
        name: "operator",
        visibility: "private",
        description: "Acme operator images, signed",
        permissions: [
          { kind: "robot", name: "acme+ci", role: "write" },
          { kind: "team", name: "developers", role: "write" },
          { kind: "team", name: "qa", role: "read" },
        ],
        deletionPolicy: "retain",
      },
    }),
    pre({
      op: "create-replacement",
      kind: "Robot",
      name: "acme+ci",
      tenant: "acme",
      old: { organization: "acme", shortName: "ci", description: "CI" },
      oldOutputs: {
        organization: "acme",
        shortName: "ci",
        description: "CI",
        fullName: "acme+ci",
        token: SECRET,
      },
      new: { organization: "acme", shortName: "ci", description: "CI pipelines" },
      keys: ["description"],
    }),
    pre({
      op: "replace",
      kind: "Robot",
      name: "acme+ci",
      tenant: "acme",
      old: { organization: "acme", shortName: "ci", description: "CI" },
      oldOutputs: {
        organization: "acme",
        shortName: "ci",
        description: "CI",
        fullName: "acme+ci",
        token: SECRET,
      },
      new: { organization: "acme", shortName: "ci", description: "CI pipelines" },
      keys: ["description"],
    }),
    pre({
      op: "delete-replaced",
      kind: "Robot",
      name: "acme+ci",
      tenant: "acme",
      old: { organization: "acme", shortName: "ci", description: "CI" },
    }),
    pre({
      op: "update",
      kind: "RepositoryMirror",
      name: "acme/ubi9",
      tenant: "acme",
      // Refreshed inputs leave the write-only password out; the outputs keep it (as a secret).
      old: { namespace: "acme", repository: "ubi9", enabled: true, passwordRef: "env:ACME_MIRROR_PASSWORD" },
      oldOutputs: {
        namespace: "acme",
        repository: "ubi9",
        enabled: true,
        password: SECRET,
        passwordRef: "env:ACME_MIRROR_PASSWORD",
        syncStartDate: "2026-11-27T19:27:10Z",
      },
      new: {
        namespace: "acme",
        repository: "ubi9",
        enabled: false,
        password: SECRET,
        passwordRef: "env:ACME_MIRROR_PASSWORD",
      },
    }),
    pre({
      op: "delete",
      kind: "Team",
      name: "acme/release-managers",
      tenant: "acme",
      old: { organization: "acme", name: "release-managers", role: "creator", members: [] },
    }),
    pre({
      op: "create",
      kind: "Organization",
      name: "newco",
      tenant: "newco",
      new: { name: "newco", deletionPolicy: "retain" },
    }),
    pre({
      op: "create",
      kind: "Repository",
      name: "newco/app",
      tenant: "newco",
      new: {
        namespace: "newco",
        name: "app",
        visibility: "public",
        description: "",
        permissions: [],
        deletionPolicy: "retain",
      },
    }),
    pre({
      op: "create",
      kind: "Robot",
      name: "newco+ci",
      tenant: "newco",
      new: { organization: "newco", shortName: "ci", description: "" },
    }),
    pre({
      op: "delete",
      kind: "Organization",
      name: "oldco",
      tenant: "oldco",
      old: { name: "oldco", deletionPolicy: "retain" },
    }),
    pre({
      op: "delete",
      kind: "Repository",
      name: "oldco/legacy",
      tenant: "oldco",
      old: { namespace: "oldco", name: "legacy", visibility: "private", deletionPolicy: "delete" },
    }),
    pre({ op: "delete", kind: "User", name: "oldco-ann", tenant: "oldco", old: { name: "oldco-ann" } }),
    pre({ op: "delete", kind: "User", name: "oldco-bob", tenant: "oldco", old: { name: "oldco-bob" } }),
  ];
}
