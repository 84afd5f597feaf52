import { z } from 'zod';

/** GET /api/health: 200 when the database and the rate-limit store answer, 503 with the same body when not. */
export const healthReportSchema = z.object({
  ok: z.boolean(),
  database: z.enum(['up', 'down']),
  rate_limit_store: z.enum(['memory', 'redis', 'down']),
});
export type HealthReport = z.infer<typeof healthReportSchema>;
