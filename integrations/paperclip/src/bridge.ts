/** What the plugin does: briefs at run start, tools during the run, records at run end, and
board decisions mirrored onto orgmind escalations. One instance per worker. */

import type { PluginContext, PluginEvent, ToolResult, ToolRunContext } from "@paperclipai/plugin-sdk";

import { BRIEF_DOCUMENT_KEY, BRIEF_DOCUMENT_TITLE, citedIds, renderBriefDocument } from "./brief-document.js";
import { parseConfig, roleOf, type PluginConfig } from "./config.js";
import { agentRecordId, decisionId, observationId, outcomeId, runObservationId, runRef } from "./ids.js";
import { OrgmindClient, OrgmindError, type Hit, type OrgmindRecord } from "./orgmind-client.js";
import { APPROVAL_SOURCE, createBoardApproval } from "./paperclip-approvals.js";
import { asParams, num, object, oneOf, str, strList, ToolInputError, type Params } from "./tool-input.js";

/** What the plugin remembers about one Paperclip run (plugin state, scope `run`). */
export interface RunRecord {
  venture: string;
  role: string;
  agentId: string;
  agentName: string;
  issueId: string | null;
  issueTitle: string | null;
  wakeupId: string;
  briefId: string;
  cited: string[];
  decisions: string[];
  /** The lifecycle events handled for this run, by type, as delivered. */
  events: Record<string, PluginEvent>;
}

interface RunPayload {
  runId: string;
  agentId: string;
  status?: string;
  issueId?: string | null;
  error?: string | null;
  finishedAt?: string | null;
}

const RUN_KEY = "orgmind-run";
const WAIT_FOR_BRIEF_MS = 15_000;

export class OrgmindBridge {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly ensuredVentures = new Set<string>();
  private readonly ensuredAgents = new Set<string>();

  constructor(private readonly ctx: PluginContext) {}

  /** Tool names as agents call them: `<plugin id>:<tool>`. */
  get toolPrefix(): string {
    return `${this.ctx.manifest.id}:`;
  }

  /** The company's settings, or null for a company the operator has not configured. */
  private async settings(companyId: string): Promise<{ config: PluginConfig; client: OrgmindClient } | null> {
    const raw = await this.ctx.config.get(companyId);
    if (Object.keys(raw).length === 0) return null;
    const config = parseConfig(raw);
    return { config, client: new OrgmindClient(config.orgmindUrl, config.orgmindApiKey) };
  }

