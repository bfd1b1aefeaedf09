import { describe, expect, it } from "vitest";
import { createActor, fromPromise, toPromise, type Snapshot } from "xstate";
import { getAdjacencyMap, serializeSnapshot } from "xstate/graph";
import {
  FINAL_STATES,
  createPlaybookMachine,
  machineIdentity,
  type ExecuteStepInput,
  type ExecuteStepOutput,
  type PlanResult,
  type PlanStepsInput,
  type RunInput,
  type StepInstance,
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

const inst = (key: string, scope: StepInstance["scope"] = "object", gate?: string): StepInstance => ({
  key,
  stepId: key.split("@")[0]!,
  action: key.startsWith("revoke") ? "user.revokeSessions" : "inboxRule.disable",
  scope,
  ...(scope !== "user" ? { targetKey: key.split("@")[1] ?? "t1" } : {}),
  input: {},
  ...(gate ? { gate } : {}),
});

const STEPS = [inst("disable-rule@a"), inst("disable-rule@b"), inst("revoke-sessions", "user")];

function machine(o: {
  plans?: (i: PlanStepsInput) => PlanResult[];
  exec?: (i: ExecuteStepInput) => Promise<ExecuteStepOutput>;
  verify?: (i: VerifyStepsInput) => VerifyStepResult[];
  calls?: string[];
}) {
  const calls = o.calls ?? [];
  return createPlaybookMachine(pb).provide({
    actors: {
      planSteps: fromPromise<PlanResult[], PlanStepsInput>(({ input }) =>
        Promise.resolve((o.plans ?? ((i) => i.steps.map(() => plan())))(input)),
      ),
      executeStep: fromPromise<ExecuteStepOutput, ExecuteStepInput>(async ({ input }) => {
        calls.push(input.step.key);
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
                .map((s) => ({ key: s.key, ok: true, observed: null })),
        ),
      ),
    },
  });
}

const input = (over: Partial<RunInput> = {}): RunInput => ({
  runId: "r1",
  caseId: "c1",
  mode: "execute",
  steps: STEPS,
  ...over,
});

async function finish(m: ReturnType<typeof machine>, over: Partial<RunInput> = {}) {
  const a = createActor(m, { input: input(over) });
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
    expect(s.context.steps.map((x) => x.outcome)).toEqual(["planned", "planned", "planned"]);
  });

  it("executes object steps once per target and user steps once, in order, verifies, ends done", async () => {
    const calls: string[] = [];
    const s = await finish(machine({ calls }));
    expect(s.value).toBe("done");
    expect(calls).toEqual(["disable-rule@a", "disable-rule@b", "revoke-sessions"]);
    expect(s.context.steps.map((x) => [x.outcome, x.verified])).toEqual([
      ["done", true],
      ["done", true],
      ["done", true],
    ]);
  });

  it("does not execute a step whose live state is already the target; a null plan is a skipped step", async () => {
    const calls: string[] = [];
    const s = await finish(
      machine({
        calls,
        plans: (i) => i.steps.map((st, n) => (n === 1 ? null : plan(st.key === "disable-rule@a"))),
      }),
    );
    expect(calls).toEqual(["revoke-sessions"]);
    expect(s.context.steps.map((x) => x.outcome)).toEqual(["already-done", "skipped", "done"]);
    expect(s.value).toBe("done");
  });

  it("a failing step never stops the others, and the run is partial, never done", async () => {
    const calls: string[] = [];
    const s = await finish(
      machine({
        calls,
        exec: (i) =>
          i.step.key === "disable-rule@a"
            ? Promise.reject(new Error("403 denied"))
            : Promise.resolve({ before: null, after: null, alreadyDone: false }),
      }),
    );
    expect(s.value).toBe("partial");
    expect(calls).toEqual(["disable-rule@a", "disable-rule@b", "revoke-sessions"]);
    expect(s.context.error).toContain("403 denied");
    expect(s.context.steps[0]!.outcome).toBe("failed");
  });

  it("nothing done at all is failed; a step that could not be planned fails alone", async () => {
    const s = await finish(machine({ exec: () => Promise.reject(new Error("boom")) }));
    expect(s.value).toBe("failed");
    const p = await finish(
      machine({ plans: (i) => i.steps.map((_, n) => (n === 0 ? { error: "ambiguous" } : plan())) }),
    );
    expect(p.value).toBe("partial");
    expect(p.context.steps[0]).toMatchObject({ outcome: "failed", error: "planning: ambiguous" });
  });

  it("is partial when verification does not see a change", async () => {
    const s = await finish(
      machine({
        verify: (i) =>
          i.steps
            .filter((x) => x.outcome === "done")
            .map((x) => ({ key: x.key, ok: x.key !== "disable-rule@b", observed: null })),
      }),
    );
    expect(s.value).toBe("partial");
    expect(s.context.error).toContain("disable-rule@b: not verified");
  });

  it("a gated step waits for a human; RELEASE runs it, REJECT ends rejected with nothing after it run", async () => {
    const calls: string[] = [];
    const steps = [inst("disable-rule@a"), inst("revoke-sessions", "user", "protected account x")];
    const a = createActor(machine({ calls }), { input: input({ steps }) });
    a.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(a.getSnapshot().value).toBe("waiting");
    expect(a.getSnapshot().context.waiting).toBe("protected account x");
    expect(calls).toEqual(["disable-rule@a"]);
    // persisted while waiting, restored in another "process", released there
    const persisted = JSON.parse(JSON.stringify(a.getPersistedSnapshot())) as Snapshot<unknown>;
    a.stop();
    const b = createActor(machine({ calls }), { input: input(), snapshot: persisted });
    b.start();
    b.send({
      type: "RELEASE",
      approval: { stepKeys: ["revoke-sessions"], by: "alice", reason: "ok", at: "t" },
    });
    await toPromise(b);
    expect(b.getSnapshot().value).toBe("done");
    expect(b.getSnapshot().context.approvals).toHaveLength(1);
    expect(calls).toEqual(["disable-rule@a", "revoke-sessions"]);

    const c = createActor(machine({}), {
      input: input({ steps: [inst("disable-rule@a", "tenant", "tenant scope")] }),
    });
    c.start();
    await new Promise((r) => setTimeout(r, 20));
    c.send({ type: "REJECT", by: "bob", reason: "legitimate" });
    await toPromise(c);
    expect(c.getSnapshot().value).toBe("rejected");
    expect(c.getSnapshot().context.steps[0]!.outcome).toBe("not-run");
  });

  it("HALT during a step lets it finish, then ends halted with the rest not run", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const calls: string[] = [];
    const a = createActor(
      machine({
        calls,
        exec: async () => {
          await gate;
          return { before: null, after: null, alreadyDone: false };
        },
      }),
      { input: input() },
    );
    a.start();
    await new Promise((r) => setTimeout(r, 20));
    a.send({ type: "HALT", reason: "SIGTERM" });
    release();
    await toPromise(a);
    expect(a.getSnapshot().value).toBe("halted");
    expect(calls).toEqual(["disable-rule@a"]);
    expect(a.getSnapshot().context.steps.map((s) => s.outcome)).toEqual(["done", "not-run", "not-run"]);
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
    const a = createActor(m1, { input: input() });
    a.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(a.getSnapshot().value).toBe("executing");
    const persisted = JSON.parse(JSON.stringify(a.getPersistedSnapshot())) as Snapshot<unknown>;
    a.stop(); // the crash
    release();

    const second: string[] = [];
    const b = createActor(machine({ calls: second }), { input: input(), snapshot: persisted });
    b.start();
    await toPromise(b);
    expect(first).toEqual(["disable-rule@a"]);
    expect(second).toEqual(["disable-rule@a", "disable-rule@b", "revoke-sessions"]);
    expect(b.getSnapshot().value).toBe("done");
  });

  it("names its version from the playbook and the engine", () => {
    expect(machineIdentity(pb)).toEqual({
      id: "playbook:t",
      version: expect.stringMatching(/^1\+engine\.3\+disable-rule:inboxRule.disable,/),
    });
  });
});

