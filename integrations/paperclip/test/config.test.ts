import assert from "node:assert/strict";
import { test } from "node:test";

import { ConfigError, parseConfig, roleOf } from "../src/config.js";

const valid = {
  orgmindUrl: "http://127.0.0.1:8420/",
  orgmindApiKey: "om_secret",
  venture: "acme",
  paperclipApiUrl: "http://127.0.0.1:3100",
};

test("a minimal configuration gets defaults and a trimmed URL", () => {
  const config = parseConfig(valid);
  assert.equal(config.orgmindUrl, "http://127.0.0.1:8420");
  assert.equal(config.ventureName, "acme");
  assert.equal(config.briefBudgetTokens, 1200);
  assert.deepEqual(config.roles, {});
  assert.equal(config.paperclipApiKey, "");
});

test("errors name the field", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ ...valid, orgmindUrl: undefined }, "orgmindUrl"],
    [{ ...valid, orgmindUrl: "ftp://x" }, "orgmindUrl"],
    [{ ...valid, orgmindApiKey: 7 }, "orgmindApiKey"],
    [{ ...valid, venture: "no spaces allowed" }, "venture"],
    [{ ...valid, roles: { cto: "Chief Technology Officer" } }, "roles.cto"],
    [{ ...valid, roles: ["cto"] }, "roles"],
    [{ ...valid, briefBudgetTokens: 10 }, "briefBudgetTokens"],
    [{ ...valid, paperclipApiUrl: "not a url" }, "paperclipApiUrl"],
  ];
  for (const [raw, field] of cases) {
    assert.throws(() => parseConfig(raw), (error: unknown) => error instanceof ConfigError && error.field === field, field);
  }
});

test("an agent's role: configured by id, then by name, else its Paperclip role as a slug", () => {
  const config = parseConfig({ ...valid, roles: { "agent-1": "cto", "Growth Lead": "growth" } });
  assert.equal(roleOf(config, { id: "agent-1", name: "x", role: "engineer" }), "cto");
  assert.equal(roleOf(config, { id: "agent-2", name: "Growth Lead", role: "general" }), "growth");
  assert.equal(roleOf(config, { id: "agent-3", name: "y", role: "Head of Ops" }), "head-of-ops");
  assert.equal(roleOf(config, { id: "agent-4", name: "z", role: null }), "agent");
});
