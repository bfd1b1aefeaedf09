import { describe, expect, it } from "vitest";
import { createActor, fromPromise, toPromise, type Snapshot } from "xstate";
import {
  createPlaybookMachine,
  machineIdentity,
  type ExecuteStepInput,
  type ExecuteStepOutput,
  type PlanStepsInput,
  type StepPlan,
  type VerifyStepResult,
  type VerifyStepsInput,
} from "../../src/engine/machine.js";
import { parsePlaybook } from "../../src/playbooks/load.js";

const pb = parsePlaybook(
  `apiVersion: mailwarden/v1
kind: Playbook
metadata: { id: t, version: 1 }
trigger: { targets: [inboxRule, mailboxForwarding] }
steps:
  - { id: disable-rule, action: inboxRule.disable, if: { path: target.kind, equals: inboxRule } }
  - { id: clear-forwarding, action: mailboxForwarding.clear, if: { path: target.kind, equals: mailboxForwarding } }
  - { id: revoke-sessions, action: user.revokeSessions }
`,
  "t.yaml",
);

const plan = (noop = false): StepPlan => ({
  transport: "graph",
  before: { enabled: true },
  after: { enabled: false },
  noop,
  reversibility: "reversible",
  idempotencyKey: "k",
  warnings: [],
});

function machine(o: {
  plans?: (i: PlanStepsInput) => StepPlan[];
  exec?: (i: ExecuteStepInput) => Promise<ExecuteStepOutput>;
  verify?: (i: VerifyStepsInput) => VerifyStepResult[];
  calls?: string[];
}) {
  const calls = o.calls ?? [];
  return createPlaybookMachine(pb).provide({
    actors: {
      planSteps: fromPromise<StepPlan[], PlanStepsInput>(({ input }) =>
        Promise.resolve((o.plans ?? ((i) => i.steps.map(() => plan())))(input)),
      ),
      executeStep: fromPromise<ExecuteStepOutput, ExecuteStepInput>(async ({ input }) => {
        calls.push(input.step.id);
        return o.exec
          ? o.exec(input)
          : { before: { enabled: true }, after: { enabled: false }, alreadyDone: false };
      }),
      verifySteps: fromPromise<VerifyStepResult[], VerifyStepsInput>(({ input }) =>
        Promise.resolve(
          o.verify
            ? o.verify(input)
            : input.steps
                .filter((s) => s.outcome === "done" || s.outcome === "already-done")
                .map((s) => ({ id: s.id, ok: true, observed: null })),
        ),
      ),
    },
  });
}

const ruleHit = { target: { kind: "inboxRule" } };

async function finish(m: ReturnType<typeof machine>, input: Record<string, unknown>) {
  const a = createActor(m, { input: { runId: "r1", mode: "execute", hit: ruleHit, ...input } as never });
  a.start();
  await toPromise(a);
  return a.getSnapshot();
}

describe("playbook machine", () => {
  it("dry run stops at planned without executing anything", async () => {
    const calls: string[] = [];
    const s = await finish(machine({ calls }), { mode: "dry-run" });
    expect(s.value).toBe("planned");
    expect(calls).toEqual([]);
    expect(s.context.steps.map((x) => x.outcome)).toEqual(["planned", "skipped", "planned"]);
  });

  it("executes applicable steps in order, skips the rest, verifies, contains", async () => {
    const calls: string[] = [];
    const s = await finish(machine({ calls }), {});
    expect(s.value).toBe("contained");
    expect(calls).toEqual(["disable-rule", "revoke-sessions"]);
    expect(s.context.steps.map((x) => [x.outcome, x.verified])).toEqual([
      ["done", true],
      ["skipped", undefined],
      ["done", true],
    ]);
  });

  it("does not execute a step whose live state is already the target", async () => {
    const calls: string[] = [];
    const s = await finish(
      machine({ calls, plans: (i) => i.steps.map((st) => plan(st.id === "disable-rule")) }),
      {},
    );
    expect(calls).toEqual(["revoke-sessions"]);
    expect(s.context.steps[0]!.outcome).toBe("already-done");
    expect(s.value).toBe("contained");
  });

  it("stops at the failing step and keeps the error", async () => {
    const calls: string[] = [];
    const s = await finish(
      machine({
        calls,
        exec: (i) =>
          i.step.id === "disable-rule"
            ? Promise.reject(new Error("403 denied"))
            : Promise.resolve({ before: null, after: null, alreadyDone: false }),
      }),
      {},
    );
    expect(s.value).toBe("failed");
    expect(calls).toEqual(["disable-rule"]);
    expect(s.context.error).toContain("403 denied");
    expect(s.context.steps[0]!.outcome).toBe("failed");
  });

  it("fails when verification does not see the change", async () => {
    const s = await finish(
      machine({
        verify: (i) =>
          i.steps
            .filter((x) => x.outcome === "done")
            .map((x) => ({ id: x.id, ok: x.id !== "disable-rule", observed: null })),
      }),
      {},
    );
    expect(s.value).toBe("failed");
    expect(s.context.error).toContain("disable-rule");
  });

  it("a held run plans but never executes", async () => {
    const calls: string[] = [];
    const s = await finish(machine({ calls }), { hold: "protected account" });
    expect(s.value).toBe("held");
    expect(calls).toEqual([]);
  });

  it("a snapshot persisted mid-step restores and re-runs that step with its saved input", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first: string[] = [];
    const m1 = machine({
      calls: first,
      exec: async () => {
        await gate;
        return { before: null, after: null, alreadyDone: false };
      },
    });
    const a = createActor(m1, { input: { runId: "r1", mode: "execute", hit: ruleHit } as never });
    a.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(a.getSnapshot().value).toBe("executing");
    const persisted = JSON.parse(JSON.stringify(a.getPersistedSnapshot())) as Snapshot<unknown>;
    a.stop(); // the crash
    release();

    const second: string[] = [];
    const b = createActor(machine({ calls: second }), { input: {} as never, snapshot: persisted });
    b.start();
    await toPromise(b);
    expect(first).toEqual(["disable-rule"]);
    expect(second).toEqual(["disable-rule", "revoke-sessions"]);
    expect(b.getSnapshot().value).toBe("contained");
  });

  it("names its version from the playbook and the engine", () => {
    expect(machineIdentity(pb)).toEqual({
      id: "playbook:t",
      version: expect.stringMatching(/^1\+engine\.1\+disable-rule:inboxRule.disable,/),
    });
  });
});

describe("playbook validation", () => {
  it("rejects unknown actions, duplicate ids and bad structure with paths", () => {
    expect(() =>
      parsePlaybook(
        "apiVersion: mailwarden/v1\nkind: Playbook\nmetadata: {id: x, version: 1}\ntrigger: {targets: [inboxRule]}\nsteps:\n  - {id: a, action: inboxRule.explode}\n  - {id: a, action: user.revokeSessions}\n",
        "x.yaml",
      ),
    ).toThrow(/steps\.0\.action: unknown action inboxRule\.explode; steps\.1\.id: duplicate step id a/);
    expect(() => parsePlaybook("apiVersion: v2\n", "y.yaml")).toThrow(/y\.yaml: apiVersion/);
    expect(() => parsePlaybook("steps: [unclosed\n", "z.yaml")).toThrow(/\(yaml\)/);
  });
});
