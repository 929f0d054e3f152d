// Settings: edit one's profile, change the profile photo, change the
// password, the accounts one blocked or muted, one's data, and deleting
// the account.

import { h, avatar, replace } from '../dom.js';
import { t, formatPercent } from '../i18n.js';
import { request, upload, checkImageFile, ApiError } from '../api.js';
import { session, navigate } from '../router.js';
import { field, formError, showFieldErrors, errorMessage, toast, isAbort } from '../ui.js';
import { peopleList } from '../blocking.js';

// settingsView shows /settings.
export function settingsView({ signal }) {
  const node = h('section', { class: 'page narrow settings' },
    h('h1', null, t('settings.title')),
    avatarSection(signal),
    profileSection(signal),
    passwordSection(signal),
    section(t('settings.blocked'), 'settings-blocked-title',
      h('p', { class: 'field-hint' }, t('settings.blockedHint')),
      peopleList('blocks', signal)),
    section(t('settings.muted'), 'settings-muted-title',
      h('p', { class: 'field-hint' }, t('settings.mutedHint')),
      peopleList('mutes', signal)),
    section(t('settings.data'), 'settings-data-title',
      h('p', { class: 'field-hint' }, t('settings.dataHint')),
      // A plain link: the session cookie goes with it, and the browser
      // saves the zip as it streams in.
      h('a', { class: 'btn', href: '/v1/me/export', download: '', testid: 'settings-download' }, t('settings.download'))),
    deleteSection(signal));
  return { title: t('settings.title'), node };
}

