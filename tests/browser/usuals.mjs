// A household signs in on the shop: the bot's suggestions show its own history ("buy it again"),
// a suggested product goes into the cart, the cart is checked out on the page, and the bot knows
// the new order at once. A second household, signed in elsewhere, can neither see nor cancel it.
import { botSays, check, env, launch, openWidget, send } from "./lib.mjs";

const shop = env("SHOP_URL");

async function signedIn(browser, email, password, shopper) {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  await page.goto(shop);
  await page.locator("#email").fill(email);
  await page.locator("#password").fill(password);
  await page.locator("#sign-in button").click();
  await page.locator("#who", { hasText: `Signed in as ${shopper}` }).waitFor();
  await openWidget(page);
  return page;
}

const browser = await launch();
try {
  const owner = await signedIn(browser, env("OWNER_EMAIL"), env("OWNER_PASSWORD"), env("OWNER_ID"));
  await send(owner, "buy it again");
  await botSays(owner, "What you buy most often");
  const cards = owner.locator(".rw-carousel-card");
  await cards.first().waitFor();
  const subtitles = await owner.locator(".rw-carousel-card-subtitle").allTextContents();
  check(subtitles.every((s) => /You've bought this/.test(s)), `cards without the shopper's history: ${subtitles}`);
  const first = await owner.locator(".rw-carousel-card-title").first().textContent();
  await cards.first().locator(".rw-reply", { hasText: "Add to cart" }).click();
  await owner.locator("#cart-lines li", { hasText: first.split(",")[0] }).waitFor();

  check(await owner.locator("#checkout-email").isHidden(), "a signed-in checkout asked for an email");
  await owner.locator(".rw-launcher").click();   // the open widget covers the cart: close it, as a shopper would
  await owner.locator("#checkout button").click();
  const placed = owner.locator("#checkout-status", { hasText: "placed" });
  await placed.waitFor();
  const number = (await placed.textContent()).match(/Order (\d+) placed/)[1];
  check((await owner.locator("#cart-lines li").count()) === 0, "the cart was not emptied by the checkout");
  await owner.locator(".rw-launcher").click();
  await owner.locator(".rw-new-message").waitFor();
  await send(owner, `where is order ${number}?`);
  await botSays(owner, "is being prepared");

  const other = await signedIn(browser, env("OTHER_EMAIL"), env("OTHER_PASSWORD"), env("OTHER_ID"));
  await send(other, `where is order ${number}?`);
  await botSays(other, "To keep orders private");
  await send(other, `cancel order ${number}`);
  await owner.waitForTimeout(500);
  const said = (await other.locator(".rw-response").allTextContents()).join(" ");
  check(!said.includes(first.split(",")[0]) && !/being prepared|cancelled/i.test(said),
    `another household learned something of order ${number}: ${said}`);
  await send(owner, `where is order ${number}?`);
  await botSays(owner, "is being prepared");   // still standing: the other household's cancel did nothing
  console.log(`ok: usuals shown, order ${number} placed from the page and known to its owner only`);
} finally {
  await browser.close();
}
