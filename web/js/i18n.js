// The pages' words in Brazilian Portuguese (the default) and English. A page's language is
// the fragment's `lang` if it names one of these, else the order's customer's, else pt-BR.

export const LANGUAGES = ["pt-BR", "en"];

const WORDS = {
  "pt-BR": {
    "skip": "Pular para o conteúdo",
    "languages": "Idioma",
    "track.title": "Acompanhe seu pedido",
    "track.order": "Pedido {ref}",
    "track.statusHeading": "Situação",
    "track.itemsHeading": "Seu pedido",
    "track.suggestionsHeading": "Você também pode gostar",
    "track.quantity": "Qtd.",
    "track.item": "Item",
    "track.amount": "Valor",
    "track.total": "Total",
    "track.eta": "Previsão de entrega: {time} (cerca de {minutes} min após o pedido)",
    "track.updated": "Atualizado às {time}: {status}",
    "track.noOrder": "Abra esta página pelo link do seu pedido.",
    "track.notFound": "Não encontramos este pedido.",
    "track.unavailable": "Não foi possível carregar o pedido agora. Tentaremos de novo.",
    "track.live": "Atualizações ao vivo ligadas.",
    "track.reconnecting": "Sem conexão ao vivo; reconectando…",
    "track.stoppedAt": "O pedido parou em {time}.",
    "step.done": "concluído",
    "step.current": "etapa atual",
    "step.todo": "a seguir",
    "step.PLACED": "Pedido feito",
    "step.CONFIRMED": "Confirmado",
    "step.PREPARING": "Em preparo",
    "step.OUT_FOR_DELIVERY": "Saiu para entrega",
    "step.DELIVERED": "Entregue",
    "status.PLACED": "Pedido feito: estamos conferindo o estoque e o pagamento.",
    "status.AWAITING_PAYMENT_ACTION": "Aguardando você confirmar o pagamento no banco.",
    "status.CONFIRMED": "Pagamento aprovado: o pedido foi para a cozinha.",
    "status.ACCEPTED": "A cozinha aceitou seu pedido.",
    "status.PREPARING": "A cozinha está preparando seu pedido.",
    "status.READY": "Pronto: aguardando o entregador.",
    "status.OUT_FOR_DELIVERY": "O entregador está a caminho.",
    "status.DELIVERED": "Pedido entregue. Bom apetite!",
    "status.REJECTED": "Pedido recusado",
    "status.FAILED": "Pedido não concluído",
    "status.CANCELLED": "Pedido cancelado",
    "reason.OUT_OF_STOCK": "Um dos itens acabou.",
    "reason.PAYMENT_DECLINED": "O pagamento foi recusado.",
    "reason.PAYMENT_ACTION_REQUIRED": "O banco pediu uma confirmação que não pudemos esperar; faça o pedido de novo.",
    "reason.ORDER_INVALID": "O pedido não pôde ser vendido como foi feito.",
    "reason.SHOP_REFUSED": "A cozinha não pôde aceitar o pedido.",
    "reason._": "Tivemos um problema e não conseguimos concluir o pedido.",
    "payment.NOT_CHARGED": "Nada foi cobrado.",
    "payment.REFUNDED": "O valor foi estornado.",
    "payment.REFUND_PENDING": "O estorno está em andamento.",
    "kitchen.title": "Pedidos da cozinha",
    "kitchen.refresh": "Atualizar",
    "kitchen.updated.one": "Atualizado às {time}. 1 pedido aberto.",
    "kitchen.updated.other": "Atualizado às {time}. {count} pedidos abertos.",
    "kitchen.empty": "Nenhum pedido.",
    "kitchen.column.CONFIRMED": "Novos",
    "kitchen.column.ACCEPTED": "Aceitos",
    "kitchen.column.PREPARING": "Em preparo",
    "kitchen.column.READY": "Prontos",
    "kitchen.action.ACCEPTED": "Aceitar",
    "kitchen.action.PREPARING": "Começar preparo",
    "kitchen.action.READY": "Pronto",
    "kitchen.placedAt": "Feito às {time}",
    "kitchen.priority": "Prioridade {priority}",
    "kitchen.courier": "Entregador: {courier}",
    "kitchen.saga": "Ver saga",
    "kitchen.moved": "Pedido {ref}: {status}",
    "kitchen.conflict": "O pedido {ref} já mudou; o quadro foi atualizado.",
    "kitchen.forbidden": "Este token não permite ver ou mudar os pedidos da loja.",
    "kitchen.unavailable": "Não foi possível falar com a API agora. Tentaremos de novo.",
    "saga.title": "Saga do pedido",
    "saga.order": "Pedido {ref}: {status}",
    "saga.diagram": "Máquina de estados da saga, com o caminho deste pedido destacado",
    "saga.pathHeading": "Caminho deste pedido",
    "saga.legendTaken": "passou por aqui",
    "saga.legendMaybe": "pode ter falhado aqui",
    "saga.legendOther": "não passou",
    "saga.running": "A saga ainda está rodando; o caminho aparece quando ela terminar.",
    "saga.uncertain": "O pedido não diz em qual destes passos a saga falhou: {states}.",
    "saga.afterwards": "Depois da saga: {status}.",
    "saga.derived": "Caminho deduzido da situação, do motivo e do pagamento do pedido.",
  },
  en: {
    "skip": "Skip to content",
    "languages": "Language",
    "track.title": "Track your order",
    "track.order": "Order {ref}",
    "track.statusHeading": "Status",
    "track.itemsHeading": "Your order",
    "track.suggestionsHeading": "You may also like",
    "track.quantity": "Qty",
    "track.item": "Item",
    "track.amount": "Amount",
    "track.total": "Total",
    "track.eta": "Expected delivery: {time} (about {minutes} min after ordering)",
    "track.updated": "Updated at {time}: {status}",
    "track.noOrder": "Open this page from your order's link.",
    "track.notFound": "We could not find this order.",
    "track.unavailable": "The order could not be loaded right now. We will try again.",
    "track.live": "Live updates on.",
    "track.reconnecting": "Live updates lost; reconnecting…",
    "track.stoppedAt": "The order stopped at {time}.",
    "step.done": "done",
    "step.current": "current step",
    "step.todo": "to come",
    "step.PLACED": "Placed",
    "step.CONFIRMED": "Confirmed",
    "step.PREPARING": "Preparing",
    "step.OUT_FOR_DELIVERY": "Out for delivery",
    "step.DELIVERED": "Delivered",
    "status.PLACED": "Order placed: we are checking stock and payment.",
    "status.AWAITING_PAYMENT_ACTION": "Waiting for you to confirm the payment with your bank.",
    "status.CONFIRMED": "Payment approved: the order went to the kitchen.",
    "status.ACCEPTED": "The kitchen accepted your order.",
    "status.PREPARING": "The kitchen is preparing your order.",
    "status.READY": "Ready: waiting for the courier.",
    "status.OUT_FOR_DELIVERY": "The courier is on the way.",
    "status.DELIVERED": "Order delivered. Enjoy your meal!",
    "status.REJECTED": "Order rejected",
    "status.FAILED": "Order not completed",
    "status.CANCELLED": "Order cancelled",
    "reason.OUT_OF_STOCK": "One of the items ran out.",
    "reason.PAYMENT_DECLINED": "The payment was declined.",
    "reason.PAYMENT_ACTION_REQUIRED": "Your bank asked for a confirmation we could not wait for; please order again.",
    "reason.ORDER_INVALID": "The order could not be sold as it was made.",
    "reason.SHOP_REFUSED": "The kitchen could not take the order.",
    "reason._": "Something went wrong and we could not complete the order.",
    "payment.NOT_CHARGED": "Nothing was charged.",
    "payment.REFUNDED": "The amount was refunded.",
    "payment.REFUND_PENDING": "The refund is under way.",
    "kitchen.title": "Kitchen orders",
    "kitchen.refresh": "Refresh",
    "kitchen.updated.one": "Updated at {time}. 1 open order.",
    "kitchen.updated.other": "Updated at {time}. {count} open orders.",
    "kitchen.empty": "No orders.",
    "kitchen.column.CONFIRMED": "New",
    "kitchen.column.ACCEPTED": "Accepted",
    "kitchen.column.PREPARING": "Preparing",
    "kitchen.column.READY": "Ready",
    "kitchen.action.ACCEPTED": "Accept",
    "kitchen.action.PREPARING": "Start preparing",
    "kitchen.action.READY": "Ready",
    "kitchen.placedAt": "Placed at {time}",
    "kitchen.priority": "Priority {priority}",
    "kitchen.courier": "Courier: {courier}",
    "kitchen.saga": "See saga",
    "kitchen.moved": "Order {ref}: {status}",
    "kitchen.conflict": "Order {ref} had already changed; the board was refreshed.",
    "kitchen.forbidden": "This token may not see or change the shop's orders.",
    "kitchen.unavailable": "The API could not be reached right now. We will try again.",
    "saga.title": "Order saga",
    "saga.order": "Order {ref}: {status}",
    "saga.diagram": "The saga's state machine, with this order's path highlighted",
    "saga.pathHeading": "This order's path",
    "saga.legendTaken": "went through",
    "saga.legendMaybe": "may have failed here",
    "saga.legendOther": "not taken",
    "saga.running": "The saga is still running; its path shows once it ends.",
    "saga.uncertain": "The order does not say which of these steps failed: {states}.",
    "saga.afterwards": "After the saga: {status}.",
    "saga.derived": "Path worked out from the order's status, reason and payment.",
  },
};

