// Money arrives as {amount: integer minor units, currency: ISO 4217}. It is shown with
// Intl.NumberFormat in the reader's locale, and is never turned into a float on the way: the
// minor units become a decimal string ("12390" BRL -> "123.90"), which Intl formats exactly.
// The number of decimals is the currency's own, from the same CLDR data the backend uses.

export function formatMoney(money, locale) {
  const format = new Intl.NumberFormat(locale, { style: "currency", currency: money.currency });
  const digits = format.resolvedOptions().maximumFractionDigits;
  return format.format(decimalString(money.amount, digits));
}

export function decimalString(amount, digits) {
  if (!Number.isSafeInteger(amount)) throw new TypeError("money amounts are whole minor units");
  const sign = amount < 0 ? "-" : "";
  const units = String(Math.abs(amount)).padStart(digits + 1, "0");
  if (digits === 0) return `${sign}${units}`;
  return `${sign}${units.slice(0, -digits)}.${units.slice(-digits)}`;
}
