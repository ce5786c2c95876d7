import assert from "node:assert/strict";
import { test } from "node:test";

import { asParams, num, oneOf, str, strList, ToolInputError } from "../src/tool-input.js";

const fails = (fn: () => unknown, field: string) =>
  assert.throws(fn, (error: unknown) => error instanceof ToolInputError && error.field === field);

test("parameters are checked and errors name the parameter", () => {
  fails(() => asParams([1]), "(parameters)");
  fails(() => str({}, "query", { required: true }), "query");
  fails(() => str({ query: "   " }, "query"), "query");
  fails(() => str({ title: "x".repeat(301) }, "title", { max: 300 }), "title");
  fails(() => num({ score: 5 }, "score", { min: -1, max: 1 }), "score");
  fails(() => num({ k: 2.5 }, "k", { min: 1, max: 50, integer: true }), "k");
  fails(() => strList({ tags: [1] }, "tags"), "tags");
  fails(() => oneOf({ scope: "everything" }, "scope", ["venture", "platform"] as const, "venture"), "scope");
  assert.equal(str({ query: " q " }, "query"), "q");
  assert.equal(num({}, "k", { min: 1, max: 50 }), undefined);
  assert.equal(oneOf({}, "scope", ["venture", "platform"] as const, "venture"), "venture");
});
