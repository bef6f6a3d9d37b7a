// The saga view of one order: the state machine drawn from the workflow file the saga runs
// (order-saga.asl.json, served beside the pages), with the path this order took marked.

import { Api, ApiError } from "./api.js";
import { config } from "./config.js";
import { fragment } from "./fragment.js";
import { language, languageLinks, orderRef, translatePage, translator } from "./i18n.js";
import { layout, orderPath } from "./saga-path.js";

const SVG = "http://www.w3.org/2000/svg";
const BOX = { width: 190, height: 34, across: 220, down: 62, margin: 16 };
const $ = (id) => document.getElementById(id);

const lang = () => language(fragment().get("lang"));

function svg(name, attributes = {}) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  return element;
}

function arrowHead(id, className) {
  const marker = svg("marker", {
    id,
    class: className,
    viewBox: "0 0 10 10",
    refX: "10",
    refY: "5",
    markerUnits: "userSpaceOnUse",
    markerWidth: "9",
    markerHeight: "9",
    orient: "auto-start-reverse",
  });
  marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z" }));
  return marker;
}

function draw(asl, path, t) {
  const { row, column, edges } = layout(asl);
  const names = Object.keys(asl.States);
  const width = (Math.max(...names.map((n) => column[n])) + 1) * BOX.across + BOX.margin;
  const height = (Math.max(...names.map((n) => row[n])) + 1) * BOX.down + BOX.margin;
  const x = (name) => BOX.margin + column[name] * BOX.across;
  const y = (name) => BOX.margin + row[name] * BOX.down;

  const picture = svg("svg", {
    class: "saga",
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-labelledby": "diagram-caption",
  });
  const defs = svg("defs");
  defs.append(arrowHead("arrow", ""), arrowHead("arrow-taken", "taken"));
  picture.append(defs);

  for (const edge of edges) {
    const taken = path.edges.has(`${edge.from}>${edge.to}`);
    const [x1, y1] = [x(edge.from) + BOX.width / 2, y(edge.from) + BOX.height];
    const [x2, y2] = [x(edge.to) + BOX.width / 2, y(edge.to)];
    const bend = Math.max(24, (y2 - y1) / 2);
    const line = svg("path", {
      class: `edge ${edge.kind}${taken ? " taken" : ""}`,
      d: `M ${x1} ${y1} C ${x1} ${y1 + bend}, ${x2} ${y2 - bend}, ${x2} ${y2}`,
      "marker-end": `url(#${taken ? "arrow-taken" : "arrow"})`,
    });
    const label = svg("title");
    label.textContent = edge.errors.length
      ? `${edge.from} → ${edge.to} (Catch ${edge.errors.join(", ")})`
      : `${edge.from} → ${edge.to}`;
    line.append(label);
    picture.append(line);
  }

  for (const name of names) {
    const state = asl.States[name];
    const mark = path.taken.includes(name) ? "taken" : path.maybe.includes(name) ? "maybe" : "";
    const ends = ["Succeed", "Fail"].includes(state.Type) ? " end" : "";
    const group = svg("g", { class: `state ${mark}${ends}`.trim(), "data-state": name });
    const box = svg("rect", { x: x(name), y: y(name), width: BOX.width, height: BOX.height, rx: 6 });
    const text = svg("text", { x: x(name) + 10, y: y(name) + 22 });
    text.textContent = name;
    const title = svg("title");
    const legend = mark === "taken" ? "saga.legendTaken" : mark ? "saga.legendMaybe" : "saga.legendOther";
    title.textContent = `${name} (${state.Type}): ${t(legend)}${state.Comment ? ` — ${state.Comment}` : ""}`;
    group.append(title, box, text);
    picture.append(group);
  }
  $("diagram").replaceChildren(picture);
}

function describe(path, order, t) {
  $("order-status").textContent = t("saga.order", {
    ref: orderRef(order.order_id),
    status: order.status,
  });
  const steps = path.taken.map((name) => {
    const item = document.createElement("li");
    item.textContent = name;
    return item;
  });
  $("path").replaceChildren(...steps);
  $("uncertain").hidden = path.maybe.length === 0 && !path.running;
  $("uncertain").textContent = path.running
    ? t("saga.running")
    : t("saga.uncertain", { states: path.maybe.join(", ") });
  const confirmed = order.timeline.some((entry) => entry.status === "CONFIRMED");
  $("afterwards").hidden = !confirmed || order.status === "CONFIRMED";
  $("afterwards").textContent = t("saga.afterwards", { status: order.status });
}

async function start() {
  const current = lang();
  const t = translator(current);
  translatePage(current, t);
  languageLinks($("languages"), current);
  const orderId = fragment().get("order");
  try {
    if (!orderId) throw new ApiError(404, null);
    const settings = await config();
    const api = new Api(settings.api_url, fragment().get("token"));
    const [asl, order] = await Promise.all([
      fetch("order-saga.asl.json", { cache: "no-store" }).then((answer) => answer.json()),
      api.order(orderId),
    ]);
    const path = orderPath(asl, order);
    describe(path, order, t);
    draw(asl, path, t);
    $("problem").hidden = true;
  } catch (error) {
    $("problem").hidden = false;
    $("problem").textContent =
      error instanceof ApiError && error.status === 404 ? t("track.notFound") : t("track.unavailable");
  } finally {
    $("main").setAttribute("aria-busy", "false");
  }
}

window.addEventListener("hashchange", start);
start();
