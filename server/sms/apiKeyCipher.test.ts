import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createApiKeyCipher, maskApiKey } from './apiKeyCipher.js';

const SECRET = 'api-key-cipher-test-secret-0123456789ab';
const KEY = '7c1f0e2a-93b4-4d5e-8f60-a1b2c3d4e5f6';

describe('createApiKeyCipher', () => {
  const cipher = createApiKeyCipher(SECRET);

  it('decrypts what it encrypted, and the ciphertext does not contain the key', () => {
    const sealed = cipher.encrypt(KEY);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(KEY);
    expect(sealed).not.toContain(KEY.slice(-8));
    expect(cipher.decrypt(sealed)).toBe(KEY);
  });

  it('uses a fresh IV each time: the same key never encrypts to the same text', () => {
    const sealed = new Set(Array.from({ length: 20 }, () => cipher.encrypt(KEY)));
    expect(sealed.size).toBe(20);
    for (const text of sealed) expect(cipher.decrypt(text)).toBe(KEY);
  });

  it('round-trips any text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        expect(cipher.decrypt(cipher.encrypt(text))).toBe(text);
      }),
    );
  });

  it('answers undefined for a text tampered with anywhere (IV, tag, data, version)', () => {
    const sealed = cipher.encrypt(KEY);
    const parts = sealed.split('.');
    for (let part = 1; part < parts.length; part++) {
      const bytes = Buffer.from(parts[part]!, 'base64url');
      for (const index of [0, bytes.length - 1]) {
        const flipped = Buffer.from(bytes);
        flipped[index] = flipped[index]! ^ 0x01;
        const tampered = [...parts];
        tampered[part] = flipped.toString('base64url');
        expect(cipher.decrypt(tampered.join('.'))).toBeUndefined();
      }
    }
    expect(cipher.decrypt(`v2.${parts.slice(1).join('.')}`)).toBeUndefined();
    expect(cipher.decrypt(parts.slice(0, 3).join('.'))).toBeUndefined();
  });

  it('answers undefined, without throwing, for text that is not a ciphertext at all', () => {
    for (const junk of ['', 'v1', 'v1...', 'v1.a.b.c', KEY, 'v1.!!!.???.***', '.'.repeat(10)]) {
      expect(cipher.decrypt(junk)).toBeUndefined();
    }
  });

  it('cannot be read with another APP_SECRET (rotated secret: admins save the key again)', () => {
    const sealed = cipher.encrypt(KEY);
    expect(createApiKeyCipher(`${SECRET}-rotated`).decrypt(sealed)).toBeUndefined();
    expect(createApiKeyCipher(SECRET).decrypt(sealed)).toBe(KEY);
  });
});

describe('maskApiKey', () => {
  it('shows only the last 4 characters behind a fixed-width mask', () => {
    expect(maskApiKey(KEY)).toBe('••••••••e5f6');
    expect(maskApiKey('short-key-1234')).toBe('••••••••1234');
  });

  it('never reveals more than 4 characters or the length of the key (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9-]{8,128}$/), (key) => {
        const masked = maskApiKey(key);
        expect(masked).toBe(`••••••••${key.slice(-4)}`);
        expect(masked.replace(/•/g, '')).toHaveLength(4);
        expect(masked).toHaveLength(12);
      }),
    );
  });
});
