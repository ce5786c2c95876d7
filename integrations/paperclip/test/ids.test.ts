import assert from "node:assert/strict";
import { test } from "node:test";

import { decisionId, observationId, outcomeId, runObservationId, runRef } from "../src/ids.js";

const ORGMIND_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

test("ids are deterministic and valid orgmind ids", () => {
  const run = "3f2b8c1e-0d4a-4c55-9f0e-1a2b3c4d5e6f";
  const ids = [
    decisionId(run, "pricing", "Raise prices"), observationId(run, "x"), outcomeId(run, "pc-dec-1", "fine"),
    runObservationId(run), runRef(run),
  ];
  for (const id of ids) assert.match(id, ORGMIND_ID);
  assert.equal(decisionId(run, "pricing", "Raise prices"), decisionId(run, "pricing", " Raise prices "));
  assert.notEqual(decisionId(run, "pricing", "Raise prices"), decisionId(run, "pricing", "Lower prices"));
  assert.notEqual(decisionId(run, "pricing", "Raise prices"), decisionId("other-run", "pricing", "Raise prices"));
});