  /** Runs `fn` after any earlier call with the same key has finished (one event per run at a time). */
  private serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return next;
  }

  private async loadRun(runId: string): Promise<RunRecord | null> {
    const value = await this.ctx.state.get({ scopeKind: "run", scopeId: runId, stateKey: RUN_KEY });
    return (value as RunRecord | null | undefined) ?? null;
  }

  private async saveRun(runId: string, run: RunRecord): Promise<void> {
    await this.ctx.state.set({ scopeKind: "run", scopeId: runId, stateKey: RUN_KEY }, run);
  }

  private async ensureVenture(config: PluginConfig, client: OrgmindClient): Promise<void> {
    if (this.ensuredVentures.has(config.venture)) return;
    if (!(await client.get(config.venture))) {
      await client.record([{ type: "venture", id: config.venture, name: config.ventureName }]);
      this.ctx.logger.info("created orgmind venture", { venture: config.venture });
    }
    this.ensuredVentures.add(config.venture);
  }

  private async ensureAgent(config: PluginConfig, client: OrgmindClient, agent: { id: string; name: string }, role: string): Promise<string> {
    const id = agentRecordId(agent.id);
    const key = `${config.venture}/${id}/${role}`;
    if (this.ensuredAgents.has(key)) return id;
    const stored = await client.get(id);
    if (!stored || stored["role"] !== role || stored["venture_id"] !== config.venture) {
      await client.record([{ type: "agent", id, venture_id: config.venture, role, name: agent.name.slice(0, 200) }]);
    }
    this.ensuredAgents.add(key);
    return id;
  }

  // ---- run lifecycle ---------------------------------------------------------------------------

  /** `agent.run.started`: record the wake-up in orgmind and put its brief on the run's issue. */
  onRunStarted(event: PluginEvent): Promise<void> {
    const payload = event.payload as RunPayload;
    return this.serialised(payload.runId, async () => {
      const known = await this.loadRun(payload.runId);
      if (known) {
        known.events[event.eventType] ??= event;
        await this.saveRun(payload.runId, known);
        return;
      }
      const settings = await this.settings(event.companyId);
      if (!settings) return;
      const { config, client } = settings;
      const agent = await this.ctx.agents.get(payload.agentId, event.companyId);
      if (!agent) throw new Error(`agent ${payload.agentId} not found`);
      const role = roleOf(config, agent);
      const issue = payload.issueId ? await this.ctx.issues.get(payload.issueId, event.companyId) : null;
      const task = issue ? [issue.title, issue.description ?? ""].join("\n\n").trim().slice(0, 9_800) : null;
      await this.ensureVenture(config, client);
      const agentRecord = await this.ensureAgent(config, client, agent, role);
      const brief = await client.wakeUp({
        venture: config.venture, role, task, budget_tokens: config.briefBudgetTokens, agent_id: agentRecord,
        ref: runRef(payload.runId),
      });
      const run: RunRecord = {
        venture: config.venture, role, agentId: agent.id, agentName: agent.name, issueId: issue?.id ?? null,
        issueTitle: issue?.title ?? null, wakeupId: brief.wakeup_id, briefId: brief.brief_id, cited: citedIds(brief),
        decisions: [], events: { [event.eventType]: event },
      };
      await this.saveRun(payload.runId, run);
      if (issue) {
        await this.ctx.issues.documents.upsert({
          issueId: issue.id, companyId: event.companyId, key: BRIEF_DOCUMENT_KEY, title: BRIEF_DOCUMENT_TITLE,
          format: "markdown", body: renderBriefDocument(brief, payload.runId, this.toolPrefix),
          changeSummary: `orgmind brief for run ${payload.runId}`,
        });
      }
      this.ctx.logger.info("orgmind brief ready", { runId: payload.runId, wakeupId: brief.wakeup_id, cited: run.cited.length });
    });
  }

  /** `agent.run.finished|failed|cancelled`: one observation of the run's result (by a deterministic id). */
  onRunEnded(event: PluginEvent): Promise<void> {
    const payload = event.payload as RunPayload;
    return this.serialised(payload.runId, async () => {
      const settings = await this.settings(event.companyId);
      if (!settings) return;
      const { config, client } = settings;
      const run = await this.loadRun(payload.runId);
      const id = runObservationId(payload.runId);
      if (run) {
        run.events[event.eventType] ??= event;
        await this.saveRun(payload.runId, run);
      }
      if (await client.get(id)) return;
      const agent = run ? { name: run.agentName } : await this.ctx.agents.get(payload.agentId, event.companyId);
      const role = run?.role ?? (agent && "id" in agent ? roleOf(config, agent) : "agent");
      const status = payload.status ?? event.eventType.replace("agent.run.", "");
      const parts = [
        `Paperclip run ${payload.runId} of ${agent?.name ?? payload.agentId} (${role}) ended ${status}`,
        run?.issueTitle ? `on "${run.issueTitle}"` : "",
      ];
      let text = parts.filter(Boolean).join(" ") + ".";
      if (payload.error) text += ` Error: ${payload.error.slice(0, 1000)}`;
      if (run) text += ` Decisions recorded: ${run.decisions.length ? run.decisions.join(", ") : "none"}; brief ${run.briefId}.`;
      await this.ensureVenture(config, client);
      await client.record([{
        type: "observation", id, venture_id: run?.venture ?? config.venture, text, source: "paperclip", role,
        tags: ["paperclip-run", status.replace(/[^a-z0-9_-]/g, "-").slice(0, 40) || "ended"],
        ref: runRef(payload.runId), observed_at: payload.finishedAt ?? event.occurredAt,
      }]);
    });
  }

  /** `approval.decided`: the board's decision on an orgmind approval, mirrored onto the escalation. */
  async onApprovalDecided(event: PluginEvent): Promise<void> {
    if (!event.entityId) return;
    const approval = await this.ctx.approvals.get(event.entityId, event.companyId);
    if (!approval || approval.payload["source"] !== APPROVAL_SOURCE) return;
    const escalationId = approval.payload["orgmindEscalationId"];
    if (typeof escalationId !== "string") return;
    if (approval.status !== "approved" && approval.status !== "rejected") return;
    const settings = await this.settings(event.companyId);
    if (!settings) return;
    const { client } = settings;
    const board = approval.decidedByUserId ?? event.actorId ?? "board";
    const note = `Paperclip board user ${board} ${approval.status} approval ${approval.id}` +
      (approval.decisionNote ? `: ${approval.decisionNote}` : "");
    const stored = await client.get(escalationId);
    if (stored && stored["status"] !== "pending") return; // already mirrored (a repeated event)
    if (approval.status === "approved") await client.approve(escalationId, note);
    else await client.reject(escalationId, note);
    this.ctx.logger.info("orgmind escalation resolved by the board", { escalationId, status: approval.status, board });
  }

  /** Re-deliver a run's lifecycle events as first delivered (after an orgmind outage); idempotent. */
  async redeliver(runId: string): Promise<{ runId: string; redelivered: string[] }> {
    const run = await this.loadRun(runId);
    if (!run) throw new Error(`no orgmind record of run ${runId}`);
    const redelivered: string[] = [];
    for (const event of Object.values(run.events)) {
      if (event.eventType === "agent.run.started") await this.onRunStarted(event);
      else await this.onRunEnded(event);
      redelivered.push(event.eventType);
    }
    return { runId, redelivered };
  }

  // ---- tools -----------------------------------------------------------------------------------

  /** Runs a tool, turning bad parameters and orgmind errors into an error the agent can read. */
  async tool(name: string, raw: unknown, runCtx: ToolRunContext): Promise<ToolResult> {
    try {
      const params = asParams(raw);
      const settings = await this.settings(runCtx.companyId);
      if (!settings) return { error: "orgmind is not configured for this company" };
      const { config, client } = settings;
      switch (name) {
        case "recall": return await this.recall(config, client, params);
        case "similar_decisions": return await this.similar(config, client, params);
        case "record_decision": return await this.recordDecision(config, client, params, runCtx);
        case "record_outcome": return await this.recordOutcome(config, client, params, runCtx);
        case "record_observation": return await this.recordObservation(config, client, params, runCtx);
        default: return { error: `unknown tool ${name}` };
      }
    } catch (error) {
      if (error instanceof ToolInputError) return { error: `invalid parameter ${error.field}: ${error.reason}` };
      if (error instanceof OrgmindError) {
        return { error: error.field ? `orgmind rejected ${error.field}: ${error.detail}` : error.message };
      }
      throw error;
    }
  }

  /** The run's record, waiting briefly for `agent.run.started` if the agent was quicker than the event. */
  private async runFor(runCtx: ToolRunContext): Promise<RunRecord | null> {
    const deadline = Date.now() + WAIT_FOR_BRIEF_MS;
    for (;;) {
      const run = await this.loadRun(runCtx.runId);
      if (run || Date.now() > deadline) return run;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  private async roleFor(config: PluginConfig, runCtx: ToolRunContext, run: RunRecord | null): Promise<string> {
    if (run) return run.role;
    const agent = await this.ctx.agents.get(runCtx.agentId, runCtx.companyId);
    return agent ? roleOf(config, agent) : "agent";
  }

  private async recall(config: PluginConfig, client: OrgmindClient, p: Params): Promise<ToolResult> {
    const query = str(p, "query", { required: true, max: 10_000 }) as string;
    const k = num(p, "k", { min: 1, max: 50, integer: true }) ?? 8;
    const scope = oneOf(p, "scope", ["venture", "platform"] as const, "venture");
    const kinds = strList(p, "kinds");
    const hits = await client.recall({ query, venture: config.venture, k, scope, ...(kinds ? { kinds } : {}) });
    return { content: formatHits(hits), data: { hits } };
  }

  private async similar(config: PluginConfig, client: OrgmindClient, p: Params): Promise<ToolResult> {
    const decision = str(p, "decision_id");
    const text = str(p, "text", { max: 10_000 });
    if ((decision === undefined) === (text === undefined)) throw new ToolInputError("decision_id", "give exactly one of decision_id and text");
    const k = num(p, "k", { min: 1, max: 50, integer: true }) ?? 8;
    const scope = oneOf(p, "scope", ["venture", "platform"] as const, "venture");
    const hits = await client.similarDecisions({
      ...(decision ? { decision_id: decision } : { text: text as string }), venture: config.venture, scope, k,
    });
    return { content: formatHits(hits), data: { hits } };
  }

  private async recordDecision(config: PluginConfig, client: OrgmindClient, p: Params, runCtx: ToolRunContext): Promise<ToolResult> {
    const kind = str(p, "kind", { required: true }) as string;
    const title = str(p, "title", { required: true, max: 300 }) as string;
    const run = await this.runFor(runCtx);
    const role = await this.roleFor(config, runCtx, run);
    const decision: OrgmindRecord = {
      type: "decision", id: decisionId(runCtx.runId, kind, title), venture_id: config.venture, role, kind, title,
      status: oneOf(p, "status", ["proposed", "executed"] as const, "executed"),
      ref: `paperclip-run:${runCtx.runId}`, agent_id: agentRecordId(runCtx.agentId),
      ...(run ? { wakeup_id: run.wakeupId } : {}),
    };
    const rationale = str(p, "rationale", { max: 10_000 });
    const chosen = str(p, "chosen", { max: 300 });
    const options = strList(p, "options");
    const confidence = num(p, "confidence", { min: 0, max: 1 });
    const context = object(p, "context");
    if (rationale !== undefined) decision["rationale"] = rationale;
    if (chosen !== undefined) decision["chosen"] = chosen;
    if (options !== undefined) decision["options"] = options;
    if (confidence !== undefined) decision["confidence"] = confidence;
    if (context !== undefined) decision["context"] = context as OrgmindRecord;
    if (!run) await this.ensureAgent(config, client, { id: runCtx.agentId, name: runCtx.agentId }, role);
    const existing = await client.get(decision.id);
    // A repeated call is the same decision: answer with what is stored instead of writing again.
    const stored = existing ? [existing] : await client.record([decision]);
    const saved = stored[0] as OrgmindRecord;
    if (run && !run.decisions.includes(saved.id)) {
      await this.serialised(runCtx.runId, async () => {
        const fresh = (await this.loadRun(runCtx.runId)) ?? run;
        if (!fresh.decisions.includes(saved.id)) fresh.decisions.push(saved.id);
        await this.saveRun(runCtx.runId, fresh);
      });
    }
    if (saved["status"] !== "pending_approval") {
      return { content: `Recorded decision ${saved.id} (${String(saved["status"])}).`, data: { decision: saved } };
    }
    const escalation = stored.find((r) => r.type === "escalation") ?? (await client.get(`esc-${saved.id}`));
    if (!escalation) throw new Error(`orgmind held decision ${saved.id} without an escalation`);
    const approvalId = await this.boardApproval(config, runCtx, run, escalation, saved);
    return {
      content:
        `Decision ${saved.id} is held for board approval (orgmind gate ${String(escalation["gate"])}, escalation ` +
        `${escalation.id}; Paperclip approval ${approvalId}). Do not act on it until the board approves.`,
      data: { decision: saved, escalation, approvalId },
    };
  }

  /** The Paperclip approval standing for an escalation: filed once, remembered per escalation. */
  private async boardApproval(config: PluginConfig, runCtx: ToolRunContext, run: RunRecord | null,
                              escalation: OrgmindRecord, decision: OrgmindRecord): Promise<string> {
    const key = { scopeKind: "company" as const, scopeId: runCtx.companyId, namespace: "orgmind-approvals", stateKey: escalation.id };
    return this.serialised(`approval:${escalation.id}`, async () => {
      const known = await this.ctx.state.get(key);
      if (typeof known === "string") return known;
      const approvalId = await createBoardApproval(config.paperclipApiUrl, config.paperclipApiKey, {
        companyId: runCtx.companyId, agentId: runCtx.agentId, issueId: run?.issueId ?? null, venture: config.venture,
        escalation, decision,
      });
      await this.ctx.state.set(key, approvalId);
      return approvalId;
    });
  }

  private async recordOutcome(config: PluginConfig, client: OrgmindClient, p: Params, runCtx: ToolRunContext): Promise<ToolResult> {
    const decision = str(p, "decision_id", { required: true }) as string;
    const score = num(p, "score", { min: -1, max: 1, required: true }) as number;
    const summary = str(p, "summary", { required: true, max: 10_000 }) as string;
    const metrics = object(p, "metrics");
    const [saved] = await client.record([{
      type: "outcome", id: outcomeId(runCtx.runId, decision, summary), venture_id: config.venture, decision_id: decision,
      score, summary, ...(metrics ? { metrics: metrics as OrgmindRecord } : {}),
    }]);
    return { content: `Recorded outcome ${saved?.id} of ${decision} (score ${score}).`, data: { outcome: saved ?? null } };
  }

  private async recordObservation(config: PluginConfig, client: OrgmindClient, p: Params, runCtx: ToolRunContext): Promise<ToolResult> {
    const text = str(p, "text", { required: true, max: 10_000 }) as string;
    const tags = strList(p, "tags");
    const run = await this.loadRun(runCtx.runId);
    const role = await this.roleFor(config, runCtx, run);
    const [saved] = await client.record([{
      type: "observation", id: observationId(runCtx.runId, text), venture_id: config.venture, text, source: "agent",
      role, ref: runRef(runCtx.runId), ...(tags ? { tags } : {}),
    }]);
    return { content: `Recorded observation ${saved?.id}.`, data: { observation: saved ?? null } };
  }
}

/** Hits as lines an agent reads: id, what, score, and the outcome when there is one. */
export function formatHits(hits: Hit[]): string {
  if (hits.length === 0) return "orgmind found nothing relevant.";
  return hits
    .map((h) => {
      const outcome = h.outcome ? ` → outcome ${h.outcome.score.toFixed(2)}: ${h.outcome.summary}` : "";
      return `- [${h.id}] (${h.kind}${h.venture ? `, ${h.venture}` : ""}, score ${h.score.toFixed(3)}) ${h.text}${outcome}`;
    })
    .join("\n");
}
