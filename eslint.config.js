// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const EVAL_BAN = { selector: "CallExpression[callee.name='eval']", message: "no eval" };

/**
 * A layering rule for `files`: no import (static or `import()`) of a relative path through one of `dirs`, and none of
 * the `packages` patterns.
 * @param {string[]} files
 * @param {{ dirs: string[], message: string }[]} forbidden
 * @param {{ group: string[], message: string }[]} [packages]
 * @param {string[]} [ignores]
 */
function layer(files, forbidden, packages = [], ignores = []) {
  const re = (dirs) => `^\\.{1,2}/(?:.*/)?(?:${dirs.join("|")})/`;
  return [
    {
      files,
      ignores,
      rules: {
        "no-restricted-imports": [
          "error",
          { patterns: [...forbidden.map((f) => ({ regex: re(f.dirs), message: f.message })), ...packages] },
        ],
        "no-restricted-syntax": [
          "error",
          EVAL_BAN,
          ...forbidden.map((f) => ({
            selector: `ImportExpression[source.value=/${re(f.dirs).replaceAll("/", "\\/")}/]`,
            message: f.message,
          })),
          ...packages.flatMap((p) =>
            p.group.map((g) => ({
              selector: `ImportExpression[source.value=/^${g.replaceAll("/", "\\/").replace("*", ".*")}$/]`,
              message: p.message,
            })),
          ),
        ],
      },
    },
  ];
}

export default tseslint.config(
  {
    ignores: ["dist/**", "node_modules/**", "coverage/**", ".cache/**", ".mailwarden/**", "eslint.config.js"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ["scripts/*.mjs", "bench/*/*.mjs"],
          // Each script and benchmark runner outside the TypeScript project is one file of the default project.
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 20,
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true },
      ],
      "no-restricted-syntax": ["error", EVAL_BAN],
    },
  },
  // Layering (docs/architecture.md): detection (src/hunt, src/rules) imports neither the CLI nor containment
  // (runner, actions) nor the emulator; the engine does no I/O; only the emulator's and the demo's commands (and
  // tests) import the emulator. Static imports through no-restricted-imports, `import()` through
  // no-restricted-syntax (which also keeps the project-wide eval ban, since a block's rule options replace the
  // earlier ones).
  ...layer(
    ["src/hunt/**/*.ts", "src/rules/**/*.ts"],
    [
      {
        dirs: ["cli", "runner", "actions", "emulator", "store"],
        message:
          "detection (src/hunt, src/rules) imports neither the CLI, containment, the store nor the emulator",
      },
    ],
  ),
  ...layer(
    ["src/engine/**/*.ts"],
    [
      {
        dirs: ["adapters", "store", "runner", "emulator", "cli", "hunt"],
        message: "src/engine is pure: machines and transitions only",
      },
    ],
    [
      {
        group: [
          "node:*",
          "fs",
          "fs/*",
          "child_process",
          "http",
          "https",
          "net",
          "tls",
          "dgram",
          "worker_threads",
        ],
        message: "src/engine is pure: no I/O",
      },
      {
        group: [
          "execa",
          "better-sqlite3",
          "@duckdb/*",
          "duckdb",
          "@microsoft/*",
          "@azure/*",
          "winston",
          "hono",
        ],
        message: "src/engine is pure: no I/O",
      },
    ],
  ),
  ...layer(
    ["src/**/*.ts"],
    [{ dirs: ["emulator"], message: "only the emulator and demo commands (and tests) import src/emulator" }],
    [],
    [
      "src/emulator/**",
      "src/hunt/**",
      "src/rules/**",
      "src/engine/**",
      "src/cli/commands/emulator.ts",
      "src/cli/commands/demo.ts",
    ],
  ),
  {
    files: ["scripts/**/*.mjs", "bench/**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", performance: "readonly" } },
  },
  {
    files: ["test/**/*.ts", "bench/**/*.ts", "bench/**/*.mjs", "scripts/**/*.mjs"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    // The console's browser script (served as a file): plain JS, browser globals, no type information.
    files: ["src/console/assets/*.js"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: "script",
      globals: {
        document: "readonly",
        location: "readonly",
        fetch: "readonly",
        setTimeout: "readonly",
      },
    },
  },
  {
    // CommonJS preloads for test child processes (node --require): plain JS, Node globals, no type information.
    files: ["test/helpers/*.cjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: "commonjs",
      globals: { require: "readonly", process: "readonly", globalThis: "readonly" },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, "@typescript-eslint/no-require-imports": "off" },
  },
);
