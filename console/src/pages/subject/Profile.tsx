// A subject's profile: the attributes set by identify calls and by rules (the API does not say which set each).
import { useEffect, useState } from 'react';
import { api, ApiFailure } from '../../api.ts';
import { useT } from '../../i18n/index.tsx';
import { segment, useFailureText, When } from '../runs/shared.tsx';
import { useValueText } from '../runs/words.tsx';

interface SubjectProfile { id: string; attributes: Record<string, unknown>; updatedAt: string }

export function Profile({ id }: { id: string }) {
  const t = useT();
  const failureText = useFailureText();
  const valueText = useValueText();
  const [profile, setProfile] = useState<SubjectProfile | null>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const controller = new AbortController();
    api<SubjectProfile>('GET', `/v1/subjects/${segment(id)}`, undefined, controller.signal)
      .then(setProfile)
      .catch((failure: unknown) => {
        if ((failure as Error).name === 'AbortError') return;
        if (failure instanceof ApiFailure && failure.status === 404) setProfile(null);
        else setError(failureText(failure));
      });
    return () => controller.abort();
  }, [id, failureText]);
  const entries = profile ? Object.entries(profile.attributes) : [];
  return (
    <section aria-labelledby="profile-title">
      <h2 id="profile-title">{t('subject.profile')}</h2>
      {error && <p className="error" role="alert">{error}</p>}
      {profile === undefined ? (!error && <div className="skeleton line" aria-busy="true" aria-label={t('common.loading')} />)
        : profile === null || entries.length === 0 ? <p className="muted" data-testid="profile-empty">{t('subject.profileNone')}</p> : (
          <>
            <div className="table-wrap runs-wrap">
              <table className="table" data-testid="profile">
                <thead><tr><th scope="col">{t('subject.attribute')}</th><th scope="col">{t('subject.value')}</th></tr></thead>
                <tbody>{entries.map(([k, v]) => <tr key={k}><td><code>{k}</code></td><td className="runs-break"><code>{valueText(v)}</code></td></tr>)}</tbody>
              </table>
            </div>
            <p className="muted small">{t('subject.profileSource')} <When time={profile.updatedAt} /></p>
          </>
        )}
    </section>
  );
}
