import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generatedFiles } from "../../src/cli/generated.js";

describe("generated documents", () => {
  for (const [file, content] of Object.entries(generatedFiles())) {
    it(`${file} is up to date (run \`npm run gen\`)`, () => {
      expect(readFileSync(file, "utf8")).toBe(content);
    });
  }
});
