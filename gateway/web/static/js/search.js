// The header's search box: while a person types, the people whose username
// or a word of whose full name starts with the text (case and accents
// aside) appear in a list under the field. ↑ and ↓ walk the list, Enter or
// a click opens the chosen profile, Escape closes the list (the ARIA
// combobox pattern: the focus stays in the field).

import { h, icon, avatar, replace } from './dom.js';
import { t } from './i18n.js';
import { request, query, enc } from './api.js';
import { navigate } from './router.js';
import { errorMessage, isAbort } from './ui.js';

// DEBOUNCE_MS is how long typing must pause before the app asks; MAX_QUERY
// the longest text the server takes; RESULTS how many people the list
// shows.
const DEBOUNCE_MS = 200;
const MAX_QUERY = 100;
const RESULTS = 10;

// searchBox returns the search field with its list of results.
export function searchBox() {
  const input = h('input', {
    type: 'search', id: 'search-input', testid: 'search-input', class: 'search-input',
    role: 'combobox', 'aria-expanded': 'false', 'aria-controls': 'search-results', 'aria-autocomplete': 'list',
    autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', enterkeyhint: 'search',
    maxlength: MAX_QUERY, placeholder: t('search.placeholder'), 'aria-label': t('search.label'),
  });
  const list = h('ul', { id: 'search-results', class: 'search-results', role: 'listbox', testid: 'search-results', 'aria-label': t('search.results') });
  const status = h('p', { class: 'search-status muted', testid: 'search-status', hidden: true });
  // Says how many were found to screen readers, which do not see the list
  // until they enter it.
  const announce = h('span', { class: 'visually-hidden', role: 'status' });
  const popup = h('div', { class: 'search-popup', testid: 'search-popup', hidden: true }, list, status);
  const el = h('div', { class: 'search', role: 'search' },
    icon('search', 'icon search-icon'), input, popup, announce);

  // The people listed, the one highlighted (-1: none), the pending pause
  // and call.
  let people = [];
  let active = -1;
  let timer = 0;
  let controller = null;

  const open = (on) => {
    popup.hidden = !on;
    input.setAttribute('aria-expanded', String(on));
    if (!on) highlight(-1);
  };

  const highlight = (i) => {
    active = i;
    [...list.children].forEach((li, j) => {
      li.setAttribute('aria-selected', String(j === i));
      li.classList.toggle('active', j === i);
    });
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', list.children[i].id);
      list.children[i].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  };

  const choose = (user) => {
    open(false);
    input.value = '';
    people = [];
    replace(list);
    navigate(`/u/${enc(user.username)}`);
  };

  const showStatus = (message) => {
    status.textContent = message || '';
    status.hidden = !message;
  };

  const show = (q, users) => {
    people = users;
    replace(list, users.map((user, i) => h('li', {
      id: `search-option-${i}`, class: 'search-result', role: 'option', 'aria-selected': 'false',
      testid: 'search-result', dataset: { username: user.username },
      // The focus stays in the field.
      onmousedown: (e) => e.preventDefault(),
      onclick: () => choose(user),
    },
    avatar(user, 'sm'),
    h('span', { class: 'user-names' },
      h('span', { class: 'username' }, user.username),
      user.fullName ? h('span', { class: 'full-name muted' }, user.fullName) : null))));
    showStatus(users.length ? '' : t('search.empty', { q }));
    announce.textContent = t('search.count', { n: users.length });
    active = -1;
    open(true);
  };

  const search = async (q) => {
    if (controller) controller.abort();
    controller = new AbortController();
    try {
      const res = await request('GET', `/v1/search/users${query({ q, pageSize: RESULTS })}`, { signal: controller.signal });
      if (input.isConnected && input.value.trim() === q) show(q, res.users || []);
    } catch (err) {
      if (isAbort(err) || !input.isConnected) return;
      people = [];
      replace(list);
      showStatus(errorMessage(err));
      open(true);
    }
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) {
      if (controller) controller.abort();
      people = [];
      replace(list);
      showStatus('');
      open(false);
      return;
    }
    timer = setTimeout(() => search(q), DEBOUNCE_MS);
  });

  input.addEventListener('keydown', (e) => {
    if (e.isComposing) return;
    const n = people.length;
    switch (e.key) {
      case 'ArrowDown':
      case 'ArrowUp':
        if (n === 0) return;
        e.preventDefault();
        if (popup.hidden) open(true);
        if (e.key === 'ArrowDown') highlight(active < n - 1 ? active + 1 : 0);
        else highlight(active > 0 ? active - 1 : n - 1);
        break;
      case 'Enter':
        if (popup.hidden || n === 0) return;
        e.preventDefault();
        choose(people[active >= 0 ? active : 0]);
        break;
      case 'Escape':
        if (popup.hidden) return;
        e.preventDefault();
        open(false);
        break;
      default:
    }
  });

  input.addEventListener('focus', () => {
    if (input.value.trim() && (people.length || !status.hidden)) open(true);
  });
  el.addEventListener('focusout', (e) => {
    if (!el.contains(e.relatedTarget)) open(false);
  });

  return el;
}
