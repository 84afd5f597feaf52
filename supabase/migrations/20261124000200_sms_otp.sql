-- SMS OTP through 2Factor: admin settings, OTP sessions and the provider call log.
--
-- otp_logs is the one table end users may read through Supabase: row-level security lets the `authenticated`
-- role select only its own rows (user_id = auth.uid()); `anon` sees nothing; only the server (service role or
-- the table owner) writes. The other tables are private to the server.

create table public.sms_settings (
  id boolean primary key default true check (id),
  api_key_ciphertext text,
  template_name text,
  mode text check (mode in ('autogen', 'template')),
  updated_at timestamptz not null default now(),
  updated_by uuid references public.users (id) on delete set null
);
comment on table public.sms_settings is 'SMS settings saved by admins (one row). A saved value wins over the environment.';
comment on column public.sms_settings.api_key_ciphertext is '2Factor API key, AES-256-GCM with a key derived from APP_SECRET: v1.<iv>.<tag>.<data>, base64url.';

create type public.otp_purpose as enum ('login', 'test');

create table public.otp_sessions (
  id uuid primary key default gen_random_uuid(),
  purpose public.otp_purpose not null,
  phone text not null,
  user_id uuid references public.users (id) on delete cascade,
  mode text not null check (mode in ('autogen', 'template')),
  provider_session_id text,
  code_hmac text,
  failed_attempts integer not null default 0 check (failed_attempts >= 0),
  max_attempts integer not null check (max_attempts > 0),
  expires_at timestamptz not null,
  verified_at timestamptz,
  created_at timestamptz not null default now()
);
comment on table public.otp_sessions is 'One row per OTP sent (or, for an unregistered phone at login, pretended to be sent).';
comment on column public.otp_sessions.user_id is 'login: the phone''s owner, who gets logged in; test: the admin who sent it. Null for a login send to an unregistered phone: no SMS went out and no code can match.';
comment on column public.otp_sessions.provider_session_id is 'autogen mode: the session id 2Factor returned, used to verify.';
comment on column public.otp_sessions.code_hmac is 'template mode: HMAC-SHA256 of the code the server generated; the code itself is never stored.';
comment on column public.otp_sessions.failed_attempts is 'Wrong codes so far; at max_attempts the session is dead even for the right code.';
create index otp_sessions_expires_at_idx on public.otp_sessions (expires_at);

create type public.otp_log_type as enum ('autogen', 'verify', 'template');

create table public.otp_logs (
  id bigint generated always as identity primary key,
  user_id uuid references public.users (id) on delete set null,
  phone text not null,
  session_id text,
  provider_session_id text,
  type public.otp_log_type not null,
  status text not null,
  response_time_ms integer not null check (response_time_ms >= 0),
  details text,
  created_at timestamptz not null default now()
);
comment on table public.otp_logs is 'One row per call to 2Factor (send or verify), written by the server. Never contains an OTP code or the API key.';
comment on column public.otp_logs.user_id is 'Test send: the admin who sent it. Login: the phone''s owner.';
comment on column public.otp_logs.session_id is 'Our OTP session id (otp_sessions.id), or the 2Factor session id of a template SMS.';
comment on column public.otp_logs.status is 'Outcome: sent, verified, otp_mismatch, otp_expired, session_not_found, provider_error, provider_unavailable.';
comment on column public.otp_logs.details is 'Raw provider text (Details) for admins, with the API key redacted.';
create index otp_logs_user_type_created_idx on public.otp_logs (user_id, type, created_at);

alter table public.sms_settings enable row level security;
alter table public.otp_sessions enable row level security;
alter table public.otp_logs enable row level security;
revoke all on table public.sms_settings, public.otp_sessions, public.otp_logs from anon, authenticated;
grant all on table public.sms_settings, public.otp_sessions, public.otp_logs to service_role;
grant select on table public.otp_logs to authenticated;

create policy otp_logs_select_own on public.otp_logs
  for select to authenticated
  using (user_id = auth.uid());
comment on policy otp_logs_select_own on public.otp_logs is 'A signed-in user reads only the log rows about them.';
