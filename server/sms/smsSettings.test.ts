import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { SavedSmsSettings, SmsSettingsRepository } from '../db/smsSettingsRepository.js';
import { SecretRegistry } from '../logger.js';
import { createApiKeyCipher } from './apiKeyCipher.js';
import { createSmsSettings } from './smsSettings.js';

const ENV = {
  apiKey: 'env-key-0000-1111',
  baseUrl: 'http://2factor.test',
  senderId: 'TFCTOR',
  templateName: 'EnvTpl',
  mode: 'autogen' as const,
  sandboxAllowed: true,
};
const SECRET = 'sms-settings-test-secret-0123456789abcdef';

function setup(env: Partial<typeof ENV> = {}) {
  let nowMs = 0;
  let saved: SavedSmsSettings = { apiKeyCiphertext: null, templateName: null, mode: null };
  const state = { failLoads: false, loads: 0 };
  const repository: SmsSettingsRepository = {
    async load() {
      state.loads += 1;
      if (state.failLoads) throw new Error('connection terminated');
      return { ...saved };
    },
    async save(patch) {
      saved = {
        apiKeyCiphertext: patch.apiKeyCiphertext !== undefined ? patch.apiKeyCiphertext : saved.apiKeyCiphertext,
        templateName: patch.templateName !== undefined ? patch.templateName : saved.templateName,
        mode: patch.mode !== undefined ? patch.mode : saved.mode,
      };
    },
    changes: async () => [],
  };
  const secrets = new SecretRegistry();
  const logger = pino({ level: 'silent' });
  const warn = vi.spyOn(logger, 'warn');
  const settings = createSmsSettings({
    env: { ...ENV, ...env },
    repository,
    cipher: createApiKeyCipher(SECRET),
    secrets,
    logger,
    now: () => nowMs,
    cacheTtlMs: 5_000,
  });
  return { settings, state, secrets, warn, advance: (ms: number) => void (nowMs += ms), saved: () => saved };
}

describe('createSmsSettings', () => {
  it('serves the environment until something is saved, then the saved values win', async () => {
    const t = setup();
    expect(await t.settings.current()).toMatchObject({
      apiKey: ENV.apiKey,
      templateName: 'EnvTpl',
      mode: 'autogen',
      sandbox: false,
    });
    const view = await t.settings.update(
      { api_key: 'saved-key-2222-3333', template_name: 'SavedTpl', mode: 'template' },
      'admin-id',
    );
    expect(view).toEqual({
      api_key_set: true,
      api_key_masked: '••••••••3333',
      api_key_source: 'saved',
      api_key_source_without_saved: 'environment',
      sender_id: 'TFCTOR',
      template_name: 'SavedTpl',
      mode: 'template',
      sandbox: false,
    });
    expect(await t.settings.current()).toMatchObject({
      apiKey: 'saved-key-2222-3333',
      templateName: 'SavedTpl',
      mode: 'template',
    });
    expect(t.saved().apiKeyCiphertext).not.toContain('saved-key-2222-3333');
  });

  it('registers every key in force as a secret for the log scrubber', async () => {
    const t = setup();
    await t.settings.current();
    await t.settings.update({ api_key: 'saved-key-2222-3333' }, 'admin-id');
    expect(t.secrets.scrub('a env-key-0000-1111 b saved-key-2222-3333')).toBe('a [REDACTED] b [REDACTED]');
  });

  it('is in sandbox mode only with no key at all, where allowed', async () => {
    expect((await setup({ apiKey: undefined }).settings.current()).sandbox).toBe(true);
    expect((await setup({ apiKey: undefined, sandboxAllowed: false }).settings.current()).sandbox).toBe(false);
  });

  it('reads the database at most once per cache period, and once for concurrent readers', async () => {
    const t = setup();
    await Promise.all([t.settings.current(), t.settings.current(), t.settings.current()]);
    expect(t.state.loads).toBe(1);
    t.advance(4_999);
    await t.settings.current();
    expect(t.state.loads).toBe(1);
    t.advance(1);
    await t.settings.current();
    expect(t.state.loads).toBe(2);
  });

  it('keeps serving the last known settings, with a warning, while the database cannot be read', async () => {
    const t = setup();
    await t.settings.update({ template_name: 'SavedTpl' }, 'admin-id');
    t.state.failLoads = true;
    t.advance(10_000);
    expect((await t.settings.current()).templateName).toBe('SavedTpl');
    expect(t.warn).toHaveBeenCalled();
  });

  it('fails when the database cannot be read and nothing is known yet', async () => {
    const t = setup();
    t.state.failLoads = true;
    await expect(t.settings.current()).rejects.toThrow('connection terminated');
  });

  it.each([
    [{}, 'environment'],
    [{ apiKey: undefined }, 'sandbox'],
    [{ apiKey: undefined, sandboxAllowed: false }, 'none'],
  ] as const)('names the key source in force: with %o and nothing saved, %s', async (env, source) => {
    const view = await setup(env).settings.view();
    expect(view).toMatchObject({
      api_key_source: source,
      api_key_source_without_saved: source,
      sandbox: source === 'sandbox',
    });
  });

  it('removes only the saved key: the one it replaced is in force again, and the other saved settings stay', async () => {
    const t = setup({ apiKey: undefined });
    await t.settings.update({ api_key: 'saved-key-2222-3333', template_name: 'SavedTpl' }, 'admin-id');
    expect(await t.settings.view()).toMatchObject({
      api_key_source: 'saved',
      api_key_source_without_saved: 'sandbox',
      sandbox: false,
    });

    const view = await t.settings.removeSavedApiKey('admin-id');

    expect(view).toMatchObject({
      api_key_set: false,
      api_key_masked: null,
      api_key_source: 'sandbox',
      sandbox: true,
      template_name: 'SavedTpl',
    });
    expect(await t.settings.current()).toMatchObject({ apiKey: undefined, sandbox: true, templateName: 'SavedTpl' });
    expect(t.saved()).toEqual({ apiKeyCiphertext: null, templateName: 'SavedTpl', mode: null });
    // A removed key stays known to the log scrubber: it may still appear in older in-flight errors.
    expect(t.secrets.scrub('saved-key-2222-3333')).toBe('[REDACTED]');
  });

  it('tells listeners when the key in force changes, not when other settings do', async () => {
    const t = setup();
    const listener = vi.fn();
    t.settings.onProviderChange(listener);
    await t.settings.current();
    await t.settings.update({ template_name: 'Other', mode: 'template' }, 'admin-id');
    expect(listener).not.toHaveBeenCalled();
    await t.settings.update({ api_key: 'saved-key-2222-3333' }, 'admin-id');
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener.mock.calls[0]![0]).toMatchObject({ apiKey: 'saved-key-2222-3333' });
    await t.settings.removeSavedApiKey('admin-id');
    expect(listener).toHaveBeenCalledTimes(2);
    expect(listener.mock.calls[1]![0]).toMatchObject({ apiKey: ENV.apiKey, apiKeySource: 'environment' });
  });
});
