// The order-tracking page: GET /orders/{id} when it opens, then a fresh read each time the
// tracking WebSocket pushes a status change, so the page follows the order without a reload.

import { Api, ApiError } from "./api.js";
import { config } from "./config.js";
import { fragment } from "./fragment.js";
import { clock, language, languageLinks, orderRef, translatePage, translator } from "./i18n.js";
import { formatMoney } from "./money.js";
import { openSocket } from "./socket.js";

const STEPS = ["PLACED", "CONFIRMED", "PREPARING", "OUT_FOR_DELIVERY", "DELIVERED"];
// Which step of the line each status belongs to; the kitchen's finer statuses share one.
const STEP_OF = {
  PLACED: "PLACED",
  AWAITING_PAYMENT_ACTION: "PLACED",
  CONFIRMED: "CONFIRMED",
  ACCEPTED: "CONFIRMED",
  PREPARING: "PREPARING",
  READY: "PREPARING",
  OUT_FOR_DELIVERY: "OUT_FOR_DELIVERY",
  DELIVERED: "DELIVERED",
};
const STOPPED = new Set(["REJECTED", "FAILED", "CANCELLED"]);

const $ = (id) => document.getElementById(id);
let order = null;

function lang() {
  return language(fragment().get("lang"), order?.customer?.locale);
}

function show(element, visible) {
  element.hidden = !visible;
}

function renderSteps(t, locale) {
  const reached = order.timeline.map((entry) => STEP_OF[entry.status]).filter(Boolean);
  const current = STOPPED.has(order.status) ? null : STEP_OF[order.status];
  const last = Math.max(...reached.map((step) => STEPS.indexOf(step)));
  $("steps").replaceChildren(
    ...STEPS.map((step, index) => {
      const item = document.createElement("li");
      const state = step === current ? "current" : index <= last ? "done" : "todo";
      item.className = `step ${state}`;
      if (state === "current") item.setAttribute("aria-current", "step");
      const label = document.createElement("span");
      label.className = "step-label";
      label.textContent = t(`step.${step}`);
      const hint = document.createElement("span");
      hint.className = "visually-hidden";
      hint.textContent = ` (${t(`step.${state}`)})`;
      item.append(label, hint);
      const at = order.timeline.find((entry) => STEP_OF[entry.status] === step);
      if (at && state !== "todo") {
        const time = document.createElement("time");
        time.dateTime = at.at;
        time.textContent = clock(at.at, locale);
        item.append(time);
      }
      return item;
    }),
  );
}

function renderStatus(t, locale) {
  const stopped = STOPPED.has(order.status);
  show($("status-detail"), !stopped);
  show($("stopped"), stopped);
  $("stopped").setAttribute("role", stopped ? "alert" : "none");
  if (!stopped) {
    $("status-detail").textContent = t(`status.${order.status}`);
    return;
  }
  const last = order.timeline[order.timeline.length - 1];
  const code = last?.reason?.code;
  const known = code && t(`reason.${code}`) !== `reason.${code}`;
  $("stopped-title").textContent = t(`status.${order.status}`);
  $("stopped-reason").textContent = known
    ? t(`reason.${code}`)
    : order.status === "CANCELLED"
      ? t("track.stoppedAt", { time: clock(last.at, locale) })
      : t("reason._");
  const payment = order.payment?.status;
  const paymentText = t(`payment.${payment}`);
  $("stopped-payment").textContent = paymentText.startsWith("payment.") ? "" : paymentText;
}

function renderEta(t, locale) {
  const open = !STOPPED.has(order.status) && order.status !== "DELIVERED";
  const visible = open && Number.isInteger(order.eta_minutes);
  show($("eta"), visible);
  if (!visible) return;
  const arrival = new Date(Date.parse(order.placed_at) + order.eta_minutes * 60_000);
  $("eta").textContent = t("track.eta", {
    time: clock(arrival.toISOString(), locale),
    minutes: order.eta_minutes,
  });
}

function renderItems(locale) {
  const rows = order.items.map((line) => {
    const row = document.createElement("tr");
    const quantity = document.createElement("td");
    quantity.textContent = `${line.quantity}×`;
    const name = document.createElement("td");
    name.textContent = line.name;
    const amount = document.createElement("td");
    amount.className = "amount";
    amount.textContent = formatMoney(line.line_total, locale);
    row.append(quantity, name, amount);
    return row;
  });
  document.querySelector("#items tbody").replaceChildren(...rows);
  $("total").textContent = formatMoney(order.total, locale);
}

function renderSuggestions() {
  const names = (order.suggestions ?? []).map((suggestion) => {
    const item = document.createElement("li");
    item.textContent = suggestion.name;
    return item;
  });
  $("suggestions").replaceChildren(...names);
  show($("suggestions-section"), names.length > 0);
}

function render() {
  const current = lang();
  const t = translator(current);
  translatePage(current, t);
  languageLinks($("languages"), current);
  if (!order) return;
  // Amounts and times in the customer's own locale, words in the page's language.
  const locale = order.customer?.locale || current;
  document.title = `${t("track.title")} · ${orderRef(order.order_id)}`;
  $("order-ref").textContent = t("track.order", { ref: orderRef(order.order_id) });
  renderSteps(t, locale);
  renderStatus(t, locale);
  renderEta(t, locale);
  renderItems(locale);
  renderSuggestions();
  show($("status"), true);
  show($("items-section"), true);
  $("main").setAttribute("aria-busy", "false");
}

function problem(key) {
  const text = translator(lang())(key);
  $("problem").textContent = text;
  show($("problem"), Boolean(key));
  $("main").setAttribute("aria-busy", "false");
}

async function load(api, orderId) {
  try {
    const previous = order?.status;
    order = await api.order(orderId);
    $("problem").hidden = true;
    render();
    if (previous && previous !== order.status) {
      const t = translator(lang());
      $("live").textContent = t("track.updated", {
        time: clock(new Date().toISOString(), order.customer?.locale || lang()),
        status: t(`status.${order.status}`),
      });
    }
  } catch (error) {
    const missing = error instanceof ApiError && (error.status === 404 || error.status === 403);
    problem(missing ? "track.notFound" : "track.unavailable");
  }
}

async function start() {
  render();
  const orderId = fragment().get("order");
  if (!orderId) {
    problem("track.noOrder");
    return;
  }
  const settings = await config();
  const api = new Api(settings.api_url, fragment().get("token"));
  const url = `${settings.socket_url}?order_id=${encodeURIComponent(orderId)}`;
  // Read the order each time the socket opens, so a change made while it was closed shows.
  openSocket(url, {
    opened: () => {
      $("connection").textContent = translator(lang())("track.live");
      load(api, orderId);
    },
    lost: () => {
      $("connection").textContent = translator(lang())("track.reconnecting");
    },
    message: (push) => {
      if (push.type === "order.status" && push.order_id === orderId) load(api, orderId);
    },
    stop: () => order && STOPPED.has(order.status),
  });
  await load(api, orderId);
  window.addEventListener("hashchange", render);
}

start();
