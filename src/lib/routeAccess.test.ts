import { describe, expect, it } from 'vitest';
import { destinationAfterLogin, isSameAppPath } from '@/lib/routeAccess';

const from = (pathname: string, search = '', hash = '') => ({ from: { pathname, search, hash } });

describe('destinationAfterLogin', () => {
  it('returns to the page the user came from, query and hash included', () => {
    expect(destinationAfterLogin('admin', from('/settings/sms-otp', '?tab=logs', '#top'), '/dashboard')).toBe(
      '/settings/sms-otp?tab=logs#top',
    );
  });

  it("uses the server's redirect when the user came from nowhere", () => {
    expect(destinationAfterLogin('staff', null, '/staff/home')).toBe('/staff/home');
  });

  it("skips a page the user's role may not open", () => {
    expect(destinationAfterLogin('staff', from('/admin/dashboard'), '/staff/home')).toBe('/staff/home');
  });

  it('never leaves the app, whatever `from` or the redirect say', () => {
    expect(destinationAfterLogin('agent', { from: '//evil.example/x' }, 'https://evil.example')).toBe('/agent/home');
    expect(destinationAfterLogin('agent', { from: '/\\evil.example' }, undefined)).toBe('/agent/home');
  });

  it('does not bounce back to the login page', () => {
    expect(destinationAfterLogin('admin', from('/login'), '/dashboard')).toBe('/dashboard');
  });
});

describe('isSameAppPath', () => {
  it.each([
    ['/dashboard', true],
    ['/a?b=c', true],
    ['//evil.example', false],
    ['/\\evil.example', false],
    ['https://evil.example', false],
    ['dashboard', false],
    ['/with\nnewline', false],
  ])('%j → %s', (path, expected) => {
    expect(isSameAppPath(path)).toBe(expected);
  });
});
