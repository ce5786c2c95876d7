/** Deterministic orgmind ids for what the plugin writes, so a repeated event or call writes once. */

import { createHash } from "node:crypto";

function digest(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 20);
}

/** The orgmind Agent standing for a Paperclip agent. */
export const agentRecordId = (paperclipAgentId: string): string => `pc-agent-${paperclipAgentId}`;

/** The observation of a run's result (one per run: a run ends once). */
export const runObservationId = (runId: string): string => `pc-run-${runId}`;

/** A decision recorded through the tool: the same run, kind and title are the same decision. */
export const decisionId = (runId: string, kind: string, title: string): string => `pc-dec-${digest(runId, kind, title.trim())}`;

export const outcomeId = (runId: string, decisionRef: string, summary: string): string =>
  `pc-out-${digest(runId, decisionRef, summary.trim())}`;

export const observationId = (runId: string, text: string): string => `pc-obs-${digest(runId, text.trim())}`;

/** The reference orgmind keeps of the Paperclip run a record came from. */
export const runRef = (runId: string): string => `paperclip-run:${runId}`;