export function language(...wanted) {
  for (const candidate of wanted) {
    if (!candidate) continue;
    const exact = LANGUAGES.find((lang) => lang.toLowerCase() === candidate.toLowerCase());
    if (exact) return exact;
    const base = candidate.split("-")[0].toLowerCase();
    const byBase = LANGUAGES.find((lang) => lang.split("-")[0].toLowerCase() === base);
    if (byBase) return byBase;
  }
  return LANGUAGES[0];
}

export function translator(lang) {
  const words = WORDS[lang] ?? WORDS[LANGUAGES[0]];
  return (key, values = {}) => {
    const text = words[key] ?? WORDS[LANGUAGES[0]][key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
  };
}

export function has(lang, key) {
  return key in (WORDS[lang] ?? {});
}

// Static text in the HTML carries data-i18n="key"; this writes it in the page's language.
export function translatePage(lang, t) {
  document.documentElement.lang = lang;
  for (const element of document.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of document.querySelectorAll("[data-i18n-label]")) {
    element.setAttribute("aria-label", t(element.dataset.i18nLabel));
  }
}

// Links that switch language keep the rest of the fragment (order id, token).
export function languageLinks(nav, current) {
  nav.replaceChildren();
  const list = document.createElement("ul");
  for (const lang of LANGUAGES) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    const params = new URLSearchParams(window.location.hash.slice(1));
    params.set("lang", lang);
    link.href = `#${params}`;
    link.hreflang = lang;
    link.lang = lang;
    link.textContent = lang === "en" ? "English" : "Português";
    if (lang === current) link.setAttribute("aria-current", "true");
    item.append(link);
    list.append(item);
  }
  nav.append(list);
}

// Short order reference, as the emails print it: the id's first six characters.
export function orderRef(orderId) {
  return orderId.replace(/^ord_/, "").slice(0, 6).toUpperCase();
}

export function clock(iso, locale) {
  return new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" }).format(
    new Date(iso),
  );
}
