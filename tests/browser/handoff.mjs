// A shopper asks for a person; an agent in a second browser context takes the chat in the console,
// they write both ways, the agent hands back, and the bot answers the next message.
import { botSays, check, env, launch, openWidget, screenshot, send, staffLogin } from "./lib.mjs";

const [shop, console_, agentName, password] = [env("SHOP_URL"), env("CONSOLE_URL"), env("AGENT"), env("AGENT_PASSWORD")];
const browser = await launch();
try {
  const agent = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  await staffLogin(agent, `${console_}/agent`, agentName, password);

  const shopper = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  await shopper.goto(shop);
  await shopper.locator('.product button').first().click();
  await openWidget(shopper);
  await send(shopper, "I want to talk to a person");
  await botSays(shopper, "person from our team will join");

  const entry = agent.locator("#waiting li", { hasText: "I want to talk to a person" });
  await entry.waitFor({ timeout: 15000 });
  await entry.click();
  await agent.locator("#summary", { hasText: "asked for a person" }).waitFor();
  await agent.locator("#take").click();
  await botSays(shopper, `${agentName} from our team has joined`);

  await agent.locator("#message").fill("Hi! I can help with that order.");
  await agent.locator("#compose button").click();
  await botSays(shopper, "Hi! I can help with that order.");
  await send(shopper, "Great, can you add gift wrap?");
  await agent.locator("#transcript li.shopper", { hasText: "gift wrap" }).waitFor({ timeout: 15000 });
  check(await shopper.locator(".rw-response", { hasText: "gift wrap" }).count() === 0, "the bot stayed quiet");
  await screenshot(agent, "agent-console");

  await agent.locator("#hand-back").click();
  await botSays(shopper, "handed you back to the Cartwise assistant");
  await send(shopper, "coffee");
  await shopper.locator(".rw-carousel-card").last().waitFor({ timeout: 30000 });
  console.log("ok: queued, taken, two-way messages, handed back, bot answered");
} finally {
  await browser.close();
}
