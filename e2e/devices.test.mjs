// 人车家 on a phone: a fan binds the phone they own by its serial, their post on its board then
// carries the owner chip and passes the owners' filter, and handing the device on to a friend
// tells the friend in their inbox.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, signIn, PHONE } from "./sweep.mjs";

const BASE = process.env.CANYU_URL;
const PRODUCT = process.env.CANYU_PRODUCT;

async function call(method, path, token, body) {
  const headers = { "Content-Type": "application/json", "Accept-Language": "zh-CN" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(BASE + "/api/v1" + path, { method, headers, body: body && JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function fan(handle) {
  const password = "fan-password-e2e-1";
  assert.equal((await call("POST", "/auth/register", null, { handle, password })).status, 201);
  const token = (await call("POST", "/auth/login", null, { handle, password })).body.token;
  return { handle, password, token };
}

test("a fan binds a device on a phone and their words on its board carry the owner chip", { timeout: 120_000 }, async () => {
  assert.ok(BASE && PRODUCT, "CANYU_URL and CANYU_PRODUCT are set by run.sh");
  const suffix = Date.now() % 100000;
  const owner = await fan(`e2e_owner_${suffix}`);
  const friend = await fan(`e2e_friend_${suffix}`);
  const posted = await call("POST", "/posts", owner.token, {
    product: PRODUCT, kind: "idea", title: "E2E 已购用户的建议：锁屏显示电量", body: "用了三个月，最想要这个。",
  });
  assert.equal(posted.status, 201, JSON.stringify(posted.body));
  const other = await call("POST", "/posts", friend.token, {
    product: PRODUCT, kind: "question", title: "E2E 还没买：续航怎么样", body: "想先问问。",
  });
  assert.equal(other.status, 201);

  const browser = await launchBrowser();
  try {
    const phone = await browser.newContext({ viewport: PHONE, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    await signIn(phone, BASE, owner.handle, owner.password);
    const page = await phone.newPage();
    await page.goto(`${BASE}/devices`);
    await page.selectOption("[data-testid=claim-product]", PRODUCT);
    await page.fill("[data-testid=claim-serial]", `e2e ${suffix} 0001`);
    await Promise.all([page.waitForURL(/\/devices\?done=claimed/), page.click("[data-testid=claim-submit]")]);
    assert.equal((await page.textContent("[data-testid=device-serial]")).trim(), `E2E${suffix}0001`);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false);

    // The board, owners only: the owner's post with its chip, not the other fan's.
    await page.goto(`${BASE}/products/${PRODUCT}`);
    await Promise.all([page.waitForURL(/owners=1/), page.click("[data-testid=owners-filter]")]);
    const cards = page.locator(".post-card");
    const text = await page.textContent("main");
    assert.ok(text.includes("E2E 已购用户的建议"), "the owner's post is listed");
    assert.ok(!text.includes("E2E 还没买"), "a non-owner's post is filtered out");
    const chip = (await page.locator("[data-testid=owner-chip]").first().textContent()).trim();
    assert.match(chip, /^已购 · /);
    assert.ok(!text.includes(`E2E${suffix}0001`), "never the serial");
    assert.ok((await cards.count()) >= 1);

    // Handed on to a friend, who is told at once.
    await page.goto(`${BASE}/devices`);
    await page.click("[data-testid=device-release]");
    await page.fill("[data-testid=next-owner]", friend.handle);
    await Promise.all([page.waitForURL(/\/devices\?done=released/), page.click("[data-testid=release-submit]")]);
    const inbox = await call("GET", "/me/notifications", friend.token);
    assert.equal(inbox.body.items[0].kind, "device.handed_on", JSON.stringify(inbox.body));
    assert.ok(inbox.body.items[0].message.includes(owner.handle));
    const claimed = await call("POST", "/me/devices", friend.token, { product: PRODUCT, serial: `E2E${suffix}0001` });
    assert.equal(claimed.status, 201, "the named friend binds it without waiting");
    await phone.close();
  } finally {
    await browser.close();
  }
});
