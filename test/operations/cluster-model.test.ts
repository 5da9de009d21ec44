// The sync model (test/support/sync-model.ts) against three instances behind haproxy on one
// database (issue 15): BrokerStar's random writes, and after every step the listings, ETags,
// getctags, tokens and replays checked exactly as on one server, while round-robin sends each
// client's consecutive requests to different instances. Needs the build (`npm run build`: the
// instances run dist/src/cli.js) and Debian's haproxy (.ci/run installs it).
// Rerun one seed: SYNC_MODEL_SEED=<seed> [SYNC_MODEL_STEPS=<n>] [SYNC_MODEL_PRIVATE=hidden] npx vitest run test/operations/cluster-model.test.ts
import { describe, expect, it } from 'vitest';
import { CLUSTER_INSTANCES, clusterOfThree, type ClusterModelTarget } from '../support/cluster-model-target.js';
import { CAP, runModel, SEEDS, type PrivateMode } from '../support/sync-model.js';

// Fewer steps than on one server (the file must stay near two minutes on a loaded 2-core machine:
// each step is some twenty requests through haproxy to three processes); step 25 runs the upkeep.
const STEPS = Number(process.env.SYNC_MODEL_STEPS ?? 25);
const RUNS: { seed: number; mode: PrivateMode }[] = process.env.SYNC_MODEL_SEED
  ? SEEDS
  : [
      { seed: 15_001, mode: 'busy' },
      { seed: 15_002, mode: 'hidden' },
    ];

describe('sync model through three instances behind haproxy', () => {
  for (const { seed, mode } of RUNS) {
    it(`seed ${seed}: ${STEPS} steps over 7 collections, MAX_RECORDS = ${CAP}, PRIVATE_APPOINTMENTS = ${mode}, round-robin`, async () => {
      let target: ClusterModelTarget | undefined;
      const { capped } = await runModel(seed, mode, STEPS, async (opts) => (target = await clusterOfThree(opts)));
      expect(capped, 'observations of a full (capped) collection').toBeGreaterThan(STEPS / 2);
      // Every instance answered its share of the clients' requests (round-robin: about a third
      // each), and refreshed collections both ways: the answers the model checked came from all three.
      const counts = target!.counts ?? [];
      expect(counts, "every instance's /metrics, read at the end").toHaveLength(CLUSTER_INSTANCES);
      const total = counts.reduce((n, c) => n + c.requests, 0);
      expect(total, 'requests the model sent').toBeGreaterThan(STEPS * 10);
      for (const [i, c] of counts.entries()) {
        expect(c.requests, `instance ${i}: ${c.requests} of ${total} requests`).toBeGreaterThan(total / 5);
        expect(c.refreshes.full + c.refreshes.incremental, `instance ${i} refreshed collections`).toBeGreaterThan(0);
      }
      expect(counts.reduce((n, c) => n + c.refreshes.incremental, 0), 'incremental refreshes of address books').toBeGreaterThan(STEPS / 10);
      expect(counts.reduce((n, c) => n + c.refreshes.full, 0), 'full recomputes').toBeGreaterThan(STEPS / 10);
    }, Math.max(150_000, STEPS * 6000));
  }
});
