import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { GENERATED_PATH, generateValidatorsSource } from "./schema-codegen";

describe("precompiled validators", () => {
  it(`${GENERATED_PATH} matches schemas/ (run with -u to regenerate)`, async () => {
    await expect(generateValidatorsSource()).toMatchFileSnapshot(
      path.resolve(__dirname, "../../..", GENERATED_PATH),
    );
  });
});
