// The kitchen board: the shop's open orders (GET /kitchen/orders) in one column per status,
// highest priority and then oldest first, with the button that moves each to its next status.
// The push reaches tracking pages one order at a time, so the board asks again every few
// seconds (config.json's board_refresh_seconds), and at once after each of its own moves.

import { Api, ApiError } from "./api.js";
import { config } from "./config.js";
import { fragment, withFragment } from "./fragment.js";
import { clock, language, languageLinks, orderRef, translatePage, translator } from "./i18n.js";
import { formatMoney } from "./money.js";

const COLUMNS = ["CONFIRMED", "ACCEPTED", "PREPARING", "READY"];
// What the staff may move each status to; READY waits for the courier.
const NEXT = { CONFIRMED: "ACCEPTED", ACCEPTED: "PREPARING", PREPARING: "READY" };

const $ = (id) => document.getElementById(id);
let api = null;
let orders = [];
let loading = null;

const lang = () => language(fragment().get("lang"));

function boardOrder(first, second) {
  const priority = (second.priority ?? 0) - (first.priority ?? 0);
  return priority || Date.parse(first.placed_at) - Date.parse(second.placed_at);
}

function card(order, t, locale) {
  const ref = orderRef(order.order_id);
  const item = document.createElement("li");
  const article = document.createElement("article");
  article.className = "card";
  article.setAttribute("aria-labelledby", `card-${order.order_id}`);
  const heading = document.createElement("h3");
  heading.id = `card-${order.order_id}`;
  heading.textContent = `#${ref}`;
  const placed = document.createElement("p");
  placed.textContent = t("kitchen.placedAt", { time: clock(order.placed_at, locale) });
  const lines = document.createElement("ul");
  for (const line of order.items) {
    const entry = document.createElement("li");
    entry.textContent = `${line.quantity}× ${line.name}`;
    lines.append(entry);
  }
  const total = document.createElement("p");
  total.textContent = formatMoney(order.total, locale);
  article.append(heading, placed);
  if (order.priority) {
    const priority = document.createElement("p");
    priority.className = "priority";
    priority.textContent = t("kitchen.priority", { priority: order.priority });
    article.append(priority);
  }
  article.append(lines, total);
  if (order.courier_id) {
    const courier = document.createElement("p");
    courier.textContent = t("kitchen.courier", { courier: order.courier_id });
    article.append(courier);
  }
  article.append(actions(order, t));
  item.append(article);
  return item;
}

// Many cards have the same buttons; the hidden reference tells a screen reader which order.
function named(element, text, ref) {
  const hidden = document.createElement("span");
  hidden.className = "visually-hidden";
  hidden.textContent = ` ${ref}`;
  element.append(text, hidden);
  return element;
}

function actions(order, t) {
  const row = document.createElement("div");
  row.className = "actions";
  const next = NEXT[order.status];
  if (next) {
    const button = document.createElement("button");
    button.type = "button";
    named(button, t(`kitchen.action.${next}`), `#${orderRef(order.order_id)}`);
    button.addEventListener("click", () => move(order, next, button));
    row.append(button);
  }
  const saga = document.createElement("a");
  saga.href = withFragment("saga.html", {
    order: order.order_id,
    token: fragment().get("token"),
    lang: fragment().get("lang"),
  });
  named(saga, t("kitchen.saga"), `#${orderRef(order.order_id)}`);
  row.append(saga);
  return row;
}

function render() {
  const current = lang();
  const t = translator(current);
  translatePage(current, t);
  languageLinks($("languages"), current);
  for (const status of COLUMNS) {
    const column = document.querySelector(`.column[data-status="${status}"]`);
    const here = orders.filter((order) => order.status === status).sort(boardOrder);
    column.querySelector("h2").textContent = `${t(`kitchen.column.${status}`)} (${here.length})`;
    const cards = here.map((order) => card(order, t, current));
    if (cards.length === 0) {
      const empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = t("kitchen.empty");
      cards.push(empty);
    }
    column.querySelector(".cards").replaceChildren(...cards);
  }
}

function problem(key, values) {
  $("problem").textContent = key ? translator(lang())(key, values) : "";
  $("problem").hidden = !key;
}

async function refresh() {
  // One request at a time: a slow answer is not overtaken by an older one.
  loading ??= (async () => {
    try {
      const answer = await api.kitchenOrders();
      orders = answer.orders;
      problem(null);
      render();
      const plural = orders.length === 1 ? "one" : "other";
      $("updated").textContent = translator(lang())(`kitchen.updated.${plural}`, {
        time: clock(new Date().toISOString(), lang()),
        count: orders.length,
      });
    } catch (error) {
      const refused = error instanceof ApiError && [401, 403].includes(error.status);
      problem(refused ? "kitchen.forbidden" : "kitchen.unavailable");
    } finally {
      $("main").setAttribute("aria-busy", "false");
      loading = null;
    }
  })();
  return loading;
}

async function move(order, status, button) {
  const t = translator(lang());
  const ref = orderRef(order.order_id);
  button.disabled = true;
  let failure = null;
  try {
    await api.progress(order.order_id, status);
  } catch (error) {
    const refused = error instanceof ApiError && [401, 403].includes(error.status);
    if (error instanceof ApiError && error.status === 409) failure = "kitchen.conflict";
    else failure = refused ? "kitchen.forbidden" : "kitchen.unavailable";
  }
  await refresh();
  if (failure) problem(failure, { ref });
  else $("updated").textContent = t("kitchen.moved", { ref, status: t(`kitchen.column.${status}`) });
}

async function start() {
  render();
  const settings = await config();
  api = new Api(settings.api_url, fragment().get("token"));
  $("refresh").addEventListener("click", () => refresh());
  window.addEventListener("hashchange", render);
  await refresh();
  const every = Math.max(1, Number(settings.board_refresh_seconds) || 5) * 1000;
  setInterval(() => {
    if (document.visibilityState === "visible") refresh();
  }, every);
}

start();
