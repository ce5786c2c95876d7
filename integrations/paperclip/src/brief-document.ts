/** The issue document an agent reads: the orgmind brief, every line citing its orgmind nodes. */

import type { Brief } from "./orgmind-client.js";

export const BRIEF_DOCUMENT_KEY = "orgmind-brief";
export const BRIEF_DOCUMENT_TITLE = "orgmind brief";

export function renderBriefDocument(brief: Brief, runId: string, toolPrefix: string): string {
  const lines = [
    `# orgmind brief: ${brief.venture} / ${brief.role}`,
    "",
    `Paperclip run \`${runId}\` · orgmind wake-up \`${brief.wakeup_id}\` · brief \`${brief.brief_id}\` · ${brief.tokens}/${brief.budget} tokens`,
    "",
  ];
  if (brief.task) lines.push(`**Task:** ${brief.task.split("\n")[0]}`, "");
  for (const section of brief.sections) {
    lines.push(`## ${section.title}`, "");
    for (const line of section.lines) {
      const cites = line.cites.length ? ` [${line.cites.join(", ")}]` : line.policy ? ` [policy: ${line.policy}]` : "";
      lines.push(`- ${line.text}${cites}`);
    }
    lines.push("");
  }
  if (brief.sections.length === 0) lines.push("_orgmind holds nothing relevant yet for this venture and role._", "");
  lines.push(
    "---",
    `Tools: \`${toolPrefix}recall\`, \`${toolPrefix}similar_decisions\`, \`${toolPrefix}record_decision\`, ` +
      `\`${toolPrefix}record_outcome\`, \`${toolPrefix}record_observation\`. Decisions recorded in this run link to this brief; ` +
      "gated ones wait for a board approval.",
  );
  return lines.join("\n") + "\n";
}

/** Every orgmind node id the brief cites, in order of first appearance. */
export function citedIds(brief: Brief): string[] {
  return [...new Set(brief.sections.flatMap((s) => s.lines.flatMap((l) => l.cites)))];
}
