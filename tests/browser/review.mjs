// A reviewer logs in, filters the conversation list to fallbacks, opens the conversation the test
// planted, corrects the misunderstood message's intent, and checks the inbox and the analytics plots.
import { check, env, launch, screenshot, staffLogin } from "./lib.mjs";

const [console_, reviewer, password, sender, said] =
  [env("CONSOLE_URL"), env("REVIEWER"), env("REVIEWER_PASSWORD"), env("SENDER"), env("SAID")];
const browser = await launch();
try {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  await staffLogin(page, `${console_}/review`, reviewer, password);
  check(page.url().endsWith("/review"), `a reviewer lands on the review console, not ${page.url()}`);

  await page.locator('select[name="fallback"]').selectOption("yes");
  // The unfiltered list on screen may hold the planted row too: wait for the filtered answer and
  // its rendering before counting (counting the old list made this test flaky).
  const filtered = page.waitForResponse((r) => r.url().includes("/api/review/conversations?") &&
                                               r.url().includes("fallback=yes") && r.ok());
  await page.locator('#filters button[type="submit"]').click();
  const senders = (await (await filtered).json()).items.map((c) => c.sender_id).join("\n");
  await page.waitForFunction((want) => [...document.querySelectorAll("#conversation-list tbody tr")]
    .map((tr) => tr.dataset.sender).join("\n") === want, senders);
  const row = page.locator(`#conversation-list tr[data-sender="${sender}"]`);
  await row.waitFor({ timeout: 15000 });
  check(await page.locator("#conversation-list tbody tr", { hasText: "fallback" }).count() ===
        await page.locator("#conversation-list tbody tr").count(), "every listed conversation had a fallback");
  await row.click();
  const line = page.locator("#transcript li.shopper", { hasText: said });
  await line.waitFor();
  check((await line.textContent()).includes("nlu_fallback"), "the line shows the predicted intent");
  await page.locator("#transcript li.action", { hasText: "action_fallback" }).first().waitFor();

  await line.locator("button", { hasText: "Correct" }).click();
  await line.locator("select").selectOption("out_of_scope");
  await screenshot(page, "review-console");
  await line.locator("button", { hasText: "Save to training data" }).click();
  await line.locator(".done", { hasText: "corrected" }).waitFor();

  const inboxLoaded = page.waitForResponse((r) => r.url().includes("/api/review/inbox") && r.ok());
  await page.locator('.tab[data-tab="inbox"]').click();
  await inboxLoaded;
  await page.locator("#tab-inbox").waitFor();
  check(await page.locator("#inbox li", { hasText: said }).count() === 0, "a corrected message leaves the inbox");

  await page.locator('.tab[data-tab="analytics"]').click();
  await page.locator("#figures dd").first().waitFor();
  for (const name of ["per_day", "rates", "intents"]) {
    await page.waitForFunction((id) => document.getElementById(id).complete &&
      document.getElementById(id).naturalWidth > 0, `plot-${name}`);
  }
  await screenshot(page, "review-analytics");
  console.log(`ok: ${reviewer} corrected "${said}" in ${sender}`);
} finally {
  await browser.close();
}
