-- Users, their roles and phones, and login sessions.
--
-- The app keeps its own users (email + argon2id hash) instead of Supabase Auth's, so the same schema runs on
-- Supabase, plain PostgreSQL and PGlite. Every table here is private to the server: row-level security is on
-- with no policy, and anon/authenticated hold no privileges, so PostgREST exposes nothing of it.

create type public.app_role as enum ('super_admin', 'admin', 'staff', 'agent');
comment on type public.app_role is 'What a user may do; decides the home page and access to Settings.';

create table public.users (
  id uuid primary key default gen_random_uuid(),
  email text not null unique check (email = lower(email) and length(email) <= 254),
  password_hash text not null,
  role public.app_role not null,
  created_at timestamptz not null default now()
);
comment on table public.users is 'People who can log in. Emails are stored lower-cased.';
comment on column public.users.password_hash is 'argon2id PHC string; never the password.';

create table public.user_contact_settings (
  user_id uuid primary key references public.users (id) on delete cascade,
  phone text unique check (phone ~ '^\+91[6-9][0-9]{9}$'),
  phone_verified_at timestamptz
);
comment on table public.user_contact_settings is 'Contact details per user. A phone belongs to at most one user and enables phone login.';
comment on column public.user_contact_settings.phone is 'E.164 Indian mobile, e.g. +919876543210.';
comment on column public.user_contact_settings.phone_verified_at is 'When the user last proved they hold this phone with an OTP.';

create table public.user_sessions (
  token_hash text primary key,
  user_id uuid not null references public.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
comment on table public.user_sessions is 'Login sessions. The cookie holds a random token; only its SHA-256 is stored.';
create index user_sessions_user_id_idx on public.user_sessions (user_id);
create index user_sessions_expires_at_idx on public.user_sessions (expires_at);

alter table public.users enable row level security;
alter table public.user_contact_settings enable row level security;
alter table public.user_sessions enable row level security;
revoke all on table public.users, public.user_contact_settings, public.user_sessions from anon, authenticated;
grant all on table public.users, public.user_contact_settings, public.user_sessions to service_role;
