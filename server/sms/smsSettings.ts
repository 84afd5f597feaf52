/**
 * The SMS settings in force: what admins saved (database) over the environment (server/config.ts).
 * Read on every send, so they are cached for a few seconds per instance; a save takes effect at once on
 * the instance that made it and within `cacheTtlMs` on the others. If the database cannot be read, the
 * last known settings keep serving.
 */
import type { Logger } from 'pino';
import type {
  ApiKeySource,
  SmsConfigView,
  SmsMode,
  SmsSettingsChangesResponse,
  UpdateSmsConfigRequest,
} from '../../common/api/sms.js';
import type { SmsConfig } from '../config.js';
import type { SmsSettingsRepository } from '../db/smsSettingsRepository.js';
import type { SecretRegistry } from '../logger.js';
import { maskApiKey, type ApiKeyCipher } from './apiKeyCipher.js';

export interface EffectiveSmsSettings {
  apiKey: string | undefined;
  baseUrl: string;
  senderId: string;
  templateName: string;
  mode: SmsMode;
  /** No API key and not production: the built-in simulator answers instead of 2Factor. */
  sandbox: boolean;
  apiKeySource: ApiKeySource;
  /** The source in force once the saved key is removed. */
  apiKeySourceWithoutSaved: Exclude<ApiKeySource, 'saved'>;
}

export interface SmsSettingsDeps {
  env: Pick<SmsConfig, 'apiKey' | 'baseUrl' | 'senderId' | 'templateName' | 'mode' | 'sandboxAllowed'>;
  repository: SmsSettingsRepository;
  cipher: ApiKeyCipher;
  secrets: SecretRegistry;
  logger: Logger;
  now: () => number;
  cacheTtlMs?: number;
}

export type SmsSettings = ReturnType<typeof createSmsSettings>;

/** Changes the admin page lists. */
const CHANGES_SHOWN = 20;
/** Settings saved on another instance are seen within this long. */
const DEFAULT_CACHE_TTL_MS = 5_000;

export function createSmsSettings(deps: SmsSettingsDeps) {
  const cacheTtlMs = deps.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
  let cached: { settings: EffectiveSmsSettings; loadedAtMs: number } | undefined;
  let loading: Promise<EffectiveSmsSettings> | undefined;
  const listeners = new Set<(settings: EffectiveSmsSettings) => void>();

  async function load(): Promise<EffectiveSmsSettings> {
    const saved = await deps.repository.load();
    let savedKey: string | undefined;
    if (saved.apiKeyCiphertext) {
      savedKey = deps.cipher.decrypt(saved.apiKeyCiphertext);
      if (!savedKey)
        deps.logger.warn(
          'The saved 2Factor API key cannot be decrypted with this APP_SECRET; save it again in Settings.',
        );
    }
    const apiKey = savedKey ?? deps.env.apiKey;
    deps.secrets.add(apiKey);
    const withoutSaved = deps.env.apiKey ? 'environment' : deps.env.sandboxAllowed ? 'sandbox' : 'none';
    const settings: EffectiveSmsSettings = {
      apiKey,
      baseUrl: deps.env.baseUrl,
      senderId: deps.env.senderId,
      templateName: saved.templateName ?? deps.env.templateName,
      mode: saved.mode ?? deps.env.mode,
      sandbox: !apiKey && deps.env.sandboxAllowed,
      apiKeySource: savedKey ? 'saved' : withoutSaved,
      apiKeySourceWithoutSaved: withoutSaved,
    };
    const previous = cached?.settings;
    cached = { settings, loadedAtMs: deps.now() };
    if (previous && (previous.apiKey !== settings.apiKey || previous.baseUrl !== settings.baseUrl)) {
      for (const listener of listeners) listener(settings);
    }
    return settings;
  }

  async function current(): Promise<EffectiveSmsSettings> {
    if (cached && deps.now() - cached.loadedAtMs < cacheTtlMs) return cached.settings;
    loading ??= load().finally(() => {
      loading = undefined;
    });
    try {
      return await loading;
    } catch (error) {
      if (cached) {
        deps.logger.warn({ err: error }, 'SMS settings could not be reloaded; using the last known ones');
        return cached.settings;
      }
      throw error;
    }
  }

  function toView(settings: EffectiveSmsSettings): SmsConfigView {
    return {
      api_key_set: Boolean(settings.apiKey),
      api_key_masked: settings.apiKey ? maskApiKey(settings.apiKey) : null,
      api_key_source: settings.apiKeySource,
      api_key_source_without_saved: settings.apiKeySourceWithoutSaved,
      sender_id: settings.senderId,
      template_name: settings.templateName,
      mode: settings.mode,
      sandbox: settings.sandbox,
    };
  }

  return {
    current,

    async view(): Promise<SmsConfigView> {
      return toView(await current());
    },

    async update(patch: UpdateSmsConfigRequest, updatedBy: string): Promise<SmsConfigView> {
      await deps.repository.save(
        {
          apiKeyCiphertext: patch.api_key === undefined ? undefined : deps.cipher.encrypt(patch.api_key),
          templateName: patch.template_name,
          mode: patch.mode,
        },
        updatedBy,
        new Date(deps.now()),
      );
      deps.secrets.add(patch.api_key);
      deps.logger.info({ updatedBy, fields: Object.keys(patch) }, 'SMS settings updated');
      return toView(await load());
    },

    /**
     * Deletes the saved API key (and nothing else): the environment's key, the sandbox or no key applies
     * again, on this instance at once and on the others within `cacheTtlMs`. Audited in the log by who did
     * it, never by the key. Removing when nothing is saved changes nothing and answers the same view.
     */
    async removeSavedApiKey(removedBy: string): Promise<SmsConfigView> {
      const saved = await deps.repository.load();
      if (saved.apiKeyCiphertext === null) return toView(await load());
      await deps.repository.save({ apiKeyCiphertext: null }, removedBy, new Date(deps.now()));
      const settings = await load();
      deps.logger.info({ removedBy, apiKeySource: settings.apiKeySource }, 'saved 2Factor API key removed');
      return toView(settings);
    },

    /** The audit trail: who saved which fields, newest first (never a value, so never the key). */
    async changes(limit = CHANGES_SHOWN): Promise<SmsSettingsChangesResponse> {
      const records = await deps.repository.changes(limit);
      return {
        items: records.map((record) => ({
          id: record.id,
          changed_at: record.changedAt.toISOString(),
          changed_by: record.changedBy,
          fields: record.fields,
        })),
      };
    },

    /** Called when the API key or base URL in force changes (e.g. to reset the circuit breaker). */
    onProviderChange(listener: (settings: EffectiveSmsSettings) => void): void {
      listeners.add(listener);
    },
  };
}
