/** The tools agents see: names, descriptions written for a model, JSON-schema parameters. */

import type { PluginToolDeclaration } from "@paperclipai/plugin-sdk";

const scope = {
  type: "string",
  enum: ["venture", "platform"],
  description: "venture: this company's own records (default); platform: also ventures that share openly",
};

export const TOOLS: PluginToolDeclaration[] = [
  {
    name: "recall",
    displayName: "orgmind: recall",
    description:
      "Search the organisation's memory (past decisions with their outcomes, observations, insights) for anything " +
      "relevant to a question. Use before deciding something that may have been decided before.",
    parametersSchema: {
      type: "object",
      required: ["query"],
      properties: {
        query: { type: "string", description: "What to look for, in plain words" },
        k: { type: "integer", minimum: 1, maximum: 50, description: "How many results (default 8)" },
        scope,
        kinds: { type: "array", items: { type: "string" }, description: "Only decisions of these kinds" },
      },
    },
  },
  {
    name: "similar_decisions",
    displayName: "orgmind: similar decisions",
    description:
      "Past decisions like a stored one (decision_id) or like a description (text), each with what came of it. " +
      "Give exactly one of decision_id and text.",
    parametersSchema: {
      type: "object",
      properties: {
        decision_id: { type: "string", description: "An orgmind decision id" },
        text: { type: "string", description: "The decision you are considering, in a sentence" },
        k: { type: "integer", minimum: 1, maximum: 50 },
        scope,
      },
    },
  },
  {
    name: "record_decision",
    displayName: "orgmind: record a decision",
    description:
      "Record a decision you made in this run, so its outcome can later be traced to what you were told. " +
      "Strategic kinds (pricing, spend, vendor, security, ...) are held for board approval: the answer then says so, " +
      "and you must not act on the decision until the board approves it.",
    parametersSchema: {
      type: "object",
      required: ["kind", "title"],
      properties: {
        kind: { type: "string", description: "Kind of decision, a slug such as architecture, pricing, hiring, vendor, spend" },
        title: { type: "string", description: "The decision in one line" },
        rationale: { type: "string", description: "Why" },
        options: { type: "array", items: { type: "string" }, description: "Options considered" },
        chosen: { type: "string", description: "The option chosen" },
        confidence: { type: "number", minimum: 0, maximum: 1 },
        context: { type: "object", description: "Facts the approval gates read, e.g. {\"amount\": 25000}" },
        status: { type: "string", enum: ["proposed", "executed"], description: "proposed, or executed (default)" },
      },
    },
  },
  {
    name: "record_outcome",
    displayName: "orgmind: record an outcome",
    description: "Record what came of an earlier decision: a score from -1 (bad) to 1 (good) and a summary.",
    parametersSchema: {
      type: "object",
      required: ["decision_id", "score", "summary"],
      properties: {
        decision_id: { type: "string" },
        score: { type: "number", minimum: -1, maximum: 1 },
        summary: { type: "string" },
        metrics: { type: "object", additionalProperties: { type: "number" } },
      },
    },
  },
  {
    name: "record_observation",
    displayName: "orgmind: record an observation",
    description: "Record something worth remembering that is not a decision: a fact, a signal, a customer remark.",
    parametersSchema: {
      type: "object",
      required: ["text"],
      properties: {
        text: { type: "string" },
        tags: { type: "array", items: { type: "string" }, description: "Slugs, e.g. churn, pricing" },
      },
    },
  },
];
