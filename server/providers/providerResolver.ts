/**
 * Gives the services the provider for the settings in force: the real 2Factor client with the saved or
 * configured API key, the same client pointed at the sandbox simulator when there is no key outside
 * production, or a `ProviderNotConfiguredError`. Clients are reused while the key and URL stay the same;
 * every one is wrapped by the shared guard (circuit breaker + request-rate ceiling).
 *
 * The client itself comes from the composition root (`createClient`), so this module never imports the
 * 2Factor adapter. It throws its own error rather than an HTTP one: each caller answers "not configured" in
 * its own words (`provider_not_configured` for the API, a 500 for the Supabase hook, a skipped balance poll).
 */
import type { ProviderGuard } from './providerGuard.js';
import type { Sandbox } from './sandbox.js';
import type { SmsOtpProvider } from './smsProvider.js';

/** No API key is saved or configured, and no sandbox stands in for the provider (production). */
export class ProviderNotConfiguredError extends Error {
  constructor() {
    super('No SMS provider API key is set and no sandbox stands in for it.');
    this.name = 'ProviderNotConfiguredError';
  }
}

/** What the resolver reads of the settings in force (the settings service gives more, passed through). */
export interface ProviderSettings {
  apiKey: string | undefined;
  baseUrl: string;
  /** No API key and not production: the built-in simulator answers instead of 2Factor. */
  sandbox: boolean;
}

export interface ResolvedProvider<S extends ProviderSettings = ProviderSettings> {
  provider: SmsOtpProvider;
  settings: S;
  /** Present in sandbox mode. */
  sandbox: Sandbox | undefined;
  /** 2Factor failed repeatedly and calls are paused: every call fails at once without reaching it. */
  circuitOpen: boolean;
}

export interface ProviderResolverDeps<S extends ProviderSettings> {
  settings: { current(): Promise<S> };
  guard: ProviderGuard;
  /** Builds the vendor client for one API key and URL (server/composeApp.ts passes 2Factor's, with its timeout). */
  createClient: (connection: { baseUrl: string; apiKey: string }) => SmsOtpProvider;
  sandbox?: Sandbox | undefined;
  /** Wraps each 2Factor client inside the guard (metrics: only calls that reach 2Factor are timed). */
  instrument?: (client: SmsOtpProvider) => SmsOtpProvider;
}

export interface ProviderResolver<S extends ProviderSettings = ProviderSettings> {
  resolve(): Promise<ResolvedProvider<S>>;
}

export function createProviderResolver<S extends ProviderSettings>(deps: ProviderResolverDeps<S>): ProviderResolver<S> {
  let cached: { baseUrl: string; apiKey: string; provider: SmsOtpProvider } | undefined;

  function providerFor(baseUrl: string, apiKey: string): SmsOtpProvider {
    if (cached?.baseUrl !== baseUrl || cached.apiKey !== apiKey) {
      const client = deps.createClient({ baseUrl, apiKey });
      cached = { baseUrl, apiKey, provider: deps.guard.wrap(deps.instrument ? deps.instrument(client) : client) };
    }
    return cached.provider;
  }

  return {
    async resolve() {
      const settings = await deps.settings.current();
      if (settings.apiKey) {
        return {
          provider: providerFor(settings.baseUrl, settings.apiKey),
          settings,
          sandbox: undefined,
          circuitOpen: deps.guard.state() === 'open',
        };
      }
      if (settings.sandbox && deps.sandbox) {
        return {
          provider: providerFor(deps.sandbox.baseUrl, deps.sandbox.apiKey),
          settings,
          sandbox: deps.sandbox,
          circuitOpen: deps.guard.state() === 'open',
        };
      }
      throw new ProviderNotConfiguredError();
    },
  };
}
