/** The console's own decisions in this process, as they progress: shown on the case page and in live updates. */
export interface ActivityEntry {
  id: number;
  at: string;
  by: string;
  decision: "approve" | "reject";
  runId: string;
  caseId: string;
  stepKey: string;
  /** working: the run is being driven on; done: it returned (runState says where it stands); refused / failed. */
  status: "working" | "done" | "refused" | "failed";
  runState?: string;
  message?: string;
}

export class Activity {
  private readonly entries: ActivityEntry[] = [];
  private next = 1;
  constructor(private readonly keep = 200) {}

  add(e: Omit<ActivityEntry, "id" | "at" | "status">): ActivityEntry {
    const entry: ActivityEntry = { ...e, id: this.next++, at: new Date().toISOString(), status: "working" };
    this.entries.push(entry);
    if (this.entries.length > this.keep) this.entries.splice(0, this.entries.length - this.keep);
    return entry;
  }

  forCase(caseId: string): ActivityEntry[] {
    return this.entries.filter((e) => e.caseId === caseId);
  }

  all(): ActivityEntry[] {
    return [...this.entries];
  }
}
