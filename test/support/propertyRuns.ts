/**
 * How many cases each fast-check property tries: 100 on a developer's machine, 1000 under CI (CI=true).
 * PROPERTY_RUNS overrides both, e.g. PROPERTY_RUNS=10000 for a long hunt before a release.
 * Loaded as a Vitest setup file, so every property in every test file follows it.
 */
import fc from 'fast-check';

const LOCAL_RUNS = 100;
const CI_RUNS = 1_000;

export const PROPERTY_RUNS = Number(process.env.PROPERTY_RUNS ?? (process.env.CI === 'true' ? CI_RUNS : LOCAL_RUNS));

fc.configureGlobal({ numRuns: PROPERTY_RUNS });
