// Reading the saga's workflow (Amazon States Language) in the browser: its transitions, a
// layered layout for drawing it, and the path one order took through it.
//
// The order does not record which states ran, so the path is worked out from what it does
// record: whether it was ever CONFIRMED, the reason code its last timeline entry carries,
// and whether money was taken. The walk itself follows the workflow's own Next and Catch.

// The one state the page knows by name: the step that takes the customer's money.
export const CHARGE_STATE = "ChargePayment";
const ENDS = new Set(["Succeed", "Fail"]);

export function transitions(asl) {
  const found = [];
  for (const [from, state] of Object.entries(asl.States)) {
    if (state.Next) found.push({ from, to: state.Next, kind: "next", errors: [] });
    for (const choice of state.Choices ?? []) {
      found.push({ from, to: choice.Next, kind: "choice", errors: [] });
    }
    if (state.Default) found.push({ from, to: state.Default, kind: "next", errors: [] });
    for (const caught of state.Catch ?? []) {
      found.push({ from, to: caught.Next, kind: "catch", errors: caught.ErrorEquals });
    }
  }
  return found;
}

// Where the workflow goes from `start` when every step succeeds, until a state ends it.
export function follow(asl, start) {
  const path = [];
  let name = start;
  while (name && asl.States[name] && !path.includes(name)) {
    path.push(name);
    const state = asl.States[name];
    if (state.End || ENDS.has(state.Type)) break;
    name = state.Next ?? state.Default;
  }
  return path;
}

// Each state's row: the longest way to it from StartAt, so every arrow points down.
export function layout(asl) {
  const edges = transitions(asl);
  const order = [];
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name) || !asl.States[name]) return;
    seen.add(name);
    for (const edge of edges) if (edge.from === name) visit(edge.to);
    order.unshift(name);
  };
  visit(asl.StartAt);
  for (const name of Object.keys(asl.States)) visit(name);

  const row = Object.fromEntries(order.map((name) => [name, 0]));
  for (const name of order) {
    for (const edge of edges) {
      const forward = order.indexOf(edge.to) > order.indexOf(name);
      if (edge.from === name && forward) row[edge.to] = Math.max(row[edge.to], row[name] + 1);
    }
  }
  return { row, column: columns(asl, row, edges), edges };
}

// The path of success stays in column 0; a branch keeps the column of the state before it.
function columns(asl, row, edges) {
  const happy = new Set(follow(asl, asl.StartAt));
  const column = {};
  const used = {};
  const take = (name, wanted) => {
    used[row[name]] ??= new Set();
    let col = wanted;
    while (used[row[name]].has(col)) col += 1;
    used[row[name]].add(col);
    column[name] = col;
  };
  for (const name of Object.keys(asl.States)) if (happy.has(name)) take(name, 0);
  const rest = Object.keys(asl.States)
    .filter((name) => !happy.has(name))
    .sort((a, b) => row[a] - row[b]);
  for (const name of rest) {
    const before = edges.find((edge) => edge.to === name && edge.kind === "next" && edge.from in column);
    take(name, Math.max(1, before ? column[before.from] : 1));
  }
  return column;
}

// The stable code an error name is recorded under: PaymentDeclined -> PAYMENT_DECLINED.
export function errorCode(name) {
  let code = "";
  const plain = name.replaceAll(".", "_");
  for (let index = 0; index < plain.length; index += 1) {
    const char = plain[index];
    const before = plain[index - 1];
    const upper = char !== char.toLowerCase();
    if (upper && index > 0 && before !== "_" && before === before.toLowerCase()) code += "_";
    code += char.toUpperCase();
  }
  return code;
}

const ENDED = new Set(["REJECTED", "FAILED", "CANCELLED"]);
const NOTHING_TAKEN = new Set([undefined, "NOT_CHARGED"]);

