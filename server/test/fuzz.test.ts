import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runNotesProperty } from './fuzz/notes.ts';
import { runFuzz } from './fuzz/run.ts';
import { describeEachStore } from './helpers/harness.ts';

/**
 * The quick, seeded fuzz run of `npm test` (the long one is `npm run fuzz`): hostile requests to
 * every route of the OpenAPI document and frames for every realtime request, on a real server and
 * store. Always a 2xx or a 4xx in the envelope, never a 5xx; nothing changes when a request is
 * refused; every read still answers after each accepted change. Then the notes property
 * (fuzz/notes.ts): nothing an end user's token reaches ever holds an internal note.
 * SWITCHBOARD_FUZZ_SEED replays another seed.
 */
const seed = Number(process.env.SWITCHBOARD_FUZZ_SEED ?? 20261201);

describeEachStore('fuzz (quick, seeded)', (kind) => {
  it(`survives up to 2,000 generated requests and frames (seed ${seed})`, async () => {
    const result = await runFuzz({ store: kind, seed, runs: 2000, timeLimitMs: 50_000 });
    console.log(
      `fuzz [${kind}] seed ${seed}: ${result.cases} cases (${result.http} HTTP, ${result.frames} frames), ` +
        `answers ${JSON.stringify(result.statuses)}, ${result.unchangedChecks} refusals unchanged, ` +
        `${result.poisonChecks} changes followed by every read`,
    );
    assert.equal(result.failure, undefined, result.failure);
    assert.ok(result.cases >= 300, `ran ${result.cases} cases`);
    assert.ok(result.poisonChecks > 0 && result.unchangedChecks > 0, 'both kinds of answer were checked');
  });

  it(`nothing an end-user token can read or hear ever contains a note (seed ${seed})`, async () => {
    const result = await runNotesProperty({ store: kind, seed, runs: 6, timeLimitMs: 45_000 });
    console.log(
      `notes [${kind}] seed ${seed}: ${result.runs} runs, ${result.steps} steps, ${result.notes} notes, ` +
        `${result.refusedNotes} end-user notes refused, ${result.searched} reads and frames searched`,
    );
    assert.equal(result.failure, undefined, result.failure);
    assert.ok(result.runs >= 2 && result.notes > 0, `${result.runs} runs, ${result.notes} notes`);
  });
});
