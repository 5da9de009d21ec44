// Model-based test of sync (issue 4) against one server: see test/support/sync-model.ts for what
// it checks and how to rerun one seed.
import { describe, expect, it } from 'vitest';
import { CAP, runModel, SEEDS, STEPS } from '../support/sync-model.js';

describe('sync model: random BrokerStar writes, then every client state converges to the listing', () => {
  for (const { seed, mode } of SEEDS) {
    it(`seed ${seed}: ${STEPS} steps over 10 collections, MAX_RECORDS = ${CAP}, PRIVATE_APPOINTMENTS = ${mode}`, async () => {
      const { capped, agedOut, birthdays, refreshes } = await runModel(seed, mode, STEPS);
      // The run must actually exercise the cap, and address books caught up both ways.
      expect(capped, 'observations of a full (capped) collection').toBeGreaterThan(STEPS);
      expect(refreshes, 'one in-process server counts its refreshes').toBeDefined();
      // The server's clock moved by days: items left the sync windows with no BrokerStar write.
      if (STEPS >= 25) expect(agedOut, 'members that aged out of a sync window').toBeGreaterThan(0);
      // Birthdays appeared in the birthdays calendars (and were checked against the reference).
      if (STEPS >= 25) expect(birthdays, 'birthday events observed').toBeGreaterThan(0);
      expect(refreshes!.incremental, 'incremental refreshes of address books').toBeGreaterThan(STEPS / 10);
      expect(refreshes!.full, 'full recomputes').toBeGreaterThan(STEPS / 10);
    }, Math.max(120_000, STEPS * 4000));
  }
});
