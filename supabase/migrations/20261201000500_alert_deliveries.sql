-- Alert deliveries: at most one webhook message per alert kind per hour, across every instance.
--
-- An instance that wants to send an alert first claims its kind here with one conditional upsert: it wins only
-- if the kind was not delivered in the last hour and no other instance holds a fresh claim. The winner records
-- sent_at once the webhook took the message, or drops its claim when every retry failed, so the next check can
-- try again (server/db/alertDeliveriesRepository.ts).

create table public.alert_deliveries (
  kind text primary key,
  claimed_at timestamptz,
  sent_at timestamptz
);
comment on table public.alert_deliveries is 'One row per alert kind: when an instance last claimed it and when it was last delivered.';
comment on column public.alert_deliveries.claimed_at is 'Set by the instance sending the alert now; null once it gave up. A stale claim (instance died) expires.';
comment on column public.alert_deliveries.sent_at is 'When the webhook last accepted this kind of alert.';

alter table public.alert_deliveries enable row level security;
revoke all on table public.alert_deliveries from anon, authenticated;
grant all on table public.alert_deliveries to service_role;
