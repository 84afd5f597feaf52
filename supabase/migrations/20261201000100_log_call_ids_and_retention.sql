-- Log rows written exactly once, and cheap retention deletes.
--
-- otp_logs.call_id: the server gives every provider call an id before it writes the call's row. A row written
-- while the database was failing may be retried after a commit nobody saw acknowledged (a connection killed
-- mid-insert); the unique index makes the retry a no-op instead of a second row.
--
-- otp_logs_created_at_brin: the retention job deletes rows older than OTP_LOG_RETENTION_DAYS. Rows arrive in
-- time order, so a BRIN index (a few pages, almost free to maintain on insert) finds the old ones without a
-- full scan, where a B-tree would cost every insert.

alter table public.otp_logs add column call_id uuid;
comment on column public.otp_logs.call_id is 'Id the server gave the provider call; a retried write of the same row is skipped.';
create unique index otp_logs_call_id_idx on public.otp_logs (call_id);
comment on index public.otp_logs_call_id_idx is 'One row per provider call, even when a write is retried.';

create index otp_logs_created_at_brin on public.otp_logs using brin (created_at);
comment on index public.otp_logs_created_at_brin is 'Finds rows past the retention period for the purge job.';
