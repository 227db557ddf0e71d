// Runs: what the rules did. Firings (each with its trace in words), deliveries (each with its attempts), and the
// dead-letter list with a replay that says what it will do before doing it. Paths: /runs (firings),
// /runs/deliveries, /runs/dead, /runs/firings/{id}, /runs/deliveries/{id}.
import { usePath } from '../../router.ts';
import { useT } from '../../i18n/index.tsx';
import { Link } from './shared.tsx';
import { FiringsList } from './FiringsList.tsx';
import { DeliveriesList } from './DeliveriesList.tsx';
import { FiringDetail } from './FiringDetail.tsx';
import { DeliveryDetail } from './DeliveryDetail.tsx';
import './runs.css';

type View = { tab: 'firings' | 'deliveries' | 'dead' } | { firing: string } | { delivery: string };

function viewOf(path: string): View {
  const [, , first, id] = path.split('/').map((p) => decodeURIComponent(p));
  if (first === 'firings' && id) return { firing: id };
  if (first === 'deliveries' && id) return { delivery: id };
  if (first === 'deliveries') return { tab: 'deliveries' };
  if (first === 'dead') return { tab: 'dead' };
  return { tab: 'firings' };
}

const TABS = [
  { tab: 'firings', path: '/runs', label: 'runs.tab.firings' },
  { tab: 'deliveries', path: '/runs/deliveries', label: 'runs.tab.deliveries' },
  { tab: 'dead', path: '/runs/dead', label: 'runs.tab.dead' },
] as const;

export function Runs() {
  const t = useT();
  const view = viewOf(usePath());
  if ('firing' in view) return <FiringDetail id={view.firing} />;
  if ('delivery' in view) return <DeliveryDetail id={view.delivery} />;
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">{t('runs.title')}</h1>
      <nav aria-label={t('runs.tabs')} className="runs-tabs">
        <ul>
          {TABS.map((tab) => (
            <li key={tab.tab}><Link to={tab.path} current={view.tab === tab.tab}>{t(tab.label)}</Link></li>
          ))}
        </ul>
      </nav>
      {view.tab === 'firings' && <FiringsList />}
      {view.tab === 'deliveries' && <DeliveriesList key="all" dead={false} />}
      {view.tab === 'dead' && <DeliveriesList key="dead" dead />}
    </section>
  );
}