function section(title, id, ...children) {
  return h('section', { class: 'panel', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

function profileSection(signal) {
  const me = session.me;
  const fields = {
    fullName: field({ id: 'settings-fullname', testid: 'settings-fullname', label: t('register.fullName'), value: me.fullName || '', maxlength: 500, required: true, autocomplete: 'name' }),
    bio: field({ id: 'settings-bio', testid: 'settings-bio', label: t('settings.bio'), tag: 'textarea', rows: 4, value: me.bio || '', maxlength: 3000 }),
    website: field({ id: 'settings-website', testid: 'settings-website', label: t('settings.website'), type: 'url', value: me.website || '', placeholder: 'https://', autocomplete: 'url' }),
    gender: field({ id: 'settings-gender', testid: 'settings-gender', label: t('settings.gender'), value: me.gender || '', maxlength: 100 }),
  };
  const isPrivate = h('input', { type: 'checkbox', id: 'settings-private', testid: 'settings-private', checked: Boolean(me.isPrivate), 'aria-describedby': 'settings-private-hint' });
  const isProfessional = h('input', { type: 'checkbox', role: 'switch', id: 'settings-professional', testid: 'settings-professional', checked: Boolean(me.isProfessional), 'aria-describedby': 'settings-professional-hint' });
  const error = formError('settings-error');
  const saved = h('p', { class: 'success', role: 'status', testid: 'settings-saved' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'settings-save' }, t('settings.save'));

  const onSubmit = async (e) => {
    e.preventDefault();
    error.set('');
    saved.textContent = '';
    const body = {
      fullName: fields.fullName.input.value.trim(),
      bio: fields.bio.input.value,
      website: fields.website.input.value.trim(),
      gender: fields.gender.input.value.trim(),
      isPrivate: isPrivate.checked,
      isProfessional: isProfessional.checked,
    };
    const problems = {};
    if (!body.fullName) problems.fullName = t('err.required');
    if (body.website && !/^https?:\/\/\S+$/i.test(body.website)) problems.website = t('err.website');
    if (showFieldErrors(fields, problems)) return;
    save.disabled = true;
    try {
      const res = await request('PATCH', '/v1/me', { body, signal });
      session.me = res.user || { ...session.me, ...body };
      saved.textContent = t('settings.saved');
    } catch (err) {
      if (isAbort(err)) return;
      const named = err instanceof ApiError && err.status === 400 ? err.fields : {};
      const messages = { fullName: t('err.tooLong', { n: 500 }), bio: t('err.tooLong', { n: 3000 }), website: t('err.website'), gender: t('err.tooLong', { n: 100 }) };
      const problemsFromServer = {};
      for (const name of Object.keys(named)) if (messages[name]) problemsFromServer[name] = messages[name];
      if (!showFieldErrors(fields, problemsFromServer)) error.set(errorMessage(err));
    } finally {
      save.disabled = false;
    }
  };

  return section(t('settings.profile'), 'settings-profile-title',
    h('form', { class: 'stack', testid: 'settings-form', novalidate: true, onsubmit: onSubmit },
      error.el,
      h('div', { class: 'field' },
        h('label', { htmlFor: 'settings-email' }, t('settings.email')),
        h('input', { id: 'settings-email', testid: 'settings-email', type: 'email', value: me.email || '', readOnly: true })),
      fields.fullName.wrap, fields.bio.wrap, fields.website.wrap, fields.gender.wrap,
      h('div', { class: 'check' },
        isPrivate,
        h('label', { htmlFor: 'settings-private' }, t('settings.private')),
        h('p', { class: 'field-hint', id: 'settings-private-hint' }, t('settings.privateHint'))),
      h('div', { class: 'check' },
        isProfessional,
        h('label', { htmlFor: 'settings-professional' }, t('settings.professional')),
        h('p', { class: 'field-hint', id: 'settings-professional-hint' }, t('settings.professionalHint'))),
      h('div', { class: 'row' }, save, saved)));
}

function avatarSection(signal) {
  const current = h('div', { class: 'avatar-current', testid: 'avatar-image' }, avatar(session.me, 'lg'));
  const input = h('input', { type: 'file', id: 'avatar-file', testid: 'avatar-file', accept: 'image/png,image/jpeg,image/gif,image/webp', class: 'visually-hidden file-input' });
  const error = h('p', { class: 'form-error', role: 'alert', testid: 'avatar-error', hidden: true });
  const progress = h('progress', { max: 1, value: 0, hidden: true, testid: 'avatar-progress', 'aria-label': t('settings.changeAvatar') });
  const setError = (message) => {
    error.textContent = message || '';
    error.hidden = !message;
  };
  let sending = null;
  signal.addEventListener('abort', () => sending && sending.abort());

  input.addEventListener('change', async () => {
    const file = input.files[0];
    input.value = '';
    if (!file || sending) return;
    setError('');
    const problem = await checkImageFile(file);
    if (problem) {
      setError(problem === 'tooBig' ? t('upload.tooBigServer') : t('upload.wrongType'));
      return;
    }
    const form = new FormData();
    form.append('file', file, file.name);
    progress.hidden = false;
    progress.value = 0;
    sending = upload('PUT', '/v1/me/avatar', form, (f) => {
      progress.value = f;
      progress.title = formatPercent(f);
    });
    try {
      const res = await sending.promise;
      let url = res.avatarUrl || '';
      if (url && url === session.me.avatarUrl) url += `${url.includes('?') ? '&' : '?'}v=${Date.now()}`;
      session.me = { ...session.me, avatarUrl: url };
      replace(current, avatar(session.me, 'lg'));
      toast(t('settings.avatarSaved'));
    } catch (err) {
      if (isAbort(err)) return;
      if (err instanceof ApiError && err.status === 413) setError(t('upload.tooBigServer'));
      else if (err instanceof ApiError && err.status === 400) setError(t('upload.wrongType'));
      else setError(errorMessage(err));
    } finally {
      sending = null;
      progress.hidden = true;
    }
  });

  return section(t('settings.avatar'), 'settings-avatar-title',
    h('div', { class: 'avatar-row' },
      current,
      h('div', { class: 'stack' },
        input,
        h('label', { htmlFor: 'avatar-file', class: 'btn btn-secondary' }, t('settings.changeAvatar')),
        h('p', { class: 'field-hint' }, t('upload.hint')),
        progress, error)));
}

function passwordSection(signal) {
  const fields = {
    oldPassword: field({ id: 'password-old', testid: 'password-old', label: t('settings.oldPassword'), type: 'password', autocomplete: 'current-password', required: true }),
    newPassword: field({ id: 'password-new', testid: 'password-new', label: t('settings.newPassword'), hint: t('register.passwordHint'), type: 'password', autocomplete: 'new-password', required: true, maxlength: 128 }),
    confirm: field({ id: 'password-confirm', testid: 'password-confirm', label: t('settings.confirmPassword'), type: 'password', autocomplete: 'new-password', required: true, maxlength: 128 }),
  };
  const error = formError('password-error');
  const done = h('p', { class: 'success', role: 'status', testid: 'password-done' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'password-submit' }, t('settings.changePassword'));

  const onSubmit = async (e) => {
    e.preventDefault();
    error.set('');
    done.textContent = '';
    const oldPassword = fields.oldPassword.input.value;
    const newPassword = fields.newPassword.input.value;
    const problems = {};
    if (!oldPassword) problems.oldPassword = t('err.required');
    if (newPassword.length < 10 || newPassword.length > 128) problems.newPassword = t('err.password');
    else if (fields.confirm.input.value !== newPassword) problems.confirm = t('err.passwordMismatch');
    if (showFieldErrors(fields, problems)) return;
    submit.disabled = true;
    try {
      const res = await request('PUT', '/v1/me/password', { body: { oldPassword, newPassword }, signal, keepSession: true });
      for (const f of Object.values(fields)) f.input.value = '';
      done.textContent = t('settings.passwordChanged', { n: Number(res.revokedSessionCount) || 0 });
    } catch (err) {
      if (isAbort(err)) return;
      const named = err instanceof ApiError ? err.fields : {};
      if (err instanceof ApiError && (err.status === 401 || err.status === 403 || 'oldPassword' in named)) {
        showFieldErrors(fields, { oldPassword: t('err.oldPassword') });
      } else if ('newPassword' in named) {
        showFieldErrors(fields, { newPassword: t('err.password') });
      } else {
        error.set(errorMessage(err));
      }
    } finally {
      submit.disabled = false;
    }
  };

  return section(t('settings.password'), 'settings-password-title',
    h('form', { class: 'stack', testid: 'password-form', novalidate: true, onsubmit: onSubmit },
      error.el,
      h('input', { type: 'text', name: 'username', autocomplete: 'username', value: session.me.username, hidden: true }),
      fields.oldPassword.wrap, fields.newPassword.wrap, fields.confirm.wrap,
      h('div', { class: 'row' }, submit, done)));
}

// deleteSection deletes the account, once its password is given again.
function deleteSection(signal) {
  const pw = field({ id: 'delete-password', testid: 'delete-password', label: t('settings.deletePassword'), type: 'password', autocomplete: 'current-password', required: true });
  const error = formError('delete-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-danger', testid: 'delete-submit' }, t('settings.deleteAccount'));

  const onSubmit = async (e) => {
    e.preventDefault();
    error.set('');
    const password = pw.input.value;
    if (showFieldErrors({ password: pw }, password ? {} : { password: t('err.required') })) return;
    if (!window.confirm(t('settings.deleteConfirm'))) return;
    submit.disabled = true;
    try {
      await request('DELETE', '/v1/me', { body: { password }, signal, keepSession: true });
      session.me = null;
      navigate('/login');
      toast(t('settings.deleted'));
    } catch (err) {
      if (isAbort(err)) return;
      if (err instanceof ApiError && err.status === 403) showFieldErrors({ password: pw }, { password: t('err.deletePassword') });
      else error.set(errorMessage(err));
      submit.disabled = false;
    }
  };

  return section(t('settings.delete'), 'settings-delete-title',
    h('p', { class: 'field-hint' }, t('settings.deleteHint')),
    h('form', { class: 'stack', testid: 'delete-form', novalidate: true, onsubmit: onSubmit },
      error.el,
      h('input', { type: 'text', name: 'username', autocomplete: 'username', value: session.me.username, hidden: true }),
      pw.wrap,
      h('div', { class: 'row' }, submit)));
}
