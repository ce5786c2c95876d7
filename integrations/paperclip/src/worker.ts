/** The plugin worker: wires Paperclip events, tools and actions to the orgmind bridge. */

import { definePlugin, runWorker, type PluginEvent } from "@paperclipai/plugin-sdk";

import { OrgmindBridge } from "./bridge.js";
import { ConfigError, parseConfig } from "./config.js";
import { TOOLS } from "./tool-declarations.js";

const plugin = definePlugin({
  async setup(ctx) {
    const bridge = new OrgmindBridge(ctx);
    const logged = (what: string, fn: (event: PluginEvent) => Promise<void>) => async (event: PluginEvent) => {
      try {
        await fn(event);
      } catch (error) {
        ctx.logger.error(`orgmind: ${what} failed`, { eventId: event.eventId, error: String(error) });
        throw error;
      }
    };
    ctx.events.on("agent.run.started", logged("brief", (e) => bridge.onRunStarted(e)));
    ctx.events.on("agent.run.finished", logged("run result", (e) => bridge.onRunEnded(e)));
    ctx.events.on("agent.run.failed", logged("run result", (e) => bridge.onRunEnded(e)));
    ctx.events.on("agent.run.cancelled", logged("run result", (e) => bridge.onRunEnded(e)));
    ctx.events.on("approval.decided", logged("approval mirror", (e) => bridge.onApprovalDecided(e)));
    for (const tool of TOOLS) {
      ctx.tools.register(
        tool.name,
        { displayName: tool.displayName, description: tool.description, parametersSchema: tool.parametersSchema },
        (params, runCtx) => bridge.tool(tool.name, params, runCtx),
      );
    }
    ctx.actions.register("redeliver-run", async (params) => {
      const runId = params["runId"];
      if (typeof runId !== "string" || !runId) throw new Error("runId: is required");
      return bridge.redeliver(runId);
    });
  },
  async onValidateConfig(config) {
    try {
      parseConfig(config);
      return { ok: true };
    } catch (error) {
      if (error instanceof ConfigError) return { ok: false, errors: [error.message] };
      throw error;
    }
  },
});

export default plugin;
runWorker(plugin, import.meta.url);
