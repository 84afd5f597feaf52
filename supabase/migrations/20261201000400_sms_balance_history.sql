-- SMS balance history and the claim that lets one instance at a time poll 2Factor for it.
--
-- Every 10 minutes one instance asks 2Factor for the balances (OTP SMS and transactional SMS) and stores the
-- answers here, so Settings → SMS & OTP can show the trend and the alerts can compare it with
-- SMS_BALANCE_ALERT_BELOW. Instances agree on who polls through scheduled_job_runs: the claim is taken in a
-- short transaction under a PostgreSQL advisory lock (server/db/smsBalanceRepository.ts), never while
-- 2Factor is being called.

create table public.sms_balance_samples (
  id bigint generated always as identity primary key,
  account text not null check (account in ('otp_sms', 'transactional_sms')),
  balance double precision not null,
  fetched_at timestamptz not null
);
comment on table public.sms_balance_samples is 'What 2Factor''s balance calls answered, one row per account per poll.';
comment on column public.sms_balance_samples.account is 'otp_sms: BAL/SMS (AUTOGEN sends). transactional_sms: ADDON_SERVICES/BAL/TRANSACTIONAL_SMS (template sends).';
comment on column public.sms_balance_samples.balance is 'Credits left, as 2Factor reported them.';
create index sms_balance_samples_account_fetched_idx on public.sms_balance_samples (account, fetched_at desc);

create table public.scheduled_job_runs (
  job text primary key,
  started_at timestamptz not null
);
comment on table public.scheduled_job_runs is 'When each periodic job last started on any instance; an instance runs a job only when it is due here.';

alter table public.sms_balance_samples enable row level security;
alter table public.scheduled_job_runs enable row level security;
revoke all on table public.sms_balance_samples, public.scheduled_job_runs from anon, authenticated;
grant all on table public.sms_balance_samples, public.scheduled_job_runs to service_role;
