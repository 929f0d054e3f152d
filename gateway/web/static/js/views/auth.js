// Log in and registration screens.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { request, ApiError } from '../api.js';
import { session, navigate } from '../router.js';
import { field, formError, showFieldErrors, errorMessage } from '../ui.js';

const USERNAME = /^[A-Za-z0-9_]{4,30}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

// nextPath is where to go after logging in: the ?next= of the login URL
// when it is a path inside the app, else the timeline.
function nextPath() {
  const next = new URLSearchParams(location.search).get('next') || '/';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

async function logIn(email, password) {
  const res = await request('POST', '/v1/sessions', { body: { email, password }, keepSession: true });
  session.me = res.user || null;
  if (!session.me) session.me = (await request('GET', '/v1/me')).user;
  navigate(nextPath(), { replace: true });
}

// loginView is the log in screen.
export function loginView() {
  const fields = {
    email: field({ id: 'login-email', testid: 'login-email', label: t('login.email'), type: 'email', autocomplete: 'username', required: true, spellcheck: 'false' }),
    password: field({ id: 'login-password', testid: 'login-password', label: t('login.password'), type: 'password', autocomplete: 'current-password', required: true }),
  };
  const error = formError('login-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'login-submit' }, t('login.submit'));

  const onSubmit = async (e) => {
    e.preventDefault();
    error.set('');
    const email = fields.email.input.value.trim();
    const password = fields.password.input.value;
    const problems = {};
    if (!email) problems.email = t('err.required');
    else if (!EMAIL.test(email)) problems.email = t('err.email');
    if (!password) problems.password = t('err.required');
    if (showFieldErrors(fields, problems)) return;
    submit.disabled = true;
    try {
      await logIn(email, password);
    } catch (err) {
      if (err instanceof ApiError && [401, 403, 404].includes(err.status)) {
        error.set(t('login.bad'));
        fields.password.input.select();
        fields.password.input.focus();
      } else if (err instanceof ApiError && err.status === 400 && Object.keys(err.fields).length) {
        const f = err.fields;
        showFieldErrors(fields, { email: f.email && t('err.email'), password: f.password && t('err.required') });
      } else {
        error.set(errorMessage(err));
      }
    } finally {
      submit.disabled = false;
    }
  };

  const node = h('section', { class: 'page auth' },
    h('div', { class: 'auth-card' },
      h('h1', null, t('login.title')),
      h('p', { class: 'muted tagline' }, t('app.tagline')),
      h('form', { testid: 'login-form', novalidate: true, onsubmit: onSubmit },
        error.el, fields.email.wrap, fields.password.wrap, submit)),
    h('p', { class: 'auth-switch' }, t('login.noAccount'), ' ', h('a', { href: '/register' }, t('nav.register'))));
  return { title: t('login.title'), node };
}

// registerView is the registration screen; a new account is logged in at once.
export function registerView() {
  const fields = {
    email: field({ id: 'register-email', testid: 'register-email', label: t('login.email'), type: 'email', autocomplete: 'email', required: true, spellcheck: 'false' }),
    fullName: field({ id: 'register-fullname', testid: 'register-fullname', label: t('register.fullName'), autocomplete: 'name', required: true, maxlength: 500 }),
    username: field({
      id: 'register-username', testid: 'register-username', label: t('register.username'), hint: t('register.usernameHint'),
      autocomplete: 'username', required: true, maxlength: 30, spellcheck: 'false', autocapitalize: 'none',
    }),
    password: field({
      id: 'register-password', testid: 'register-password', label: t('login.password'), hint: t('register.passwordHint'),
      type: 'password', autocomplete: 'new-password', required: true, maxlength: 128,
    }),
  };
  const error = formError('register-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'register-submit' }, t('register.submit'));

  const onSubmit = async (e) => {
    e.preventDefault();
    error.set('');
    const values = {
      email: fields.email.input.value.trim(),
      fullName: fields.fullName.input.value.trim(),
      username: fields.username.input.value.trim(),
      password: fields.password.input.value,
    };
    const problems = {};
    if (!values.email) problems.email = t('err.required');
    else if (!EMAIL.test(values.email)) problems.email = t('err.email');
    if (!values.fullName) problems.fullName = t('err.required');
    if (!USERNAME.test(values.username)) problems.username = values.username ? t('err.username') : t('err.required');
    if (values.password.length < 10 || values.password.length > 128) problems.password = values.password ? t('err.password') : t('err.required');
    if (showFieldErrors(fields, problems)) return;
    submit.disabled = true;
    try {
      await request('POST', '/v1/users', { body: values });
      await logIn(values.email, values.password);
    } catch (err) {
      if (!showFieldErrors(fields, registerErrors(err))) error.set(errorMessage(err));
    } finally {
      submit.disabled = false;
    }
  };

  const node = h('section', { class: 'page auth' },
    h('div', { class: 'auth-card' },
      h('h1', null, t('register.title')),
      h('p', { class: 'muted tagline' }, t('app.tagline')),
      h('form', { testid: 'register-form', novalidate: true, onsubmit: onSubmit },
        error.el, fields.email.wrap, fields.fullName.wrap, fields.username.wrap, fields.password.wrap, submit)),
    h('p', { class: 'auth-switch' }, t('register.haveAccount'), ' ', h('a', { href: '/login' }, t('nav.login'))));
  return { title: t('register.title'), node };
}

// registerErrors turns the server's answer into messages per field.
function registerErrors(err) {
  if (!(err instanceof ApiError)) return {};
  const named = err.fields;
  const text = err.message.toLowerCase();
  if (err.status === 409) {
    if ('username' in named || text.includes('username')) return { username: t('err.usernameTaken') };
    return { email: t('err.emailTaken') };
  }
  if (err.status !== 400) return {};
  const messages = { email: t('err.email'), username: t('err.username'), password: t('err.password'), fullName: t('err.tooLong', { n: 500 }) };
  const out = {};
  for (const name of Object.keys(named)) if (messages[name]) out[name] = messages[name];
  return out;
}
