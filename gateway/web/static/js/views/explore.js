// The Explore tab: a grid of recent public photos of accounts the caller
// does not follow, best ranked first (GET /v1/explore), loaded as the page
// scrolls. The viewer opened from the grid walks its photos.

import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { request, query } from '../api.js';
import { offerPhotoList, photoListChanged } from '../viewer.js';
import { pager, loadNextPage, hasNextPage, photoGridItem } from '../ui.js';

const PAGE_SIZE = 30;

// exploreView shows /explore.
export function exploreView({ signal }) {
  const title = t('explore.title');
  const grid = h('ul', { class: 'grid', testid: 'explore-grid', 'aria-label': t('explore.photos') });
  // The photos shown, in order, for the viewer to walk; the viewer looks
  // up their owners.
  const photos = [];
  const photoPager = pager({
    list: grid,
    signal,
    load: async (pageToken) => {
      const page = await request('GET', `/v1/explore${query({ pageSize: PAGE_SIZE, pageToken })}`, { signal });
      return { items: page.images || [], nextPageToken: page.nextPageToken };
    },
    renderItem: (image) => {
      const item = photoGridItem(image, null);
      photos.push({ el: item, image, owner: null });
      queueMicrotask(photoListChanged);
      return item;
    },
    onEmpty: () => grid.replaceWith(h('div', { class: 'empty-state', testid: 'explore-empty' },
      icon('compass', 'icon icon-xl'),
      h('p', { class: 'muted' }, t('explore.empty')))),
  });
  offerPhotoList({
    entries: () => photos.filter((photo) => photo.el.isConnected),
    hasMore: () => hasNextPage(photoPager),
    more: () => loadNextPage(photoPager),
  }, signal);
  const node = h('section', { class: 'page explore-page' },
    h('h1', { class: 'explore-title', testid: 'explore-title' }, title),
    photoPager);
  return { title, node };
}
