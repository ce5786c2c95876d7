/** The plugin's manifest: identity, capabilities, configuration schema and tools. */

import type { PaperclipPluginManifestV1 } from "@paperclipai/plugin-sdk";

import { configSchema } from "./config.js";
import { TOOLS } from "./tool-declarations.js";

export const PLUGIN_ID = "orgmind";

const manifest: PaperclipPluginManifestV1 = {
  id: PLUGIN_ID,
  apiVersion: 1,
  version: "0.1.0",
  displayName: "orgmind",
  description:
    "Organisational memory for agents: a cited orgmind brief on every run's issue, recall and decision tools, " +
    "approval gates mirrored as board approvals, and every run's result remembered.",
  author: "orgmind",
  categories: ["connector", "automation"],
  capabilities: [
    "events.subscribe",
    "agent.tools.register",
    "agents.read",
    "companies.read",
    "issues.read",
    "issue.documents.read",
    "issue.documents.write",
    "approvals.read",
    "plugin.state.read",
    "plugin.state.write",
    "http.outbound",
  ] as PaperclipPluginManifestV1["capabilities"],
  entrypoints: { worker: "./dist/src/worker.js" },
  instanceConfigSchema: configSchema as unknown as PaperclipPluginManifestV1["instanceConfigSchema"],
  tools: TOOLS,
};

export default manifest;
