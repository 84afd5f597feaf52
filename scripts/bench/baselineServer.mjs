/**
 * Scenario 1's ceiling: a bare Express 5 app with one JSON route, run like the product's server (plain
 * `node`, NODE_ENV=production, same flags). POST /api/echo parses a JSON body as the product's routes do
 * and answers a JSON object of about the size of a sendOtp answer. Nothing else: no helmet, no limits,
 * no database, no provider.
 *
 *   PORT=4100 node scripts/bench/baselineServer.mjs
 */
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.post('/api/echo', express.json({ limit: '16kb' }), (req, res) => {
  res.json({
    session_id: '00000000-0000-4000-8000-000000000000',
    status: 'sent',
    message: `We sent a code to ${typeof req.body?.phone === 'string' ? req.body.phone.slice(0, 5) : '?'}•••••.`,
    response_time_ms: 0,
    expires_in_s: 300,
    resend_after_s: 30,
  });
});
app.get('/api/health', (_req, res) => res.json({ ok: true }));

const server = app.listen(Number(process.env.PORT ?? 4100), '127.0.0.1', () => {
  console.log(`baseline listening on http://127.0.0.1:${server.address().port}`);
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
