// The few calls the pages make to Entrega's REST API, with the caller's token if it has one.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.title ?? `the API answered ${status}`);
    this.status = status;
    this.code = problem?.code ?? null;
  }
}

export class Api {
  constructor(baseUrl, token) {
    this.base = (baseUrl ?? "").replace(/\/$/, "");
    this.token = token || "";
  }

  async request(method, path, body) {
    const headers = { Accept: "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      referrerPolicy: "no-referrer",
    });
    const answer = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, answer);
    return answer;
  }

  order(orderId) {
    return this.request("GET", `/orders/${encodeURIComponent(orderId)}`);
  }

  kitchenOrders() {
    return this.request("GET", "/kitchen/orders");
  }

  progress(orderId, status) {
    return this.request("POST", `/orders/${encodeURIComponent(orderId)}/progress`, { status });
  }
}
