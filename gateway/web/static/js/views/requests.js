// Follow requests received by a private account: accept or reject each.

import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { request, query, enc } from '../api.js';
import { pager, userLink, toast, report, refreshRequestsBadge } from '../ui.js';

const PAGE_SIZE = 30;

// requestsView shows /requests.
export function requestsView({ signal }) {
  const list = h('ul', { class: 'people', testid: 'requests' });
  const empty = () => h('li', { class: 'muted', testid: 'requests-empty' }, t('requests.empty'));

  const answer = async (li, user, accept, button) => {
    for (const b of li.querySelectorAll('button')) b.disabled = true;
    try {
      if (accept) await request('POST', `/v1/me/follow-requests/${enc(user.username)}:accept`);
      else await request('DELETE', `/v1/me/follow-requests/${enc(user.username)}`);
      li.remove();
      toast(t(accept ? 'requests.accepted' : 'requests.rejected', { u: user.username }));
      refreshRequestsBadge();
      if (!list.querySelector('[data-testid="request-item"]')) replace(list, empty());
    } catch (err) {
      for (const b of li.querySelectorAll('button')) b.disabled = false;
      button.focus();
      report(err);
    }
  };

  const item = (user) => {
    const accept = h('button', { type: 'button', class: 'btn btn-primary', testid: 'request-accept' }, t('requests.accept'));
    const reject = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'request-reject' }, t('requests.reject'));
    const li = h('li', { class: 'person', testid: 'request-item', dataset: { username: user.username } },
      userLink(user, 'md'), h('div', { class: 'row' }, accept, reject));
    accept.addEventListener('click', () => answer(li, user, true, accept));
    reject.addEventListener('click', () => answer(li, user, false, reject));
    return li;
  };

  const node = h('section', { class: 'page narrow' },
    h('h1', null, t('requests.title')),
    pager({
      list,
      signal,
      load: async (pageToken) => {
        const page = await request('GET', `/v1/me/follow-requests${query({ pageSize: PAGE_SIZE, pageToken })}`, { signal });
        return { items: page.users || [], nextPageToken: page.nextPageToken };
      },
      renderItem: item,
      onEmpty: () => list.append(empty()),
    }));
  return { title: t('requests.title'), node };
}
