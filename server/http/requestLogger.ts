import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

/**
 * One log line per API request: method, path (never the query string or body), status and duration.
 * `redactPath` hides secrets that are path segments (the delivery callback's token).
 */
export function requestLogger(logger: Logger, redactPath: (path: string) => string = (path) => path): RequestHandler {
  return (req, res, next) => {
    const startedAt = performance.now();
    res.on('finish', () => {
      const responseTimeMs = Math.round(performance.now() - startedAt);
      const level = res.statusCode >= 500 ? 'warn' : 'info';
      logger[level](
        {
          method: req.method,
          path: redactPath(req.originalUrl.split('?')[0] ?? ''),
          status: res.statusCode,
          responseTimeMs,
          ip: req.ip,
        },
        'request',
      );
    });
    next();
  };
}
