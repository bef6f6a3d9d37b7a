// Where the API and the tracking WebSocket are, from config.json beside the pages: the
// embedded stack writes it from the running stack, a deployment writes it at deploy time.

let loading = null;

export function config() {
  loading ??= fetch("config.json", { cache: "no-store" }).then((response) => {
    if (!response.ok) throw new Error(`config.json answered ${response.status}`);
    return response.json();
  });
  return loading;
}
