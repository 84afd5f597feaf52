/**
 * The 2Factor simulator's OTP sessions: what AUTOGEN creates and VERIFY checks.
 *
 * Behaviour (what 2Factor is seen to do, plus our choices where the facts file says [unknown]):
 * - A session lives `ttlMs`; after that VERIFY answers "expired" (whatever the code), until the session is
 *   purged (another `ttlMs` later) and then answers "not found", like 2Factor's unknown/expired session row.
 * - A matched session is consumed: verifying it again finds nothing.
 * - Wrong codes do not consume the session and are not capped: our server enforces its own attempt limit.
 * - VERIFY3 checks the newest session of a phone.
 * - At most `maxSessions` are kept (oldest dropped first), so long benchmarks run in bounded memory; purged
 *   sessions are dropped every 1024 creates and whenever the owner calls `sweep` (the simulator does on a
 *   timer), so an idle simulator lets go of them too.
 */
import { randomUUID } from 'node:crypto';

export type SessionVerdict = 'matched' | 'mismatch' | 'expired' | 'not_found';

export interface OtpSession {
  id: string;
  /** E.164 (+91…). */
  phone: string;
  code: string;
  expiresAt: number;
}

export interface OtpSessionStore {
  create(phone: string, code: string): OtpSession;
  verifyById(sessionId: string, code: string): SessionVerdict;
  verifyByPhone(phone: string, code: string): SessionVerdict;
  /** Drops the sessions expired for longer than `ttlMs` (they read as unknown already). */
  sweep(): void;
  clear(): void;
  readonly size: number;
}

const SWEEP_EVERY_CREATES = 1024;

export function createOtpSessionStore(options: {
  now: () => number;
  ttlMs: number;
  maxSessions: number;
}): OtpSessionStore {
  const { now, ttlMs, maxSessions } = options;
  const byId = new Map<string, OtpSession>();
  const newestByPhone = new Map<string, string>();
  let createsSinceSweep = 0;

  function remove(session: OtpSession) {
    byId.delete(session.id);
    if (newestByPhone.get(session.phone) === session.id) newestByPhone.delete(session.phone);
  }

  /** Drops sessions expired for longer than `ttlMs`: they then read as unknown. */
  function sweep() {
    const cutoff = now() - ttlMs;
    for (const session of byId.values()) if (session.expiresAt <= cutoff) remove(session);
  }

  function verify(session: OtpSession | undefined, code: string): SessionVerdict {
    if (!session) return 'not_found';
    const at = now();
    if (session.expiresAt <= at - ttlMs) {
      remove(session);
      return 'not_found';
    }
    if (session.expiresAt <= at) return 'expired';
    if (session.code !== code) return 'mismatch';
    remove(session);
    return 'matched';
  }

  return {
    create(phone, code) {
      if (++createsSinceSweep >= SWEEP_EVERY_CREATES) {
        createsSinceSweep = 0;
        sweep();
      }
      const session: OtpSession = { id: randomUUID(), phone, code, expiresAt: now() + ttlMs };
      byId.set(session.id, session);
      newestByPhone.set(phone, session.id);
      while (byId.size > maxSessions) {
        const oldest = byId.values().next().value;
        if (!oldest) break;
        remove(oldest);
      }
      return session;
    },
    verifyById(sessionId, code) {
      return verify(byId.get(sessionId), code);
    },
    verifyByPhone(phone, code) {
      const id = newestByPhone.get(phone);
      return verify(id === undefined ? undefined : byId.get(id), code);
    },
    sweep,
    clear() {
      byId.clear();
      newestByPhone.clear();
      createsSinceSweep = 0;
    },
    get size() {
      return byId.size;
    },
  };
}
