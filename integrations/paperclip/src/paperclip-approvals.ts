/** Files a board approval in Paperclip for a decision orgmind holds at an approval gate.

The plugin SDK lets plugins read approvals but not create them, so the plugin uses Paperclip's
REST API (`POST /api/companies/:companyId/approvals`) as the requesting agent would. */

import type { OrgmindRecord } from "./orgmind-client.js";

export const APPROVAL_SOURCE = "orgmind";

export interface GatedDecision {
  companyId: string;
  agentId: string;
  issueId: string | null;
  venture: string;
  escalation: OrgmindRecord;
  decision: OrgmindRecord;
}

/** The payload of the `request_board_approval` that stands for an orgmind escalation. */
export function approvalPayload(gated: GatedDecision): Record<string, unknown> {
  const { escalation, decision } = gated;
  return {
    title: `orgmind gate ${String(escalation["gate"])}: ${String(decision["title"])}`,
    summary: `${String(decision["role"])} decided (${String(decision["kind"])}): ${String(decision["title"])}. ` +
      `${String(decision["rationale"] ?? "")}`.trim(),
    recommendedAction: "Approve to let the decision be executed; reject to stop it. orgmind records the outcome.",
    risks: [String(escalation["reason"] ?? "")].filter((r) => r.length > 0),
    source: APPROVAL_SOURCE,
    orgmindVenture: gated.venture,
    orgmindEscalationId: escalation.id,
    orgmindDecisionId: decision.id,
    orgmindGate: escalation["gate"] ?? null,
  };
}

export async function createBoardApproval(apiUrl: string, apiKey: string, gated: GatedDecision): Promise<string> {
  const response = await fetch(`${apiUrl}/api/companies/${encodeURIComponent(gated.companyId)}/approvals`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: JSON.stringify({
      type: "request_board_approval",
      requestedByAgentId: gated.agentId,
      issueIds: gated.issueId ? [gated.issueId] : [],
      payload: approvalPayload(gated),
    }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`Paperclip refused the approval (${response.status}): ${body.slice(0, 300)}`);
  const approval = JSON.parse(body) as { id?: unknown };
  if (typeof approval.id !== "string") throw new Error("Paperclip answered an approval without id");
  return approval.id;
}
