/**
 * `npm run user:add`: creates a user in the configured database (see userCommand.ts for the options).
 * Runs the command on this process's arguments, environment and standard streams, and reports a bad
 * environment or an unexpected failure as one line with exit code 1.
 */
import { ConfigError } from '../config.js';
import { runUserCli } from './userCommand.js';

runUserCli(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(error.message);
    else console.error(`Error: could not create the user: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
