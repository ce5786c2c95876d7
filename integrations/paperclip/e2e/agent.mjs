// The agent of the end-to-end test, run by Paperclip's process adapter for each heartbeat run.
// Like a real agent it reads its issue and the orgmind brief there, then calls the plugin's tools
// through Paperclip's tool API with its per-run token. It writes what it saw to $E2E_OUT.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const api = env("PAPERCLIP_API_URL").replace(/\/+$/, "");
const runId = env("PAPERCLIP_RUN_ID");
const agentId = env("PAPERCLIP_AGENT_ID");
const companyId = env("PAPERCLIP_COMPANY_ID");
const out = env("E2E_OUT");
const prefix = env("ORGMIND_TOOL_PREFIX");
const headers = { authorization: `Bearer ${env("PAPERCLIP_API_KEY")}`, "content-type": "application/json", "x-paperclip-run-id": runId };

async function call(method, path, body) {
  const response = await fetch(`${api}${path.startsWith("/api") ? path : `/api${path}`}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

const run = await call("GET", `/heartbeat-runs/${runId}`);
const issueId = run?.contextSnapshot?.issueId;
const report = join(out, `agent-${issueId ?? "none"}.json`);
if (!issueId || existsSync(report)) {
  // Later wake-ups (e.g. after the board's approval) have nothing more to do.
  writeFileSync(join(out, `wake-${runId}.json`), JSON.stringify({ runId, issueId: issueId ?? null }));
  process.exit(0);
}
const issue = await call("GET", `/issues/${issueId}`);

// The plugin writes the brief when the run starts; wait for the one made for this run.
let brief = null;
for (let i = 0; i < 120 && !brief; i++) {
  try {
    const doc = await call("GET", `/issues/${issueId}/documents/orgmind-brief`);
    if (doc?.body?.includes(runId)) brief = doc.body;
  } catch {
    // not written yet
  }
  if (!brief) await new Promise((resolve) => setTimeout(resolve, 500));
}
if (!brief) throw new Error("no orgmind brief for this run");
const cited = [...brief.matchAll(/\[([^\]]+)\]\s*$/gm)].flatMap((m) => m[1].split(",").map((s) => s.trim()))
  .filter((id) => !id.startsWith("policy:"));

const tool = async (name, parameters) =>
  (await call("POST", "/plugins/tools/execute", {
    tool: `${prefix}${name}`, parameters,
    runContext: { agentId, runId, companyId, projectId: issue.projectId },
  })).result;

const results = {};
results.recall = await tool("recall", { query: issue.title, k: 5, scope: "platform" });
results.similar = await tool("similar_decisions", { text: issue.title, k: 3, scope: "platform" });
results.decision = await tool("record_decision", {
  kind: "architecture", title: "Use a managed queue for the event pipeline",
  rationale: "The brief's precedents favour managed services for small teams", confidence: 0.7,
});
results.decisionAgain = await tool("record_decision", {
  kind: "architecture", title: "Use a managed queue for the event pipeline",
  rationale: "The brief's precedents favour managed services for small teams", confidence: 0.7,
});
results.gated = await tool("record_decision", {
  kind: "pricing", title: "Raise the Pro plan price by 20%", rationale: "Queue costs grow with usage",
  context: { percent_change: 20 },
});
results.gatedVendor = await tool("record_decision", {
  kind: "vendor", title: "Adopt QueueCo as the managed queue vendor", rationale: "Cheapest managed offer",
});
results.observation = await tool("record_observation", { text: "Event volume doubled this month", tags: ["growth"] });
results.badInput = await tool("record_outcome", { decision_id: "x", score: 5, summary: "too good" });
await call("PATCH", `/issues/${issueId}`, { status: "done" });
writeFileSync(report, JSON.stringify({ runId, issueId, brief, cited, results }, null, 2));
