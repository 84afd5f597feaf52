import type { Logger } from 'pino';
import type { Role } from '../../common/roles.js';
import type { UsersRepository } from '../db/usersRepository.js';
import { createUser } from './createUser.js';

/** Listed in the README. Seeded only in development on the embedded database (see config.seedDemoUsers). */
export const DEMO_PASSWORD = 'demo-otp-2026';

export const DEMO_USERS: readonly { email: string; role: Role; phone: string }[] = [
  { email: 'superadmin@example.com', role: 'super_admin', phone: '+919000000001' },
  { email: 'admin@example.com', role: 'admin', phone: '+919000000002' },
  { email: 'staff@example.com', role: 'staff', phone: '+919000000003' },
  { email: 'agent@example.com', role: 'agent', phone: '+919000000004' },
];

/** Creates the demo users that do not exist yet. */
export async function seedDemoUsers(users: UsersRepository, logger: Logger): Promise<void> {
  for (const demo of DEMO_USERS) {
    if (await users.findByEmail(demo.email)) continue;
    await createUser(users, { ...demo, password: DEMO_PASSWORD });
    logger.info({ email: demo.email, role: demo.role }, 'demo user created');
  }
}
