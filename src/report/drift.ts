/**
 * The drift report (`quay-gitops drift --json`, src/plan/drift-render.ts) in one line per tenant, for
 * the lab report. Pure: the file's text in, the lines out.
 */
import { ConfigError } from "../errors";

export interface DriftSummary {
  /** The drift report's own summary line. */
  summary: string;
  stack: string;
  /** Tenant name → one line. */
  tenants: ReadonlyMap<string, string>;
  notes: string[];
}

interface DriftObject {
  tenant?: unknown;
  kind?: unknown;
  name?: unknown;
  status?: unknown;
  attribution?: { actor?: unknown } | null;
}

const MAX_NAMED = 3;

function objectText(o: DriftObject): string {
  const actor = typeof o.attribution?.actor === "string" ? ` by ${o.attribution.actor}` : "";
  return `${String(o.kind)} ${String(o.name)} ${o.status === "deleted" ? "deleted" : "changed"}${actor}`;
}

export function parseDriftJson(text: string, file: string, stack: string | null): DriftSummary {
  let doc: { kind?: unknown; stack?: unknown; summary?: unknown; objects?: unknown };
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file} is not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (doc?.kind !== "quay-gitops/drift" || !Array.isArray(doc.objects))
    throw new ConfigError(`${file} is not a drift report of \`quay-gitops drift --json\``);
  const objects = doc.objects as DriftObject[];
  const byTenant = new Map<string, DriftObject[]>();
  for (const o of objects) {
    const tenant = typeof o.tenant === "string" ? o.tenant : "";
    byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), o]);
  }
  const tenants = new Map<string, string>();
  for (const [tenant, list] of byTenant) {
    const named = list.slice(0, MAX_NAMED).map(objectText).join("; ");
    const more = list.length > MAX_NAMED ? `; and ${list.length - MAX_NAMED} more` : "";
    tenants.set(
      tenant,
      `${list.length} ${list.length === 1 ? "object" : "objects"} drifted: ${named}${more}`,
    );
  }
  const driftStack = typeof doc.stack === "string" ? doc.stack : "";
  const notes =
    stack !== null && driftStack !== stack
      ? [`the drift report is of stack ${driftStack || "(none)"}, not ${stack}`]
      : [];
  return {
    summary: typeof doc.summary === "string" ? doc.summary : `${objects.length} objects drifted`,
    stack: driftStack,
    tenants,
    notes,
  };
}
