// A shopper on the demo shop page: adds to the page cart, asks the bot, sees cards, adds from a card,
// and finds the conversation and cart still there after a reload.
import { botSays, check, env, launch, openWidget, screenshot, send } from "./lib.mjs";

const shop = env("SHOP_URL");
const browser = await launch();
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  await page.goto(shop);
  await page.locator("#query").fill("spaghetti");
  await page.locator("#search button").click();
  await page.locator('.product[data-product-id="pasta-1"] button').click();
  await page.locator('#cart-lines li[data-product-id="pasta-1"]').waitFor();

  await openWidget(page);
  await send(page, "what else do I need?");
  const cards = page.locator(".rw-carousel-card");
  await cards.first().waitFor({ timeout: 30000 });
  const titles = await page.locator(".rw-carousel-card-title").allTextContents();
  check(titles.length >= 2, `expected a carousel of suggestions, got ${JSON.stringify(titles)}`);
  check(!titles.some((t) => t.includes("Spaghetti")), `the cart's own pasta was suggested: ${titles}`);
  check(titles.slice(0, 3).some((t) => /Sauce|Parmesan/.test(t)), `sauce or parmesan expected first: ${titles}`);
  const subtitle = await page.locator(".rw-carousel-card-subtitle").first().textContent();
  check(/\$\d+\.\d\d/.test(subtitle), `a card shows its price: ${subtitle}`);
  const image = await page.locator(".rw-carousel-card-image").first().getAttribute("src");
  check(image && image.includes("/images/"), `a card has an image or placeholder: ${image}`);
  await page.locator(".rw-replies .rw-reply", { hasText: "Any deals?" }).waitFor();   // quick replies, last
  await screenshot(page, "shop-page");

  // "Add to cart" on the first card: the bot adds it and the page's cart follows.
  const first = titles[0];
  await cards.first().locator(".rw-reply", { hasText: "Add to cart" }).click();
  await botSays(page, "Your cart: 2 items");
  await page.locator("#cart-lines li", { hasText: first.split(",")[0] }).waitFor();

  // The page cart goes with the next message: the bot knows both items.
  await send(page, "show my cart");
  await botSays(page, first.split(",")[0]);

  // Reload: same conversation (session persistence) and same cart.
  await page.reload();
  await page.locator(".rw-response", { hasText: "Your cart: 2 items" }).first().waitFor({ timeout: 15000 })
    .catch(async () => { await page.locator(".rw-launcher").click(); await botSays(page, "Your cart: 2 items"); });
  check(await page.locator("#cart-lines li").count() === 2, "the page cart survives a reload");
  await send(page, "what else do I need?");
  await page.locator(".rw-carousel-card").first().waitFor({ timeout: 30000 });
  console.log(`ok: suggestions ${titles.slice(0, 3).join(" | ")}; added "${first}" from a card; survived a reload`);
} finally {
  await browser.close();
}
