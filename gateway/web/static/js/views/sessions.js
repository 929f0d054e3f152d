// One's sessions (where one is logged in), with a way to end each.

import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { request, enc } from '../api.js';
import { session, navigate } from '../router.js';
import { toast, report, errorMessage, isAbort, timeAgo } from '../ui.js';

// sessionsView shows /sessions.
export function sessionsView({ signal }) {
  const list = h('ul', { class: 'sessions', testid: 'sessions' },
    h('li', { class: 'muted loading', role: 'status' }, t('loading')));
  request('GET', '/v1/sessions', { signal })
    .then(({ sessions = [] }) => {
      const sorted = [...sessions].sort((a, b) => Number(Boolean(b.current)) - Number(Boolean(a.current)) ||
        new Date(b.createTime) - new Date(a.createTime));
      replace(list, sorted.map((s) => sessionItem(s)));
    })
    .catch((err) => {
      if (!isAbort(err)) replace(list, h('li', { class: 'form-error', role: 'alert' }, errorMessage(err)));
    });
  const node = h('section', { class: 'page narrow' },
    h('h1', null, t('sessions.title')),
    h('p', { class: 'muted' }, t('sessions.intro')),
    list);
  return { title: t('sessions.title'), node };
}

function sessionItem(s) {
  const when = (key, iso) => timeAgo(iso, null, key);
  const revoke = h('button', { type: 'button', class: s.current ? 'btn btn-secondary' : 'btn btn-danger', testid: 'session-revoke' },
    s.current ? t('nav.logout') : t('sessions.revoke'));
  const li = h('li', { class: 'session', testid: 'session-item', dataset: { sessionId: s.sessionId, current: String(Boolean(s.current)) } },
    h('div', { class: 'session-info' },
      h('p', { class: 'session-device' }, device(s.userAgent),
        s.current ? h('span', { class: 'pill' }, t('sessions.current')) : null),
      h('p', { class: 'muted small' },
        [s.clientAddress, when('sessions.started', s.createTime), when('sessions.expires', s.expireTime)]
          .filter(Boolean).flatMap((part, i) => (i ? [' · ', part] : [part])))),
    revoke);
  revoke.addEventListener('click', async () => {
    revoke.disabled = true;
    try {
      await request('DELETE', s.current ? '/v1/sessions/current' : `/v1/sessions/${enc(s.sessionId)}`);
      if (s.current) {
        session.me = null;
        navigate('/login');
        return;
      }
      li.remove();
      toast(t('sessions.revoked'));
    } catch (err) {
      revoke.disabled = false;
      report(err);
    }
  });
  return li;
}

// device names a browser and system from a User-Agent, roughly.
function device(userAgent) {
  if (!userAgent) return t('sessions.unknownDevice');
  const browsers = [['Edg/', 'Edge'], ['OPR/', 'Opera'], ['Firefox/', 'Firefox'], ['Chrome/', 'Chrome'], ['Safari/', 'Safari'], ['curl/', 'curl']];
  const systems = [['Android', 'Android'], ['iPhone', 'iOS'], ['iPad', 'iPadOS'], ['Windows', 'Windows'], ['Mac OS X', 'macOS'], ['CrOS', 'ChromeOS'], ['Linux', 'Linux']];
  const browser = browsers.find(([mark]) => userAgent.includes(mark));
  const os = systems.find(([mark]) => userAgent.includes(mark));
  if (browser && os) return t('sessions.on', { browser: browser[1], os: os[1] });
  if (browser) return browser[1];
  return userAgent.length > 60 ? `${userAgent.slice(0, 60)}…` : userAgent;
}
