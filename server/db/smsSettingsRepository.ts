import type { SmsMode } from '../../common/api/sms.js';
import type { Db } from './db.js';

/** What admins saved; each field null when not saved (the environment's value applies). */
export interface SavedSmsSettings {
  apiKeyCiphertext: string | null;
  templateName: string | null;
  mode: SmsMode | null;
}

export interface SmsSettingsRepository {
  load(): Promise<SavedSmsSettings>;
  /** Updates only the given fields. */
  save(patch: Partial<SavedSmsSettings>, updatedBy: string, at: Date): Promise<void>;
}

export function createSmsSettingsRepository(db: Db): SmsSettingsRepository {
  return {
    async load() {
      const { rows } = await db.query<{ api_key_ciphertext: string | null; template_name: string | null; mode: SmsMode | null }>(
        'select api_key_ciphertext, template_name, mode from public.sms_settings where id',
      );
      const row = rows[0];
      return {
        apiKeyCiphertext: row?.api_key_ciphertext ?? null,
        templateName: row?.template_name ?? null,
        mode: row?.mode ?? null,
      };
    },

    async save(patch, updatedBy, at) {
      const has = (field: keyof SavedSmsSettings) => patch[field] !== undefined;
      await db.query(
        `insert into public.sms_settings (id, api_key_ciphertext, template_name, mode, updated_by, updated_at)
         values (true, $1, $2, $3, $4, $5)
         on conflict (id) do update set
           api_key_ciphertext = case when $6 then excluded.api_key_ciphertext else public.sms_settings.api_key_ciphertext end,
           template_name = case when $7 then excluded.template_name else public.sms_settings.template_name end,
           mode = case when $8 then excluded.mode else public.sms_settings.mode end,
           updated_by = excluded.updated_by,
           updated_at = excluded.updated_at`,
        [
          patch.apiKeyCiphertext ?? null,
          patch.templateName ?? null,
          patch.mode ?? null,
          updatedBy,
          at,
          has('apiKeyCiphertext'),
          has('templateName'),
          has('mode'),
        ],
      );
    },
  };
}
