import assert from "node:assert/strict";
import { test } from "node:test";

import { citedIds, renderBriefDocument } from "../src/brief-document.js";
import { formatHits } from "../src/bridge.js";
import type { Brief } from "../src/orgmind-client.js";

const brief: Brief = {
  schema: "orgmind.brief/1", brief_id: "brf_1", wakeup_id: "wak_1", venture: "acme", role: "cto",
  task: "Choose a queue\n\nlonger description", tokens: 120, budget: 800,
  sections: [
    { name: "open_items", title: "Open items", lines: [{ text: "Pricing change waits", cites: ["esc-1", "d-1"], policy: null }] },
    { name: "guardrails", title: "Guardrails", lines: [{ text: "pricing needs approval", cites: [], policy: "pricing_change" }] },
    { name: "precedents", title: "Precedents", lines: [{ text: "Chose SQS", cites: ["d-2", "d-1"], policy: null }] },
  ],
};

test("the document names the run and the wake-up, and every line keeps its citations", () => {
  const body = renderBriefDocument(brief, "run-9", "orgmind:");
  assert.match(body, /Paperclip run `run-9` · orgmind wake-up `wak_1`/);
  assert.match(body, /- Pricing change waits \[esc-1, d-1\]/);
  assert.match(body, /- pricing needs approval \[policy: pricing_change\]/);
  assert.match(body, /\*\*Task:\*\* Choose a queue\n/);
  assert.match(body, /`orgmind:record_decision`/);
});

test("cited ids are listed once, in order", () => {
  assert.deepEqual(citedIds(brief), ["esc-1", "d-1", "d-2"]);
});

test("hits read as one line each with their outcome", () => {
  assert.equal(formatHits([]), "orgmind found nothing relevant.");
  const text = formatHits([
    { id: "d-2", kind: "decision", venture: "acme", text: "Chose SQS", score: 0.91234,
      outcome: { id: "o-1", score: 0.6, summary: "latency fell" } },
  ]);
  assert.equal(text, "- [d-2] (decision, acme, score 0.912) Chose SQS → outcome 0.60: latency fell");
});