describe("every path ends in a terminal state (xstate/graph)", () => {
  // Every event the machine can meet in each state, with each kind of actor answer.
  const events = (snap: { value: unknown; context: { steps: { key: string; outcome: string }[] } }) => {
    const v = String(snap.value);
    const halt = { type: "HALT", reason: "kill switch" };
    const n = snap.context.steps.length;
    switch (v) {
      case "planning":
        return [
          { type: "xstate.done.actor.plan", output: Array.from({ length: n }, () => plan()) },
          {
            type: "xstate.done.actor.plan",
            output: Array.from({ length: n }, (_, i) => (i === 0 ? plan(true) : null)),
          },
          {
            type: "xstate.done.actor.plan",
            output: Array.from({ length: n }, (_, i) => (i === 0 ? { error: "x" } : plan())),
          },
          { type: "xstate.error.actor.plan", error: "planning failed" },
          halt,
        ];
      case "executing":
        return [
          { type: "xstate.done.actor.execute", output: { before: null, after: null, alreadyDone: false } },
          { type: "xstate.done.actor.execute", output: { before: null, after: null, alreadyDone: true } },
          { type: "xstate.error.actor.execute", error: "403" },
          halt,
        ];
      case "verifying": {
        const carried = snap.context.steps.filter(
          (s) => s.outcome === "done" || s.outcome === "already-done",
        );
        return [
          {
            type: "xstate.done.actor.verify",
            output: carried.map((s) => ({ key: s.key, ok: true, observed: null })),
          },
          {
            type: "xstate.done.actor.verify",
            output: carried.map((s, i) => ({ key: s.key, ok: i !== 0, observed: null })),
          },
          { type: "xstate.error.actor.verify", error: "verify broke" },
          halt,
        ];
      }
      case "waiting":
        return [
          {
            type: "RELEASE",
            approval: {
              stepKeys: snap.context.steps.filter((s) => s.outcome === "waiting").map((s) => s.key),
              by: "h",
              reason: "r",
              at: "t",
            },
          },
          { type: "REJECT", by: "h", reason: "r" },
          { type: "EXPIRE", reason: "timeout" },
          {
            type: "TIMEOUT",
            stepKeys: snap.context.steps.filter((s) => s.outcome === "waiting").map((s) => s.key),
            reason: "4h passed",
          },
          {
            type: "ESCALATE",
            stepKeys: snap.context.steps.filter((s) => s.outcome === "waiting").map((s) => s.key),
            at: "t",
          },
          halt,
        ];
      default:
        return [];
    }
  };

  for (const [name, over] of [
    [
      "execute with a gated step",
      { steps: [inst("disable-rule@a"), inst("revoke-sessions", "user", "protected")] },
    ],
    [
      "execute, tenant step gated first",
      { steps: [inst("disable-rule@a", "tenant", "tenant scope"), inst("revoke-sessions", "user")] },
    ],
    ["dry run", { mode: "dry-run" as const }],
  ] as const) {
    it(`${name}: no reachable state is stuck, and a terminal state is reachable from each`, () => {
      const m = createPlaybookMachine(pb);
      const adj = getAdjacencyMap(m, {
        input: input(over as Partial<RunInput>),
        events: events as never,
        serializeState: (st) => serializeSnapshot(st),
      }) as unknown as Record<
        string,
        {
          state: { status: string; value: unknown };
          transitions: Record<string, { state: { status: string; value: unknown } }>;
        }
      >;
      const keys = Object.keys(adj);
      expect(keys.length).toBeGreaterThan(5);
      const isFinal = (k: string) => adj[k]!.state.status === "done";
      const finals = keys.filter(isFinal);
      const finalValues = new Set(finals.map((k) => String(adj[k]!.state.value)));
      for (const v of finalValues) expect(FINAL_STATES as readonly string[]).toContain(v);
      // Reverse reachability from the final snapshots.
      const reaches = new Set(finals);
      let grew = true;
      while (grew) {
        grew = false;
        for (const k of keys)
          if (!reaches.has(k))
            for (const t of Object.values(adj[k]!.transitions))
              if (reaches.has(serializeSnapshot(t.state as never))) {
                reaches.add(k);
                grew = true;
                break;
              }
      }
      const stuck = keys.filter((k) => !reaches.has(k)).map((k) => String(adj[k]!.state.value));
      expect(stuck).toEqual([]);
    });
  }
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
