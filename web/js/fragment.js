// What a page is told in its URL fragment (#order=…&token=…&lang=…). A fragment never
// leaves the browser: it is not sent to the server, logged, or passed on in a Referer.

export function fragment() {
  return new URLSearchParams(window.location.hash.slice(1));
}

export function withFragment(page, values) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value) params.set(key, value);
  }
  return `${page}#${params}`;
}