// {taken: states in order, maybe: states one of which failed, edges: "from>to" taken,
//  running: the saga has not ended yet}
export function orderPath(asl, order) {
  const happy = follow(asl, asl.StartAt);
  const timeline = order.timeline ?? [];
  if (timeline.some((entry) => entry.status === WAITING)) return walked(waitedPath(asl, happy, timeline), []);
  if (timeline.some((entry) => entry.status === "CONFIRMED")) return walked(happy, []);
  const last = timeline[timeline.length - 1];
  if (!last || !ENDED.has(last.status)) {
    return { taken: [asl.StartAt], maybe: [], edges: new Set(), running: true };
  }

  const code = last.reason?.code;
  for (const [index, name] of happy.entries()) {
    for (const caught of asl.States[name].Catch ?? []) {
      if (caught.ErrorEquals.some((error) => error !== "States.ALL" && errorCode(error) === code)) {
        return walked([...happy.slice(0, index + 1), ...follow(asl, caught.Next)], []);
      }
    }
  }
  return anyFailure(asl, happy, order);
}

// An order that waited for its customer's payment ran the saga twice: first to the wait,
// then, restarted by intake, either on from the stock hold or down the abandon path. The
// later run is the one shown; the Choice states name the branches by the values they test.
const WAITING = "AWAITING_PAYMENT_ACTION";

function waitedPath(asl, happy, timeline) {
  const last = timeline[timeline.length - 1];
  const branch =
    last.status === WAITING
      ? "ACTION_REQUIRED"
      : timeline.some((entry) => entry.status === "CONFIRMED")
        ? "payment_succeeded"
        : "payment_abandoned";
  for (const [name, state] of Object.entries(asl.States)) {
    for (const choice of state.Choices ?? []) {
      const tested = choice.StringEquals ?? choice.And?.find((rule) => rule.StringEquals)?.StringEquals;
      if (tested === branch && happy.includes(name)) {
        return [...happy.slice(0, happy.indexOf(name) + 1), ...follow(asl, choice.Next)];
      }
    }
  }
  return happy;
}

// An error the workflow catches only as States.ALL: the candidates are the steps whose
// catch-all leaves the path of success for good, narrowed by whether money was taken.
function anyFailure(asl, happy, order) {
  const charged = !NOTHING_TAKEN.has(order.payment?.status);
  const charge = happy.indexOf(CHARGE_STATE);
  const candidates = happy.filter((name, index) => {
    const all = (asl.States[name].Catch ?? []).find((c) => c.ErrorEquals.includes("States.ALL"));
    if (!all || follow(asl, all.Next).some((next) => happy.includes(next))) return false;
    return charge < 0 || (charged ? index > charge : index <= charge);
  });
  const tails = candidates.map((name) => {
    const all = asl.States[name].Catch.find((c) => c.ErrorEquals.includes("States.ALL"));
    return follow(asl, all.Next);
  });
  if (candidates.length === 1) {
    return walked([...happy.slice(0, happy.indexOf(candidates[0]) + 1), ...tails[0]], []);
  }
  const before = happy.slice(0, Math.max(0, happy.indexOf(candidates[0] ?? happy[0])));
  const shared = commonEnd(tails);
  const path = walked([...before, ...shared], candidates);
  // The prefix and the shared ending are certain; how one led to the other is not.
  if (before.length && shared.length) path.edges.delete(`${before.at(-1)}>${shared[0]}`);
  return path;
}

function commonEnd(paths) {
  if (paths.length === 0) return [];
  const shortest = Math.min(...paths.map((path) => path.length));
  let size = 0;
  while (
    size < shortest &&
    paths.every((path) => path.at(-1 - size) === paths[0].at(-1 - size))
  ) {
    size += 1;
  }
  return size ? paths[0].slice(-size) : [];
}

function walked(states, maybe) {
  const edges = new Set();
  for (let index = 1; index < states.length; index += 1) {
    edges.add(`${states[index - 1]}>${states[index]}`);
  }
  return { taken: states, maybe, edges, running: false };
}
