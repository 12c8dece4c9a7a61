// Official voices on a phone (the demo site): a new fan finds the founder's verified badge,
// follows him with announcements to the inbox, and reads his announcements under 关注; the
// founder publishes one from his profile; it is first in the fan's feed and in the fan's inbox.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, signIn, PHONE } from "./sweep.mjs";

const BASE = process.env.CANYU_DEMO_URL;
const FOUNDER = ["雷军", "canyu-fan-2026"];
const PASSWORD = "orange-umbrella-2026-米粉";

test("a fan follows the founder on a phone and sees his announcement arrive", { timeout: 180_000 }, async () => {
  assert.ok(BASE, "CANYU_DEMO_URL is set by run.sh");
  const handle = `关注者${Date.now() % 100000}`;
  const res = await fetch(BASE + "/api/v1/auth/register", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ handle, password: PASSWORD }),
  });
  assert.equal(res.status, 201, await res.text());

  const browser = await launchBrowser();
  try {
    const fan = await browser.newContext({ viewport: PHONE, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    await signIn(fan, BASE, handle, PASSWORD);
    const page = await fan.newPage();
    // Nobody followed yet: the feed offers the official accounts.
    await page.goto(`${BASE}/feed`);
    await page.locator("[data-testid=feed-empty]").waitFor();
    await Promise.all([page.waitForURL(/\/users\//), page.click(`[data-testid=official-voices] a >> text=${FOUNDER[0]}`)]);
    assert.equal((await page.textContent("h1 [data-testid=verified]")).trim(), "✔ 小米集团创始人");
    const before = Number(await page.textContent("[data-testid=followers]"));
    await page.check("[data-testid=follow-inbox]");
    await Promise.all([page.waitForLoadState("load"), page.click("[data-testid=follow]")]);
    await page.locator("[data-testid=unfollow]").waitFor();
    assert.equal(Number(await page.textContent("[data-testid=followers]")), before + 1);
    assert.equal(await page.getAttribute("[data-testid=toggle-inbox]", "aria-pressed"), "true");
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false);

    // The founder publishes from his profile.
    const founder = await browser.newContext({ viewport: PHONE, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    await signIn(founder, BASE, ...FOUNDER);
    const own = await founder.newPage();
    await own.goto(`${BASE}/users/${encodeURIComponent(FOUNDER[0])}`);
    const words = `今晚八点直播，聊聊 SU7 的冬季续航 ${Date.now()}`;
    await own.fill("[data-testid=announcement-input]", `**${words}**`);
    await Promise.all([own.waitForURL(/\/announcements\/\d+/), own.click("[data-testid=publish-announcement]")]);
    assert.equal((await own.textContent("[data-testid=announcement-body] strong")).trim(), words);

    // First in the fan's feed, with the badge, in China time; and in the fan's inbox.
    await page.goto(`${BASE}/feed`);
    const first = page.locator("[data-testid=feed] [data-testid=announcement] >> nth=0");
    assert.equal((await first.locator("[data-testid=announcement-body]").textContent()).trim(), words);
    assert.equal((await first.locator("[data-testid=verified]").textContent()).trim(), "✔ 小米集团创始人");
    assert.match(await first.locator("time").getAttribute("title"), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false);
    await page.goto(`${BASE}/inbox`);
    assert.ok((await page.textContent("main")).includes(`${FOUNDER[0]}（小米集团创始人）发布了动态`));
    await founder.close();
    await fan.close();
  } finally {
    await browser.close();
  }
});
