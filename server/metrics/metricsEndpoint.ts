/**
 * GET /metrics for Prometheus, outside /api (no session, no CSRF guard, no JSON). It answers only a request with
 * `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time; without a token configured it is off and
 * answers 404, like any unknown path. Under WEB_CONCURRENCY > 1 `read` gathers all workers (clusterMetrics.ts); a
 * scrape that cannot be gathered answers 503, never one worker's share.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Registry } from 'prom-client';

/** SHA-256 first: timingSafeEqual needs equal lengths, and the digest reveals nothing of the token's length. */
const digest = (text: string) => createHash('sha256').update(text).digest();

/** An exposition, ready to send. */
export interface MetricsText {
  contentType: string;
  text: string;
}

/** The metrics could not be gathered this time (another process did not answer): 503, with the reason. */
export class MetricsUnavailableError extends Error {}

/** The metrics of this process alone. */
export function registryMetrics(registry: Registry): () => Promise<MetricsText> {
  return async () => ({ contentType: registry.contentType, text: await registry.metrics() });
}

export function metricsEndpoint(options: {
  token: string | undefined;
  read: () => Promise<MetricsText>;
}): RequestHandler {
  const expected = options.token === undefined ? undefined : digest(options.token);
  return async (req, res) => {
    res.set('Cache-Control', 'no-store');
    if (!expected) {
      res.status(404).type('text/plain').send('Not found: set METRICS_TOKEN to enable /metrics.\n');
      return;
    }
    const [scheme, presented] = (req.get('authorization') ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !presented || !timingSafeEqual(digest(presented), expected)) {
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer realm="metrics"')
        .type('text/plain')
        .send('Unauthorized: send Authorization: Bearer <METRICS_TOKEN>.\n');
      return;
    }
    try {
      const metrics = await options.read();
      res.type(metrics.contentType).send(metrics.text);
    } catch (error) {
      if (!(error instanceof MetricsUnavailableError)) throw error;
      res.status(503).type('text/plain').send(`Service unavailable: ${error.message}; try again.\n`);
    }
  };
}
