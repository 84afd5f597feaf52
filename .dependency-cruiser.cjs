/**
 * What each folder may import (docs/architecture.md, "What each folder may import"), checked on the source by
 * dependency-cruiser: `npm run lint:imports`, a CI step. A `.cjs` file because the package is an ES module and
 * dependency-cruiser loads its configuration with require().
 *
 * Paths are relative to the repository root. Packages are in the graph (not followed) so that a rule can name one
 * (Express); the layering rules name the folders of our own source they forbid. Type-only imports count like any
 * other (tsPreCompilationDeps), because a type still ties one layer to another.
 */

/** Module-level files of server/ that anyone may import; they import only common/ and each other. */
const LEAVES = '^server/(config|logger|lifecycle|paths)[.]ts$';
/**
 * The leaves that http/ and db/ may import: lifecycle.ts imports the error class (for `shutting_down`), so the
 * error class's folder, and the database port it reads, must not import lifecycle.ts back.
 */
const LEAVES_BELOW_HTTP = '^server/(config|logger|paths)[.]ts$';
/** Our own source, whatever folder: a layering rule forbids these and lets its exceptions through with pathNot. */
const OWN_SOURCE = '^(common|src|server)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules import each other without a cycle.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      severity: 'error',
      comment:
        'The folders of server/ import each other without a cycle. (dependency-cruiser counts a folder with ' +
        'its subfolders, so server/ itself is never in one: its module-level files are ruled below.)',
      scope: 'folder',
      from: { path: '^server/' },
      to: { circular: true },
    },
    {
      name: 'only-leaves-below-the-root',
      severity: 'error',
      comment:
        'Of the module-level files of server/, the folders import only the leaves: app.ts, composeApp.ts, ' +
        'index.ts, redis.ts and smsServer.ts sit above every folder, so no folder cycle can run through them.',
      from: { path: '^server/[^/]+/' },
      to: { path: '^server/[^/]+[.]ts$', pathNot: LEAVES },
    },
    {
      name: 'common-imports-only-common',
      severity: 'error',
      comment: 'common/ holds the contracts both sides import, so it imports nothing of server/ or src/.',
      from: { path: '^common/' },
      to: { path: OWN_SOURCE, pathNot: '^common/' },
    },
    {
      name: 'src-imports-only-src-and-common',
      severity: 'error',
      comment: 'The React app talks to the server over HTTP only.',
      from: { path: '^src/' },
      to: { path: OWN_SOURCE, pathNot: '^(src|common)/' },
    },
    {
      name: 'providers-import-only-providers-and-common',
      severity: 'error',
      comment:
        'The provider port, resolver, guard, ceiling and sandbox know nothing of OTP sessions, users, limits, ' +
        'HTTP errors (the resolver throws its own ProviderNotConfiguredError) or 2Factor; of the leaves, not ' +
        'lifecycle.ts either (it imports the error class, whose folder reaches db/, which stores a provider type).',
      from: { path: '^server/providers/[^/]+$' },
      to: { path: OWN_SOURCE, pathNot: ['^common/', '^server/providers/[^/]+$', LEAVES_BELOW_HTTP] },
    },
    {
      name: 'two-factor-imports-only-providers-and-common',
      severity: 'error',
      comment: 'The 2Factor adapter implements the port of server/providers/; no vendor type leaves it.',
      from: { path: '^server/providers/twoFactor/' },
      to: { path: OWN_SOURCE, pathNot: ['^common/', '^server/providers/'] },
    },
    {
      name: 'two-factor-only-from-composition-root',
      severity: 'error',
      comment:
        'Only the composition root wires the 2Factor adapter; the 2Factor callback route reads its forms with ' +
        'deliveryCallback.ts.',
      from: {
        pathNot: [
          '^server/providers/twoFactor/',
          '^server/(composeApp|index)[.]ts$',
          '^server/webhooks/twoFactorCallbacks[.]ts$',
        ],
      },
      to: { path: '^server/providers/twoFactor/' },
    },
    {
      name: 'db-imports-ports-and-leaves',
      severity: 'error',
      comment:
        'server/db/ imports common/ types, the database port, the leaves and the one provider type it stores; ' +
        'no HTTP, no services.',
      from: { path: '^server/db/' },
      to: {
        path: OWN_SOURCE,
        pathNot: ['^common/', '^server/db/', LEAVES_BELOW_HTTP, '^server/providers/deliveryReport[.]ts$'],
      },
    },
    {
      name: 'http-imports-leaves-and-db-port',
      severity: 'error',
      comment:
        'server/http/ (errors, limits, guards) imports common/, the leaves and, for isDatabaseUnavailableError, ' +
        'the database port; nothing of the services or providers.',
      from: { path: '^server/http/' },
      to: { path: OWN_SOURCE, pathNot: ['^common/', '^server/http/', LEAVES_BELOW_HTTP, '^server/db/db[.]ts$'] },
    },
    {
      name: 'services-never-import-express',
      severity: 'error',
      comment:
        'The services take plain arguments and throw AppError; the HTTP edge inside their folders is named here: ' +
        "the per-IP limit middlewares, and auth/'s router, its authenticate middleware and its two cookies.",
      from: {
        path: '^server/(sms|auth|alerts)/',
        pathNot: '^server/(sms/smsRateLimits|auth/(authRouter|authenticate|sessionCookie|trustedDevice))[.]ts$',
      },
      to: { path: 'node_modules/(@types/)?express(-serve-static-core)?/' },
    },
    {
      name: 'metrics-only-from-the-root',
      severity: 'error',
      comment: 'Metrics wrap the services from outside: only the app, its composition and the entry import them.',
      from: { pathNot: ['^server/metrics/', '^server/(app|composeApp|index)[.]ts$'] },
      to: { path: '^server/metrics/' },
    },
    {
      name: 'database-drivers-only-from-the-roots',
      severity: 'error',
      comment:
        'The concrete databases (PostgreSQL, PGlite) are opened by the entry, the composition and the two CLIs; ' +
        'everything else receives the Db port.',
      from: {
        pathNot: ['^server/db/', '^server/(index|composeApp|db/migrateCli|auth/userCommand)[.]ts$'],
      },
      to: { path: '^server/db/(postgresDb|pgliteDb|openDb)[.]ts$' },
    },
    {
      name: 'leaves-stay-leaves',
      severity: 'error',
      comment: 'config.ts, logger.ts, lifecycle.ts and paths.ts import only common/ and each other.',
      from: { path: LEAVES, pathNot: '^server/lifecycle[.]ts$' },
      to: { path: OWN_SOURCE, pathNot: ['^common/', LEAVES] },
    },
    {
      name: 'lifecycle-imports-only-the-error-class',
      severity: 'error',
      comment: 'lifecycle.ts is a leaf that also imports the error class, for `shutting_down`.',
      from: { path: '^server/lifecycle[.]ts$' },
      to: { path: OWN_SOURCE, pathNot: ['^common/', LEAVES, '^server/http/appError[.]ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['[.]test[.]tsx?$', '(^|/)test/', '^dist/'] },
    tsPreCompilationDeps: true,
    // The client's tsconfig: its paths resolve src/'s `@/` alias; the `.js` specifiers of server/ and common/
    // resolve to their `.ts` sources with either tsconfig.
    tsConfig: { fileName: 'tsconfig.client.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
