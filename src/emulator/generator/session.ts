/** An Entra session: one interactive root sign-in and the non-interactive refreshes that share its SessionId. */
import type { RiskLevel, SignInState, UserState } from "../state.js";
import { APPS, RESOURCES, type AppRef } from "./apps.js";
import type { Endpoint } from "./people.js";
import type { Recorder } from "./recorder.js";

export interface SessionOptions {
  user: UserState;
  ms: number;
  endpoint: Endpoint;
  app?: AppRef;
  resource?: AppRef;
  risk?: RiskLevel;
  riskEventTypes?: string[];
  mfa?: boolean;
}

export class Session {
  readonly sessionId: string;
  readonly root: SignInState;
  readonly refreshes: SignInState[] = [];

  constructor(
    private readonly rec: Recorder,
    private readonly o: SessionOptions,
  ) {
    this.sessionId = rec.rng.guid();
    this.root = rec.signIn({
      user: o.user,
      ms: o.ms,
      endpoint: o.endpoint,
      sessionId: this.sessionId,
      interactive: true,
      app: o.app ?? APPS.officeHome,
      resource: o.resource ?? RESOURCES.officeHome,
      ...(o.risk ? { risk: o.risk } : {}),
      ...(o.riskEventTypes ? { riskEventTypes: o.riskEventTypes } : {}),
      ...(o.mfa !== undefined ? { mfa: o.mfa } : {}),
    });
  }

  /**
   * A refresh-token redemption for Exchange (or another resource): non-interactive, same SessionId; from the
   * session's endpoint unless another is given (a replayed token). Risk during a refresh is not re-evaluated
   * (`none`), unless given.
   */
  refresh(
    ms: number,
    o: { endpoint?: Endpoint; resource?: AppRef; app?: AppRef; risk?: RiskLevel } = {},
  ): SignInState {
    const s = this.rec.signIn({
      user: this.o.user,
      ms,
      endpoint: o.endpoint ?? this.o.endpoint,
      sessionId: this.sessionId,
      interactive: false,
      app: o.app ?? this.o.app ?? APPS.officeHome,
      resource: o.resource ?? RESOURCES.exchange,
      risk: o.risk ?? "none",
      riskAggregated: this.root.riskLevelAggregated,
      riskState: this.root.riskState,
      mfa: false,
      correlationId: this.root.correlationId,
    });
    this.refreshes.push(s);
    return s;
  }
}
