/**
 * The people the browser suite logs in as: one per role, each with its own +91 mobile. They are created with
 * the users CLI before the server starts (production has no demo users).
 */
import type { Role } from '../../common/roles.js';

export interface E2eUser {
  role: Role;
  email: string;
  password: string;
  /** E.164. */
  phone: string;
  /** Where this role lands after logging in. */
  home: string;
  /** The home page's heading. */
  homeHeading: string;
}

/** Long, varied and unrelated to the emails, so the CLI's password rules accept it. */
const PASSWORD = 'Correct-Horse-42-battery';

export const USERS: Readonly<Record<Role, E2eUser>> = {
  super_admin: {
    role: 'super_admin',
    email: 'root@e2e.test',
    password: PASSWORD,
    phone: '+919800000001',
    home: '/admin/dashboard',
    homeHeading: 'Admin dashboard',
  },
  admin: {
    role: 'admin',
    email: 'boss@e2e.test',
    password: PASSWORD,
    phone: '+919800000002',
    home: '/dashboard',
    homeHeading: 'Dashboard',
  },
  staff: {
    role: 'staff',
    email: 'desk@e2e.test',
    password: PASSWORD,
    phone: '+919800000003',
    home: '/staff/home',
    homeHeading: 'Staff home',
  },
  agent: {
    role: 'agent',
    email: 'field@e2e.test',
    password: PASSWORD,
    phone: '+919800000004',
    home: '/agent/home',
    homeHeading: 'Agent home',
  },
};
