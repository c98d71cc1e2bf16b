// A shopper signs in on the shop page and the bot knows them: their order's status without an
// email question, a return that waits for their answer. A second browser, not signed in, asking
// about the same order learns nothing.
import { botSays, check, env, launch, openWidget, send } from "./lib.mjs";

const shop = env("SHOP_URL");
const browser = await launch();
try {
  const owner = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  await owner.goto(shop);
  await owner.locator("#email").fill(env("SHOPPER_EMAIL"));
  await owner.locator("#password").fill("not the password");
  await owner.locator("#sign-in button").click();
  await owner.locator("#sign-in-status", { hasText: "don't match" }).waitFor();
  await owner.locator("#password").fill(env("SHOPPER_PASSWORD"));
  await owner.locator("#sign-in button").click();
  await owner.locator("#who", { hasText: "Signed in as demo" }).waitFor();

  await openWidget(owner);
  await send(owner, "where is my order 10001?");
  await botSays(owner, "has shipped");
  await send(owner, "I want to return order 10003");
  await botSays(owner, "Start a return for order 10003");
  await owner.locator(".rw-replies .rw-reply", { hasText: "No, keep it" }).click();
  await botSays(owner, "left order 10003 as it is");

  const guest = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  await guest.goto(shop);
  await openWidget(guest);
  await send(guest, "where is my order 10001?");
  await botSays(guest, "To keep orders private");
  const said = (await guest.locator(".rw-response").allTextContents()).join(" ");
  check(!/shipped|Coffee|\$/.test(said), `a guest saw something of order 10001: ${said}`);

  await owner.locator("#sign-out").click();
  await owner.locator("#sign-in").waitFor();
  await send(owner, "where is order 10001 now?");
  await botSays(owner, "To keep orders private");
  console.log("ok: signed in, saw order 10001, a return waited for an answer; a guest and the signed-out page saw nothing");
} finally {
  await browser.close();
}
