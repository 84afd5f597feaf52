/**
 * What every fault file starts once: PostgreSQL, Redis and a 2Factor simulator side by side, after checking the
 * tools are there and building the server if it is stale; `stop` ends all three whatever state they are in.
 */
import {
  startTwoFactorSimulator,
  type TwoFactorSimulator,
  type TwoFactorSimulatorOptions,
} from '../../../server/providers/twoFactor/simulator.js';
import { ensureServerBuilt } from './serverProcess.js';
import {
  requireFaultSuiteTools,
  startPostgres,
  startRedis,
  type PostgresInstance,
  type RedisInstance,
} from './services.js';

export interface FaultServices {
  postgres: PostgresInstance;
  redis: RedisInstance;
  simulator: TwoFactorSimulator;
  stop(): Promise<void>;
}

export async function startFaultServices(simulatorOptions: TwoFactorSimulatorOptions): Promise<FaultServices> {
  requireFaultSuiteTools();
  await ensureServerBuilt();
  const [postgres, redis, simulator] = await Promise.all([
    startPostgres(),
    startRedis(),
    startTwoFactorSimulator(simulatorOptions),
  ]);
  return {
    postgres,
    redis,
    simulator,
    async stop() {
      await Promise.allSettled([postgres.destroy(), redis.destroy(), simulator.close()]);
    },
  };
}
