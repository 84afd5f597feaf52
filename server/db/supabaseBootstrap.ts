/**
 * What a Supabase project already has and our migrations rely on, created on plain PostgreSQL or PGlite
 * only where missing: the roles `anon`, `authenticated`, `service_role`, the schema `auth`, and
 * `auth.uid()` reading the `sub` claim of `request.jwt.claims` (as PostgREST sets it; null without claims,
 * including the empty string a session has once a transaction-local value was set and reset).
 * On a Supabase database every branch finds its object and does nothing.
 */
export const SUPABASE_BOOTSTRAP_SQL = `
do $bootstrap$
declare
  role_name text;
begin
  foreach role_name in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (select 1 from pg_roles where rolname = role_name) then
      begin
        if role_name = 'service_role' then
          execute format('create role %I nologin noinherit bypassrls', role_name);
        else
          execute format('create role %I nologin noinherit', role_name);
        end if;
      exception when duplicate_object or unique_violation then
        null; -- created meanwhile by another database of the same cluster
      end;
    end if;
  end loop;

  if to_regnamespace('auth') is null then
    create schema auth;
    grant usage on schema auth to anon, authenticated, service_role;
  end if;

  if to_regprocedure('auth.uid()') is null then
    create function auth.uid() returns uuid
      language sql stable
      as $uid$
        select nullif(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub', '')::uuid
      $uid$;
    comment on function auth.uid() is 'Created by the app bootstrap (Supabase provides its own): the sub claim of request.jwt.claims.';
  end if;
end
$bootstrap$;
`;
