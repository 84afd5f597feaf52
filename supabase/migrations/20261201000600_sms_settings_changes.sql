-- Audit trail of the SMS settings: who changed which fields, and when. Never the values: one of the fields is
-- the 2Factor API key. Written in the same transaction as the change itself (server/db/smsSettingsRepository.ts).

create table public.sms_settings_changes (
  id bigint generated always as identity primary key,
  changed_by uuid references public.users (id) on delete set null,
  changed_at timestamptz not null default now(),
  fields text[] not null check (cardinality(fields) > 0)
);
comment on table public.sms_settings_changes is 'One row per saved change of the SMS settings (Settings → SMS & OTP). Field names only, never values.';
comment on column public.sms_settings_changes.changed_by is 'The admin who saved it; null once that user is deleted.';
comment on column public.sms_settings_changes.fields is 'API field names saved: api_key, template_name, mode.';
create index sms_settings_changes_changed_at_idx on public.sms_settings_changes (changed_at desc);

alter table public.sms_settings_changes enable row level security;
revoke all on table public.sms_settings_changes from anon, authenticated;
grant all on table public.sms_settings_changes to service_role;
