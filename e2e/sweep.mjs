// Visits pages in headless Chromium at a phone's and a desktop's width and reports, per page:
// horizontal overflow (and the widest elements causing it), console errors, and serious or
// critical axe-core violations. Used by pages.test.mjs; runnable alone for a look at a site:
//   CANYU_URL=http://127.0.0.1:8080 node sweep.mjs /path /other/path
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1440, height: 900 };

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
}

/** Signs `context` in through the login form. */
export async function signIn(context, base, handle, password) {
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill("[data-testid=handle]", handle);
  await page.fill("[data-testid=password]", password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("[data-testid=login-submit]")]);
  await page.close();
}

/** What is wrong with the page at `path` in `context`: a list of human-readable problems. */
export async function checkPage(context, base, path, { axe = true } = {}) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  const res = await page.goto(base + path, { waitUntil: "load" });
  if (!res || res.status() >= 400) problems.push(`status ${res ? res.status() : "none"}`);
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const total = document.documentElement.scrollWidth;
    if (total <= width) return null;
    const culprits = [];
    // Inside a container that scrolls or clips sideways (a row of chips), overflow is meant.
    const clipped = (el) => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== "visible") return true;
      }
      return false;
    };
    for (const el of document.body.querySelectorAll("*")) {
      if (clipped(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.right > width + 1 && r.width > 0) {
        // Only the outermost: an element whose parent does not overflow too.
        const p = el.parentElement && el.parentElement.getBoundingClientRect();
        if (!p || p.right <= width + 1) {
          culprits.push(`${el.tagName.toLowerCase()}${el.className ? "." + String(el.className).trim().split(/\s+/).join(".") : ""} (right ${Math.round(r.right)})`);
        }
      }
    }
    return { width, total, culprits: culprits.slice(0, 6) };
  });
  if (overflow) problems.push(`horizontal overflow: ${overflow.total} px in ${overflow.width} px; ${overflow.culprits.join(", ")}`);
  if (axe) {
    // Through the DevTools protocol, which the page's Content-Security-Policy does not govern
    // (a <script> tag would be refused, as it should be).
    await page.evaluate(AXE_SOURCE);
    const found = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { resultTypes: ["violations"] });
      return r.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
    });
    problems.push(...found.map((f) => `axe ${f}`));
  }
  await page.close();
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const base = process.env.CANYU_URL || "http://127.0.0.1:8080";
  const browser = await launchBrowser();
  for (const size of [PHONE, DESKTOP]) {
    const context = await browser.newContext({ viewport: size, locale: "zh-CN" });
    if (process.env.AS) {
      const [handle, password] = process.env.AS.split(":");
      await signIn(context, base, handle, password);
    }
    for (const path of process.argv.slice(2)) {
      const problems = await checkPage(context, base, path);
      console.log(`${size.width} ${path}: ${problems.length ? "\n  " + problems.join("\n  ") : "ok"}`);
    }
    await context.close();
  }
  await browser.close();
}
