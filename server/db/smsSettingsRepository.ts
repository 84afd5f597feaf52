import type { SmsMode, SmsSettingsField } from '../../common/api/sms.js';
import type { Db } from './db.js';

/** What admins saved; each field null when not saved (the environment's value applies). */
export interface SavedSmsSettings {
  apiKeyCiphertext: string | null;
  templateName: string | null;
  mode: SmsMode | null;
}

/** One row of the audit trail (sms_settings_changes): who saved which fields, never their values. */
export interface SmsSettingsChangeRecord {
  id: number;
  changedAt: Date;
  changedBy: { id: string; email: string } | null;
  fields: SmsSettingsField[];
}

export interface SmsSettingsRepository {
  load(): Promise<SavedSmsSettings>;
  /** Updates only the given fields, and records who changed which of them, in one transaction. */
  save(patch: Partial<SavedSmsSettings>, updatedBy: string, at: Date): Promise<void>;
  /** The newest `limit` changes first. */
  changes(limit: number): Promise<SmsSettingsChangeRecord[]>;
}

/** The API's names for the stored fields: what the audit trail records. */
const FIELD_NAMES: Record<keyof SavedSmsSettings, SmsSettingsField> = {
  apiKeyCiphertext: 'api_key',
  templateName: 'template_name',
  mode: 'mode',
};

export function createSmsSettingsRepository(db: Db): SmsSettingsRepository {
  return {
    async load() {
      const { rows } = await db.query<{
        api_key_ciphertext: string | null;
        template_name: string | null;
        mode: SmsMode | null;
      }>('select api_key_ciphertext, template_name, mode from public.sms_settings where id');
      const row = rows[0];
      return {
        apiKeyCiphertext: row?.api_key_ciphertext ?? null,
        templateName: row?.template_name ?? null,
        mode: row?.mode ?? null,
      };
    },

    async save(patch, updatedBy, at) {
      const has = (field: keyof SavedSmsSettings) => patch[field] !== undefined;
      const fields = (Object.keys(FIELD_NAMES) as Array<keyof SavedSmsSettings>)
        .filter(has)
        .map((field) => FIELD_NAMES[field]);
      await db.transaction(async (tx) => {
        await tx.query(
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
        if (fields.length > 0) {
          await tx.query(
            'insert into public.sms_settings_changes (changed_by, changed_at, fields) values ($1, $2, $3::text[])',
            [updatedBy, at, fields],
          );
        }
      });
    },

    async changes(limit) {
      const { rows } = await db.query<{
        id: number;
        changed_at: Date | string;
        changed_by: string | null;
        email: string | null;
        fields: SmsSettingsField[];
      }>(
        `select c.id, c.changed_at, c.changed_by, u.email, c.fields
           from public.sms_settings_changes c
           left join public.users u on u.id = c.changed_by
          order by c.id desc
          limit $1`,
        [limit],
      );
      return rows.map((row) => ({
        id: Number(row.id),
        changedAt: new Date(row.changed_at),
        changedBy: row.changed_by && row.email ? { id: row.changed_by, email: row.email } : null,
        fields: row.fields,
      }));
    },
  };
}
