/**
 * Generates src/tenant/validators.generated.ts: the JSON Schemas of schemas/ compiled by ajv ahead
 * of time (ajv "standalone" code). Compiling them at run time cost more than a third of
 * `quay-gitops validate` on 200 files; loading the generated code costs ~10 ms.
 * schema-codegen.test.ts fails when the file is stale; `-u` rewrites it.
 */
import Ajv2020 from "ajv/dist/2020";
import standaloneCode from "ajv/dist/standalone";
import registrySchema from "../../../schemas/registry.schema.json";
import tenantSchema from "../../../schemas/tenant.schema.json";

export const GENERATED_PATH = "src/tenant/validators.generated.ts";

export function generateValidatorsSource(): string {
  const ajv = new Ajv2020({
    allErrors: true,
    // Each error carries the schema node that failed (parentSchema): our message annotations.
    verbose: true,
    strict: true,
    // `required` inside oneOf alternatives names properties declared by the parent: fine, not a typo.
    strictRequired: false,
    allowUnionTypes: true,
    // One function per definition instead of copies at every reference: a smaller file.
    inlineRefs: false,
    logger: false,
    code: { source: true, lines: false },
  });
  // Annotations for editors (yaml-language-server shows patternErrorMessage / errorMessage) and for
  // our messages (schema.ts reads them from the schema); they validate nothing.
  for (const keyword of ["patternErrorMessage", "errorMessage", "x-code"]) ajv.addKeyword({ keyword });
  ajv.addSchema(tenantSchema);
  ajv.addSchema(registrySchema);
  let code = standaloneCode(ajv, { tenant: tenantSchema.$id, registry: registrySchema.$id });
  // CommonJS → a TypeScript module that tsc compiles like the rest of src/.
  const imports: string[] = [];
  code = code.replace(
    /const (func\d+) = require\("(ajv\/dist\/runtime\/[a-z0-9]+)"\)\.default;/g,
    (_m, name, mod) => {
      imports.push(`import ${name} from "${mod}";`);
      return "";
    },
  );
  const exported: string[] = [];
  code = code.replace(/exports\.(\w+) = (\w+);/g, (_m, name, fn) => {
    exported.push(`${fn} as ${name}`);
    return "";
  });
  code = code.replace(/^"use strict";/, "");
  if (/require\(|exports\./.test(code)) throw new Error("unexpected CommonJS left in ajv's standalone code");
  return [
    "// biome-ignore-all format: generated code",
    "// biome-ignore-all lint: generated code",
    "// @ts-nocheck",
    "/*",
    " * GENERATED from schemas/tenant.schema.json and schemas/registry.schema.json by",
    " * test/unit/tenant/schema-codegen.ts. Do not edit. After changing a schema, run:",
    " *   npx vitest run --project unit test/unit/tenant/schema-codegen.test.ts -u",
    " */",
    ...imports,
    code,
    `export { ${exported.join(", ")} };`,
    "",
  ].join("\n");
}
