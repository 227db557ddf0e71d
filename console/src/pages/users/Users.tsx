// Users & keys: admins add people with a role, change roles, disable, reset passwords and delete; create, list and
// revoke write keys; read the audit log with each rule change's diff. Everyone else sees what their role allows
// and, where the API refuses, its refusal in words at that place, never a form that can only fail.
import { useT } from '../../i18n/index.tsx';
import { useSession } from '../../session.tsx';
import { UsersSection } from './UsersSection.tsx';
import { KeysSection } from './KeysSection.tsx';
import { AuditSection } from './AuditSection.tsx';
import type { Role } from './types.ts';
import './users.css';

export function Users() {
  const t = useT();
  const { state } = useSession();
  if (state.status !== 'signed-in') return null;
  const session = state.session;
  // The admin token is accepted wherever an admin is.
  const role: Role = session.kind === 'token' ? 'admin' : (session.user.role as Role);
  const name = session.kind === 'token' ? t('users.access.token') : session.user.username;
  return (
    <section className="page users-page" aria-labelledby="page-title">
      <h1 id="page-title">{t('users.title')}</h1>
      <div className="access" data-testid="access">
        <p><strong>{t('users.access.you', { name, role: t(`users.role.${role}`) })}</strong></p>
        <p>{t(`users.access.${role}`)}</p>
        {role !== 'admin' && <p className="muted">{t('users.access.ask')}</p>}
      </div>
      {role === 'admin' ? (
        <>
          <UsersSection self={session.kind === 'user' ? session.user.username : undefined} />
          <KeysSection />
        </>
      ) : (
        <section aria-labelledby="people-title">
          <h2 id="people-title">{t('users.people.title')}</h2>
          <p className="muted" data-testid="people-not-allowed">{t('users.people.adminsOnly')}</p>
        </section>
      )}
      <AuditSection role={role} />
    </section>
  );
}
