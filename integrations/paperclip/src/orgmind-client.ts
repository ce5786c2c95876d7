/** A small typed client for the orgmind REST API (`/v1`, Bearer keys, RFC 9457 errors). */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** An orgmind record in the import format (`type` plus its fields). */
export interface OrgmindRecord extends JsonObject {
  type: string;
  id: string;
}

export interface BriefLine {
  text: string;
  cites: string[];
  policy: string | null;
}

export interface Brief {
  schema: "orgmind.brief/1";
  brief_id: string;
  wakeup_id: string;
  venture: string;
  role: string;
  task: string | null;
  tokens: number;
  budget: number;
  sections: { name: string; title: string; lines: BriefLine[] }[];
}

export interface Hit {
  id: string;
  kind: string;
  venture: string | null;
  text: string;
  score: number;
  role?: string | null;
  decision_kind?: string | null;
  outcome?: { id: string; score: number; summary: string } | null;
}

export interface ApprovalPair {
  escalation: OrgmindRecord;
  decision: OrgmindRecord;
}

/** An error answer from orgmind (problem details), or orgmind could not be reached (status 0). */
export class OrgmindError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly field: string | null = null,
  ) {
    super(status ? `orgmind ${status} ${title}: ${detail}` : `orgmind unreachable: ${detail}`);
    this.name = "OrgmindError";
  }
}

export class OrgmindClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly timeoutMs = 30_000,
  ) {}

  private async request<T>(method: string, path: string, body?: unknown, accept = "application/json"): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.apiKey}`,
          accept,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new OrgmindError(0, "unreachable", error instanceof Error ? error.message : String(error));
    }
    const raw = await response.text();
    if (!response.ok) {
      let problem: Record<string, unknown> = {};
      try {
        problem = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        problem = { detail: raw.slice(0, 500) };
      }
      throw new OrgmindError(
        response.status,
        String(problem["title"] ?? response.statusText),
        String(problem["detail"] ?? ""),
        typeof problem["field"] === "string" ? problem["field"] : null,
      );
    }
    return (accept === "application/json" ? JSON.parse(raw) : raw) as T;
  }

  /** One stored record, or null when there is none. */
  async get(recordId: string): Promise<OrgmindRecord | null> {
    try {
      return await this.request<OrgmindRecord>("GET", `/records/${encodeURIComponent(recordId)}`);
    } catch (error) {
      if (error instanceof OrgmindError && error.status === 404) return null;
      throw error;
    }
  }

  /** Store records in one transaction (idempotent by id); returns them as stored. */
  async record(records: OrgmindRecord[]): Promise<OrgmindRecord[]> {
    const answer = await this.request<{ records: OrgmindRecord[] }>("POST", "/records", { records });
    return answer.records;
  }

  async wakeUp(input: { venture: string; role: string; task: string | null; budget_tokens: number; agent_id?: string; ref?: string }): Promise<Brief> {
    return this.request<Brief>("POST", "/wake-up", input);
  }

  async recall(input: { query: string; venture: string; k: number; scope: "venture" | "platform"; kinds?: string[] }): Promise<Hit[]> {
    return this.request<Hit[]>("POST", "/recall", input);
  }

  async similarDecisions(input: { decision_id?: string; text?: string; venture: string; scope: "venture" | "platform"; k: number }): Promise<Hit[]> {
    return this.request<Hit[]>("POST", "/similar-decisions", input);
  }

  async approve(escalationId: string, note: string): Promise<ApprovalPair> {
    return this.request<ApprovalPair>("POST", `/approvals/${encodeURIComponent(escalationId)}/approve`, { note });
  }

  async reject(escalationId: string, note: string): Promise<ApprovalPair> {
    return this.request<ApprovalPair>("POST", `/approvals/${encodeURIComponent(escalationId)}/reject`, { note });
  }
}
