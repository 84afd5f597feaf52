/**
 * How many cases each fast-check property tries: 100 on a developer's machine, 1000 under CI (CI=true).
 * PROPERTY_RUNS overrides both, e.g. PROPERTY_RUNS=10000 for a long hunt before a release.
 * Loaded as a Vitest setup file, so every property in every test file follows it.
 */
import fc from 'fast-check';

const LOCAL_RUNS = 100;
const CI_RUNS = 1_000;

function propertyRuns(): number {
  const asked = process.env.PROPERTY_RUNS;
  if (asked === undefined) return process.env.CI === 'true' ? CI_RUNS : LOCAL_RUNS;
  // An empty or mistyped value must not quietly run no case at all.
  if (!/^[1-9][0-9]*$/.test(asked.trim()))
    throw new Error(`PROPERTY_RUNS must be a whole number from 1, not "${asked}"`);
  return Number(asked);
}

export const PROPERTY_RUNS = propertyRuns();

fc.configureGlobal({ numRuns: PROPERTY_RUNS });
