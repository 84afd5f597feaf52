/**
 * Sandbox mode, as the rest of the server sees it: with no API key outside production, the provider client
 * talks to a simulator started in this process instead of 2Factor. server/providers/twoFactor/simulatorSandbox.ts
 * builds one around the 2Factor simulator; server/index.ts starts it and server/composeApp.ts passes it on.
 */
export interface Sandbox {
  baseUrl: string;
  apiKey: string;
  /** The code the simulator texted for this 2Factor session id. */
  codeForSession(providerSessionId: string): string | undefined;
  /** A random token for the delivery callback route, used when TWO_FACTOR_CALLBACK_TOKEN is not set. */
  callbackToken: string;
  /** Posts the simulator's delivery reports to the callback route of the app listening on `host`:`port`. */
  reportDeliveriesTo(app: { host: string; port: number }, token: string): void;
  close(): Promise<void>;
}
