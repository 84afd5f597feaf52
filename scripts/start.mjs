/**
 * `npm start`: builds what is missing or out of date (the server with tsc, the React app with Vite),
 * then runs the server. Works straight after `npm install` on a fresh clone.
 * Signals and the exit code pass through to and from the server.
 */
import { buildIfStale, CLIENT_SOURCES, loadDotEnv, runInPlaceOf, SERVER_SOURCES } from './lib/build.mjs';

loadDotEnv();

const SERVER_ENTRY = 'dist/server/server/index.js';

await buildIfStale({ script: 'build:server', output: SERVER_ENTRY, sources: SERVER_SOURCES, what: 'the server' });
await buildIfStale({ script: 'build:client', output: 'dist/client/index.html', sources: CLIENT_SOURCES, what: 'the web app' });
await runInPlaceOf(process.execPath, [SERVER_ENTRY]);
