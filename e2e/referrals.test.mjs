// 口碑 on a phone: a friend opens a fan's referral link, signs up from it, and the fan's
// referral page lists them as pending; the share poster renders with a QR code that decodes
// back to the link, and shows nothing of the fan but their handle and level.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PNG } from "pngjs";
import jsQR from "jsqr";
import { launchBrowser, signIn, PHONE } from "./sweep.mjs";

const BASE = process.env.CANYU_URL;

async function call(method, path, token, body) {
  const headers = { "Content-Type": "application/json", "Accept-Language": "zh-CN" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(BASE + "/api/v1" + path, { method, headers, body: body && JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => null) };
}

test("a friend signs up from a referral link on a phone and the referrer sees them", { timeout: 120_000 }, async () => {
  assert.ok(BASE, "CANYU_URL is set by run.sh");
  const suffix = Date.now() % 100000;
  const referrer = { handle: `e2e_ref_${suffix}`, password: "fan-password-e2e-1" };
  const email = `ref${suffix}@example.com`;
  assert.equal((await call("POST", "/auth/register", null, { ...referrer, email })).status, 201);
  const token = (await call("POST", "/auth/login", null, referrer)).body.token;
  const mine = await call("GET", "/me/referral", token);
  assert.equal(mine.status, 200, JSON.stringify(mine.body));
  const code = mine.body.code;

  const browser = await launchBrowser();
  try {
    // The friend, on their own phone, not signed in.
    const friendPhone = await browser.newContext({ viewport: PHONE, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    const page = await friendPhone.newPage();
    await page.goto(`${BASE}/r/${code.toLowerCase()}`);
    assert.ok((await page.textContent("[data-testid=referral-landing] h1")).includes(`@${referrer.handle}`));
    await Promise.all([page.waitForURL(/\/register/), page.click("[data-testid=landing-join]")]);
    assert.ok((await page.textContent("[data-testid=invited-by]")).includes(`@${referrer.handle}`));
    const friend = `e2e_friend_${suffix}`;
    await page.fill("[data-testid=handle]", friend);
    await page.fill("[data-testid=password]", "friend-password-e2e-1");
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/register")), page.click("[data-testid=register-submit]")]);
    const cookies = await friendPhone.cookies();
    assert.ok(!cookies.some((c) => c.name === "canyu_ref" && c.value), "the link is forgotten once used");

    // The referrer's page on their phone: the friend, pending, and the poster.
    const phone = await browser.newContext({ viewport: PHONE, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    await signIn(phone, BASE, referrer.handle, referrer.password);
    const mePage = await phone.newPage();
    await mePage.goto(`${BASE}/me/referral`);
    const row = mePage.locator(`[data-testid=invitee][data-handle="${friend}"]`);
    await row.waitFor();
    assert.equal((await row.locator("[data-testid=invitee-status]").textContent()).trim(), "待达标");
    assert.equal((await mePage.textContent("[data-testid=referral-invited]")).trim(), "1");
    assert.equal(await mePage.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false);

    const link = await mePage.inputValue("[data-testid=referral-link]");
    assert.match(link, new RegExp(`^https?://.+/r/${code}$`));
    const poster = mePage.locator("[data-testid=referral-poster]");
    await poster.waitFor();
    await mePage.waitForFunction(() => {
      const img = document.querySelector("[data-testid=referral-poster]");
      return img && img.complete && img.naturalWidth > 0;
    });
    const png = PNG.sync.read(await poster.screenshot());
    const qr = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    assert.ok(qr, "the poster's QR code decodes");
    assert.equal(qr.data, link, "and leads to the referral link");

    const svg = await (await fetch(`${BASE}/r/${code}/poster.svg`, { headers: { "Accept-Language": "zh-CN" } })).text();
    assert.ok(svg.includes(`@${referrer.handle}`) && svg.includes("邀请你加入"), "handle and Chinese text");
    assert.ok(!svg.includes(email) && !svg.includes("example.com"), "nothing personal beyond the handle");
  } finally {
    await browser.close();
  }
});
