// End-to-end test of the orgmind plugin in a real Paperclip with a real orgmind service.
// scripts/test-paperclip.sh starts both and installs the plugin; this sets up a company, an agent
// played by agent.mjs and an issue, then checks what reached orgmind and Paperclip.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const need = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const PAPERCLIP = need("PAPERCLIP_URL");
const ORGMIND = need("ORGMIND_URL");
const ORGMIND_KEY = need("ORGMIND_API_KEY");
const KEY_NAME = need("ORGMIND_KEY_NAME");
const OUT = need("E2E_OUT");
const VENTURE = "pc-e2e";
const AGENT_SCRIPT = fileURLToPath(new URL("./agent.mjs", import.meta.url));

let passed = 0;
let failed = 0;
function check(name, ok, detail = "") {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${!ok && detail ? `: ${detail}` : ""}`);
}

async function http(base, method, path, body, headers = {}) {
  const response = await fetch(`${base}${path}`, {
    method, headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 400)}`);
  const type = response.headers.get("content-type") ?? "";
  return /application\/(problem\+)?json/.test(type) ? JSON.parse(text) : text;
}
const pc = (method, path, body) => http(PAPERCLIP, method, `/api${path}`, body);
const om = (method, path, body) => http(ORGMIND, method, `/v1${path}`, body, { authorization: `Bearer ${ORGMIND_KEY}` });
const omRecord = async (id) => {
  try {
    return await om("GET", `/records/${encodeURIComponent(id)}`);
  } catch (error) {
    if (String(error).includes(": 404")) return null;
    throw error;
  }
};
async function until(what, fn, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function main() {
  const plugin = await until("the plugin to be ready", async () =>
    (await pc("GET", "/plugins")).find((p) => p.pluginKey === "orgmind" && p.status === "ready"), 60_000);
  const company = await pc("POST", "/companies", { name: "orgmind e2e" });
  await pc("POST", `/plugins/${plugin.id}/config`, {
    companyId: company.id,
    configJson: {
      orgmindUrl: ORGMIND, orgmindApiKey: ORGMIND_KEY, venture: VENTURE, ventureName: "Paperclip e2e",
      roles: { "Pipeline CTO": "cto" }, briefBudgetTokens: 800, paperclipApiUrl: PAPERCLIP,
    },
  });
  const project = await pc("POST", `/companies/${company.id}/projects`, { name: "Event pipeline" });
  const agent = await pc("POST", `/companies/${company.id}/agents`, {
    name: "Pipeline CTO", role: "cto", adapterType: "process",
    adapterConfig: {
      command: process.execPath, args: [AGENT_SCRIPT], cwd: OUT, timeoutSec: 180,
      env: { E2E_OUT: OUT, ORGMIND_TOOL_PREFIX: `${plugin.pluginKey}:` },
    },
  });
  const tools = ["recall", "similar_decisions", "record_decision", "record_outcome", "record_observation"];
  const profile = await pc("POST", `/companies/${company.id}/tools/profiles`, {
    profileKey: "orgmind-tools", name: "orgmind tools", defaultAction: "deny",
    entries: tools.map((name) => ({ selectorType: "tool_name", effect: "include", toolName: `${plugin.pluginKey}:${name}` })),
  });
  await pc("POST", `/companies/${company.id}/tools/profiles/${profile.id ?? profile.profile?.id}/bind`, {
    targetType: "agent", targetId: agent.id,
  });

  const started = Date.now();
  const issue = await pc("POST", `/companies/${company.id}/issues`, {
    title: "Choose a queue for the event pipeline",
    description: "Event volume doubled; pick the queue for the pipeline and record the decision.",
    projectId: project.id, assigneeAgentId: agent.id, status: "todo",
  });
  const reportPath = join(OUT, `agent-${issue.id}.json`);
  await until("the agent's report", async () => existsSync(reportPath), 240_000);
  const report = JSON.parse(readFileSync(reportPath, "utf8"));
  console.log(`agent run ${report.runId} finished its work in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const r = report.results;

  // 1. The agent read a brief citing orgmind nodes that exist.
  check("the agent read an orgmind brief on its issue", report.brief.startsWith("# orgmind brief"));
  const cited = await Promise.all(report.cited.map(omRecord));
  check("the brief cites orgmind node ids", report.cited.length > 0, "no citations");
  check("every cited id is an orgmind record", cited.every(Boolean) && cited.length > 0,
    report.cited.filter((_, i) => !cited[i]).join(", "));
  const wakeupId = /wake-up `([^`]+)`/.exec(report.brief)?.[1];
  const wakeup = wakeupId ? await omRecord(wakeupId) : null;
  check("the wake-up is recorded in orgmind with the issue as its task and the Paperclip run id",
    wakeup?.venture_id === VENTURE && wakeup?.role === "cto" && String(wakeup?.task).includes(issue.title) &&
      wakeup?.ref === `paperclip-run:${report.runId}`, JSON.stringify(wakeup));

  // 2. A decision recorded through the tool is in orgmind, linked to that wake-up and run.
  const decision = r.decision?.data?.decision;
  const stored = decision ? await omRecord(decision.id) : null;
  check("record_decision stored the decision in orgmind", stored?.title === "Use a managed queue for the event pipeline",
    JSON.stringify(r.decision));
  check("the decision links to the brief's wake-up", stored?.wakeup_id === wakeupId && Boolean(wakeupId),
    `${stored?.wakeup_id} vs ${wakeupId}`);
  check("the decision names its Paperclip run", stored?.ref === `paperclip-run:${report.runId}`, stored?.ref);
  check("repeating the call returns the same decision", r.decisionAgain?.data?.decision?.id === decision?.id);
  check("recall answered with cited hits", Array.isArray(r.recall?.data?.hits) && r.recall.data.hits.length > 0,
    JSON.stringify(r.recall).slice(0, 300));
  check("similar_decisions answered", Array.isArray(r.similar?.data?.hits), JSON.stringify(r.similar).slice(0, 300));
  check("bad tool input is refused naming the parameter", String(r.badInput?.error ?? "").includes("score"),
    JSON.stringify(r.badInput));

  // 3. A gated decision became a Paperclip approval; the board approving it approves it in orgmind.
  const gated = r.gated?.data ?? {};
  check("the pricing decision is held by an orgmind gate", gated.decision?.status === "pending_approval",
    JSON.stringify(r.gated).slice(0, 300));
  const approval = gated.approvalId ? await pc("GET", `/approvals/${gated.approvalId}`) : null;
  check("a Paperclip board approval stands for the escalation",
    approval?.type === "request_board_approval" && approval?.payload?.orgmindEscalationId === gated.escalation?.id &&
      approval?.status === "pending", JSON.stringify(approval).slice(0, 300));
  const linked = gated.approvalId ? await pc("GET", `/approvals/${gated.approvalId}/issues`) : [];
  check("the approval is linked to the agent's issue", linked.some((i) => i.id === issue.id));
  if (approval) {
    await pc("POST", `/approvals/${approval.id}/approve`, { decisionNote: "fine for the Pro plan" });
    const escalation = await until("orgmind to mirror the approval", async () => {
      const esc = await omRecord(gated.escalation.id);
      return esc?.status === "approved" ? esc : null;
    }, 60_000).catch((error) => ({ error: String(error) }));
    check("approving in Paperclip approved the orgmind escalation", escalation.status === "approved", JSON.stringify(escalation));
    check("the resolver is the plugin's key and the note names the board and the approval",
      escalation.resolver === KEY_NAME && String(escalation.note).includes(approval.id) && String(escalation.note).includes("board"),
      `${escalation.resolver} / ${escalation.note}`);
    const after = await omRecord(gated.decision.id);
    check("the decision is approved in orgmind", after?.status === "approved", after?.status);
  }

  const vendor = r.gatedVendor?.data ?? {};
  check("the vendor decision is held too, with its own approval",
    vendor.decision?.status === "pending_approval" && Boolean(vendor.approvalId) && vendor.approvalId !== gated.approvalId,
    JSON.stringify(r.gatedVendor).slice(0, 300));
  if (vendor.approvalId) {
    await pc("POST", `/approvals/${vendor.approvalId}/reject`, { decisionNote: "not this quarter" });
    const escalation = await until("orgmind to mirror the rejection", async () => {
      const esc = await omRecord(vendor.escalation.id);
      return esc?.status === "rejected" ? esc : null;
    }, 60_000).catch((error) => ({ error: String(error) }));
    check("rejecting in Paperclip rejected the orgmind escalation and its decision",
      escalation.status === "rejected" && String(escalation.note).includes("not this quarter") &&
        (await omRecord(vendor.decision.id))?.status === "rejected", JSON.stringify(escalation));
  }

  // 4. The run's result is remembered once.
  const runObs = await until("the run's result in orgmind", () => omRecord(`pc-run-${report.runId}`), 60_000)
    .catch(() => null);
  check("the run's result is an orgmind observation", Boolean(runObs) && runObs.ref === `paperclip-run:${report.runId}` &&
    String(runObs.text).includes(decision?.id), JSON.stringify(runObs));

  // 5. A second delivery of the run's events writes nothing twice.
  const exportIds = async () => String(await om("GET", `/ventures/${VENTURE}/export`)).trim().split("\n")
    .map((line) => JSON.parse(line)).map((rec) => `${rec.type}:${rec.id}`).sort();
  const documentRevision = async () => (await pc("GET", `/issues/${issue.id}/documents/orgmind-brief`)).latestRevisionNumber;
  // Approving wakes the agent again (Paperclip's own follow-up run); let that settle first.
  let before = await exportIds();
  for (let same = 0, waited = 0; same < 3 && waited < 120; waited++) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const now = await exportIds();
    same = JSON.stringify(now) === JSON.stringify(before) ? same + 1 : 0;
    before = now;
  }
  const revisionBefore = await documentRevision();
  const approvalsBefore = (await pc("GET", `/companies/${company.id}/approvals`)).length;
  const redelivered = await pc("POST", `/plugins/${plugin.id}/actions/redeliver-run`, {
    companyId: company.id, params: { runId: report.runId },
  });
  const events = redelivered?.data?.redelivered ?? redelivered?.redelivered ?? [];
  check("the run's events were delivered a second time", events.includes("agent.run.started") && events.includes("agent.run.finished"),
    JSON.stringify(redelivered));
  const after = await exportIds();
  check("the second delivery wrote nothing new to orgmind", JSON.stringify(after) === JSON.stringify(before),
    `new: ${after.filter((id) => !before.includes(id)).join(", ")}`);
  check("exactly one wake-up and one run observation for the run",
    before.filter((id) => id === `wakeup:${wakeupId}`).length === 1 && before.filter((id) => id === `observation:pc-run-${report.runId}`).length === 1);
  check("the brief document was not rewritten", (await documentRevision()) === revisionBefore);
  check("no second board approval", (await pc("GET", `/companies/${company.id}/approvals`)).length === approvalsBefore);
}

try {
  await main();
} catch (error) {
  failed++;
  console.log(`FAIL end-to-end run: ${error instanceof Error ? error.stack : error}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
