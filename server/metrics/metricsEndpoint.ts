/**
 * GET /metrics for Prometheus, outside /api (no session, no CSRF guard, no JSON). It answers only a request with
 * `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time; without a token configured it is off and
 * answers 404, like any unknown path.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Registry } from 'prom-client';

/** SHA-256 first: timingSafeEqual needs equal lengths, and the digest reveals nothing of the token's length. */
const digest = (text: string) => createHash('sha256').update(text).digest();

export function metricsEndpoint(options: { token: string | undefined; registry: Registry }): RequestHandler {
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
    res.type(options.registry.contentType).send(await options.registry.metrics());
  };
}
