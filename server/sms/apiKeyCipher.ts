/**
 * Encrypts the 2Factor API key admins save, so a database dump does not reveal it.
 * AES-256-GCM with a key derived from APP_SECRET by HKDF-SHA256; format `v1.<iv>.<tag>.<ciphertext>`
 * (base64url). Rotating APP_SECRET makes saved keys unreadable: admins then save the key again.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export interface ApiKeyCipher {
  encrypt(plaintext: string): string;
  /** undefined when the text was not made with this APP_SECRET (or was tampered with). */
  decrypt(ciphertext: string): string | undefined;
}

export function createApiKeyCipher(appSecret: string): ApiKeyCipher {
  const key = Buffer.from(hkdfSync('sha256', appSecret, 'sms-otp', 'sms-api-key-v1', 32));
  return {
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv, cipher.getAuthTag(), data]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    decrypt(ciphertext) {
      const [version, iv, tag, data] = ciphertext.split('.');
      if (version !== 'v1' || !iv || !tag || data === undefined) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}

/** `••••••••3f9a`: what admins see of a saved key. */
export function maskApiKey(apiKey: string): string {
  return `${'•'.repeat(8)}${apiKey.slice(-4)}`;
}
