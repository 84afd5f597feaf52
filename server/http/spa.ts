import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler, Router } from 'express';

/**
 * Serves the built React app: hashed assets cached for a year, index.html never cached, and index.html for
 * every other GET so client-side routes (/login, /settings/sms-otp…) survive a reload.
 * Without a build (development with Vite's dev server) it serves nothing.
 */
export function serveSpa(clientDir: string): RequestHandler | undefined {
  const indexHtml = path.join(clientDir, 'index.html');
  if (!existsSync(indexHtml)) return undefined;
  const router = Router();
  router.use(
    '/assets',
    express.static(path.join(clientDir, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }),
  );
  router.use(express.static(clientDir, { index: false, maxAge: '1h' }));
  router.get('/{*path}', (_req, res) => {
    res.set('Cache-Control', 'no-cache');
    res.sendFile(indexHtml);
  });
  return router;
}
