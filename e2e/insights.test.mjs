// Insights on a phone and a desktop (the demo site, whose rollups the server builds on its
// first round): staff open /insights, switch panels and a filter, the chart and its table
// agree, a chart's bars and points carry hover values, and a table downloads as CSV with a
// header row. Fans are refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, signIn, PHONE, DESKTOP } from "./sweep.mjs";

const BASE = process.env.CANYU_DEMO_URL;
const STAFF = ["xiaomi_staff", "canyu-demo-2026"];

async function staffToken() {
  const res = await fetch(BASE + "/api/v1/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ handle: STAFF[0], password: STAFF[1] }),
  });
  return (await res.json()).token;
}

test("staff read the insights on a phone and a desktop, filter and download a CSV", { timeout: 180_000 }, async () => {
  assert.ok(BASE, "CANYU_DEMO_URL is set by run.sh");
  // The demo's first rollup round runs as the server starts; wait until the board panel has posts.
  const token = await staffToken();
  let panel = null;
  for (let i = 0; i < 60; i++) {
    const all = await fetch(BASE + "/api/v1/insights/co-creation", { headers: { Authorization: `Bearer ${token}` } });
    panel = await all.json();
    if (panel.tables[0].rows[0][1] > 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.ok(panel.tables[0].rows[0][1] > 0, `the demo's last 30 days have posts: ${JSON.stringify(panel.tables[0])}`);

  const browser = await launchBrowser();
  try {
    for (const size of [PHONE, DESKTOP]) {
      const context = await browser.newContext({ viewport: size, locale: "zh-CN", timezoneId: "Asia/Shanghai", acceptDownloads: true });
      await signIn(context, BASE, ...STAFF);
      const page = await context.newPage();
      await page.goto(`${BASE}/insights`);
      assert.equal(await page.textContent("h1 >> nth=0").then((t) => t.includes("数据洞察")), true);
      // The funnel's chart and table say the same number of posts.
      const funnel = page.locator("[data-testid=insight-funnel]");
      await funnel.locator("svg.insight-chart").waitFor();
      const posted = (await funnel.locator("tbody tr >> nth=0 >> td >> nth=0").textContent()).trim();
      assert.equal(posted, String(panel.tables[0].rows[0][1]));
      assert.ok((await funnel.locator("svg.insight-chart title").count()) > 0, "bars carry hover values");
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false);

      // The board panel, weekly: one row a week, the weeks' Mondays.
      await Promise.all([page.waitForURL(/\/insights\/board/), page.click("[data-testid=insight-tabs] a[data-panel=board]")]);
      await page.selectOption("[data-testid=filter-granularity]", "week");
      await Promise.all([page.waitForURL(/granularity=week/), page.click("[data-testid=filter-apply]")]);
      await page.click("[data-testid=insight-activity] summary");
      const firstWeek = (await page.textContent("[data-testid=insight-activity] tbody tr >> nth=1 >> th")).trim();
      // Noon in China is the same date in UTC: its weekday is the China date's.
      assert.equal(new Date(`${firstWeek}T12:00:00+08:00`).getUTCDay(), 1, `${firstWeek} is a Monday`);

      // A table as CSV, with its header row.
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=csv-activity]")]);
      const path = await download.path();
      const csv = (await import("node:fs")).readFileSync(path, "utf8").replace(/^\uFEFF/, "");
      assert.match(csv.split("\r\n")[0], /^周（起始日）,发帖,投票,评论,新粉丝,7 天活跃粉丝$/);
      assert.match(download.suggestedFilename(), /^canyu-board-activity-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);

      // Fans panel: small groups say "<10".
      await Promise.all([page.waitForURL(/\/insights\/users/), page.click("[data-testid=insight-tabs] a[data-panel=users]")]);
      await page.locator("[data-testid=insight-levels]").waitFor();
      await context.close();
    }
    // A fan is refused.
    const fan = await browser.newContext({ viewport: PHONE, locale: "zh-CN" });
    const res = await fan.request.get(`${BASE}/api/v1/insights/board`);
    assert.equal(res.status(), 401);
    await fan.close();
  } finally {
    await browser.close();
  }
});

test("staff ask the feedback a question on a phone and follow a quote to its post", { timeout: 120_000 }, async () => {
  assert.ok(BASE, "CANYU_DEMO_URL is set by run.sh");
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: PHONE, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    await signIn(context, BASE, ...STAFF);
    const page = await context.newPage();
    await page.goto(`${BASE}/insights`);
    await Promise.all([page.waitForURL(/\/insights\/ask/), page.click("[data-testid=insight-tabs] a[data-panel=ask]")]);
    await page.fill("[data-testid=ask-q]", "续航有什么抱怨？");
    await Promise.all([page.waitForURL(/q=/), page.click("[data-testid=ask-submit]")]);
    const summary = (await page.textContent("[data-testid=ask-summary]")).trim();
    assert.match(summary, /含「续航」的反馈共 \d+ 条/, summary);
    const themes = page.locator("[data-testid=ask-theme]");
    assert.ok((await themes.count()) >= 1, "at least one theme");
    // Each theme: a count, a trend with its numbers for screen readers, and quotes.
    const first = themes.nth(0);
    assert.ok(Number((await first.locator("[data-testid=theme-posts]").textContent()).trim()) > 0);
    const trend = await first.locator("[data-testid=theme-trend] svg").getAttribute("aria-label");
    assert.match(trend, /近 12 周每周帖子数/);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false);
    const quote = first.locator(".quotes a >> nth=0");
    const title = (await quote.textContent()).trim();
    await Promise.all([page.waitForURL(/\/posts\/\d+/), quote.click()]);
    assert.ok((await page.textContent("h1")).includes(title.slice(0, 5)), `the quoted post ${title}`);

    // A question of nothing but question words is refused, in Chinese, on the same page.
    await page.goto(`${BASE}/insights/ask?q=${encodeURIComponent("什么")}`);
    assert.match(await page.textContent("[data-testid=ask-error]"), /请写下要问的内容/);
    // The digests tab opens (the demo's first digest is made two minutes after start).
    await Promise.all([page.waitForURL(/\/insights\/digests/), page.click("[data-testid=insight-tabs] a[data-panel=digests]")]);
    assert.ok(await page.isVisible("text=反馈周报"));
    await context.close();
  } finally {
    await browser.close();
  }
});
