// Posting a photo: drag-and-drop or file picker, preview, caption, progress,
// and errors for files that are too big or not images, before and after
// sending.

import { h, icon } from '../dom.js';
import { t, formatBytes, formatPercent } from '../i18n.js';
import { upload, checkImageFile, ApiError } from '../api.js';
import { session, navigate } from '../router.js';
import { toast, errorMessage, isAbort } from '../ui.js';

const CAPTION_MAX = 2200;
const ACCEPT = 'image/png,image/jpeg,image/gif,image/webp';

// uploadView is the new photo screen.
export function uploadView({ signal }) {
  let file = null;
  let previewURL = '';
  let sending = null;

  const error = h('div', { class: 'form-error', role: 'alert', testid: 'upload-error', hidden: true });
  const input = h('input', {
    type: 'file', id: 'upload-file', testid: 'upload-file', accept: ACCEPT, class: 'visually-hidden file-input',
  });
  const preview = h('img', { class: 'upload-preview', testid: 'upload-preview', alt: t('upload.preview') });
  const previewBox = h('figure', { class: 'preview-box', hidden: true }, preview,
    h('figcaption', { class: 'muted' }),
    h('label', { htmlFor: 'upload-file', class: 'btn btn-secondary' }, t('upload.change')));
  const drop = h('div', { class: 'dropzone', testid: 'upload-drop' },
    icon('upload', 'icon dropzone-icon'),
    h('p', { class: 'dropzone-title' }, t('upload.drop')),
    h('p', { class: 'muted' }, t('upload.or')),
    h('label', { htmlFor: 'upload-file', class: 'btn btn-primary' }, t('upload.choose')),
    h('p', { class: 'muted field-hint', id: 'upload-hint' }, t('upload.hint')));
  input.setAttribute('aria-describedby', 'upload-hint upload-error-text');
  error.id = 'upload-error-text';

  const caption = h('textarea', { id: 'upload-caption', testid: 'upload-caption', maxlength: CAPTION_MAX, rows: 3 });
  const counter = h('p', { class: 'muted counter', 'aria-live': 'off' }, t('upload.captionCount', { n: 0, max: CAPTION_MAX }));
  caption.addEventListener('input', () => {
    counter.textContent = t('upload.captionCount', { n: caption.value.length, max: CAPTION_MAX });
  });

  const progress = h('progress', { testid: 'upload-progress', max: 1, value: 0, hidden: true, 'aria-labelledby': 'upload-status' });
  const status = h('p', { class: 'muted', id: 'upload-status', testid: 'upload-status', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'upload-submit' }, t('upload.submit'));
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'upload-cancel', hidden: true }, t('upload.cancel'));

  const showError = (message) => {
    error.textContent = message || '';
    error.hidden = !message;
  };

  const choose = async (chosen) => {
    if (!chosen || sending) return;
    showError('');
    const problem = await checkImageFile(chosen);
    if (signal.aborted) return;
    if (problem) {
      showError(problem === 'tooBig' ? t('upload.tooBig', { size: formatBytes(chosen.size) }) : t('upload.wrongType'));
      reset();
      return;
    }
    if (previewURL) URL.revokeObjectURL(previewURL);
    previewURL = URL.createObjectURL(chosen);
    preview.src = previewURL;
    try {
      // A file that starts like an image but does not decode is no image.
      await preview.decode();
    } catch {
      if (signal.aborted) return;
      showError(t('upload.wrongType'));
      reset();
      return;
    }
    if (signal.aborted) return;
    file = chosen;
    previewBox.querySelector('figcaption').textContent = `${file.name} · ${formatBytes(file.size)}`;
    previewBox.hidden = false;
    drop.hidden = true;
    caption.focus();
  };

  function reset() {
    file = null;
    input.value = '';
    preview.removeAttribute('src');
    previewBox.hidden = true;
    drop.hidden = false;
  }

  input.addEventListener('change', () => choose(input.files[0]));
  for (const zone of [drop, previewBox]) {
    for (const type of ['dragenter', 'dragover']) {
      zone.addEventListener(type, (e) => {
        e.preventDefault();
        zone.classList.add('dragging');
      });
    }
    zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('dragging');
      choose(e.dataTransfer.files[0]);
    });
  }

  const onSubmit = async (e) => {
    e.preventDefault();
    if (sending) return;
    if (!file) {
      showError(t('upload.noFile'));
      input.focus();
      return;
    }
    showError('');
    const form = new FormData();
    form.append('caption', caption.value);
    form.append('file', file, file.name);
    progress.hidden = false;
    progress.value = 0;
    status.textContent = t('upload.progress', { p: formatPercent(0) });
    submit.disabled = true;
    cancel.hidden = false;
    sending = upload('POST', '/v1/images', form, (fraction) => {
      progress.value = fraction;
      status.textContent = fraction < 1 ? t('upload.progress', { p: formatPercent(fraction) }) : t('upload.processing');
    });
    try {
      await sending.promise;
      toast(t('upload.done'));
      navigate(`/u/${encodeURIComponent(session.me.username)}`);
    } catch (err) {
      progress.hidden = true;
      status.textContent = '';
      if (isAbort(err)) {
        toast(t('upload.cancelled'));
      } else if (err instanceof ApiError && err.status === 413) {
        showError(t('upload.tooBigServer'));
      } else if (err instanceof ApiError && (err.status === 400 || err.status === 415)) {
        showError(t('upload.wrongType'));
      } else {
        showError(errorMessage(err));
      }
    } finally {
      sending = null;
      submit.disabled = false;
      cancel.hidden = true;
    }
  };
  cancel.addEventListener('click', () => sending && sending.abort());
  signal.addEventListener('abort', () => {
    if (sending) sending.abort();
    if (previewURL) URL.revokeObjectURL(previewURL);
  });

  const node = h('section', { class: 'page narrow upload' },
    h('h1', null, t('upload.title')),
    h('form', { testid: 'upload-form', class: 'stack', onsubmit: onSubmit, novalidate: true },
      input, drop, previewBox, error,
      h('div', { class: 'field' },
        h('label', { htmlFor: 'upload-caption' }, t('upload.caption')), caption, counter),
      progress, status,
      h('div', { class: 'row' }, submit, cancel)));
  return { title: t('upload.title'), node };
}
