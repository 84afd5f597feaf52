/** The four roles a user can hold, most powerful first. Stored as the Postgres enum `app_role`. */
export const ROLES = ['super_admin', 'admin', 'staff', 'agent'] as const;
export type Role = (typeof ROLES)[number];

/** Roles allowed into Settings and every admin-only API route. */
export const ADMIN_ROLES = ['super_admin', 'admin'] as const satisfies readonly Role[];

export function isAdminRole(role: Role): boolean {
  return (ADMIN_ROLES as readonly Role[]).includes(role);
}

/** Where each role lands after logging in, by email or by phone. */
export const ROLE_HOME: Readonly<Record<Role, string>> = Object.freeze({
  super_admin: '/admin/dashboard',
  admin: '/dashboard',
  staff: '/staff/home',
  agent: '/agent/home',
});

export const ROLE_LABELS: Readonly<Record<Role, string>> = Object.freeze({
  super_admin: 'Super admin',
  admin: 'Admin',
  staff: 'Staff',
  agent: 'Agent',
});
