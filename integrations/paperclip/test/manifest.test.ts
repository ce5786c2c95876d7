import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";

import manifest from "../src/manifest.js";

const root = new URL("../../", import.meta.url);

test("the manifest declares the five tools agents are told about", () => {
  assert.deepEqual(manifest.tools?.map((t) => t.name),
    ["recall", "similar_decisions", "record_decision", "record_outcome", "record_observation"]);
  for (const tool of manifest.tools ?? []) assert.equal(tool.parametersSchema["type"], "object", tool.name);
});

test("the capabilities cover every host API the worker uses", () => {
  for (const capability of ["events.subscribe", "agent.tools.register", "agents.read", "issues.read",
    "issue.documents.write", "approvals.read", "plugin.state.read", "plugin.state.write"]) {
    assert.ok(manifest.capabilities.includes(capability as (typeof manifest.capabilities)[number]), capability);
  }
});

test("package.json and the manifest point at the built files", () => {
  const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { paperclipPlugin: Record<string, string> };
  for (const path of [pkg.paperclipPlugin["manifest"], pkg.paperclipPlugin["worker"], manifest.entrypoints.worker]) {
    assert.ok(path && existsSync(new URL(path, root)), `${path} is built`);
  }
});
