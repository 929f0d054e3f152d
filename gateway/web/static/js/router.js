// Client-side navigation with history.pushState, and who is logged in.

// session holds the logged-in person's account (GET /v1/me), or null.
export const session = { me: null };

let render = () => {};

// onNavigate sets the function that draws the screen for location.pathname.
export function onNavigate(fn) {
  render = fn;
}

// navigate goes to path inside the app. replace: replace the current history
// entry instead of adding one. state: kept with the entry (history.state).
export function navigate(path, { replace = false, state = null } = {}) {
  if (replace) history.replaceState(state, '', path);
  else history.pushState(state, '', path);
  render({ push: !replace });
}

// rerender draws the current screen again (after a language switch, a login).
export function rerender() {
  render({ force: true });
}
