// Shared browser-test helpers: Debian's Chromium through playwright-core, and the rasa-webchat widget.
import { chromium } from "playwright-core";

export const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (tests/e2e/test_browser.py sets it)`);
  return value;
};

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export async function screenshot(page, name) {
  if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/${name}.png` });
}

// Open the widget (the launcher in the corner) and wait for the bot's greeting.
export async function openWidget(page) {
  await page.locator(".rw-launcher").click();
  await page.locator(".rw-new-message").waitFor();
  await botSays(page, "I'm Cartwise");
}

export async function send(page, text) {
  await page.locator(".rw-new-message").fill(text);
  await page.locator(".rw-new-message").press("Enter");
  await page.locator(".rw-client", { hasText: text }).last().waitFor();
}

export async function botSays(page, text, timeout = 30000) {
  await page.locator(".rw-response", { hasText: text }).last().waitFor({ timeout });
}

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

// Log in to the staff console from the page a not-logged-in visitor is sent to.
export async function staffLogin(page, url, name, password) {
  await page.goto(url);
  check(page.url().endsWith("/login"), `expected the login page, got ${page.url()}`);
  await page.locator('input[name="name"]').fill(name);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('button[type="submit"]').click();
  await page.locator("#who", { hasText: name }).waitFor();
}
