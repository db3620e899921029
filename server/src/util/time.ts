/** Unix time in whole seconds, the unit of every time field in the API. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
