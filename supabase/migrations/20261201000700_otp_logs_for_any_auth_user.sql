-- otp_logs for any signed-in person: our app's users and Supabase Auth users alike.
--
-- With Supabase Auth, the server delivers Supabase's codes through the Send SMS Hook
-- (POST /api/hooks/supabase/send-sms) and logs each 2Factor call with the Supabase user's id. On a Supabase
-- project auth.uid() returns that id (auth.users.id), which is not in public.users, so:
--   1. otp_logs.user_id no longer references public.users: it holds "the id auth.uid() returns for this person"
--      (our app user, or a Supabase Auth user). The column stays uuid, its index stays, and so does the policy
--      otp_logs_select_own (user_id = auth.uid()): a signed-in Supabase user reads their own hook rows.
--   2. sms_delivery_events.user_id copies the send row's user_id when a delivery report arrives; it loses its
--      foreign key for the same reason (a report about a hook send would otherwise fail to insert).
--   3. otp_logs.origin says where a row came from: 'login' (our phone login), 'test' (an admin's test send or
--      template SMS from Settings), 'supabase_hook' (Supabase's Send SMS Hook). The server sets it on every row;
--      the default covers rows written by hand. Existing rows take their session's purpose; a template SMS with
--      no session of ours was an admin's send from Settings; the rest (sessions already purged) count as logins.
-- A user deleted from public.users keeps their rows (nothing sets them to null any more); the retention job
-- (OTP_LOG_RETENTION_DAYS) removes them like every other row.

alter table public.otp_logs drop constraint if exists otp_logs_user_id_fkey;
comment on column public.otp_logs.user_id is 'The id auth.uid() returns for this person: our app user (login: the phone''s owner; test send: the admin who sent it) or, for origin supabase_hook, the Supabase Auth user (auth.users.id). No foreign key: either table may hold it.';

alter table public.otp_logs
  add column origin text not null default 'login'
  constraint otp_logs_origin_check check (origin in ('login', 'test', 'supabase_hook'));
comment on column public.otp_logs.origin is 'Where the provider call came from: login (our phone login), test (an admin''s test send or template SMS), supabase_hook (Supabase Auth''s Send SMS Hook).';

update public.otp_logs l
   set origin = s.purpose::text
  from public.otp_sessions s
 where l.session_id = s.id::text and s.purpose = 'test';
-- An admin's template SMS has no session of ours: its row carries 2Factor's session id in both columns (or none
-- when the call failed). A template-mode OTP send carries our session id.
update public.otp_logs
   set origin = 'test'
 where type = 'template' and (session_id is null or session_id = provider_session_id);

alter table public.sms_delivery_events drop constraint if exists sms_delivery_events_user_id_fkey;
comment on column public.sms_delivery_events.user_id is 'Whom the send was for (the send row''s user_id): the phone''s owner for a login, the admin for a test send, the Supabase Auth user for a hook send.';
